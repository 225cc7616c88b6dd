// Custody bundle: the self-contained, offline-verifiable export of one exchange's custody (docs/custody-bundle.md).
// The audit use case (audit-service.ts) writes it; `pouch verify` and auditors check it with verifyBundle, which
// streams: memory grows with receipts and manifests, never with the number of events.
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { PublicJwk } from '../crypto/compact-jws.ts';
import {
  type AuthorityKeyChain,
  resolveAuthorityKeyChain,
  type SignedMemberKey,
  verifyStoredStatement,
} from '../directory/statements.ts';
import { PouchError } from '../domain/errors.ts';
import { type ChainHead, type Checkpoint, verifyChainHeadProof } from '../domain/ledger/checkpoint.ts';
import { decodeEventLine, type LedgerEvent } from '../domain/ledger/event.ts';
import { requestedReferenceSetBy } from '../domain/ledger/label-projection.ts';
import {
  describeReceiptMismatch,
  isReceiptAction,
  type ReceiptPayload,
  receiptPartiesOf,
} from '../domain/ledger/receipt.ts';
import {
  createStreamVerifier,
  type StreamVerifier,
  splitLineBatches,
} from '../domain/ledger/stream-verifier.ts';
import { verifyCheckpoint } from './checkpoints.ts';
import {
  type ClaimedLabelView,
  describeLabelMismatch,
  describeManifestMismatch,
  type Manifest,
  readManifestKid,
  verifyManifest,
} from './manifest.ts';
import { createReceiptVerifier } from './receipts.ts';

/** `format` of the header line. */
export const BUNDLE_FORMAT = 'pouch-custody-bundle';

/** Media type of a bundle served over HTTP (JSON Lines): a wire fact, defined with the custody wire schemas. */
export { BUNDLE_MEDIA_TYPE } from '../api/custody.ts';

/** The parties and identity of the exchange, as the label gives them (routing metadata, never content). */
export interface BundleLabel {
  readonly id: string;
  readonly requesterId: string;
  readonly requestedId: string;
  readonly [member: string]: unknown;
}

