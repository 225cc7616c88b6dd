// Use cases of the sealed exchange: create an exchange, declare and commit sealed documents, post messages
// with signed manifests, read, retrieve, and fetch receipts. Every action lands in the custody ledger first
// (fail closed); the label in the main table is a projection of the ledger. Policy is enforced here, where
// data is read, so a route can never forget it.
import type { JWK } from 'jose';
import type { Signer } from '../../../shared/crypto/signer.ts';
import { type Manifest, readManifestKid, verifyManifest } from '../../../shared/custody/manifest.ts';
import { signReceipt } from '../../../shared/custody/receipts.ts';
import { isPouchError, PouchError } from '../../../shared/domain/errors.ts';
import {
  applyMove,
  type ExchangeState,
  type MessageKind,
  type Move,
  type Side,
} from '../../../shared/domain/exchange/state-machine.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { ID_PATTERN, newId } from '../../../shared/domain/ids.ts';
import {
  type DocumentDigest,
  GENESIS_PREV_HASH,
  type LedgerEvent,
  type LedgerEventFields,
} from '../../../shared/domain/ledger/event.ts';
import { canonicalJson } from '../../../shared/domain/ledger/jcs.ts';
import { buildReceiptPayload, isReceiptAction } from '../../../shared/domain/ledger/receipt.ts';
import { REQUEST_KINDS } from '../../../shared/domain/requests/instruments.ts';
import { type PlanUploadOptions, planUpload } from '../../../shared/domain/upload-plan.ts';
import { objectKeys } from '../../config/storage-definitions.ts';
import { canActOnExchange, canReadExchange, canReadExchangeLabel } from '../../policy/policy.ts';
import type { DirectoryRepository } from '../../ports/directory-repository.ts';
import type { DocumentStore } from '../../ports/document-store.ts';
import type {
  DocumentRecord,
  ExchangeLabel,
  ExchangeRepository,
  ListFilter,
  MessageIntent,
  MessageRecord,
  Urgency,
} from '../../ports/exchange-repository.ts';
import type { LedgerStore } from '../../ports/ledger-store.ts';
import type { ReceiptStore } from '../../ports/receipt-store.ts';

export interface ExchangeServiceDeps {
  readonly exchanges: ExchangeRepository;
  readonly ledger: LedgerStore;
  readonly documents: DocumentStore;
  readonly directory: DirectoryRepository;
  readonly receipts: ReceiptStore;
  readonly signer: Signer;
  readonly maxDocumentBytes: number;
  readonly presignSeconds: number;
  readonly now?: () => Date;
  /** Tests only: lets small files exercise multipart uploads (see planUpload). */
  readonly uploadPlanOptions?: PlanUploadOptions;
}

export interface CreateExchangeInput {
  readonly kind: string;
  readonly urgency: Urgency;
  readonly requestedId: string;
  readonly requesterReference: string;
  readonly links?: readonly string[];
  readonly deadline?: string;
}

export interface DeclareDocumentInput {
  readonly sealedSize: number;
  readonly sealedSha256: string;
  /** For multipart uploads: base64 SHA-256 of each part, in order, with the part size used to cut them. */
  readonly partSize?: number;
  readonly partSha256s?: readonly string[];
}

export interface PostMessageInput {
  readonly messageId: string;
  readonly kind: MessageKind;
  readonly final?: boolean;
  readonly requestedReference?: string;
  readonly documentIds: readonly string[];
  readonly manifest: string;
  /**
   * The sender's completeness check of a request (pouch check): the recipient profile version it was checked
   * against, how many errors it had, and whether the sender forced the send despite them. Recorded in the ledger.
   */
  readonly check?: { readonly profileVersion?: number; readonly errors: number; readonly forced: boolean };
}

const WORKING_ROLES = new Set(['officer', 'contact-247']);

