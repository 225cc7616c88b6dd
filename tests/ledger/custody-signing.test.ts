// Tests for receipts and checkpoints as compact JWS: real ES256 keys (the file signer), jose and node:crypto
// verifiers agreeing, and every tampering (payload edit, any character, another key, wrong typ) rejected.
import { generateKeyPairSync } from 'node:crypto';
import { base64urlnopad } from '@scure/base';
import fc from 'fast-check';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFileSigner } from '../../server/adapters/file-signer.ts';
import { decodeSegment, signCompactJws } from '../../shared/crypto/compact-jws.ts';
import { decodeCheckedBase64url as decodeInBrowser } from '../../shared/crypto/es256-web.ts';
import type { Signer } from '../../shared/crypto/signer.ts';
import { CHECKPOINT_TYP, signCheckpoint, verifyCheckpoint } from '../../shared/custody/checkpoints.ts';
import {
  createReceiptVerifier,
  RECEIPT_TYP,
  signReceipt,
  verifyReceipt,
} from '../../shared/custody/receipts.ts';
import { buildCheckpointTree } from '../../shared/domain/ledger/checkpoint.ts';
import type { LedgerEvent } from '../../shared/domain/ledger/event.ts';
import {
  buildReceiptPayload,
  describeReceiptMismatch,
  type ReceiptPayload,
} from '../../shared/domain/ledger/receipt.ts';
import { buildChain, hex64 } from './ledger-fixtures.ts';

const newSigner = (): Signer =>
  createFileSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));

const events = buildChain(10);
const sent = events.find((e) => e.action === 'message.sent') as LedgerEvent;
const uploaded = events.find((e) => e.action === 'document.uploaded') as LedgerEvent;
const retrieved = { ...(events.find((e) => e.action === 'document.retrieved') as LedgerEvent) };

let signer: Signer;
let other: Signer;
let jwk: Awaited<ReturnType<Signer['publicJwk']>>;
let receipt: string;
let payload: ReceiptPayload;

beforeAll(async () => {
  signer = newSigner();
  other = newSigner();
  jwk = await signer.publicJwk();
  payload = buildReceiptPayload(
    sent,
    { sender: 'fr-mj-baci', recipient: 'de-bfj' },
    new Date('2025-02-01T00:00:00Z'),
  );
  receipt = await signReceipt(signer, payload);
});

