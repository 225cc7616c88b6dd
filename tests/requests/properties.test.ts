// Property tests for check: it never throws, and every finding names a path, a rule and a source.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NORTHLAND, SAMPLE_REQUESTS, SOUTHMARK } from '../../server/local/demo-profiles.ts';
import { checkDraft } from '../../shared/domain/requests/check.ts';
import { REQUEST_KINDS } from '../../shared/domain/requests/instruments.ts';
import { buildContext } from './helpers.ts';

const ctx = buildContext(NORTHLAND, SOUTHMARK);

function expectWellFormed(result: ReturnType<typeof checkDraft>): void {
  for (const f of result.findings) {
    expect(f.path.length).toBeGreaterThan(0);
    expect(f.rule.length).toBeGreaterThan(0);
    expect(f.source.length).toBeGreaterThan(0);
    expect(['error', 'warning', 'info']).toContain(f.severity);
  }
  expect(result.ok).toBe(result.findings.every((f) => f.severity !== 'error'));
}

describe('checkDraft properties', () => {
  it('never throws on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expectWellFormed(checkDraft(value, ctx));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary objects with a valid kind', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REQUEST_KINDS),
        fc.dictionary(fc.string(), fc.jsonValue()),
        (kind, extra) => {
          expectWellFormed(checkDraft({ ...extra, kind }, ctx));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws when a field of a complete sample is replaced by arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REQUEST_KINDS), fc.jsonValue(), fc.nat(), (kind, junk, n) => {
        const sample = structuredClone(SAMPLE_REQUESTS[kind]) as Record<string, unknown>;
        const keys = Object.keys(sample).filter((k) => k !== 'kind');
        const key = keys[n % keys.length] ?? 'facts';
        sample[key] = junk;
        expectWellFormed(checkDraft(sample, ctx));
      }),
      { numRuns: 300 },
    );
  });
});
