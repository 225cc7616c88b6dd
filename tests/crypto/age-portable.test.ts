// Tests for the runtime-neutral age path: cross-compatibility with the Node path, post-quantum recipients, and
// the payload sealed range by range (the portal's parallel sealing) joining into a file both paths open.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import { CHUNK_SIZE, openStream, sealStream } from '../../shared/crypto/age-native.ts';
import {
  openBytes,
  openWebStream,
  plaintextRangeFor,
  sealBytes,
  sealedSizeOf,
  sealPayloadRange,
  sealWebStream,
  startPayloadSeal,
} from '../../shared/crypto/age-portable.ts';
import { codeOf, collect, flipByte, headerLength, shiftBase64Char, splitInto } from './age-fixtures.ts';

const SIZES = [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE - 1];

async function sealNative(plaintext: Uint8Array, recipients: string[]): Promise<Buffer> {
  return collect(sealStream(splitInto(plaintext, [50_000]), recipients));
}

async function openNative(sealed: Uint8Array, identities: string[]): Promise<Buffer> {
  return collect(openStream(splitInto(sealed, [30_000]), identities));
}

function toWebStream(bytes: Uint8Array, piece = 40_000): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + piece));
      offset += piece;
    },
  });
}

async function readWebStream(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
  return Buffer.concat(parts);
}

describe('portable and native paths produce the same format', () => {
  it.each(SIZES)('native-sealed opens with the portable path (%i bytes)', async (size) => {
    const { identity, recipient } = await generateIdentity();
    const plaintext = randomBytes(size);
    const sealed = await sealNative(plaintext, [recipient]);
    expect(Buffer.from(await openBytes(sealed, [identity])).equals(plaintext)).toBe(true);
    expect(
      (await readWebStream(await openWebStream(toWebStream(sealed), [identity]))).equals(plaintext),
    ).toBe(true);
  });

  it.each(SIZES)('portable-sealed opens with the native path (%i bytes)', async (size) => {
    const { identity, recipient } = await generateIdentity();
    const plaintext = randomBytes(size);
    const sealed = await sealBytes(plaintext, [recipient]);
    expect((await openNative(sealed, [identity])).equals(plaintext)).toBe(true);
    const streamed = await readWebStream(await sealWebStream(toWebStream(plaintext), [recipient]));
    expect((await openNative(streamed, [identity])).equals(plaintext)).toBe(true);
  });
});

describe('payload sealed by ranges (portal workers)', () => {
  async function sealInRanges(plaintext: Uint8Array, recipients: string[], cuts: number[]): Promise<Buffer> {
    const sealer = await startPayloadSeal(recipients);
    const total = sealedSizeOf(sealer.prefix.length, plaintext.length);
    const bounds = [0, ...cuts.filter((c) => c > 0 && c < total).sort((a, b) => a - b), total];
    const pieces: Uint8Array[] = [];
    // Sealed out of order, as workers finish.
    for (let i = bounds.length - 2; i >= 0; i--) {
      const start = bounds[i] as number;
      const end = bounds[i + 1] as number;
      const plain = plaintextRangeFor(sealer.prefix.length, plaintext.length, start, end);
      pieces[i] = sealPayloadRange(
        sealer,
        plaintext.length,
        start,
        end,
        plaintext.subarray(plain.start, plain.end),
      );
    }
    const sealed = Buffer.concat(pieces);
    expect(sealed.length).toBe(total);
    return sealed;
  }

  it.each(SIZES)('ranges cut anywhere join into a file both paths open (%i bytes)', async (size) => {
    const { identity, recipient } = await generateIdentity();
    const plaintext = randomBytes(size);
    // Cuts inside the header, inside chunks, on chunk edges and inside tags.
    const cuts = [7, 200, CHUNK_SIZE, CHUNK_SIZE + 16 + 150, 2 * CHUNK_SIZE + 40, 2 * CHUNK_SIZE + 39];
    const sealed = await sealInRanges(plaintext, [recipient], cuts);
    expect((await openNative(sealed, [identity])).equals(plaintext)).toBe(true);
    expect(Buffer.from(await openBytes(sealed, [identity])).equals(plaintext)).toBe(true);
    const whole = await sealInRanges(plaintext, [recipient], []);
    expect((await openNative(whole, [identity])).equals(plaintext)).toBe(true);
  });

  it('seals to post-quantum recipients the same way, and refuses mixed ones', async () => {
    const pq = await generateIdentity('mlkem768x25519');
    const plaintext = randomBytes(3 * CHUNK_SIZE + 5);
    const sealed = await sealInRanges(plaintext, [pq.recipient], [CHUNK_SIZE * 2]);
    expect((await openNative(sealed, [pq.identity])).equals(plaintext)).toBe(true);
    const classic = await generateIdentity();
    expect(await codeOf(startPayloadSeal([pq.recipient, classic.recipient]))).toBe(
      'ERR_SEAL_RECIPIENTS_MIXED',
    );
  });

  it('refuses a range outside the file or plaintext that does not cover it', async () => {
    const { recipient } = await generateIdentity();
    const sealer = await startPayloadSeal([recipient]);
    const total = sealedSizeOf(sealer.prefix.length, 10);
    const tooFar = (async () => sealPayloadRange(sealer, 10, 0, total + 1, new Uint8Array(10)))();
    expect(await codeOf(tooFar)).toBe('ERR_VALIDATION');
    const short = (async () => sealPayloadRange(sealer, 10, 0, total, new Uint8Array(9)))();
    expect(await codeOf(short)).toBe('ERR_VALIDATION');
  });
});