async function rejects(jws: string, key = jwk): Promise<void> {
  await expect(verifyReceipt(jws, key)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
  expect(() => createReceiptVerifier(key)(jws)).toThrow(
    expect.objectContaining({ code: 'ERR_SIGNATURE_INVALID' }),
  );
}

describe('receipts', () => {
  it('maps submission, delivery and retrieval to EN 319 522 evidence and binds the event', () => {
    expect(payload).toMatchObject({
      evidence: 'SubmissionAcceptance',
      evidenceUri: 'http://uri.etsi.org/19522/Event/SubmissionAcceptance',
      chain: sent.chain,
      seq: sent.seq,
      eventHash: sent.hash,
      eventTime: sent.time,
      sender: 'fr-mj-baci',
      recipient: 'de-bfj',
    });
    const delivered = { ...sent, action: 'message.delivered' };
    expect(buildReceiptPayload(delivered, { sender: 'a', recipient: 'b' }, new Date()).evidence).toBe(
      'ContentConsignment',
    );
    expect(buildReceiptPayload(retrieved, { sender: 'a', recipient: 'b' }, new Date()).evidence).toBe(
      'ContentHandover',
    );
    expect(() => buildReceiptPayload(uploaded, { sender: 'a', recipient: 'b' }, new Date())).toThrow(
      expect.objectContaining({ code: 'ERR_VALIDATION' }),
    );
    expect(describeReceiptMismatch(payload, sent)).toBeUndefined();
    expect(describeReceiptMismatch(payload, { ...sent, hash: hex64(3) })).toBe('eventHash');
  });

  it('is a compact JWS with ES256, the key id and an explicit typ, verified alike by jose and node:crypto', async () => {
    expect(decodeProtectedHeader(receipt)).toEqual({ alg: 'ES256', kid: signer.kid, typ: RECEIPT_TYP });
    const raw = await compactVerify(receipt, jwk, { algorithms: ['ES256'] });
    expect(JSON.parse(new TextDecoder().decode(raw.payload))).toEqual(payload);
    expect(await verifyReceipt(receipt, jwk)).toEqual(payload);
    expect(createReceiptVerifier(jwk)(receipt)).toEqual(payload);
  });

  it('rejects any single edited payload member, with the signature kept', async () => {
    const [h, , s] = receipt.split('.') as [string, string, string];
    const edits: Array<(p: ReceiptPayload) => ReceiptPayload> = [
      (p) => ({ ...p, seq: p.seq + 1 }),
      (p) => ({ ...p, eventHash: hex64(5) }),
      (p) => ({ ...p, chain: `${p.chain}x` }),
      (p) => ({ ...p, recipient: 'xx-forged' }),
      (p) => ({ ...p, eventTime: '2030-01-01T00:00:00.000Z' }),
      (p) => ({
        ...p,
        documents: [{ documentId: 'd', plaintextSha256: hex64(1), sealedSha256: hex64(2), size: 9 }],
      }),
    ];
    for (const edit of edits) {
      const forged = `${h}.${Buffer.from(JSON.stringify(edit(payload))).toString('base64url')}.${s}`;
      await rejects(forged);
    }
  });

  it('rejects a change to any single character of the token', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: receipt.length - 1 }),
        fc.nat({ max: alphabet.length - 1 }),
        async (i, c) => {
          const ch = alphabet[c] as string;
          if (receipt[i] === ch) return;
          await rejects(receipt.slice(0, i) + ch + receipt.slice(i + 1));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('rejects every other last character of the signature (its four spare bits must be zero)', async () => {
    // A lenient decoder maps 16 different last characters to the same 64 bytes: the same signature, another token.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = receipt.charAt(receipt.length - 1);
    expect('AQgw').toContain(last);
    for (const ch of alphabet) {
      if (ch !== last) await rejects(receipt.slice(0, -1) + ch);
    }
  });

  it('rejects a receipt re-signed by another key, or verified with another key', async () => {
    const resigned = await signReceipt(other, payload);
    await rejects(resigned);
    await rejects(receipt, await other.publicJwk());
  });

  it('rejects another token type, another algorithm and key-carrying headers', async () => {
    await rejects(await signCompactJws(signer, CHECKPOINT_TYP, payload));
    await rejects(await signCompactJws(signer, 'JWT', payload));
    const [, p, s] = receipt.split('.') as [string, string, string];
    for (const header of [
      { alg: 'none', kid: signer.kid, typ: RECEIPT_TYP },
      { alg: 'HS256', kid: signer.kid, typ: RECEIPT_TYP },
      { alg: 'ES256', kid: signer.kid, typ: RECEIPT_TYP, jwk },
    ]) {
      await rejects(`${Buffer.from(JSON.stringify(header)).toString('base64url')}.${p}.${s}`);
    }
  });
});

describe('token segments', () => {
  /** @scure/base's strict decoder, the reference: canonical base64url without padding, or it throws. */
  const strict = (text: string): Uint8Array | undefined => {
    try {
      return base64urlnopad.decode(text);
    } catch {
      return undefined;
    }
  };
  const near = fc.string({
    unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ .\n'),
    maxLength: 12,
  });

  it('decode exactly the canonical base64url texts, to the bytes a strict decoder gives', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          near,
          fc.uint8Array({ maxLength: 40 }).map((b) => base64urlnopad.encode(b)),
        ),
        (text) => {
          const ours = decodeSegment(text);
          const reference = strict(text);
          expect(ours === undefined ? undefined : [...ours]).toEqual(reference && [...reference]);
          if (ours !== undefined) expect([...decodeInBrowser(text)]).toEqual([...ours]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a payload segment with stray bits is refused by both verifiers even when signed as it is', async () => {
    // The same payload bytes under a second spelling would be a second token for one signed statement.
    const [h, p] = receipt.split('.') as [string, string, string];
    const spare = p.length % 4 === 2 ? 'AQgw' : p.length % 4 === 3 ? 'AEIMQUYcgkosw048' : '';
    expect(spare).not.toBe('');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // The last character's spare low bits: 4 of its 6 when the length is 2 mod 4, else 2.
    const spareBits = p.length % 4 === 2 ? 4 : 2;
    const twin = [...alphabet].find(
      (c) =>
        !spare.includes(c) &&
        alphabet.indexOf(c) >> spareBits === alphabet.indexOf(p.charAt(p.length - 1)) >> spareBits,
    ) as string;
    const spelled = `${h}.${p.slice(0, -1)}${twin}`;
    expect([...Buffer.from(spelled.split('.')[1] as string, 'base64url')]).toEqual([
      ...Buffer.from(p, 'base64url'),
    ]);
    const signature = await signer.sign(new TextEncoder().encode(spelled));
    await rejects(`${spelled}.${base64urlnopad.encode(signature)}`);
  });
});

describe('checkpoints', () => {
  it('signs a tree head with typ pouch-checkpoint+jwt and rejects edits, other keys and receipts', async () => {
    const tree = buildCheckpointTree(
      events.map((e, i) => ({ chain: `ex-${i}`, seq: e.seq, hash: e.hash })),
      new Date('2025-03-01T00:00:00Z'),
      { includeHeads: true },
    );
    const jws = await signCheckpoint(signer, tree.checkpoint);
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', kid: signer.kid, typ: CHECKPOINT_TYP });
    expect(await verifyCheckpoint(jws, jwk)).toEqual(tree.checkpoint);
    const [h, , s] = jws.split('.') as [string, string, string];
    const forged = { ...tree.checkpoint, rootHash: hex64(1) };
    await expect(
      verifyCheckpoint(`${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${s}`, jwk),
    ).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    await expect(verifyCheckpoint(await signCheckpoint(other, tree.checkpoint), jwk)).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
    await expect(verifyCheckpoint(receipt, jwk)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
  });
});
