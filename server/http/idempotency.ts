// HTTP layer: the Idempotency-Key protocol for POST routes. A retry with the same key and the same body gets the
// original answer; a retry after a half-finished attempt resumes it with the ids that attempt had chosen. A route
// whose answer must be fresh on every call (presigned URLs, which name a storage endpoint and expire) is
// re-derived instead: the retry re-runs the action with the recorded ids, and the action recognises its own
// earlier effect, so nothing is done twice and no stale URL is ever served from the record.
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { z } from 'zod';
import { PouchError } from '../../shared/domain/errors.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';
import { newId } from '../../shared/domain/ids.ts';
import type { IdempotencyStore } from '../ports/idempotency-store.ts';
import type { AppEnv } from './app-env.ts';

const KEY = /^[A-Za-z0-9_-]{8,128}$/;

/** The answer an idempotent route gives: its success status and the schema of its body. */
export interface IdempotentAnswer<S extends 200 | 201, Z extends z.ZodType> {
  readonly status: S;
  readonly schema: Z;
  /**
   * The answer carries short-lived material (presigned URLs): record only the ids, and answer a retry by
   * running the action again with them. The action must find its earlier effect by those ids and not repeat it.
   */
  readonly rederive?: boolean;
}

/** What a re-derived route keeps as its answer: the ids, never the body. */
interface RederiveRecord {
  readonly rederive: Record<string, string>;
}

/** The ids of a re-derived record; undefined for a record that holds a whole answer. */
function readRederiveRecord(body: unknown): Record<string, string> | undefined {
  if (typeof body !== 'object' || body === null || !('rederive' in body)) return undefined;
  const ids: unknown = body.rederive;
  if (typeof ids !== 'object' || ids === null) return undefined;
  const read: Record<string, string> = {};
  for (const [name, value] of Object.entries(ids)) {
    if (typeof value !== 'string') return undefined;
    read[name] = value;
  }
  return read;
}

/**
 * Run `action` at most once per (caller, Idempotency-Key). Without the header the action simply runs.
 * `ids` are the identifiers a fresh attempt would use; a resumed attempt gets the ones first chosen. A replayed
 * answer is parsed with the route's response schema: what the store hands back is checked, not trusted.
 */
export async function runIdempotent<S extends 200 | 201, Z extends z.ZodType>(
  c: Context<AppEnv>,
  store: IdempotencyStore,
  principal: Principal,
  body: unknown,
  ids: Record<string, string>,
  answer: IdempotentAnswer<S, Z>,
  action: (ids: Record<string, string>) => Promise<z.output<Z>>,
) {
  const key = readKey(c);
  if (key === undefined) {
    // Without a key no retry can ever name this attempt's effect id, so none is fixed: a recorded effect id costs a
    // claim and a note in the effect index (two writes) that nothing would ever look up. The recorder gives the
    // event a fresh id of its own; the route's other ids (a new exchange id) stand.
    const { eventId: _nobodyAsks, ...unkeyed } = ids;
    return c.json(await action(unkeyed), answer.status);
  }
  const fingerprint = createHash('sha256')
    .update(`${c.req.method} ${c.req.path}\n${JSON.stringify(body ?? null)}`)
    .digest('hex');
  const begun = await store.begin(principal.clientId, key, fingerprint, ids);
  if (begun.state === 'done') {
    const recorded = answer.rederive ? readRederiveRecord(begun.body) : undefined;
    if (recorded) return c.json(await action(recorded), answer.status, { 'Idempotent-Replayed': 'true' });
    // A record written before the route was re-derived holds the whole answer: the only one there is.
    const replayed: z.output<Z> = answer.schema.parse(begun.body);
    return c.json(replayed, answer.status, { 'Idempotent-Replayed': 'true' });
  }
  const chosen = begun.state === 'pending' ? resumedIds(begun.data) : ids;
  const result = await action(chosen);
  const record: unknown = answer.rederive ? ({ rederive: chosen } satisfies RederiveRecord) : result;
  await store.complete(principal.clientId, key, answer.status, record);
  return c.json(result, answer.status);
}

/** The ids a half-finished attempt stored (strings only: that is all `begin` is ever given). */
function resumedIds(data: Record<string, unknown>): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const [name, value] of Object.entries(data)) if (typeof value === 'string') ids[name] = value;
  return ids;
}

/** The Idempotency-Key header, checked; undefined when absent. */
function readKey(c: Context<AppEnv>): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key !== undefined && !KEY.test(key)) {
    throw new PouchError('ERR_VALIDATION', 'Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 _ -', {
      details: { field: 'header.idempotency-key' },
    });
  }
  return key;
}

/**
 * The ids of a recording POST: the effect id its ledger event will carry (`eventId`), with the route's own ids.
 * Stored with the key, so a resumed attempt records nothing the first attempt already recorded.
 */
export function recordingIds(ids: Record<string, string> = {}): Record<string, string> {
  return { ...ids, eventId: newId('evt') };
}

/** The effect ids a use case takes from the chosen ids (a record begun before effect ids has none). */
export function effectIdsOf(ids: Record<string, string>): { eventId?: string } {
  return ids.eventId === undefined ? {} : { eventId: ids.eventId };
}

/**
 * The effect id of a recording GET (a custody read, an export) sent with an Idempotency-Key: derived from the
 * caller, the request and the key, so a retried read is recorded once without storing an answer (a bundle can
 * be megabytes). Without the header every read is a read of its own.
 */
export function keyedReadIds(c: Context<AppEnv>, principal: Principal): { eventId?: string } {
  const key = readKey(c);
  if (key === undefined) return {};
  const digest = createHash('sha256')
    .update(`${principal.clientId}\n${c.req.method} ${c.req.path}\n${key}`)
    .digest('base64url');
  return { eventId: `evt_${digest.slice(0, 22)}` };
}