describe('hybrid post-quantum recipients (age1pq1...)', () => {
  it('native seal to two PQ recipients opens with either identity on either path', async () => {
    const pq = await generateIdentity('mlkem768x25519');
    const other = await generateIdentity('mlkem768x25519');
    expect(pq.recipient.startsWith('age1pq1')).toBe(true);
    const plaintext = randomBytes(CHUNK_SIZE + 9);
    const sealed = await sealNative(plaintext, [pq.recipient, other.recipient]);
    expect(sealed.toString('latin1', 0, 4000)).toContain('-> mlkem768x25519 ');
    expect(sealed.toString('latin1', 0, 4000)).not.toContain('-> X25519 ');
    expect(Buffer.from(await openBytes(sealed, [pq.identity])).equals(plaintext)).toBe(true);
    expect((await openNative(sealed, [pq.identity])).equals(plaintext)).toBe(true);
    expect((await openNative(sealed, [other.identity])).equals(plaintext)).toBe(true);
  });

  it('refuses to mix PQ and X25519 recipients on every sealing path (issue 12, finding 9e)', async () => {
    // A classic stanza next to a hybrid one lets whoever breaks X25519 open the file: no silent downgrade.
    const pq = await generateIdentity('mlkem768x25519');
    const classic = await generateIdentity();
    const mixed = [pq.recipient, classic.recipient];
    expect(await codeOf((async () => sealNative(Buffer.from('x'), mixed))())).toBe(
      'ERR_SEAL_RECIPIENTS_MIXED',
    );
    expect(await codeOf(sealBytes(Buffer.from('x'), mixed))).toBe('ERR_SEAL_RECIPIENTS_MIXED');
    expect(
      await codeOf(sealWebStream(toWebStream(Buffer.from('x')), [classic.recipient, pq.recipient])),
    ).toBe('ERR_SEAL_RECIPIENTS_MIXED');
    // All classic, or all hybrid, still seal.
    const classic2 = await generateIdentity();
    const sealed = await sealNative(Buffer.from('x'), [classic.recipient, classic2.recipient]);
    expect((await openNative(sealed, [classic2.identity])).toString()).toBe('x');
  });

  it('portable seal to PQ opens natively; a stranger gets ERR_SEAL_NO_IDENTITY', async () => {
    const pq = await generateIdentity('mlkem768x25519');
    const plaintext = randomBytes(1000);
    const sealed = await sealBytes(plaintext, [pq.recipient]);
    expect((await openNative(sealed, [pq.identity])).equals(plaintext)).toBe(true);
    const stranger = await generateIdentity('mlkem768x25519');
    expect(await codeOf(openNative(sealed, [stranger.identity]))).toBe('ERR_SEAL_NO_IDENTITY');
  });

  it('a tampered PQ header fails the MAC on both paths', async () => {
    const pq = await generateIdentity('mlkem768x25519');
    const other = await generateIdentity('mlkem768x25519');
    const sealed = await sealNative(Buffer.from('secret'), [pq.recipient, other.recipient]);
    const first = sealed.indexOf('-> mlkem768x25519 ');
    const otherStanza = sealed.indexOf('-> mlkem768x25519 ', first + 1) + 20;
    const tampered = shiftBase64Char(sealed, otherStanza);
    expect(await codeOf(openNative(tampered, [pq.identity]))).toBe('ERR_SEAL_INTEGRITY');
    expect(await codeOf(openBytes(tampered, [pq.identity]))).toBe('ERR_SEAL_INTEGRITY');
  });
});

describe('portable error codes', () => {
  it('maps failures to the same codes as the native path', async () => {
    const { identity, recipient } = await generateIdentity();
    const stranger = await generateIdentity();
    const sealed = await sealBytes(randomBytes(2 * CHUNK_SIZE + 3), [recipient]);
    const header = headerLength(sealed);
    expect(await codeOf(openBytes(sealed, [stranger.identity]))).toBe('ERR_SEAL_NO_IDENTITY');
    expect(await codeOf(openBytes(shiftBase64Char(sealed, header - 3), [identity]))).toBe(
      'ERR_SEAL_INTEGRITY',
    );
    expect(await codeOf(openBytes(flipByte(sealed, header + 40), [identity]))).toBe('ERR_SEAL_INTEGRITY');
    expect(await codeOf(openBytes(sealed.subarray(0, sealed.length - 1), [identity]))).toBe(
      'ERR_SEAL_INTEGRITY',
    );
    expect(await codeOf(openBytes(flipByte(sealed, 2), [identity]))).toBe('ERR_SEAL_FORMAT');
    expect(await codeOf(openBytes(randomBytes(100_000), [identity]))).toBe('ERR_SEAL_FORMAT');
    const cut = toWebStream(sealed.subarray(0, sealed.length - 1));
    expect(await codeOf(readWebStream(await openWebStream(cut, [identity])))).toBe('ERR_SEAL_INTEGRITY');
  });

  it('bounds the header it reads from a hostile web stream', async () => {
    const { identity } = await generateIdentity();
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1024;
        controller.enqueue(new Uint8Array(1024).fill(0x41));
      },
    });
    expect(await codeOf(openWebStream(endless, [identity]))).toBe('ERR_SEAL_FORMAT');
    expect(pulled).toBeLessThan(100 * 1024);
  });

  it('rejects bad recipients and identities with ERR_SEAL_FORMAT', async () => {
    const { identity, recipient } = await generateIdentity();
    expect(await codeOf(sealBytes(new Uint8Array(1), [identity]))).toBe('ERR_SEAL_FORMAT');
    expect(await codeOf(sealBytes(new Uint8Array(1), [`${recipient}x`]))).toBe('ERR_SEAL_FORMAT');
    expect(await codeOf(openBytes(new Uint8Array(1), [recipient]))).toBe('ERR_SEAL_FORMAT');
  });
});