/** A member key as the directory publishes it, with its validity period. */
export interface BundleMemberKey {
  readonly clientId: string;
  readonly kid: string;
  readonly alg: string;
  readonly jwk: Record<string, unknown>;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

/**
 * What a sender's authority signed about its members' keys, carried so an offline verifier can check each
 * manifest's key against the authority key it pinned: the authority-key chain (the key registered at onboarding
 * and each rotation) and the `member-keys` statement in force for every member that signed a manifest.
 */
export interface BundleAuthority {
  readonly authorityId: string;
  readonly authorityKey: AuthorityKeyChain;
  readonly members: ReadonlyArray<{ readonly memberId: string; readonly keysStatement: string }>;
}

/** An inclusion proof of one logged chain head in the bundle's checkpoint. */
export interface BundleInclusion {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly head: ChainHead;
  readonly proof: readonly string[];
}

/** Everything a bundle holds; `eventLines` are the ledger's stored lines, byte for byte, in seq order. */
export interface BundleMaterial {
  readonly exchangeId: string;
  readonly exportedAt: string;
  readonly label: BundleLabel;
  readonly exchangeKey: PublicJwk;
  readonly memberKeys: readonly BundleMemberKey[];
  /** The senders' authorities' signed member keys (absent from bundles exported before they were carried). */
  readonly authorities?: readonly BundleAuthority[];
  readonly checkpoint?: string;
  /** The latest logged head's proof (a v1 bundle); superseded by `loggedHeads`. */
  readonly inclusion?: BundleInclusion;
  /** Every head ever logged for the chain, by ascending leaf index (a v2 bundle: one inclusion record each). */
  readonly loggedHeads?: readonly BundleInclusion[];
  readonly receipts: ReadonlyArray<{ readonly seq: number; readonly evidence: string; readonly jws: string }>;
  readonly manifests: ReadonlyArray<{
    readonly messageId: string;
    readonly seq: number;
    readonly senderClientId: string;
    readonly jws: string;
  }>;
}

/**
 * Write a bundle: the typed records (header, label, keys, checkpoint, inclusion proof, receipts and manifests in
 * seq order), then every stored event line as it is. Yields lines without their trailing newline.
 *
 * @example
 * for await (const line of writeBundleLines(material, ledger.readLines(id))) out.write(`${line}\n`);
 */
export async function* writeBundleLines(
  material: BundleMaterial,
  eventLines: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<string> {
  yield JSON.stringify({
    type: 'header',
    format: BUNDLE_FORMAT,
    v: material.loggedHeads ? 2 : 1,
    exchangeId: material.exchangeId,
    exportedAt: material.exportedAt,
  });
  yield JSON.stringify({ type: 'label', label: material.label });
  yield JSON.stringify({ type: 'exchange-key', jwk: material.exchangeKey });
  for (const key of material.memberKeys) yield JSON.stringify({ type: 'member-key', ...key });
  for (const authority of material.authorities ?? [])
    yield JSON.stringify({ type: 'authority', ...authority });
  if (material.checkpoint) yield JSON.stringify({ type: 'checkpoint', jws: material.checkpoint });
  const inclusions = material.loggedHeads ?? (material.inclusion ? [material.inclusion] : []);
  for (const proof of [...inclusions].sort((a, b) => a.leafIndex - b.leafIndex)) {
    yield JSON.stringify({ type: 'inclusion', ...proof });
  }
  for (const r of [...material.receipts].sort((a, b) => a.seq - b.seq)) {
    yield JSON.stringify({ type: 'receipt', seq: r.seq, evidence: r.evidence, jws: r.jws });
  }
  for (const m of [...material.manifests].sort((a, b) => a.seq - b.seq)) {
    yield JSON.stringify({
      type: 'manifest',
      messageId: m.messageId,
      seq: m.seq,
      senderClientId: m.senderClientId,
      jws: m.jws,
    });
  }
  for await (const line of eventLines) yield line;
}

/** What `verifyBundle` found broken first: `element` (`event seq 3`) and `check` (`hash`), and a sentence. */
export interface BundleBreak {
  readonly element: string;
  readonly check: string;
  /** `${element}: ${check}`, the precise pointer. */
  readonly pointer: string;
  readonly message: string;
}

export interface BundleSummary {
  readonly exchangeId: string;
  readonly events: number;
  readonly receipts: number;
  readonly manifests: number;
  readonly head: ChainHead | undefined;
  readonly checkpoint: Checkpoint | undefined;
  /** The compact JWS of that checkpoint (what `pouch verify --save-checkpoint` keeps). */
  readonly checkpointJws: string | undefined;
  /** The latest logged head, proven in the checkpoint. */
  readonly checkpointedHead: ChainHead | undefined;
  /** Format version: 2 carries every logged head of the chain, 1 only the latest. */
  readonly version: number;
  /** How many logged heads the bundle proves (each found in the chain with its hash). */
  readonly loggedHeads: number;
  /**
   * The exchange's label as the bundle carries it: once verified, its parties, kind, urgency, deadline and
   * requester reference are the genesis event's, its requested reference the latest the ledger records, and
   * every manifest's label claims agree with it.
   */
  readonly label: BundleLabel | undefined;
  /**
   * Manifests whose signing key was checked against a `member-keys` statement of the sender's pinned authority
   * key, and those it could not be checked for (the sender's authority is not pinned), with the reason.
   */
  readonly senderKeys: {
    readonly checked: number;
    readonly unchecked: ReadonlyArray<{
      readonly messageId: string;
      readonly senderClientId: string;
      readonly reason: string;
    }>;
  };
}

export type BundleVerification =
  | ({ readonly ok: true } & BundleSummary)
  | ({ readonly ok: false; readonly broken: BundleBreak } & Partial<BundleSummary>);

export interface VerifyBundleOptions {
  /**
   * Exchange public keys the verifier trusts (from the exchange's JWKS, fetched out of band). When given, the
   * bundle's exchange key must be one of them; otherwise the key in the bundle is taken as it is.
   */
  readonly trustedExchangeKeys?: readonly PublicJwk[];
  /** Require a checkpoint and an inclusion proof (default true). */
  readonly requireCheckpoint?: boolean;
  /**
   * Authority-key fingerprints the verifier pinned (authority id -> RFC 7638 fingerprint). The manifest of a
   * sender whose authority is pinned must be signed with a key that a `member-keys` statement in the bundle,
   * signed by that authority's key chain (which must contain the pin), lists and had not revoked at the
   * `message.sent` time; a bundle without that statement fails (`sender-key`).
   */
  readonly authorityPins?: ReadonlyMap<string, string>;
  /** Fail (`sender-key-unchecked`) when a manifest's key cannot be checked so, its authority unpinned. */
  readonly requireSignedSenderKeys?: boolean;
  /** Called with every event once it has verified (for a printed timeline); decoding costs time. */
  readonly onEvent?: (event: LedgerEvent, marks: { receipt?: string; manifest?: string }) => void;
}

interface PendingManifest {
  readonly messageId: string;
  readonly seq: number;
  readonly senderClientId: string;
  readonly manifest: Manifest;
  readonly key: BundleMemberKey;
  /** RFC 7638 thumbprint of the key (compared with the keys its authority signed). */
  readonly thumbprint: string;
}

class Broken extends Error {
  constructor(
    readonly element: string,
    readonly check: string,
    message: string,
  ) {
    super(message);
  }
}

const SECTION = {
  header: 0,
  label: 1,
  'exchange-key': 2,
  'member-key': 3,
  authority: 4,
  checkpoint: 5,
  inclusion: 6,
  receipt: 7,
  manifest: 8,
  event: 9,
} as const;

/**
 * Verify a custody bundle offline, streaming, and name the first broken element. Checks, in bundle order: the
 * header; the label against the genesis event (parties, kind, urgency, deadline, requester reference) and its
 * requested reference against the latest one a `message.sent` set; the checkpoint's signature; the inclusion proof of the chain head
 * against the checkpoint root; each receipt's signature (and parties); each manifest's signature with the
 * sender's key; then every event's hash and link (stream verifier), each receipt against its event
 * (describeReceiptMismatch, with the parties receiptPartiesOf names for it), each manifest against its
 * `message.sent` event (sender, key valid at the event time, then describeManifestMismatch: kind, digests in the
 * form storage verified them, the sender's assertions, the requested reference) and its label claims against the
 * label (describeLabelMismatch), that every receipt-earning event has its receipt and
 * every sent message its manifest, and that the chain reaches the checkpointed head with the same hash.
 *
 * @example
 * const verdict = await verifyBundle(createReadStream('exch_x.custody.jsonl'));
 * if (!verdict.ok) console.error(verdict.broken.pointer); // "event seq 3: hash"
 */
export async function verifyBundle(
  chunks: AsyncIterable<Uint8Array | string>,
  options: VerifyBundleOptions = {},
): Promise<BundleVerification> {
  const state = createState(options);
  try {
    for await (const batch of splitLineBatches(chunks)) {
      for (const line of batch) {
        const result = state.push(line);
        if (result !== undefined) await result;
      }
    }
    return state.finish();
  } catch (error) {
    if (error instanceof Broken) {
      return {
        ok: false,
        broken: {
          element: error.element,
          check: error.check,
          pointer: `${error.element}: ${error.check}`,
          message: error.message,
        },
        ...state.summary(),
      };
    }
    throw error;
  }
}

function createState(options: VerifyBundleOptions) {
  let section = -1;
  let exchangeId = '';
  let label: BundleLabel | undefined;
  let exchangeKey: PublicJwk | undefined;
  let verifyReceiptJws: ((jws: string) => ReceiptPayload) | undefined;
  const memberKeys = new Map<string, BundleMemberKey[]>();
  /** Client id -> the keys its pinned authority signed for it (only senders of pinned authorities). */
  const signedKeys = new Map<string, Array<SignedMemberKey & { readonly thumbprint: string }>>();
  const pinnedAuthoritiesSeen = new Set<string>();
  let senderKeysChecked = 0;
  const senderKeysUnchecked: Array<{ messageId: string; senderClientId: string; reason: string }> = [];
  let checkpoint: Checkpoint | undefined;
  let checkpointedHead: ChainHead | undefined;
  let checkpointJws: string | undefined;
  let version = 0;
  /** Every logged head the bundle proves, seq -> hash; each must be in the chain (a tail cannot vanish). */
  const loggedHeads = new Map<number, string>();
  let lastLeafIndex = -1;
  let highestLoggedSeq = -1;
  const receipts = new Map<number, ReceiptPayload>();
  let lastReceiptSeq = -1;
  const manifestsBySeq = new Map<number, PendingManifest>();
  const manifestIds = new Set<string>();
  /** Message id → the authority that sent it (actor of its `message.sent`), for the parties of its receipts. */
  const messageSenders = new Map<string, string>();
  let lastManifestSeq = -1;
  let receiptCount = 0;
  let manifestCount = 0;
  let verifier: StreamVerifier | undefined;
  let events = 0;
  let lastEvent: { seq: number; hash: string } | undefined;
  /** The latest requested reference a `message.sent` set, up to the label's `ledgerSeq`. */
  let requestedReference: string | undefined;

  const fail = (element: string, check: string, message: string): never => {
    throw new Broken(element, check, message);
  };

  const enter = (type: keyof typeof SECTION, element: string, repeatable: boolean): void => {
    const at = SECTION[type];
    if (at < section || (at === section && !repeatable)) {
      fail(element, 'order', `${element} is out of place (the bundle's sections come in a fixed order)`);
    }
    if (section < 0 && type !== 'header')
      fail('header', 'missing', 'The bundle does not start with its header');
    section = at;
  };

  function parse(line: string, index: string): Record<string, unknown> {
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value === 'object' && value !== null && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // reported below
    }
    return fail(index, 'format', `${index} is not a JSON object`);
  }

  async function onRecord(line: string): Promise<void> {
    const record = parse(line, 'record');
    switch (record.type) {
      case 'header': {
        enter('header', 'header', false);
        if (record.format !== BUNDLE_FORMAT || (record.v !== 1 && record.v !== 2))
          fail('header', 'format', 'Not a v1 or v2 custody bundle');
        version = record.v as number;
        if (typeof record.exchangeId !== 'string' || record.exchangeId.length === 0) {
          fail('header', 'format', 'The header names no exchange');
        }
        exchangeId = record.exchangeId as string;
        return;
      }
      case 'label': {
        enter('label', 'label', false);
        const l = record.label as BundleLabel | undefined;
        if (
          !l ||
          l.id !== exchangeId ||
          typeof l.requesterId !== 'string' ||
          typeof l.requestedId !== 'string'
        ) {
          fail('label', 'format', 'The label is not the label of this exchange');
        }
        label = l;
        return;
      }
      case 'exchange-key': {
        enter('exchange-key', 'exchange key', false);
        const jwk = record.jwk as PublicJwk | undefined;
        if (!jwk || typeof jwk !== 'object') return fail('exchange key', 'format', 'No exchange key');
        if (
          options.trustedExchangeKeys &&
          !options.trustedExchangeKeys.some((k) => k.x === jwk.x && k.y === jwk.y)
        ) {
          fail('exchange key', 'untrusted', 'The bundle is signed with a key the exchange does not publish');
        }
        try {
          verifyReceiptJws = createReceiptVerifier(jwk);
        } catch {
          fail('exchange key', 'format', 'The exchange key is not a public P-256 JWK');
        }
        exchangeKey = jwk;
        return;
      }
      case 'member-key': {
        const element = `member key ${String(record.kid)}`;
        enter('member-key', element, true);
        const key = readMemberKey(record);
        if (!key) return fail(element, 'format', `${element} is malformed`);
        memberKeys.set(key.clientId, [...(memberKeys.get(key.clientId) ?? []), key]);
        return;
      }
      case 'authority': {
        const authorityId = String(record.authorityId);
        const element = `authority ${authorityId}`;
        enter('authority', element, true);
        const pin = options.authorityPins?.get(authorityId);
        if (pin === undefined) return;
        const chain = record.authorityKey as AuthorityKeyChain | undefined;
        const members = record.members;
        if (!chain || !Array.isArray(chain.rotations) || !Array.isArray(members)) {
          return fail(element, 'format', `${element} is malformed`);
        }
        try {
          const { fingerprints } = await resolveAuthorityKeyChain(authorityId, chain);
          if (!fingerprints.includes(pin)) {
            return fail(element, 'pin', `${element}: its key chain does not contain the pinned key ${pin}`);
          }
          for (const member of members as Array<{ memberId?: unknown; keysStatement?: unknown }>) {
            const statement = await verifyStoredStatement(String(member.keysStatement), chain, {
              authorityId,
              kind: 'member-keys',
            });
            if (statement.content.memberId !== member.memberId) {
              return fail(element, 'statement', `${element}: a keys statement is about another member`);
            }
            const keys = await Promise.all(
              statement.content.keys.map(async (k) => ({
                ...k,
                thumbprint: await calculateJwkThumbprint(k.jwk),
              })),
            );
            signedKeys.set(`${authorityId}:${statement.content.memberId}`, keys);
          }
        } catch (error) {
          if (error instanceof Broken) throw error;
          return fail(element, 'statement', `${element}: ${(error as Error).message}`);
        }
        pinnedAuthoritiesSeen.add(authorityId);
        return;
      }
      case 'checkpoint': {
        enter('checkpoint', 'checkpoint', false);
        if (!exchangeKey) return fail('exchange key', 'missing', 'The bundle carries no exchange key');
        try {
          checkpoint = await verifyCheckpoint(String(record.jws), exchangeKey);
          checkpointJws = String(record.jws);
        } catch {
          fail('checkpoint', 'signature', 'The checkpoint signature does not verify with the exchange key');
        }
        return;
      }
      case 'inclusion': {
        // v2 carries one inclusion record per logged head of the chain, by ascending leaf index.
        enter('inclusion', 'checkpoint', version >= 2);
        if (!checkpoint) return fail('checkpoint', 'missing', 'An inclusion proof without a checkpoint');
        const head = record.head as ChainHead | undefined;
        const proof = {
          head: head as ChainHead,
          leafIndex: record.leafIndex as number,
          treeSize: record.treeSize as number,
          proof: record.proof as string[],
        };
        if (
          !head ||
          head.chain !== exchangeId ||
          !Array.isArray(proof.proof) ||
          !verifyChainHeadProof(checkpoint, proof)
        ) {
          fail(
            'checkpoint',
            'inclusion proof',
            "The chain head's inclusion proof does not lead to the checkpoint root",
          );
        }
        checkpointedHead = { chain: head?.chain ?? '', seq: head?.seq ?? 0, hash: head?.hash ?? '' };
        if (!Number.isSafeInteger(proof.leafIndex) || proof.leafIndex <= lastLeafIndex) {
          fail('checkpoint', 'order', 'The logged heads must come by ascending leaf index');
        }
        lastLeafIndex = proof.leafIndex;
        const known = loggedHeads.get(checkpointedHead.seq);
        if (known !== undefined && known !== checkpointedHead.hash) {
          fail('checkpoint', 'fork', `The log holds two different heads at seq ${checkpointedHead.seq}`);
        }
        loggedHeads.set(checkpointedHead.seq, checkpointedHead.hash);
        highestLoggedSeq = Math.max(highestLoggedSeq, checkpointedHead.seq);
        return;
      }
      case 'receipt': {
        const seq = record.seq;
        const element = `receipt seq ${String(seq)}`;
        enter('receipt', element, true);
        if (!Number.isSafeInteger(seq)) return fail(element, 'format', `${element} has no seq`);
        if (receipts.has(seq as number)) fail(element, 'duplicate', `${element} appears twice`);
        if ((seq as number) < lastReceiptSeq) fail(element, 'order', 'Receipts must come in seq order');
        if (!verifyReceiptJws) return fail('exchange key', 'missing', 'The bundle carries no exchange key');
        let payload: ReceiptPayload;
        try {
          payload = verifyReceiptJws(String(record.jws));
        } catch {
          return fail(
            element,
            'signature',
            `${element}: the signature does not verify with the exchange key`,
          );
        }
        if (payload.seq !== seq || payload.chain !== exchangeId)
          fail(element, 'seq', `${element} names another event`);
        if (payload.evidence !== record.evidence)
          fail(element, 'evidence', `${element}: evidence type differs`);
        // Which party is which depends on the event (receiptPartiesOf); here, both must be parties at all.
        const parties = label ? [label.requesterId, label.requestedId] : undefined;
        if (parties && (!parties.includes(payload.sender) || !parties.includes(payload.recipient))) {
          fail(element, 'parties', `${element} names other parties than the label`);
        }
        receipts.set(seq as number, payload);
        lastReceiptSeq = seq as number;
        receiptCount++;
        return;
      }
      case 'manifest': {
        const messageId = String(record.messageId);
        const element = `manifest ${messageId}`;
        enter('manifest', element, true);
        const seq = record.seq;
        if (!Number.isSafeInteger(seq)) return fail(element, 'format', `${element} has no seq`);
        if (manifestIds.has(messageId) || manifestsBySeq.has(seq as number)) {
          fail(element, 'duplicate', `${element} appears twice`);
        }
        if ((seq as number) < lastManifestSeq) fail(element, 'order', 'Manifests must come in seq order');
        const sender = String(record.senderClientId);
        const jws = String(record.jws);
        let kid: string;
        try {
          kid = readManifestKid(jws);
        } catch {
          return fail(element, 'signature', `${element} has no readable key id`);
        }
        const key = memberKeys.get(sender)?.find((k) => k.kid === kid);
        if (!key)
          return fail(
            element,
            'key',
            `${element} is signed with a key the bundle does not list for ${sender}`,
          );
        let manifest: Manifest;
        try {
          ({ manifest } = await verifyManifest(jws, key.jwk as JWK, { exchangeId, messageId, sender }));
        } catch (error) {
          const check =
            error instanceof PouchError && error.code === 'ERR_MANIFEST_INVALID' ? 'binding' : 'signature';
          return fail(element, check, `${element}: ${(error as Error).message}`);
        }
        manifestsBySeq.set(seq as number, {
          messageId,
          seq: seq as number,
          senderClientId: sender,
          manifest,
          key,
          thumbprint: await calculateJwkThumbprint(key.jwk as JWK),
        });
        manifestIds.add(messageId);
        lastManifestSeq = seq as number;
        manifestCount++;
        return;
      }
      default:
        fail('record', 'format', `Unknown record type ${String(record.type)}`);
    }
  }

  function decodeEvent(line: string, seq: number): LedgerEvent {
    try {
      return decodeEventLine(line);
    } catch {
      return fail(`event seq ${seq}`, 'format', `event ${seq} is not a well-formed ledger event`);
    }
  }

  function onEvent(line: string): void {
    if (section < SECTION.event) {
      enter('event', 'event seq 0', true);
      if (!label) fail('label', 'missing', 'The bundle carries no label');
      if (options.requireCheckpoint !== false && !checkpointedHead) {
        fail('checkpoint', 'missing', 'The bundle carries no checkpoint and inclusion proof');
      }
      verifier = createStreamVerifier({ chain: exchangeId });
    }
    const v = verifier as StreamVerifier;
    if (!v.push(line)) {
      const result = v.result();
      if (!result.ok) {
        const seq = result.broken.seq ?? result.broken.index;
        fail(`event seq ${seq}`, result.broken.reason, result.broken.message);
      }
    }
    const seq = events;
    events++;
    const hash = line.slice(line.length - 66, line.length - 2);
    lastEvent = { seq, hash };
    const receipt = receipts.get(seq);
    const manifest = manifestsBySeq.get(seq);
    const needsDecode =
      options.onEvent !== undefined ||
      receipt !== undefined ||
      manifest !== undefined ||
      seq === 0 ||
      line.includes('"action":"message.sent"') ||
      hasReceiptAction(line);
    const logged = loggedHeads.size > 0 ? loggedHeads.get(seq) : undefined;
    if (logged !== undefined && logged !== hash) {
      fail(`event seq ${seq}`, 'checkpoint', `event ${seq} is not the head the checkpoint log commits to`);
    }
    if (!needsDecode) return;
    const event = decodeEvent(line, seq);
    if (seq === 0 && label) {
      const d = event.details ?? {};
      if (d.requesterId !== label.requesterId || d.requestedId !== label.requestedId) {
        fail('label', 'parties', 'The label names other parties than the exchange.created event');
      }
      const field = (['kind', 'urgency', 'requesterReference', 'deadline'] as const).find(
        (f) => (d[f] ?? null) !== (label?.[f] ?? null),
      );
      if (field)
        fail('label', field, `The label's ${field} is not the one the exchange.created event records`);
    }
    const setsReference = requestedReferenceSetBy(event);
    if (setsReference !== undefined && (!label || !(seq > Number(label.ledgerSeq)))) {
      requestedReference = setsReference;
    }
    if (isReceiptAction(event.action)) {
      if (!receipt) fail(`receipt seq ${seq}`, 'missing', `event ${seq} (${event.action}) has no receipt`);
    }
    if (event.action === 'message.sent' && event.subject?.messageId) {
      messageSenders.set(event.subject.messageId, event.actor.authorityId);
    }
    if (receipt) {
      const parties =
        label &&
        receiptPartiesOf(
          event,
          label,
          event.action === 'message.sent'
            ? event.actor.authorityId
            : messageSenders.get(event.subject?.messageId ?? ''),
        );
      if (!parties) {
        fail(`receipt seq ${seq}`, 'parties', `event ${seq} names no sender and recipient of this exchange`);
      }
      const mismatch = describeReceiptMismatch(receipt, event, parties);
      if (mismatch)
        fail(`receipt seq ${seq}`, mismatch, `receipt ${seq} disagrees with its event on ${mismatch}`);
    }
    if (event.action === 'message.sent') {
      const messageId = event.subject?.messageId ?? '';
      if (!manifest || manifest.messageId !== messageId) {
        fail(`manifest ${messageId}`, 'missing', `message ${messageId} (event ${seq}) has no manifest`);
      }
    } else if (manifest) {
      fail(
        `manifest ${manifest.messageId}`,
        'seq',
        `manifest ${manifest.messageId} names event ${seq}, not a sent message`,
      );
    }
    if (manifest) checkManifest(manifest, event);
    options.onEvent?.(event, {
      ...(receipt ? { receipt: receipt.evidence } : {}),
      ...(manifest ? { manifest: manifest.messageId } : {}),
    });
  }

  /**
   * The manifest's key against what its sender's pinned authority signed: listed (same kid, same public key) in
   * the member's keys statement, and not revoked by it at `at`. Unpinned authorities are reported, not checked.
   */
  function checkSenderKey(m: PendingManifest, element: string, at: number): void {
    const authorityId = m.senderClientId.slice(0, m.senderClientId.indexOf(':'));
    if (options.authorityPins?.get(authorityId) === undefined) {
      const reason = `the authority ${authorityId} is not pinned`;
      if (options.requireSignedSenderKeys) {
        fail(element, 'sender-key-unchecked', `${element}: its signing key cannot be checked: ${reason}`);
      }
      senderKeysUnchecked.push({ messageId: m.messageId, senderClientId: m.senderClientId, reason });
      return;
    }
    if (!pinnedAuthoritiesSeen.has(authorityId)) {
      fail(
        element,
        'sender-key',
        `${element}: the bundle carries no signed member keys of the pinned ${authorityId}`,
      );
    }
    const signed = signedKeys
      .get(m.senderClientId)
      ?.find((k) => k.kid === m.key.kid && k.thumbprint === m.thumbprint);
    if (!signed) {
      fail(
        element,
        'sender-key',
        `${element} is signed with key ${m.key.kid}, which ${m.senderClientId}'s pinned authority key never signed`,
      );
    }
    if (signed?.revokedAt !== undefined && Date.parse(signed.revokedAt) <= at) {
      fail(
        element,
        'sender-key',
        `${element}: its authority had revoked key ${m.key.kid} before it was sent`,
      );
    }
    senderKeysChecked++;
  }

  function checkManifest(m: PendingManifest, event: LedgerEvent): void {
    const element = `manifest ${m.messageId}`;
    if (`${event.actor.authorityId}:${event.actor.memberId}` !== m.senderClientId) {
      fail(element, 'sender', `${element} is signed by someone other than the sender of event ${event.seq}`);
    }
    const at = Date.parse(event.time);
    if (
      Date.parse(m.key.createdAt) > at ||
      (m.key.revokedAt !== undefined && Date.parse(m.key.revokedAt) <= at)
    ) {
      fail(element, 'key validity', `${element}: the key ${m.key.kid} was not valid at ${event.time}`);
    }
    checkSenderKey(m, element, at);
    const mismatch = describeManifestMismatch(m.manifest, event);
    if (mismatch === 'kind') {
      fail(element, 'kind', `${element} names another kind of message than event ${event.seq}`);
    }
    if (mismatch === 'documents') {
      fail(element, 'documents', `${element}: the digests differ from event ${event.seq}`);
    }
    if (mismatch === 'assertions') {
      fail(element, 'assertions', `${element}: the sender's assertions differ from event ${event.seq}`);
    }
    if (mismatch === 'requestedReference') {
      fail(element, 'label', `${element}: the requested reference differs from event ${event.seq}`);
    }
    const claims = m.manifest.label;
    if (claims && label) {
      const side = event.actor.authorityId === label.requesterId ? 'requester' : 'requested';
      const field = describeLabelMismatch(claims, claimedViewOf(label), side);
      if (field) {
        fail(
          element,
          'label',
          `${element}: the label the sender sealed under differs from the label (${field})`,
        );
      }
    }
  }

  return {
    push(line: string): Promise<void> | undefined {
      if (line.startsWith('{"body":')) {
        onEvent(line);
        return undefined;
      }
      if (section === SECTION.event) fail(`event seq ${events}`, 'format', 'A record after the events');
      return onRecord(line);
    },
    finish(): BundleVerification {
      if (section < 0) fail('header', 'missing', 'The bundle is empty');
      if (!verifier) {
        if (options.requireCheckpoint !== false && !checkpointedHead) {
          fail('checkpoint', 'missing', 'The bundle carries no checkpoint and inclusion proof');
        }
        fail('event seq 0', 'missing', 'The bundle holds no events');
      }
      const result = (verifier as StreamVerifier).result();
      if (!result.ok) {
        fail(
          `event seq ${result.broken.seq ?? result.broken.index}`,
          result.broken.reason,
          result.broken.message,
        );
      }
      if (highestLoggedSeq >= events) {
        fail(
          `event seq ${highestLoggedSeq}`,
          'truncated',
          `the chain ends at ${events} events, but the checkpoint log commits to seq ${highestLoggedSeq}`,
        );
      }
      if (label && (label.requestedReference ?? undefined) !== requestedReference) {
        fail(
          'label',
          'requestedReference',
          "The label's requested reference is not the latest one the ledger records",
        );
      }
      for (const seq of receipts.keys()) {
        if (seq >= events)
          fail(`receipt seq ${seq}`, 'no event', `receipt ${seq} names an event the bundle lacks`);
      }
      for (const m of manifestsBySeq.values()) {
        if (m.seq >= events)
          fail(`manifest ${m.messageId}`, 'no event', `manifest ${m.messageId} names a missing event`);
      }
      return { ok: true, ...this.summary() } as BundleVerification;
    },
    summary(): BundleSummary {
      return {
        exchangeId,
        events,
        receipts: receiptCount,
        manifests: manifestCount,
        head: lastEvent ? { chain: exchangeId, seq: lastEvent.seq, hash: lastEvent.hash } : undefined,
        checkpoint,
        checkpointJws,
        checkpointedHead,
        version,
        loggedHeads: loggedHeads.size,
        label,
        senderKeys: { checked: senderKeysChecked, unchecked: [...senderKeysUnchecked] },
      };
    },
  };
}

/** The label fields label claims are compared with, read from a bundle's (loosely typed) label record. */
function claimedViewOf(label: BundleLabel): ClaimedLabelView {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    requesterId: label.requesterId,
    requestedId: label.requestedId,
    kind: text(label.kind),
    urgency: text(label.urgency),
    ...(typeof label.deadline === 'string' ? { deadline: label.deadline } : {}),
    requesterReference: text(label.requesterReference),
  };
}

const RECEIPT_ACTION_MARKS = ['"action":"message.delivered"', '"action":"document.retrieved"'];

function hasReceiptAction(line: string): boolean {
  return RECEIPT_ACTION_MARKS.some((mark) => line.includes(mark));
}

/** A member-key record of a bundle, or undefined when a member is missing or of the wrong type. */
function readMemberKey(record: Record<string, unknown>): BundleMemberKey | undefined {
  const { clientId, kid, alg, jwk, createdAt, revokedAt } = record;
  if (typeof clientId !== 'string' || typeof kid !== 'string' || typeof createdAt !== 'string')
    return undefined;
  if (typeof alg !== 'string' || typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    return undefined;
  if (revokedAt !== undefined && typeof revokedAt !== 'string') return undefined;
  return {
    clientId,
    kid,
    alg,
    jwk: { ...jwk },
    createdAt,
    ...(revokedAt !== undefined ? { revokedAt } : {}),
  };
}
