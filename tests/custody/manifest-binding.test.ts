// Unit: the rules that bind a sender's manifest to its `message.sent` event and name a receipt's parties
// (shared/custody/manifest.ts, shared/domain/ledger/receipt.ts, event.ts). New events carry the sealed digest in
// the form storage verified and the sender's signed assertions; older events (whole-file digest for every upload,
// unsigned `details.check` / `details.final`) still verify with their older manifests.
import { describe, expect, it } from 'vitest';
import {
  partsDigestOf,
  partsDigestOfStorageChecksum,
  storageChecksumOfPartsDigest,
} from '../../shared/crypto/sealed-digest.ts';
import { describeManifestMismatch, ledgerDigestOf, type Manifest } from '../../shared/custody/manifest.ts';
import { createEvent, type LedgerEvent } from '../../shared/domain/ledger/event.ts';
import { receiptPartiesOf } from '../../shared/domain/ledger/receipt.ts';
import { hex64 } from '../ledger/ledger-fixtures.ts';

const part = (seed: number) => Buffer.from(hex64(seed), 'hex').toString('base64');
const composite = partsDigestOf([part(1), part(2), part(3)]);

const entry = {
  documentId: 'doc_0123456789abcdef',
  name: 'evidence.age',
  mediaType: 'application/octet-stream',
  size: 10,
  plaintextSha256: hex64(7),
  sealedSize: 300,
  sealedSha256: hex64(8),
};
const manifest = (documents: Manifest['documents'], extra: Partial<Manifest> = {}): Manifest => ({
  v: 1,
  exchangeId: 'exch_0123456789abcdef',
  messageId: 'msg_0123456789abcdef',
  messageKind: 'evidence',
  sender: 'auth_b:member_1',
  iat: 1,
  documents,
  ...extra,
});
const sentEvent = (documents: LedgerEvent['documents'], details: Record<string, unknown>) =>
  ({ documents, details: { messageKind: 'evidence', ...details } }) as Pick<
    LedgerEvent,
    'details' | 'documents'
  >;

describe('manifest to event binding', () => {
  it('converts the composite between the ledger form and the form S3 reports, both ways', () => {
    expect(composite).toMatch(/^[0-9a-f]{64}-3$/);
    expect(partsDigestOfStorageChecksum(storageChecksumOfPartsDigest(composite))).toBe(composite);
    expect(() => partsDigestOfStorageChecksum(part(1))).toThrow(
      expect.objectContaining({ code: 'ERR_HASH_MISMATCH' }),
    );
  });

  it('records a multipart entry by its composite and part size, never by the sender’s whole-file digest', () => {
    const multipart = { ...entry, sealedPartsSha256: composite, partSize: 128 };
    expect(ledgerDigestOf(multipart)).toEqual({
      documentId: entry.documentId,
      plaintextSha256: entry.plaintextSha256,
      sealedPartsSha256: composite,
      partSize: 128,
      size: 300,
    });
    expect(ledgerDigestOf(entry)).toEqual({
      documentId: entry.documentId,
      plaintextSha256: entry.plaintextSha256,
      sealedSha256: entry.sealedSha256,
      size: 300,
    });
    const event = sentEvent([ledgerDigestOf(multipart)], { senderAssertions: { final: true } });
    expect(
      describeManifestMismatch(manifest([multipart], { senderAssertions: { final: true } }), event),
    ).toBe(undefined);
    // The same manifest against an event that signed the whole-file digest instead: refused.
    expect(
      describeManifestMismatch(
        manifest([multipart], { senderAssertions: { final: true } }),
        sentEvent([ledgerDigestOf(entry)], { senderAssertions: { final: true } }),
      ),
    ).toBe('documents');
  });

  it('requires the event’s sender assertions to be exactly the signed ones', () => {
    const check = { profileVersion: 2, errors: 1, forced: true };
    const signed = manifest([entry], { senderAssertions: { check, final: false } });
    const digests = [ledgerDigestOf(entry)];
    expect(
      describeManifestMismatch(signed, sentEvent(digests, { senderAssertions: { final: false, check } })),
    ).toBe(undefined);
    expect(
      describeManifestMismatch(signed, sentEvent(digests, { senderAssertions: { check, final: true } })),
    ).toBe('assertions');
    expect(describeManifestMismatch(signed, sentEvent(digests, {}))).toBe('assertions');
    expect(describeManifestMismatch(manifest([entry]), sentEvent(digests, { senderAssertions: {} }))).toBe(
      'assertions',
    );
  });

  it('still accepts an older event: whole-file digest for a multipart upload, unsigned check and final', () => {
    const older = sentEvent([ledgerDigestOf(entry)], { final: true, check: { errors: 0, forced: false } });
    expect(describeManifestMismatch(manifest([entry]), older)).toBeUndefined();
  });

  it('validates both digest forms in event bodies, and never both at once', () => {
    const actor = { authorityId: 'auth_a', memberId: 'm', role: 'officer' };
    const build = (doc: Record<string, unknown>) =>
      createEvent(
        undefined,
        { actor, action: 'message.sent', outcome: 'success', documents: [doc as never] },
        { chain: 'exch_x' },
      );
    const base = { documentId: 'd', plaintextSha256: hex64(1), size: 3 };
    expect(() => build({ ...base, sealedSha256: hex64(2) })).not.toThrow();
    expect(() => build({ ...base, sealedPartsSha256: composite, partSize: 64 })).not.toThrow();
    for (const bad of [
      { ...base, sealedSha256: hex64(2), sealedPartsSha256: composite, partSize: 64 },
      { ...base, sealedPartsSha256: composite },
      { ...base, sealedPartsSha256: hex64(2), partSize: 64 },
      { ...base, sealedSha256: hex64(2), partSize: 64 },
      base,
    ]) {
      expect(() => build(bad)).toThrow(expect.objectContaining({ code: 'ERR_VALIDATION' }));
    }
  });
});

describe('receipt parties', () => {
  const exchange = { requesterId: 'auth_a', requestedId: 'auth_b' };
  const by = (authorityId: string, action: string) => ({
    action,
    actor: { authorityId, memberId: 'm', role: 'officer' },
  });

  it('names the sending side for a submission and the reader for a delivery or retrieval', () => {
    expect(receiptPartiesOf(by('auth_a', 'message.sent'), exchange, 'auth_a')).toEqual({
      sender: 'auth_a',
      recipient: 'auth_b',
    });
    expect(receiptPartiesOf(by('auth_b', 'message.sent'), exchange, 'auth_b')).toEqual({
      sender: 'auth_b',
      recipient: 'auth_a',
    });
    expect(receiptPartiesOf(by('auth_a', 'message.delivered'), exchange, 'auth_b')).toEqual({
      sender: 'auth_b',
      recipient: 'auth_a',
    });
    expect(receiptPartiesOf(by('auth_a', 'document.retrieved'), exchange, 'auth_a')).toEqual({
      sender: 'auth_a',
      recipient: 'auth_a',
    });
    expect(receiptPartiesOf(by('auth_c', 'message.sent'), exchange, 'auth_c')).toBeUndefined();
    expect(receiptPartiesOf(by('auth_a', 'document.retrieved'), exchange, undefined)).toBeUndefined();
  });
});