/** The exchange status recorded with every event of its chain (the ledger is the source of truth). */
function statusAt(event: LedgerEvent | undefined): ExchangeState {
  const status = event?.details?.status;
  if (typeof status !== 'string') {
    throw new PouchError('ERR_LEDGER_BROKEN', 'The exchange chain does not record its status');
  }
  return status as ExchangeState;
}

/** Whether a stored event carries exactly the fields a use case built (to recognise our own lost append). */
function sameFields(event: LedgerEvent, fields: LedgerEventFields): boolean {
  const pick = (f: LedgerEventFields) =>
    canonicalJson({
      actor: f.actor,
      action: f.action,
      outcome: f.outcome,
      subject: f.subject ?? null,
      documents: f.documents ?? null,
      details: f.details ?? null,
    });
  try {
    return pick(event) === pick(fields);
  } catch {
    return false;
  }
}

const actorOf = (p: Principal) => ({ authorityId: p.authorityId, memberId: p.memberId, role: p.role });

/** Build the use cases over their ports. */
export function createExchangeService(deps: ExchangeServiceDeps) {
  const now = deps.now ?? (() => new Date());

  /** Load a label the principal may see; anything else is "not found", existing or not. */
  async function loadVisible(
    principal: Principal,
    exchangeId: string,
    allowed: (p: Principal, l: ExchangeLabel) => boolean,
  ): Promise<ExchangeLabel> {
    if (!ID_PATTERN.test(exchangeId)) throw new PouchError('ERR_NOT_FOUND', 'No such exchange');
    const label = await deps.exchanges.getExchange(exchangeId);
    if (!label || !allowed(principal, label)) throw new PouchError('ERR_NOT_FOUND', 'No such exchange');
    return label;
  }

  const sideOf = (principal: Principal, label: ExchangeLabel): Side =>
    principal.authorityId === label.requesterId ? 'requester' : 'requested';

  /**
   * Append through the ledger port, and settle an ambiguous failure: when storage fails after the put may have
   * landed (a lost answer), the head is read back, and if it is exactly the event we built (same place in the
   * chain, same fields) the append happened. Otherwise the failure stands (fail closed).
   */
  async function appendSettled(chain: string, build: (head: LedgerEvent | undefined) => LedgerEventFields) {
    let last: { head: LedgerEvent | undefined; fields: LedgerEventFields } | undefined;
    try {
      return await deps.ledger.append(chain, (head) => {
        const fields = build(head);
        last = { head, fields };
        return fields;
      });
    } catch (error) {
      const storage = isPouchError(error, 'ERR_STORAGE') || isPouchError(error, 'ERR_STORAGE_THROTTLED');
      if (!storage || !last) throw error;
      const built = last;
      const head = await deps.ledger.head(chain).catch(() => undefined);
      const landed =
        head !== undefined &&
        head.seq === (built.head ? built.head.seq + 1 : 0) &&
        head.prevHash === (built.head?.hash ?? GENESIS_PREV_HASH) &&
        sameFields(head, built.fields);
      if (!landed) throw error;
      return head;
    }
  }

  /**
   * Append one event carrying the status after it; `decide` runs against the fresh head on every retry.
   * `projection: 'best-effort'` is for events that never change the status (deliveries, retrievals, auditor
   * reads): once they are in the ledger the action has happened, so a failing label write must not fail it
   * (a retry would record it twice); getExchange heals the lagging label from the ledger head.
   */
  async function appendWithStatus(
    label: ExchangeLabel,
    decide: (status: ExchangeState) => { fields: LedgerEventFields; status: ExchangeState },
    projection: 'required' | 'best-effort' = 'required',
  ): Promise<LedgerEvent> {
    const event = await appendSettled(label.id, (head) => {
      const decided = decide(statusAt(head));
      return { ...decided.fields, details: { ...(decided.fields.details ?? {}), status: decided.status } };
    });
    try {
      await projectEvent(label, event);
    } catch (error) {
      if (projection === 'required') throw error;
    }
    await issueReceipt(label, event);
    return event;
  }

  async function projectEvent(label: ExchangeLabel, event: LedgerEvent): Promise<void> {
    await deps.exchanges.updateProjection(label, {
      status: statusAt(event),
      ledgerSeq: event.seq,
      updatedAt: event.time,
    });
  }

  /** Sign and keep the receipt of an event that earns one. A failure here is repaired on the next read. */
  async function issueReceipt(label: ExchangeLabel, event: LedgerEvent): Promise<void> {
    if (!isReceiptAction(event.action)) return;
    try {
      const payload = buildReceiptPayload(
        event,
        { sender: label.requesterId, recipient: label.requestedId },
        now(),
      );
      await deps.receipts.put(label.id, event.seq, payload.evidence, await signReceiptJws(payload));
    } catch {
      // The event is in the ledger; listReceipts re-issues any missing receipt.
    }
  }

  async function signReceiptJws(payload: ReturnType<typeof buildReceiptPayload>): Promise<string> {
    return signReceipt(deps.signer, payload);
  }

  return {
    /** Create an exchange between the caller's authority and a requested authority. */
    async createExchange(principal: Principal, input: CreateExchangeInput, exchangeId = newId('exch')) {
      if (principal.kind !== 'member' || !WORKING_ROLES.has(principal.role)) {
        throw new PouchError('ERR_NOT_FOUND', 'No such resource');
      }
      if (!(REQUEST_KINDS as readonly string[]).includes(input.kind)) {
        throw new PouchError('ERR_VALIDATION', `Unknown kind of request: ${input.kind}`, {
          details: { field: 'json.kind' },
        });
      }
      if (input.requestedId === principal.authorityId) {
        throw new PouchError('ERR_VALIDATION', 'An authority cannot send a request to itself', {
          details: { field: 'json.requestedId' },
        });
      }
      const requested = await deps.directory.getAuthority(input.requestedId);
      if (!requested) {
        throw new PouchError('ERR_VALIDATION', 'The requested authority is not in the directory', {
          details: { field: 'json.requestedId' },
        });
      }
      for (const link of input.links ?? []) await loadVisible(principal, link, canReadExchange);

      const at = now().toISOString();
      const draft: ExchangeLabel = {
        id: exchangeId,
        kind: input.kind,
        urgency: input.urgency,
        requesterId: principal.authorityId,
        requestedId: input.requestedId,
        requesterReference: input.requesterReference,
        links: [...(input.links ?? [])],
        createdAt: at,
        createdBy: principal.clientId,
        status: 'open',
        ledgerSeq: 0,
        updatedAt: at,
        ...(input.deadline ? { deadline: input.deadline } : {}),
      };
      // Idempotent on the id: a resumed attempt finds its own genesis event and does not append another.
      const existing = await deps.ledger.head(exchangeId);
      const genesis =
        existing ??
        (await appendSettled(exchangeId, (head) => {
          if (head) throw new PouchError('ERR_CONFLICT', 'The exchange already exists');
          return {
            actor: actorOf(principal),
            action: 'exchange.created',
            outcome: 'success',
            details: {
              status: 'open',
              kind: draft.kind,
              urgency: draft.urgency,
              requesterId: draft.requesterId,
              requestedId: draft.requestedId,
              requesterReference: draft.requesterReference,
              links: [...draft.links],
              ...(draft.deadline ? { deadline: draft.deadline } : {}),
            },
          };
        }));
      const label: ExchangeLabel = { ...draft, createdAt: genesis.time, updatedAt: genesis.time };
      await deps.exchanges.putExchange(label);
      return label;
    },

    /** Exchanges of the caller's authority (labels only), for its working members and its auditors. */
    async listExchanges(principal: Principal, filter: ListFilter) {
      if (principal.kind !== 'member' || principal.role === 'admin') {
        throw new PouchError('ERR_NOT_FOUND', 'No such resource');
      }
      return deps.exchanges.listForAuthority(principal.authorityId, filter);
    },

    /**
     * One exchange with its messages. The recipient's first sight of a message is recorded as delivered
     * (with a receipt); an auditor's read is recorded as `auditor.viewed`.
     */
    async getExchange(principal: Principal, exchangeId: string) {
      let label = await loadVisible(principal, exchangeId, canReadExchangeLabel);
      const events = await deps.ledger.read(exchangeId);
      const messages = await completeMessages(exchangeId, events);
      const reader = sideOf(principal, label);
      if (principal.role === 'auditor') {
        await appendWithStatus(
          label,
          (status) => ({
            status,
            fields: { actor: actorOf(principal), action: 'auditor.viewed', outcome: 'success' },
          }),
          'best-effort',
        );
      } else {
        const undelivered = messages.filter((m) => m.side !== reader && !m.deliveredAt);
        const delivered = new Map(
          events
            .filter((e) => e.action === 'message.delivered')
            .map((e) => [e.subject?.messageId ?? '', e] as const),
        );
        let changed = false;
        for (const message of undelivered) {
          // Delivered earlier but the message record missed it (a failed write): repair it, record nothing new.
          const event =
            delivered.get(message.messageId) ??
            (await appendWithStatus(
              label,
              (status) => ({
                status,
                fields: {
                  actor: actorOf(principal),
                  action: 'message.delivered',
                  outcome: 'success',
                  subject: { messageId: message.messageId },
                },
              }),
              'best-effort',
            ));
          await deps.exchanges.putMessage({ ...message, deliveredAt: event.time });
          changed = true;
        }
        // The label is a projection of the ledger: if an earlier write of it failed, catch it up now.
        const head = events.at(-1);
        if (head && head.seq > label.ledgerSeq) {
          await projectEvent(label, head);
          changed = true;
        }
        if (changed) label = (await deps.exchanges.getExchange(exchangeId)) ?? label;
      }
      const fresh = principal.role === 'auditor' ? messages : await deps.exchanges.listMessages(exchangeId);
      return { label, messages: fresh };
    },

    /** Declare a sealed document and get presigned upload URLs. 413 up front above the configured maximum. */
    async declareDocument(
      principal: Principal,
      exchangeId: string,
      input: DeclareDocumentInput,
      documentId = newId('doc'),
    ) {
      const label = await loadVisible(principal, exchangeId, canActOnExchange);
      if (label.status === 'closed') {
        // Nothing can be sent in a closed exchange, so nothing may be uploaded to it either.
        throw new PouchError('ERR_INVALID_STATE', 'The exchange is closed', {
          details: { state: 'closed', allowed: [] },
        });
      }
      const plan = planUpload(input.sealedSize, deps.maxDocumentBytes, deps.uploadPlanOptions);
      const earlier = await deps.exchanges.getDocument(exchangeId, documentId);
      if (earlier) {
        if (earlier.uploaderAuthorityId !== principal.authorityId)
          throw new PouchError('ERR_NOT_FOUND', 'No such document');
        // A resumed declaration: hand out fresh URLs for the same upload.
        const key = objectKeys.document(exchangeId, documentId);
        const urls =
          earlier.upload.kind === 'multipart'
            ? await presignPartUrls(
                key,
                earlier.upload.uploadId,
                earlier.sealedSize,
                earlier.upload.partSize,
                earlier.upload.partSha256s,
                earlier.upload.partSha256s.map((_, i) => i + 1),
              )
            : [
                {
                  partNumber: 1,
                  ...(await deps.documents.presignSinglePut({
                    key,
                    size: earlier.sealedSize,
                    sha256: Buffer.from(earlier.sealedSha256, 'hex').toString('base64'),
                  })),
                },
              ];
        return { document: earlier, plan, urls };
      }
      const key = objectKeys.document(exchangeId, documentId);
      const sha256Base64 = Buffer.from(input.sealedSha256, 'hex').toString('base64');
      let record: DocumentRecord;
      let urls: unknown;
      if (plan.kind === 'single') {
        urls = [
          {
            partNumber: 1,
            ...(await deps.documents.presignSinglePut({ key, size: input.sealedSize, sha256: sha256Base64 })),
          },
        ];
        record = baseRecord({ kind: 'single' });
      } else {
        const partSize = input.partSize ?? plan.partSize;
        const parts = input.partSha256s ?? [];
        if (partSize !== plan.partSize || parts.length !== plan.partCount) {
          throw new PouchError(
            'ERR_VALIDATION',
            `Cut the file into ${plan.partCount} parts of ${plan.partSize} bytes`,
            {
              details: { field: 'json.partSha256s', partSize: plan.partSize, partCount: plan.partCount },
            },
          );
        }
        const { uploadId } = await deps.documents.createMultipart({
          key,
          size: input.sealedSize,
          partSize,
          partSha256s: parts,
        });
        record = baseRecord({ kind: 'multipart', uploadId, partSize, partSha256s: [...parts] });
        urls = await presignPartUrls(
          key,
          uploadId,
          record.sealedSize,
          partSize,
          parts,
          parts.map((_, i) => i + 1),
        );
      }
      await deps.exchanges.putDocument(record);
      return { document: record, plan, urls };

      function baseRecord(upload: DocumentRecord['upload']): DocumentRecord {
        return {
          exchangeId: label.id,
          documentId,
          state: 'pending',
          sealedSize: input.sealedSize,
          sealedSha256: input.sealedSha256,
          upload,
          uploaderAuthorityId: principal.authorityId,
          createdAt: now().toISOString(),
        };
      }
    },

    /** Presign the remaining parts of a multipart upload again (resuming after an interruption). */
    async presignParts(
      principal: Principal,
      exchangeId: string,
      documentId: string,
      partNumbers: readonly number[],
    ) {
      await loadVisible(principal, exchangeId, canActOnExchange);
      const doc = await loadOwnPending(principal, exchangeId, documentId);
      if (doc.upload.kind !== 'multipart') {
        throw new PouchError('ERR_VALIDATION', 'This document is uploaded in a single request', {
          details: { field: 'json.partNumbers' },
        });
      }
      const key = objectKeys.document(exchangeId, documentId);
      return presignPartUrls(
        key,
        doc.upload.uploadId,
        doc.sealedSize,
        doc.upload.partSize,
        doc.upload.partSha256s,
        partNumbers,
      );
    },

    /** Commit an uploaded document: complete the multipart upload, confirm size and checksum, record it. */
    async commitDocument(
      principal: Principal,
      exchangeId: string,
      documentId: string,
      parts: ReadonlyArray<{ partNumber: number; etag: string }>,
    ) {
      const label = await loadVisible(principal, exchangeId, canActOnExchange);
      const doc = await deps.exchanges.getDocument(exchangeId, documentId);
      if (!doc || doc.uploaderAuthorityId !== principal.authorityId) {
        throw new PouchError('ERR_NOT_FOUND', 'No such document');
      }
      if (doc.state === 'committed') return doc;
      const key = objectKeys.document(exchangeId, documentId);
      // A retry after the upload event was appended (a later write failed): finish the record, append nothing.
      const recorded = (await deps.ledger.read(exchangeId)).find(
        (e) => e.action === 'document.uploaded' && e.subject?.documentId === documentId,
      );
      if (recorded) {
        await projectEvent(label, (await deps.ledger.head(exchangeId)) ?? recorded);
      } else if (doc.upload.kind === 'multipart') {
        const upload = doc.upload;
        if (parts.length !== upload.partSha256s.length) {
          throw new PouchError('ERR_VALIDATION', `Send the ETags of all ${upload.partSha256s.length} parts`, {
            details: { field: 'json.parts' },
          });
        }
        const expected = {
          kind: 'multipart',
          partSha256s: [...upload.partSha256s],
          partSize: upload.partSize,
        } as const;
        try {
          await deps.documents.completeMultipart({
            key,
            uploadId: upload.uploadId,
            parts: [...parts]
              .sort((a, b) => a.partNumber - b.partNumber)
              .map((p) => ({
                partNumber: p.partNumber,
                etag: p.etag,
                sha256: upload.partSha256s[p.partNumber - 1] ?? '',
              })),
          });
        } catch (error) {
          // An earlier attempt may have completed the upload (its answer lost): then the object is there, whole.
          if (isPouchError(error, 'ERR_VALIDATION')) throw error;
          const done = await deps.documents
            .confirmObject({ key, size: doc.sealedSize, expected })
            .then(() => true)
            .catch(() => false);
          if (!done) throw error;
        }
        await deps.documents.confirmObject({
          key,
          size: doc.sealedSize,
          expected: { kind: 'multipart', partSha256s: [...upload.partSha256s], partSize: upload.partSize },
        });
      } else {
        await deps.documents.confirmObject({
          key,
          size: doc.sealedSize,
          expected: { kind: 'single', sha256: Buffer.from(doc.sealedSha256, 'hex').toString('base64') },
        });
      }
      if (!recorded) {
        await appendWithStatus(label, (status) => ({
          status,
          fields: {
            actor: actorOf(principal),
            action: 'document.uploaded',
            outcome: 'success',
            subject: { documentId },
            details: { sealedSha256: doc.sealedSha256, sealedSize: doc.sealedSize },
          },
        }));
      }
      const committed: DocumentRecord = { ...doc, state: 'committed', committedAt: now().toISOString() };
      await deps.exchanges.putDocument(committed);
      return committed;
    },

    /** Post a message with the sender's signed manifest; the state machine decides whether it may come now. */
    async postMessage(principal: Principal, exchangeId: string, input: PostMessageInput) {
      const label = await loadVisible(principal, exchangeId, canActOnExchange);
      const side = sideOf(principal, label);
      const manifest = await checkManifest(principal, label, input);
      // Idempotent on the message id: a retry after the ledger append completes the projection only.
      const already = (await deps.ledger.read(exchangeId)).find(
        (e) => e.action === 'message.sent' && e.subject?.messageId === input.messageId,
      );
      if (already && already.actor.authorityId !== principal.authorityId) {
        throw new PouchError('ERR_CONFLICT', 'This message id is taken');
      }
      const digests: DocumentDigest[] = [];
      for (const entry of manifest.documents) {
        const doc = await deps.exchanges.getDocument(exchangeId, entry.documentId);
        if (doc?.state !== 'committed' || doc.uploaderAuthorityId !== principal.authorityId) {
          throw new PouchError(
            'ERR_MANIFEST_INVALID',
            `Document ${entry.documentId} is not a committed upload of yours`,
          );
        }
        if (doc.messageId && doc.messageId !== input.messageId) {
          throw new PouchError(
            'ERR_MANIFEST_INVALID',
            `Document ${entry.documentId} belongs to another message`,
          );
        }
        if (doc.sealedSha256 !== entry.sealedSha256 || doc.sealedSize !== entry.sealedSize) {
          throw new PouchError(
            'ERR_HASH_MISMATCH',
            `The manifest's digest of ${entry.documentId} does not match the upload`,
          );
        }
        digests.push({
          documentId: entry.documentId,
          plaintextSha256: entry.plaintextSha256,
          sealedSha256: entry.sealedSha256,
          size: entry.sealedSize,
        });
      }
      const move: Move = {
        kind: input.kind,
        side,
        ...(input.final === undefined ? {} : { final: input.final }),
      };
      const intent: MessageIntent = {
        exchangeId,
        messageId: input.messageId,
        kind: input.kind,
        side,
        ...(input.final === undefined ? {} : { final: input.final }),
        senderAuthorityId: principal.authorityId,
        senderClientId: principal.clientId,
        manifest: input.manifest,
        documentIds: manifest.documents.map((d) => d.documentId),
      };
      // Written first: if the append lands and a later write fails, readers complete the message from it.
      if (!already) await deps.exchanges.putMessageIntent(intent);
      const event =
        already ??
        (await appendWithStatus(label, (status) => ({
          status: applyMove(status, move),
          fields: {
            actor: actorOf(principal),
            action: 'message.sent',
            outcome: input.check?.forced ? 'forced' : 'success',
            subject: { messageId: input.messageId },
            documents: digests,
            details: {
              messageKind: input.kind,
              side,
              ...(input.final === undefined ? {} : { final: input.final }),
              ...(input.check
                ? {
                    check: {
                      errors: input.check.errors,
                      forced: input.check.forced,
                      ...(input.check.profileVersion === undefined
                        ? {}
                        : { profileVersion: input.check.profileVersion }),
                    },
                  }
                : {}),
              from: status,
            },
          },
        })));
      const message = await completeMessage(intent, event);
      if (input.requestedReference && side === 'requested') {
        await deps.exchanges.updateProjection(label, {
          status: statusAt(event),
          ledgerSeq: event.seq,
          updatedAt: event.time,
          requestedReference: input.requestedReference,
        });
      }
      if (already) {
        await deps.exchanges.updateProjection(label, {
          status: statusAt(event),
          ledgerSeq: event.seq,
          updatedAt: event.time,
        });
        await issueReceipt(label, event);
      }
      return { message, status: statusAt(event), seq: event.seq };
    },

    /** A presigned GET for a sealed document, after its retrieval is in the ledger (fail closed). */
    async presignDownload(principal: Principal, exchangeId: string, documentId: string) {
      const label = await loadVisible(principal, exchangeId, canReadExchange);
      const doc = await deps.exchanges.getDocument(exchangeId, documentId);
      if (doc?.state !== 'committed' || !doc.messageId) {
        throw new PouchError('ERR_NOT_FOUND', 'No such document');
      }
      const plaintextSha256 = (await plaintextDigestOf(exchangeId, doc)) ?? doc.sealedSha256;
      // Signed first, handed out only once the retrieval is in the ledger: nothing can fail between the two.
      const seconds = Math.min(deps.presignSeconds, 300);
      const presigned = await deps.documents.presignGet({
        key: objectKeys.document(exchangeId, documentId),
        expiresInSeconds: seconds,
      });
      await appendWithStatus(
        label,
        (status) => ({
          status,
          fields: {
            actor: actorOf(principal),
            action: 'document.retrieved',
            outcome: 'success',
            subject: { documentId, messageId: doc.messageId },
            documents: [
              {
                documentId,
                plaintextSha256,
                sealedSha256: doc.sealedSha256,
                size: doc.sealedSize,
              },
            ],
          },
        }),
        'best-effort',
      );
      return { url: presigned.url, expiresAt: presigned.expiresAt, expiresInSeconds: seconds, document: doc };
    },

    /** The exchange's signed receipts; any receipt that failed to be issued earlier is issued now. */
    async listReceipts(principal: Principal, exchangeId: string) {
      const label = await loadVisible(principal, exchangeId, canReadExchangeLabel);
      const stored = await deps.receipts.list(exchangeId);
      const have = new Set(stored.map((r) => r.seq));
      const events = await deps.ledger.read(exchangeId);
      for (const event of events) {
        if (isReceiptAction(event.action) && !have.has(event.seq)) await issueReceipt(label, event);
      }
      return have.size === events.filter((e) => isReceiptAction(e.action)).length
        ? stored
        : deps.receipts.list(exchangeId);
    },
  };

  /** Turn an intent into the message its ledger event made it, and attach its documents to it. */
  async function completeMessage(intent: MessageIntent, event: LedgerEvent): Promise<MessageRecord> {
    const message: MessageRecord = { ...intent, sentAt: event.time, seq: event.seq };
    await deps.exchanges.putMessage(message);
    for (const documentId of intent.documentIds) {
      const doc = await deps.exchanges.getDocument(intent.exchangeId, documentId);
      if (doc && doc.messageId !== intent.messageId) {
        await deps.exchanges.putDocument({ ...doc, messageId: intent.messageId });
      }
    }
    return message;
  }

  /**
   * The exchange's messages, completing any whose `message.sent` event is in the ledger but whose record was
   * never written (the sender's request failed after the append). Intents without an event stay invisible.
   */
  async function completeMessages(
    exchangeId: string,
    events: readonly LedgerEvent[],
  ): Promise<MessageRecord[]> {
    const messages = await deps.exchanges.listMessages(exchangeId);
    const sent = events.filter((e) => e.action === 'message.sent');
    if (sent.length === messages.length) return messages;
    const known = new Set(messages.map((m) => m.messageId));
    const intents = new Map(
      (await deps.exchanges.listMessageIntents(exchangeId)).map((i) => [i.messageId, i]),
    );
    let completed = false;
    for (const event of sent) {
      const intent = intents.get(event.subject?.messageId ?? '');
      if (!intent || known.has(intent.messageId)) continue;
      await completeMessage(intent, event);
      completed = true;
    }
    return completed ? deps.exchanges.listMessages(exchangeId) : messages;
  }

  async function plaintextDigestOf(exchangeId: string, doc: DocumentRecord): Promise<string | undefined> {
    const messages = await deps.exchanges.listMessages(exchangeId);
    const message = messages.find((m) => m.messageId === doc.messageId);
    if (!message) return undefined;
    const events = await deps.ledger.read(exchangeId);
    const sent = events.find((e) => e.seq === message.seq);
    return sent?.documents?.find((d) => d.documentId === doc.documentId)?.plaintextSha256;
  }

  async function loadOwnPending(principal: Principal, exchangeId: string, documentId: string) {
    const doc = await deps.exchanges.getDocument(exchangeId, documentId);
    if (!doc || doc.uploaderAuthorityId !== principal.authorityId) {
      throw new PouchError('ERR_NOT_FOUND', 'No such document');
    }
    if (doc.state !== 'pending') throw new PouchError('ERR_CONFLICT', 'The document is already committed');
    return doc;
  }

  async function presignPartUrls(
    key: string,
    uploadId: string,
    size: number,
    partSize: number,
    partSha256s: readonly string[],
    partNumbers: readonly number[],
  ) {
    const parts = partNumbers.map((partNumber) => {
      const sha256 = partSha256s[partNumber - 1];
      if (!sha256) {
        throw new PouchError('ERR_VALIDATION', `There is no part ${partNumber}`, {
          details: { field: 'json.partNumbers' },
        });
      }
      const start = (partNumber - 1) * partSize;
      return { partNumber, size: Math.min(partSize, size - start), sha256 };
    });
    return deps.documents.presignParts({ key, uploadId, parts });
  }

  /** The manifest must be signed by the sender's own active key, for this exchange, message and documents. */
  async function checkManifest(
    principal: Principal,
    label: ExchangeLabel,
    input: PostMessageInput,
  ): Promise<Manifest> {
    const kid = readManifestKid(input.manifest);
    const member = await deps.directory.getMember(principal.authorityId, principal.memberId);
    const key = member?.keys.find((k) => k.kid === kid);
    if (key?.status !== 'active') {
      throw new PouchError(
        'ERR_SIGNATURE_INVALID',
        'The manifest is not signed by an active key of the sender',
      );
    }
    const { manifest } = await verifyManifest(input.manifest, key.jwk as unknown as JWK, {
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
}

export type ExchangeService = ReturnType<typeof createExchangeService>;
