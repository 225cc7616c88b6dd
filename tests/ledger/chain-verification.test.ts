// Tests for the hash chain: the hash definition, createEvent, and both verifiers (in memory and streaming) under
// every kind of tampering, as fast-check properties.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalEventBody,
  createEvent,
  decodeEventLine,
  EVENT_HASH_PREFIX,
  encodeEventLine,
  GENESIS_PREV_HASH,
  hashEvent,
  type LedgerEvent,
} from '../../shared/domain/ledger/event.ts';
import { canonicalJson } from '../../shared/domain/ledger/jcs.ts';
import {
  createStreamVerifier,
  verifyBundleStream,
  verifyChainStream,
} from '../../shared/domain/ledger/stream-verifier.ts';
import { type ChainVerification, verifyChain } from '../../shared/domain/ledger/verify-chain.ts';
import { buildChain, CHAIN, fieldsFor, hex64, rehash } from './ledger-fixtures.ts';

const chain40 = buildChain(40);

/** Body edits that keep the event well-formed, so only the hash can catch them. */
const BODY_EDITS: Record<string, (e: LedgerEvent) => LedgerEvent> = {
  action: (e) => ({ ...e, action: e.action === 'message.sent' ? 'message.delivered' : 'message.sent' }),
  outcome: (e) => ({ ...e, outcome: e.outcome === 'success' ? 'forced' : 'success' }),
  time: (e) => ({ ...e, time: new Date(Date.parse(e.time) + 1).toISOString() }),
  memberId: (e) => ({ ...e, actor: { ...e.actor, memberId: `${e.actor.memberId}x` } }),
  authorityId: (e) => ({ ...e, actor: { ...e.actor, authorityId: 'xx-forged' } }),
  id: (e) => ({ ...e, id: `${e.id.slice(0, -1)}f` }),
  subject: (e) => ({ ...e, subject: { messageId: 'msg-forged' } }),
  documents: (e) => ({
    ...e,
    documents: [{ documentId: 'doc-x', plaintextSha256: hex64(1), sealedSha256: hex64(2), size: 1 }],
  }),
  documentSize: (e) =>
    e.documents?.[0]
      ? { ...e, documents: [{ ...e.documents[0], size: e.documents[0].size + 1 }] }
      : { ...e, details: { added: true } },
  details: (e) => ({ ...e, details: { ...(e.details ?? {}), note: 'forged' } }),
  dropOptional: (e) => {
    const { subject: _s, documents: _d, details: _x, ...rest } = e;
    return e.subject || e.documents || e.details ? rest : { ...rest, details: { added: 1 } };
  },
};
const LINK_EDITS: Record<string, { edit: (e: LedgerEvent) => LedgerEvent; reason: string }> = {
  seq: { edit: (e) => ({ ...e, seq: e.seq + 1 }), reason: 'seq' },
  prevHash: { edit: (e) => ({ ...e, prevHash: hex64(7) }), reason: 'link' },
  chain: { edit: (e) => ({ ...e, chain: `${e.chain}-other` }), reason: 'chain' },
  hash: { edit: (e) => ({ ...e, hash: hex64(9) }), reason: 'hash' },
};

const head = (events: readonly LedgerEvent[]) => {
  const last = events[events.length - 1] as LedgerEvent;
  return [{ seq: last.seq, hash: last.hash }];
};

/** Run both verifiers and insist they agree; return the in-memory verdict. */
async function verifyBoth(
  events: readonly LedgerEvent[],
  anchors = head(chain40),
): Promise<ChainVerification> {
  const memory = verifyChain(events, { chain: CHAIN, anchors });
  const stream = await verifyChainStream(events.map(encodeEventLine), { chain: CHAIN, anchors });
  expect(stream).toEqual(memory);
  return memory;
}

function brokenAt(result: ChainVerification): { index: number; reason: string } {
  if (result.ok) throw new Error('expected a broken chain');
  return { index: result.broken.index, reason: result.broken.reason };
}

