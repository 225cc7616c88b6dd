// Issue 12, finding 4 (domain): what the checkpoint service uses to refuse a chain head that does not extend the
// head it logged — the stream verifier over a segment starting at a trusted head, and describeHeadRegression —
// and the shared inclusion proofs a bundle carries for every logged head.
import { describe, expect, it } from 'vitest';
import { describeHeadRegression } from '../../shared/domain/ledger/checkpoint.ts';
import { encodeEventLine, type LedgerEvent } from '../../shared/domain/ledger/event.ts';
import { hashLeaf, inclusionProof, inclusionProofs } from '../../shared/domain/ledger/merkle.ts';
import { createStreamVerifier } from '../../shared/domain/ledger/stream-verifier.ts';
import { buildChain, CHAIN, hex64, rehash } from './ledger-fixtures.ts';

const chain = buildChain(12);
const lines = chain.map(encodeEventLine);

function verifySegment(from: { seq: number; hash: string }, segment: readonly string[]) {
  const verifier = createStreamVerifier({ chain: CHAIN, from });
  for (const line of segment) if (!verifier.push(line)) break;
  return verifier.result();
}

describe('a chain segment read from a logged head', () => {
  const logged = chain[5] as LedgerEvent;

  it('holds when the event at the logged seq still has the logged hash and every later link holds', () => {
    const verdict = verifySegment({ seq: 5, hash: logged.hash }, lines.slice(5));
    expect(verdict).toMatchObject({ ok: true, head: { seq: 11, hash: chain[11]!.hash } });
  });

  it('fails at the logged seq when that event was rewritten, even with every later hash recomputed', () => {
    const rewritten: LedgerEvent[] = [rehash({ ...logged, outcome: 'forced' })];
    for (const e of chain.slice(6)) rewritten.push(rehash({ ...e, prevHash: rewritten.at(-1)!.hash }));
    const verdict = verifySegment({ seq: 5, hash: logged.hash }, rewritten.map(encodeEventLine));
    expect(verdict).toMatchObject({ ok: false, broken: { seq: 5, reason: 'anchor' } });
  });

  it('fails when the event at the logged seq is gone (the read starts later) or nothing is left', () => {
    expect(verifySegment({ seq: 5, hash: logged.hash }, lines.slice(6))).toMatchObject({
      ok: false,
      broken: { reason: 'seq' },
    });
    expect(verifySegment({ seq: 5, hash: logged.hash }, [])).toMatchObject({
      ok: false,
      broken: { seq: 5, reason: 'truncated' },
    });
  });

  it('fails at a later event that no longer links', () => {
    const forged = rehash({ ...chain[8]!, prevHash: hex64(9) });
    const segment = [...lines.slice(5, 8), encodeEventLine(forged)];
    expect(verifySegment({ seq: 5, hash: logged.hash }, segment)).toMatchObject({
      ok: false,
      broken: { seq: 8, reason: 'link' },
    });
  });
});

describe('describeHeadRegression', () => {
  const logged = { chain: CHAIN, seq: 5, hash: hex64(5) };
  it('names a rewritten head and a lost tail, and leaves a later head to the ancestry check', () => {
    expect(describeHeadRegression(logged, { ...logged, hash: hex64(6) })).toMatch(/^rewritten/);
    expect(describeHeadRegression(logged, { ...logged, seq: 4 })).toMatch(/^truncated/);
    expect(describeHeadRegression(logged, { ...logged, seq: 6, hash: hex64(6) })).toBeUndefined();
  });
});

describe('inclusionProofs', () => {
  it('gives, for several leaves at once, exactly the proofs inclusionProof gives one at a time', () => {
    const leaves = Array.from({ length: 37 }, (_, i) => hashLeaf(new Uint8Array([i, i >> 8])));
    for (const size of [1, 2, 7, 16, 37]) {
      const indexes = [0, 3, 5, size - 1].filter((i) => i < size);
      const together = inclusionProofs(leaves, indexes, size);
      indexes.forEach((index, k) => {
        expect(together[k]).toEqual(inclusionProof(leaves, index, size));
      });
    }
  });
});
