// Tests for the legal basis finder and the treaty catalogue.
import { describe, expect, it } from 'vitest';
import { EASTMERE, NORTHLAND, SOUTHMARK } from '../../server/local/demo-profiles.ts';
import {
  bilateralTreatyId,
  isTreatyId,
  normalizeTreatyId,
} from '../../shared/domain/requests/instruments.ts';
import { assessLegalBasis, findLegalBases } from '../../shared/domain/requests/legal-basis.ts';

describe('findLegalBases', () => {
  it('suggests the treaties both States share that provide for the kind', () => {
    const bases = findLegalBases(NORTHLAND.treaties, SOUTHMARK.treaties, 'mla').map((b) => b.basis);
    expect(bases).toEqual(['untoc', 'budapest', 'uncac', 'bilateral:XA-XB', 'reciprocity']);
  });

  it('offers only Budapest for preservation, and nothing when the recipient is not a Party', () => {
    expect(
      findLegalBases(NORTHLAND.treaties, SOUTHMARK.treaties, 'preservation').map((b) => b.basis),
    ).toEqual(['budapest']);
    expect(findLegalBases(NORTHLAND.treaties, EASTMERE.treaties, 'preservation')).toEqual([]);
  });

  it('requires both States to be Budapest Parties for the Second Protocol', () => {
    const a = assessLegalBasis(
      'budapest-p2',
      ['budapest-p2'],
      ['budapest', 'budapest-p2'],
      'production-order',
    );
    expect(a.applies).toBe(false);
    expect(a.reasons.join(' ')).toMatch(/Budapest/);
  });

  it('never offers reciprocity for kinds that need a treaty', () => {
    expect(findLegalBases([], [], 'emergency-disclosure')).toEqual([]);
    expect(findLegalBases([], [], 'mla').map((b) => b.basis)).toEqual(['reciprocity']);
  });

  it('explains an unknown basis', () => {
    expect(assessLegalBasis('hague-1970', ['untoc'], ['untoc'], 'mla').applies).toBe(false);
  });
});

describe('treaty ids', () => {
  it('normalises bilateral ids so both sides agree', () => {
    expect(bilateralTreatyId('xb', 'XA')).toBe('bilateral:XA-XB');
    expect(normalizeTreatyId('bilateral:XB-XA')).toBe('bilateral:XA-XB');
    expect(isTreatyId('bilateral:XA-XA')).toBe(false);
    expect(isTreatyId('untoc')).toBe(true);
  });
});