describe('event hash', () => {
  it('is SHA-256 over the prefix and the RFC 8785 body without `hash`', () => {
    const event = chain40[1] as LedgerEvent;
    const { hash, ...body } = event;
    const expected = createHash('sha256')
      .update(`pouch-ledger-event-v1\n${canonicalJson(body)}`, 'utf8')
      .digest('hex');
    expect(EVENT_HASH_PREFIX).toBe('pouch-ledger-event-v1\n');
    expect(hash).toBe(expected);
    expect(hashEvent(body)).toBe(expected);
    expect(canonicalEventBody(event)).toBe(canonicalJson(body));
  });

  it('chains from 64 zeros, counts seq from 0 and stamps UTC ISO time with milliseconds', () => {
    const [first, second] = chain40 as [LedgerEvent, LedgerEvent];
    expect(first.prevHash).toBe(GENESIS_PREV_HASH);
    expect(first.seq).toBe(0);
    expect(second.prevHash).toBe(first.hash);
    expect(second.seq).toBe(1);
    expect(first.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('round-trips through the canonical line, which is itself the JCS form of {body, hash}', () => {
    for (const event of chain40.slice(0, 6)) {
      const line = encodeEventLine(event);
      const { hash, ...body } = event;
      expect(line).toBe(canonicalJson({ body, hash }));
      expect(decodeEventLine(line)).toEqual(event);
    }
  });

  it('refuses malformed fields before anything is stored', () => {
    const bad = {
      ...fieldsFor(1),
      documents: [{ documentId: 'd', plaintextSha256: 'zz', sealedSha256: 'zz', size: 1 }],
    };
    expect(() => createEvent(undefined, bad, { chain: CHAIN })).toThrow(
      expect.objectContaining({ code: 'ERR_VALIDATION' }),
    );
    expect(() => createEvent(undefined, fieldsFor(0))).toThrow(
      expect.objectContaining({ code: 'ERR_VALIDATION' }),
    );
  });
});

describe('chain verification', () => {
  it('accepts every valid chain, of any length, in memory and streamed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 40 }), async (n) => {
        const events = chain40.slice(0, n);
        const result = await verifyBoth(events, n > 0 ? head(events) : []);
        expect(result.ok).toBe(true);
        if (result.ok) expect(result.length).toBe(n);
      }),
      { numRuns: 60 },
    );
  });

  it('detects any single body edit and names that event (reason hash)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 39 }),
        fc.constantFrom(...Object.keys(BODY_EDITS)),
        async (i, kind) => {
          const tampered = [...chain40];
          tampered[i] = (BODY_EDITS[kind] as (e: LedgerEvent) => LedgerEvent)(chain40[i] as LedgerEvent);
          expect(brokenAt(await verifyBoth(tampered))).toEqual({ index: i, reason: 'hash' });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('detects edits of the link fields and the hash itself, naming that event', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 39 }),
        fc.constantFrom(...Object.keys(LINK_EDITS)),
        async (i, kind) => {
          const { edit, reason } = LINK_EDITS[kind] as (typeof LINK_EDITS)[string];
          const tampered = [...chain40];
          tampered[i] = edit(chain40[i] as LedgerEvent);
          expect(brokenAt(await verifyBoth(tampered))).toEqual({ index: i, reason });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('detects a re-hashed edit at the next link, or at the anchor for the last event', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 39 }),
        fc.constantFrom(...Object.keys(BODY_EDITS)),
        async (i, kind) => {
          const tampered = [...chain40];
          tampered[i] = rehash(
            (BODY_EDITS[kind] as (e: LedgerEvent) => LedgerEvent)(chain40[i] as LedgerEvent),
          );
          const expected = i < 39 ? { index: i + 1, reason: 'link' } : { index: i, reason: 'anchor' };
          expect(brokenAt(await verifyBoth(tampered))).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('detects deletion, insertion and reordering, naming the first element that differs', async () => {
    const operation = fc.oneof(
      fc.record({ op: fc.constant('delete' as const), i: fc.integer({ min: 0, max: 39 }) }),
      fc.record({
        op: fc.constant('insert' as const),
        i: fc.integer({ min: 0, max: 40 }),
        j: fc.integer({ min: 0, max: 39 }),
      }),
      fc.record({
        op: fc.constant('swap' as const),
        i: fc.integer({ min: 0, max: 39 }),
        j: fc.integer({ min: 0, max: 39 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(operation, async (o) => {
        const tampered = [...chain40];
        if (o.op === 'delete') tampered.splice(o.i, 1);
        if (o.op === 'insert') tampered.splice(o.i, 0, chain40[o.j] as LedgerEvent);
        if (o.op === 'swap') {
          if (o.i === o.j) return;
          [tampered[o.i], tampered[o.j]] = [tampered[o.j] as LedgerEvent, tampered[o.i] as LedgerEvent];
        }
        let first = tampered.findIndex((e, k) => e !== chain40[k]);
        if (first === -1) first = tampered.length; // only a tail was cut: the anchor reports truncation
        const result = brokenAt(await verifyBoth(tampered));
        expect(result.index).toBe(first);
        expect(['seq', 'truncated']).toContain(result.reason);
      }),
      { numRuns: 150 },
    );
  });

  it('catches a forged tail only through an anchor (receipt or checkpoint head)', async () => {
    const forged = [...chain40.slice(0, 30)];
    let prev = forged[29] as LedgerEvent;
    for (let i = 30; i < 40; i++) {
      prev = createEvent(prev, fieldsFor(i + 1), { now: new Date(Date.UTC(2025, 0, 2) + i) });
      forged.push(prev);
    }
    expect(verifyChain(forged).ok).toBe(true);
    expect(
      brokenAt(await verifyBoth(forged, [{ seq: 35, hash: (chain40[35] as LedgerEvent).hash }])),
    ).toEqual({
      index: 35,
      reason: 'anchor',
    });
  });
});

describe('streaming verifier', () => {
  it('reads a byte stream split at arbitrary points, including inside multi-byte characters', async () => {
    const events = buildChain(12);
    events[3] = rehash({ ...(events[3] as LedgerEvent), details: { note: 'Zürich — 東京 😀' } });
    // Relink the rest so the chain is valid with the non-ASCII event.
    const relinked: LedgerEvent[] = [];
    for (const [k, e] of events.entries()) {
      relinked.push(k === 0 ? e : rehash({ ...e, prevHash: (relinked[k - 1] as LedgerEvent).hash }));
    }
    const bytes = Buffer.from(`${relinked.map(encodeEventLine).join('\r\n')}\n`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 30 }),
        async (cuts) => {
          const points = [0, ...new Set(cuts)].sort((a, b) => a - b);
          async function* chunks() {
            for (const [k, p] of points.entries()) yield bytes.subarray(p, points[k + 1] ?? bytes.length);
          }
          const result = await verifyBundleStream(chunks(), { chain: CHAIN });
          expect(result).toEqual(verifyChain(relinked));
          expect(result.ok).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('is stricter than the in-memory verifier on bytes: a non-canonical but equivalent line fails as hash', () => {
    const lines = chain40.slice(0, 3).map(encodeEventLine);
    lines[1] = (lines[1] as string).replace('"action":', '"action": ');
    const verifier = createStreamVerifier();
    for (const line of lines) verifier.push(line);
    expect(verifier.result()).toMatchObject({ ok: false, broken: { index: 1 } });
  });

  it('does not mistake a nested "prevHash" or "seq" for the link members', () => {
    const decoy = chain40.find((e) => e.details?.nested !== undefined) as LedgerEvent;
    expect(encodeEventLine(decoy)).toContain('"prevHash":"decoy"');
    const verifier = createStreamVerifier();
    for (const line of chain40.map(encodeEventLine)) verifier.push(line);
    expect(verifier.result().ok).toBe(true);
  });

  it('rejects lines that are not ledger lines, duplicate members and unknown members', () => {
    const line = encodeEventLine(chain40[0] as LedgerEvent);
    const cases = [
      'not json',
      line.replace('{"body":', '{"bodx":'),
      line.replace('"v":1}', '"v":1,"v":1}'),
      line.replace('"action":', '"zzz":1,"action":'),
      line.replace('"seq":0', '"seq":00'),
    ];
    for (const bad of cases) {
      const verifier = createStreamVerifier();
      verifier.push(bad);
      expect(verifier.result()).toMatchObject({ ok: false, broken: { index: 0, reason: 'format' } });
    }
  });
});
