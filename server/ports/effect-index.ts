// Port: where a keyed effect's ledger event is. The ledger is one hash chain per exchange, searchable only by seq;
// an effect with its own id (a keyed retry, a natural key such as a message id) must be recognised without reading
// the chain, so the recorder claims the id before the append and notes the seq after it. DynamoDB implements it on
// the main table (server/adapters/dynamo-effect-index.ts).

/** What the index knows of one effect id. */
export interface EffectRecord {
  /**
   * The effect's event, if any attempt appended it, is at this seq or later: the first attempt claimed the id
   * knowing the chain was at least this long, and appended after claiming.
   */
  readonly fromSeq: number;
  /** Where the event landed, once an attempt has noted it. */
  readonly seq?: number;
}

/** A claim's answer: the record as stored, and whether this call made it (no attempt came before). */
export interface EffectClaim extends EffectRecord {
  readonly fresh: boolean;
  /** Names this call's claim (for `advance`). */
  readonly token: string;
}

export interface EffectIndex {
  /**
   * Claim `id` on `chain` before its event is appended. An existing claim is kept as it is (its `fromSeq` is
   * the earlier, so the safer, bound) and returned with `fresh: false`.
   */
  claim(chain: string, id: string, fromSeq: number): Promise<EffectClaim>;
  /** The record of `id`, read consistently; undefined when no attempt ever claimed it. */
  get(chain: string, id: string): Promise<EffectRecord | undefined>;
  /** Note the seq the event of `id` landed at. The first note stays: an event is written once. */
  settle(chain: string, id: string, seq: number): Promise<void>;
  /**
   * The attempt that made claim `token` was refused (it appended nothing) with the chain at `fromSeq - 1`: move
   * the bound there, so that later lookups of an effect that never happened do not search the events since the
   * claim. Only that claim moves, and only while no event has been noted for it.
   */
  advance(chain: string, id: string, fromSeq: number, token: string): Promise<void>;
}
