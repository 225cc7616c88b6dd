// Tests for the YAML skeleton: it lists every element with its citation, fails check when untouched and
// passes once filled in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildSampleFor, DEMO_AUTHORITIES, NORTHLAND, SOUTHMARK } from '../../server/local/demo-profiles.ts';
import { checkDraft } from '../../shared/domain/requests/check.ts';
import { renderDraftSkeleton } from '../../shared/domain/requests/draft.ts';
import { REQUEST_KINDS } from '../../shared/domain/requests/instruments.ts';
import { listElements } from '../../shared/domain/requests/schemas.ts';
import { buildContext, readFirst } from './helpers.ts';

/** Fill a parsed skeleton from a sample: the sample's values win, skeleton placeholders stay empty. */
function fillFrom(skeleton: unknown, sample: unknown): unknown {
  if (sample === undefined) return skeleton;
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(skeleton) && isObj(sample)) {
    const out: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(skeleton), ...Object.keys(sample)]))
      out[key] = fillFrom(skeleton[key], sample[key]);
    return out;
  }
  return sample;
}

const hasKey = (root: unknown, pattern: string): boolean => {
  const tokens = pattern.split('.');
  const last = (tokens.pop() ?? '').replace(/\[\]$/, '');
  const parent = tokens.length === 0 ? root : readFirst(root, tokens.join('.'));
  return typeof parent === 'object' && parent !== null && last in parent;
};

describe.each(REQUEST_KINDS)('skeleton of %s', (kind) => {
  const ctx = buildContext(NORTHLAND, SOUTHMARK);
  const text = renderDraftSkeleton(kind, SOUTHMARK.profile);
  const parsed = parse(text) as Record<string, unknown>;

  it('parses as YAML with the kind filled and every element present', () => {
    expect(parsed.kind).toBe(kind);
    for (const e of listElements(kind)) {
      if (e.path.startsWith('additional') || e.path.startsWith('checkedAgainst')) continue;
      expect(hasKey(parsed, e.path), e.path).toBe(true);
    }
  });

  it('cites the articles of its mandatory elements in comments', () => {
    for (const e of listElements(kind).filter((el) => el.level === 'mandatory')) {
      expect(text).toContain(`[${e.source}]`);
    }
  });

  it('includes the profile requirements', () => {
    for (const req of SOUTHMARK.profile.extraRequired[kind] ?? []) {
      expect(hasKey(parsed, req.path), req.path).toBe(true);
      expect(text).toContain(`(${req.rule})`);
    }
  });

  it('fails check when left empty, at the mandatory top-level elements', () => {
    const result = checkDraft(parsed, ctx);
    expect(result.ok).toBe(false);
    const paths = new Set(result.findings.filter((f) => f.severity === 'error').map((f) => f.path));
    for (const e of listElements(kind).filter(
      (el) => el.level === 'mandatory' && !el.path.includes('.') && el.path !== 'kind',
    )) {
      expect(paths.has(e.path), e.path).toBe(true);
    }
  });

  it('passes check once filled in, with no unknown fields', () => {
    const filled = fillFrom(parsed, buildSampleFor(kind, SOUTHMARK.profile));
    const result = checkDraft(filled, ctx);
    expect(result.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });
});

describe('skeleton properties', () => {
  it('round-trips through YAML for every kind and profile', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REQUEST_KINDS),
        fc.option(fc.constantFrom(...DEMO_AUTHORITIES)),
        (kind, to) => {
          const text = renderDraftSkeleton(kind, to?.profile);
          const parsed = parse(text) as Record<string, unknown>;
          expect(parsed.kind).toBe(kind);
          expect(checkDraft(parsed, buildContext(NORTHLAND, to ?? SOUTHMARK, to !== null)).ok).toBe(false);
        },
      ),
    );
  });

  it('writes the recipient languages and notes in the header', () => {
    const text = renderDraftSkeleton('mla', SOUTHMARK.profile);
    expect(text).toContain('# Accepted languages: de, en');
    expect(text).toContain('profile xb-foj-ca v3');
  });
});
