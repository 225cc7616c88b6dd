// Use cases, exchange: post a message with the sender's signed manifest. The manifest must verify with the
// sender's own active key, match the committed uploads and claim the label the exchange holds; the state machine
// decides whether the message may come now; `message.sent` carries the new status (and a requested reference the
// message sets), and the message record and the label are projections of it.
import type { JWK } from 'jose';
import {
  describeLabelMismatch,
  ledgerDigestOf,
  type Manifest,
  readManifestKid,
  type SenderAssertions,
  verifyManifest,
} from '../../../shared/custody/manifest.ts';
import { checkMessageFitsRequest } from '../../../shared/domain/clocks/track.ts';
import { isPouchError, PouchError } from '../../../shared/domain/errors.ts';
import {
  applyMove,
  type MessageKind,
  type Move,
  type Side,
} from '../../../shared/domain/exchange/state-machine.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import {
  type DocumentDigest,
  type JsonValue,
  sameDocumentDigest,
} from '../../../shared/domain/ledger/event.ts';
import { canonicalJson } from '../../../shared/domain/ledger/jcs.ts';
import { isOwnUpload } from '../../policy/policy.ts';
import type { DocumentRecord, ExchangeLabel, MessageIntent } from '../../ports/exchange-repository.ts';
import { callerRecordsOf } from '../identity/caller-records.ts';
import { isKeySigned } from '../identity/directory-model.ts';
import { actorOf, naturalEventIds, statusAt } from '../ledger-recorder.ts';
import { sealedDigestOf } from './commit-document.ts';
import { sideOf } from './exchange-access.ts';
import type { EffectIds, ExchangeContext } from './exchange-context.ts';
import { completeMessage } from './message-records.ts';

export interface PostMessageInput {
  readonly messageId: string;
  readonly kind: MessageKind;
  /** Must agree with the manifest's `senderAssertions.final`, which is what counts (signed by the sender). */
  readonly final?: boolean | undefined;
  /**
   * The requested side's own reference, projected onto the label and recorded in `message.sent`. Only the requested
   * side gives one; a manifest with label claims must claim the same (`label.requestedReference`).
   */
  readonly requestedReference?: string | undefined;
  readonly documentIds: readonly string[];
  readonly manifest: string;
  /**
   * The sender's completeness check of a request (pouch check). Must agree with the manifest's
   * `senderAssertions.check`, which is what is recorded, as the sender's assertion.
   */
  readonly check?:
    | { readonly profileVersion?: number | undefined; readonly errors: number; readonly forced: boolean }
    | undefined;
}

