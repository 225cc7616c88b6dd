// Tests for the RFC 9162 Merkle tree: published Certificate Transparency vectors (transparency-dev/merkle
// proof/verify_test.go, the RFC 6962 test data), then properties for every (size, index) and every corruption.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildCheckpointTree,
  type ChainHead,
  proveChainHead,
  verifyChainHeadProof,
} from '../../shared/domain/ledger/checkpoint.ts';
import {
  computeRoot,
  consistencyProof,
  EMPTY_TREE_HASH,
  fromHex,
  hashLeaf,
  inclusionProof,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from '../../shared/domain/ledger/merkle.ts';
import { hex64 } from './ledger-fixtures.ts';

const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// Leaf numbers are 1-based in the published vectors.
const INCLUSION = [
  {
    leaf: 1,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const CONSISTENCY = [
  { first: 1, second: 1, proof: [] as string[] },
  {
    first: 1,
    second: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    first: 6,
    second: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    first: 2,
    second: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    first: 6,
    second: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const ctLeaves = LEAVES.map((h) => hashLeaf(fromHex(h)));
const many = Array.from({ length: 40 }, (_, i) => hashLeaf(new Uint8Array([i, i * 7, 255 - i])));
const manyRoots = Array.from({ length: 41 }, (_, n) => computeRoot(many, n));

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[(bit >> 3) % copy.length]! ^= 1 << (bit & 7);
  return copy;
}

describe('RFC 9162 tree hashing against the CT test vectors', () => {
  it('gives the published root for sizes 0..8', () => {
    expect(toHex(computeRoot([]))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(EMPTY_TREE_HASH).toEqual(computeRoot([]));
    for (let n = 1; n <= 8; n++) expect(toHex(computeRoot(ctLeaves, n)), `size ${n}`).toBe(ROOTS[n - 1]);
  });

  it('generates and verifies the published inclusion proofs', () => {
    for (const v of INCLUSION) {
      const index = v.leaf - 1;
      expect(inclusionProof(ctLeaves, index, v.size).map(toHex)).toEqual(v.proof);
      const root = fromHex(ROOTS[v.size - 1] as string);
      expect(verifyInclusion(ctLeaves[index] as Uint8Array, index, v.size, v.proof.map(fromHex), root)).toBe(
        true,
      );
    }
  });

  it('generates and verifies the published consistency proofs', () => {
    for (const v of CONSISTENCY) {
      expect(consistencyProof(ctLeaves, v.first, v.second).map(toHex)).toEqual(v.proof);
      const r1 = fromHex(ROOTS[v.first - 1] as string);
      const r2 = fromHex(ROOTS[v.second - 1] as string);
      expect(verifyConsistency(v.first, v.second, r1, r2, v.proof.map(fromHex))).toBe(true);
    }
  });

  it('handles the degenerate consistency cases', () => {
    const r4 = manyRoots[4] as Uint8Array;
    expect(verifyConsistency(4, 4, r4, r4, [])).toBe(true);
    expect(verifyConsistency(4, 4, r4, manyRoots[5] as Uint8Array, [])).toBe(false);
    expect(verifyConsistency(4, 4, r4, r4, [r4])).toBe(false);
    expect(verifyConsistency(0, 8, EMPTY_TREE_HASH, manyRoots[8] as Uint8Array, [])).toBe(true);
    expect(verifyConsistency(0, 8, r4, manyRoots[8] as Uint8Array, [])).toBe(false);
    expect(verifyConsistency(5, 4, r4, r4, [])).toBe(false);
    expect(verifyConsistency(1, 2, manyRoots[1] as Uint8Array, manyRoots[2] as Uint8Array, [])).toBe(false);
  });
});

describe('Merkle proof properties', () => {
  it('every inclusion proof verifies for every (size, index), and any altered node, root or index fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), (size, rawIndex, bit) => {
        const index = rawIndex % size;
        const root = manyRoots[size] as Uint8Array;
        const leaf = many[index] as Uint8Array;
        const proof = inclusionProof(many, index, size);
        expect(verifyInclusion(leaf, index, size, proof, root)).toBe(true);
        expect(verifyInclusion(leaf, index, size, proof, flipBit(root, bit))).toBe(false);
        expect(verifyInclusion(flipBit(leaf, bit), index, size, proof, root)).toBe(false);
        if (proof.length > 0) {
          const k = bit % proof.length;
          const altered = proof.map((p, j) => (j === k ? flipBit(p, bit >> 3) : p));
          expect(verifyInclusion(leaf, index, size, altered, root)).toBe(false);
          expect(verifyInclusion(leaf, index, size, proof.slice(0, -1), root)).toBe(false);
          expect(verifyInclusion(leaf, (index + 1) % size, size, proof, root)).toBe(false);
        }
        expect(verifyInclusion(leaf, index, size, [...proof, root], root)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('exhaustively: every (size, index) up to 40 verifies', () => {
    for (let size = 1; size <= 40; size++) {
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(many, index, size);
        expect(
          verifyInclusion(many[index] as Uint8Array, index, size, proof, manyRoots[size] as Uint8Array),
        ).toBe(true);
      }
    }
  });

  it('every consistency proof verifies for all first <= second, and any altered node or root fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), (second, rawFirst, bit) => {
        const first = 1 + (rawFirst % second);
        const r1 = manyRoots[first] as Uint8Array;
        const r2 = manyRoots[second] as Uint8Array;
        const proof = consistencyProof(many, first, second);
        expect(verifyConsistency(first, second, r1, r2, proof)).toBe(true);
        if (first === second) return;
        expect(verifyConsistency(first, second, flipBit(r1, bit), r2, proof)).toBe(false);
        expect(verifyConsistency(first, second, r1, flipBit(r2, bit), proof)).toBe(false);
        const k = bit % proof.length;
        const altered = proof.map((p, j) => (j === k ? flipBit(p, bit >> 3) : p));
        expect(verifyConsistency(first, second, r1, r2, altered)).toBe(false);
        expect(verifyConsistency(first, second, r1, r2, proof.slice(0, -1))).toBe(false);
        expect(verifyConsistency(first, second, r1, r2, [...proof, r1])).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});

describe('checkpoint tree over chain heads', () => {
  const heads: ChainHead[] = Array.from({ length: 37 }, (_, i) => ({
    chain: `ex-${(i * 7919) % 1000}`,
    seq: i,
    hash: hex64(i),
  }));

  it('sorts heads by chain id, proves each head and rejects altered heads', () => {
    const tree = buildCheckpointTree(heads, new Date('2025-01-01T00:00:00.000Z'));
    expect(tree.heads.map((h) => h.chain)).toEqual([...heads.map((h) => h.chain)].sort());
    expect(buildCheckpointTree([...heads].reverse(), new Date(0)).checkpoint.rootHash).toBe(
      tree.checkpoint.rootHash,
    );
    for (const h of heads) {
      const proof = proveChainHead(tree, h.chain);
      expect(verifyChainHeadProof(tree.checkpoint, proof)).toBe(true);
      expect(verifyChainHeadProof(tree.checkpoint, { ...proof, head: { ...h, seq: h.seq + 1 } })).toBe(false);
      expect(verifyChainHeadProof(tree.checkpoint, { ...proof, head: { ...h, hash: hex64(999) } })).toBe(
        false,
      );
    }
  });

  it('refuses a chain listed twice', () => {
    expect(() => buildCheckpointTree([heads[0] as ChainHead, heads[0] as ChainHead], new Date())).toThrow(
      expect.objectContaining({ code: 'ERR_VALIDATION' }),
    );
  });
});