/** Build the post use case. */
export function createMessages(ctx: ExchangeContext) {
  const { deps, recorder, access } = ctx;

  /** The manifest must be signed by the sender's own active key, for this exchange, message and documents. */
  async function checkManifest(
    principal: Principal,
    label: ExchangeLabel,
    input: PostMessageInput,
  ): Promise<Manifest> {
    const kid = readManifestKid(input.manifest);
    // The bearer check of this request read the member and its authority a moment ago: that read, else one now.
    const { member, authority } =
      callerRecordsOf(principal) ??
      (await deps.directory.getCaller(principal.authorityId, principal.memberId));
    const key = member?.keys.find((k) => k.kid === kid);
    if (key?.status !== 'active') {
      throw new PouchError(
        'ERR_SIGNATURE_INVALID',
        'The manifest is not signed by an active key of the sender',
      );
    }
    // The same rule as signing in: a key the authority key has not signed (held pending, or written into the member
    // item around the signed statement) signs no manifest either.
    if (!isKeySigned(authority, member!, key)) {
      throw new PouchError(
        'ERR_SIGNATURE_INVALID',
        "The manifest is signed by a key the sender's authority has not signed",
      );
    }
    const { manifest } = await verifyManifest(input.manifest, key.jwk as JWK, {
      exchangeId: label.id,
      messageId: input.messageId,
      sender: principal.clientId,
    });
    if (manifest.messageKind !== input.kind) {
      throw new PouchError('ERR_MANIFEST_INVALID', 'The manifest names another kind of message');
    }
    const listed = manifest.documents.map((d) => d.documentId).sort();
    if (JSON.stringify(listed) !== JSON.stringify([...input.documentIds].sort())) {
      throw new PouchError(
        'ERR_MANIFEST_INVALID',
        'The manifest does not list exactly the message documents',
      );
    }
    return manifest;
  }

  /**
   * The sender's assertions come from the signed manifest only: a body that says otherwise is refused, and a
   * profile version the recipient never published is refused.
   */
  async function senderAssertionsOf(
    label: ExchangeLabel,
    side: Side,
    input: PostMessageInput,
    manifest: Manifest,
  ): Promise<SenderAssertions | undefined> {
    const signed = manifest.senderAssertions;
    const disagrees = (field: 'final' | 'check', body: unknown, inManifest: unknown) => {
      if (body === undefined || canonicalJson(body) === canonicalJson(inManifest ?? null)) return;
      throw new PouchError(
        'ERR_MANIFEST_INVALID',
        `The ${field} in the request differs from the sender's signed manifest`,
        { details: { field: `json.${field}`, reason: 'differs-from-manifest' } },
      );
    };
    disagrees('final', input.final, signed?.final);
    disagrees('check', input.check, signed?.check);
    const version = signed?.check?.profileVersion;
    if (version !== undefined) {
      const recipientId = side === 'requester' ? label.requestedId : label.requesterId;
      const current = (await deps.directory.getAuthority(recipientId))?.profile.version ?? 0;
      if (version > current) {
        throw new PouchError(
          'ERR_MANIFEST_INVALID',
          `The recipient has published no requirement profile version ${version}`,
          {
            details: {
              field: 'manifest.senderAssertions.check.profileVersion',
              reason: 'unknown-profile-version',
              current,
            },
          },
        );
      }
    }
    return signed;
  }

  /**
   * The label the sender sealed under (its signed claims) must be the exchange's label: a bent label — another
   * recipient, kind, urgency, deadline or reference — is refused before anything is recorded. Returns the
   * requested reference this message sets: the signed claim. A manifest without claims (an older client) is
   * refused: unsigned, the label could be bent unseen.
   */
  function requestedReferenceOf(
    label: ExchangeLabel,
    side: Side,
    input: PostMessageInput,
    manifest: Manifest,
  ): string | undefined {
    if (input.requestedReference !== undefined && side !== 'requested') {
      throw new PouchError(
        'ERR_VALIDATION',
        'Only the requested authority gives a requested reference; yours is the requester reference',
        { details: { field: 'json.requestedReference', reason: 'requested-side-only' } },
      );
    }
    const claims = manifest.label;
    // Without claims the exchange could not tell a bent label from an honest one: the sender must sign them.
    if (!claims) {
      throw new PouchError(
        'ERR_LABEL_MISMATCH',
        'The manifest carries no label claims: sign the label the message is sealed under (manifest.label)',
        { details: { field: 'manifest.label', reason: 'label-claims-missing' } },
      );
    }
    const field = describeLabelMismatch(claims, label, side);
    if (field) {
      throw new PouchError(
        'ERR_LABEL_MISMATCH',
        `The label the message was sealed under differs from this exchange's label (${field})`,
        { details: { field: `manifest.label.${field}`, reason: 'differs-from-label' } },
      );
    }
    if (input.requestedReference !== undefined && input.requestedReference !== claims.requestedReference) {
      throw new PouchError(
        'ERR_LABEL_MISMATCH',
        "The requested reference in the request differs from the sender's signed manifest",
        { details: { field: 'json.requestedReference', reason: 'differs-from-manifest' } },
      );
    }
    return claims.requestedReference;
  }

  /**
   * Every manifest entry must be a committed upload of the sender's, not yet sent with another message, and
   * name the digest storage verified for it (sealedDigestOf): a multipart entry must bind the parts' composite.
   */
  async function digestsOf(principal: Principal, exchangeId: string, messageId: string, manifest: Manifest) {
    const digests: DocumentDigest[] = [];
    const docs: DocumentRecord[] = [];
    for (const entry of manifest.documents) {
      const doc = await deps.exchanges.getDocument(exchangeId, entry.documentId);
      if (doc?.state !== 'committed' || !isOwnUpload(principal, doc)) {
        throw new PouchError(
          'ERR_MANIFEST_INVALID',
          `Document ${entry.documentId} is not a committed upload of yours`,
        );
      }
      if (doc.messageId && doc.messageId !== messageId) {
        throw new PouchError(
          'ERR_MANIFEST_INVALID',
          `Document ${entry.documentId} belongs to another message`,
        );
      }
      const verified = sealedDigestOf(doc);
      if ('sealedPartsSha256' in verified !== (entry.sealedPartsSha256 !== undefined)) {
        throw new PouchError(
          'ERR_MANIFEST_INVALID',
          `The manifest must give ${entry.documentId} the digest form of its upload (${
            'sealedPartsSha256' in verified
              ? 'multipart: sealedPartsSha256 and partSize'
              : 'single: sealedSha256'
          })`,
          { details: { documentId: entry.documentId, upload: doc.upload.kind } },
        );
      }
      const digest = ledgerDigestOf(entry);
      const expected = { ...digest, ...verified, size: doc.sealedSize };
      if (doc.sealedSha256 !== entry.sealedSha256 || !sameDocumentDigest(digest, expected)) {
        throw new PouchError(
          'ERR_HASH_MISMATCH',
          `The manifest's digest of ${entry.documentId} does not match the upload`,
        );
      }
      digests.push(digest);
      docs.push(doc);
    }
    return { digests, docs };
  }

  /**
   * Refuse a second, different message under a message id already used in this exchange: the recipient may already
   * have read the first one, and its `message.sent` names it. Every message record is written from its intent (and
   * conditionally on the same manifest), so the intent is the one thing to compare with.
   */
  async function refuseRewrite(exchangeId: string, intent: MessageIntent): Promise<void> {
    const earlier = (await deps.exchanges.listMessageIntents(exchangeId)).find(
      (i) => i.messageId === intent.messageId,
    );
    if (earlier && !sameMessage(earlier, intent)) throw immutable();
  }

  /** Post a message with the sender's signed manifest; the state machine decides whether it may come now. */
  return async function postMessage(
    principal: Principal,
    exchangeId: string,
    input: PostMessageInput,
    ids: EffectIds = {},
  ) {
    const label = await access.load(principal, exchangeId, 'act-on-exchange');
    const side = sideOf(principal, label);
    checkMessageFitsRequest(label.kind, input.kind);
    const manifest = await checkManifest(principal, label, input);
    const requestedReference = requestedReferenceOf(label, side, input, manifest);
    // One message per id: a retry after the ledger append completes the projection only.
    const sentEventId = naturalEventIds.messageSent(exchangeId, input.messageId);
    const already = await recorder.find(exchangeId, sentEventId);
    if (already && already.actor.authorityId !== principal.authorityId) {
      throw new PouchError('ERR_CONFLICT', 'This message id is taken');
    }
    const { digests, docs } = await digestsOf(principal, exchangeId, input.messageId, manifest);
    const assertions = await senderAssertionsOf(label, side, input, manifest);
    const final = assertions?.final === undefined ? {} : { final: assertions.final };
    const move: Move = { kind: input.kind, side, ...final };
    const intent: MessageIntent = {
      exchangeId,
      messageId: input.messageId,
      kind: input.kind,
      side,
      ...final,
      senderAuthorityId: principal.authorityId,
      senderClientId: principal.clientId,
      manifest: input.manifest,
      documentIds: manifest.documents.map((d) => d.documentId),
    };
    // A sent message never changes: a retry must be the same message, byte for byte, or it is refused.
    await refuseRewrite(exchangeId, intent);
    const labelChange = requestedReference === undefined ? {} : { requestedReference };
    let event = already;
    if (event) {
      await recorder.settle(label, event, { labelChange });
    } else {
      // Written first (once: a conditional write), so that if the append lands and a later write fails, readers
      // complete the message from it; a concurrent different message under the same id loses here.
      await deps.exchanges.putMessageIntent(intent).catch((error: unknown) => {
        throw isPouchError(error, 'ERR_CONFLICT') ? immutable() : error;
      });
      const recorded = await recorder.record(
        label,
        (status) => ({
          status: applyMove(status, move),
          fields: {
            actor: actorOf(principal),
            action: 'message.sent',
            outcome: assertions?.check?.forced ? 'forced' : 'success',
            subject: { messageId: input.messageId },
            documents: digests,
            details: {
              messageKind: input.kind,
              side,
              // The requested authority's reference, set by this message: the label shows the latest one.
              ...(requestedReference === undefined ? {} : { requestedReference }),
              // Labelled as the sender's: signed in its manifest, checked by nobody else.
              ...(assertions ? { senderAssertions: assertionsJson(assertions) } : {}),
              from: status,
            },
          },
        }),
        // The message id is this effect's natural key: whatever Idempotency-Key a retry carries (or none), its
        // event is recognised and never appended twice.
        { ...ids, eventId: sentEventId, labelChange },
      );
      event = recorded.event;
    }
    // The documents as checked above: attaching them is guarded (each stays with the first message it joins).
    const message = await completeMessage(deps.exchanges, intent, event, docs);
    return { message, status: statusAt(event), seq: event.seq };
  };
}

const immutable = () =>
  new PouchError('ERR_MESSAGE_IMMUTABLE', 'A message with this id was already sent with other contents');

/** Whether two versions of a message are the same message: same sender, kind, final flag, documents and manifest. */
function sameMessage(a: MessageIntent, b: MessageIntent): boolean {
  return (
    a.manifest === b.manifest &&
    a.kind === b.kind &&
    a.final === b.final &&
    a.side === b.side &&
    a.senderAuthorityId === b.senderAuthorityId &&
    a.senderClientId === b.senderClientId &&
    [...a.documentIds].sort().join(',') === [...b.documentIds].sort().join(',')
  );
}

/** The sender's assertions as ledger JSON: what it did not assert is left out, never written as undefined. */
function assertionsJson(a: SenderAssertions): { readonly [key: string]: JsonValue } {
  const check = a.check && {
    errors: a.check.errors,
    forced: a.check.forced,
    ...(a.check.profileVersion === undefined ? {} : { profileVersion: a.check.profileVersion }),
  };
  return { ...(check ? { check } : {}), ...(a.final === undefined ? {} : { final: a.final }) };
}
