// Domain layer, "right first time": `pouch check` logic. Validates a draft against its instrument (schemas.ts)
// and the recipient's requirement profile, and returns findings citing the article or the profile.
import type { z } from 'zod';
import { type FindingDetail, type FindingOrigin, findingOriginText, findingText } from './finding-words.ts';
import { KINDS, normalizeTreatyId, REQUEST_KINDS, type RequestKind } from './instruments.ts';
import { assessLegalBasis, findLegalBases } from './legal-basis.ts';
import { acceptsLanguage, listProfileRequirements, type Profile } from './profile.ts';
import {
  childShape,
  findElement,
  formatPath,
  isBlank,
  listElements,
  type PouchRequest,
  REQUEST_SCHEMAS,
  toPatternPath,
} from './schemas.ts';

/** How serious a finding is: errors block sending, warnings and info do not. */
export type Severity = 'error' | 'warning' | 'info';

/** One result of a check, as the CLI prints it (`--json` included). */
export interface FindingRecord {
  /** Element path, e.g. `offences[0].penalty`, `facts`, or `$` for the whole draft. */
  readonly path: string;
  readonly severity: Severity;
  /** Stable rule id: `instrument.required`, `profile.dual-criminality-statement`, `legal-basis.not-applicable`... */
  readonly rule: string;
  /** What requires it, in English: an article (`UNTOC art. 18(15)(c)`) or a profile (`profile xb-foj-ca v3`). */
  readonly source: string;
  /** What is wrong, in English. */
  readonly message: string;
}

/**
 * One result of a check: the record plus what it says and what requires it without words, for any language
 * (finding-words.ts: `findingText(f.detail, 'fr')`, `findingOriginText(f.origin, 'fr')`).
 */
export interface Finding extends FindingRecord {
  readonly detail: FindingDetail;
  readonly origin: FindingOrigin;
}

/** A finding as the CLI prints it, without its language-free parts (the `--json` shape). */
export function toFindingRecord(f: Finding): FindingRecord {
  return { path: f.path, severity: f.severity, rule: f.rule, source: f.source, message: f.message };
}

/** Build a finding whose English `source` and `message` come from finding-words.ts's English record. */
function finding(
  path: string,
  severity: Severity,
  rule: string,
  origin: FindingOrigin,
  detail: FindingDetail,
): Finding {
  return {
    path,
    severity,
    rule,
    source: findingOriginText(origin, 'en'),
    message: findingText(detail, 'en'),
    detail,
    origin,
  };
}

/** What check knows about the two parties. */
export interface CheckContext {
  readonly recipientProfile?: Profile;
  readonly senderTreaties: readonly string[];
  readonly recipientTreaties: readonly string[];
  readonly senderCountry?: string;
  readonly recipientCountry?: string;
}

/** The outcome of a check. */
export interface CheckResult {
  /** True when there is no error finding. */
  readonly ok: boolean;
  readonly findings: Finding[];
  /** The recipient profile version the draft was checked against; record it in `checkedAgainst`. */
  readonly profileVersion?: number;
  /** The validated request (blank values pruned), when the instrument's schema accepts it. */
  readonly request?: PouchRequest;
}

const TEMPLATE: FindingOrigin = { of: 'template' };
const DIRECTORY: FindingOrigin = { of: 'directory' };
const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Remove what a drafter left blank: null, empty strings, and objects or arrays that end up empty.
 * Skeleton placeholders are null, so an untouched skeleton reads as "nothing given".
 */
export function pruneBlank(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(pruneBlank).filter((v) => v !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (isRecord(value)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      const pruned = pruneBlank(v);
      // defineProperty: a `__proto__` key in untrusted input stays data, never a prototype.
      if (pruned !== undefined)
        Object.defineProperty(out, k, {
          value: pruned,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  return value;
}

function valueAt(root: unknown, segments: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const s of segments) {
    if (typeof s === 'number' ? !Array.isArray(node) : !isRecord(node) || !Object.hasOwn(node, s))
      return undefined;
    node = (node as Record<PropertyKey, unknown>)[s];
  }
  return node;
}

/** One place a pattern path points to in a draft. `parent` is undefined when the chain above is missing. */
interface PathInstance {
  segments: PropertyKey[];
  parent: Json | undefined;
  value: unknown;
}

/** Expand a pattern path (`offences[].penalty`) over a draft. */
export function expandPath(root: unknown, pattern: string): PathInstance[] {
  const tokens = pattern.split('.').map((t) => ({ key: t.replace(/\[\]$/, ''), each: t.endsWith('[]') }));
  const out: PathInstance[] = [];
  const visit = (node: unknown, i: number, segments: PropertyKey[]): void => {
    const token = tokens[i];
    if (!token) return;
    const last = i === tokens.length - 1;
    if (!isRecord(node)) {
      const rest = tokens.slice(i).flatMap((t) => (t.each ? [t.key, 0] : [t.key]));
      out.push({ segments: [...segments, ...rest], parent: undefined, value: undefined });
      return;
    }
    const value = Object.hasOwn(node, token.key) ? node[token.key] : undefined;
    const here = [...segments, token.key];
    if (last && !token.each) {
      out.push({ segments: here, parent: node, value });
      return;
    }
    if (token.each) {
      if (!Array.isArray(value) || value.length === 0) {
        out.push({ segments: here, parent: node, value: undefined });
        return;
      }
      value.forEach((item, idx) => {
        if (last) out.push({ segments: [...here, idx], parent: node, value: item });
        else visit(item, i + 1, [...here, idx]);
      });
      return;
    }
    visit(value, i + 1, here);
  };
  visit(root, 0, []);
  return out;
}

/** Expand a pattern only where every ancestor exists (for conditional and recommended elements). */
function presentInstances(root: unknown, pattern: string): PathInstance[] {
  return expandPath(root, pattern).filter(
    (inst) => inst.parent !== undefined && toPatternPath(inst.segments) === pattern,
  );
}

function findUnknownKeys(
  schema: z.ZodType,
  value: unknown,
  segments: PropertyKey[],
  out: PropertyKey[][],
): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      findUnknownKeys(schema, item, [...segments, i], out);
    });
    return;
  }
  const shape = childShape(schema);
  if (!shape || !isRecord(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const child = Object.hasOwn(shape, k) ? shape[k] : undefined;
    if (!child) out.push([...segments, k]);
    else if (k !== 'additional') findUnknownKeys(child, v, [...segments, k], out);
  }
}

function checkInstrument(kind: RequestKind, input: Json, findings: Finding[]): PouchRequest | undefined {
  const parsed = REQUEST_SCHEMAS[kind].safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const segments = issue.path;
      const element = findElement(kind, segments);
      const missing = isBlank(valueAt(input, segments));
      const path = formatPath(segments);
      const origin: FindingOrigin = { of: 'provisions', cite: element?.cite ?? KINDS[kind].basis };
      const at = { kind, path, ...(element ? { element: element.path } : {}) };
      const values = 'values' in issue && Array.isArray(issue.values) ? issue.values.map(String) : undefined;
      findings.push(
        missing
          ? finding(path, 'error', 'instrument.required', origin, { says: 'instrument.required', ...at })
          : finding(path, 'error', 'instrument.invalid', origin, {
              says: 'instrument.invalid',
              ...at,
              issue: { code: issue.code, message: issue.message, ...(values ? { values } : {}) },
            }),
      );
    }
  }
  for (const element of listElements(kind)) {
    if (element.level !== 'conditional' && element.level !== 'recommended') continue;
    const origin: FindingOrigin = { of: 'provisions', cite: element.cite };
    for (const inst of presentInstances(input, element.path)) {
      if (!isBlank(inst.value) || !inst.parent) continue;
      if (element.level === 'conditional') {
        if (!element.requiredWhen?.test(inst.parent, input)) continue;
        findings.push(
          finding(formatPath(inst.segments), 'error', 'instrument.required', origin, {
            says: 'instrument.required-when',
            kind,
            element: element.path,
          }),
        );
      } else {
        findings.push(
          finding(formatPath(inst.segments), 'warning', 'instrument.recommended', origin, {
            says: 'instrument.recommended',
            kind,
            element: element.path,
          }),
        );
      }
    }
  }
  const unknown: PropertyKey[][] = [];
  findUnknownKeys(REQUEST_SCHEMAS[kind], input, [], unknown);
  for (const segments of unknown) {
    findings.push(
      finding(formatPath(segments), 'warning', 'template.unknown-field', TEMPLATE, {
        says: 'template.unknown-field',
        kind,
      }),
    );
  }
  KINDS[kind].notes.forEach((note, index) => {
    findings.push(
      finding(
        'kind',
        'info',
        'instrument.note',
        { of: 'provisions', cite: note.cite },
        {
          says: 'instrument.note',
          kind,
          note: index,
        },
      ),
    );
  });
  return parsed.success ? (parsed.data as PouchRequest) : undefined;
}

/** The translations a draft declares (`translations: [{ language, file }]`), ignoring malformed entries. */
export function listTranslations(input: unknown): { language: string; file: string }[] {
  const list = (input as { translations?: unknown } | null)?.translations;
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry: unknown) => {
    const t = entry as { language?: unknown; file?: unknown } | null;
    return typeof t?.language === 'string' && typeof t.file === 'string'
      ? [{ language: t.language, file: t.file }]
      : [];
  });
}

function checkProfile(kind: RequestKind, input: Json, profile: Profile, findings: Finding[]): void {
  const source: FindingOrigin = { of: 'profile', authorityId: profile.authorityId, version: profile.version };
  for (const req of listProfileRequirements(profile, kind)) {
    for (const inst of expandPath(input, req.path)) {
      const path = formatPath(inst.segments);
      if (isBlank(inst.value)) {
        findings.push(
          finding(path, 'error', `profile.${req.rule}`, source, {
            says: 'profile.required',
            explanation: req.explanation,
          }),
        );
        continue;
      }
      if (req.allowedValues) {
        const values = Array.isArray(inst.value) ? inst.value : [inst.value];
        const bad = values.filter((v) => typeof v !== 'string' || !req.allowedValues?.includes(v));
        if (bad.length > 0) {
          findings.push(
            finding(path, 'error', `profile.${req.rule}`, source, {
              says: 'profile.allowed-values',
              allowed: req.allowedValues,
              explanation: req.explanation,
            }),
          );
        }
      }
    }
  }
  if (typeof input.language === 'string' && !acceptsLanguage(profile, input.language)) {
    // The requested State reads the request only in a language it accepts (UNTOC art. 18(14)): a request in
    // another language goes only with a translation into one of them, listed under `translations`.
    const translated = listTranslations(input).some((t) => acceptsLanguage(profile, t.language));
    if (!translated) {
      findings.push(
        finding('language', 'error', 'profile.language', source, {
          says: 'profile.language',
          language: input.language,
          accepted: profile.languages,
        }),
      );
    }
  }
  if (typeof input.legalBasis === 'string') {
    const accepted = profile.acceptedBases.map(normalizeTreatyId);
    if (!accepted.includes(normalizeTreatyId(input.legalBasis))) {
      findings.push(
        finding('legalBasis', 'error', 'profile.legal-basis', source, {
          says: 'profile.legal-basis',
          basis: input.legalBasis,
          accepted,
        }),
      );
    }
  }
  const recipientId = isRecord(input.requestedAuthority) ? input.requestedAuthority.authorityId : undefined;
  if (typeof recipientId === 'string' && recipientId !== profile.authorityId) {
    findings.push(
      finding('requestedAuthority.authorityId', 'warning', 'profile.authority-mismatch', source, {
        says: 'profile.authority-mismatch',
        addressedTo: recipientId,
        profileOf: profile.authorityId,
      }),
    );
  }
}

function checkParties(kind: RequestKind, input: Json, ctx: CheckContext, findings: Finding[]): void {
  const basis = input.legalBasis;
  if (
    typeof basis === 'string' &&
    findings.every((f) => f.path !== 'legalBasis' || f.rule !== 'instrument.invalid')
  ) {
    const assessment = assessLegalBasis(basis, ctx.senderTreaties, ctx.recipientTreaties, kind);
    if (!assessment.applies) {
      const options = findLegalBases(ctx.senderTreaties, ctx.recipientTreaties, kind).map((o) => o.basis);
      findings.push(
        finding(
          'legalBasis',
          'warning',
          'legal-basis.not-applicable',
          { of: 'provisions', cite: KINDS[kind].basis },
          { says: 'legal-basis.not-applicable', problems: assessment.problems, options },
        ),
      );
    }
  }
  const to = isRecord(input.requestedAuthority)
    ? input.requestedAuthority
    : isRecord(input.receivingAuthority)
      ? input.receivingAuthority
      : undefined;
  const toKey = isRecord(input.requestedAuthority) ? 'requestedAuthority' : 'receivingAuthority';
  if (ctx.recipientCountry && to && typeof to.country === 'string' && to.country !== ctx.recipientCountry) {
    findings.push(
      finding(`${toKey}.country`, 'warning', 'directory.country-mismatch', DIRECTORY, {
        says: 'directory.country-mismatch',
        side: 'recipient',
        named: to.country,
        actual: ctx.recipientCountry,
      }),
    );
  }
  const from = isRecord(input.requestingAuthority)
    ? input.requestingAuthority
    : isRecord(input.providingAuthority)
      ? input.providingAuthority
      : undefined;
  const fromKey = isRecord(input.requestingAuthority) ? 'requestingAuthority' : 'providingAuthority';
  if (ctx.senderCountry && from && typeof from.country === 'string' && from.country !== ctx.senderCountry) {
    findings.push(
      finding(`${fromKey}.country`, 'warning', 'directory.country-mismatch', DIRECTORY, {
        says: 'directory.country-mismatch',
        side: 'sender',
        named: from.country,
        actual: ctx.senderCountry,
      }),
    );
  }
}

/**
 * Check a draft (parsed YAML or JSON) against its instrument and the recipient's profile. Never throws on
 * bad input: every problem is a finding.
 * @example
 * const result = checkDraft(parse(yamlText), { recipientProfile, senderTreaties, recipientTreaties });
 * if (!result.ok) console.log(formatFindings(result.findings));
 */
export function checkDraft(draft: unknown, ctx: CheckContext): CheckResult {
  const findings: Finding[] = [];
  const profileVersion = ctx.recipientProfile?.version;
  const withVersion = (r: Omit<CheckResult, 'profileVersion'>): CheckResult =>
    profileVersion === undefined ? r : { ...r, profileVersion };
  const input = pruneBlank(draft);
  if (!isRecord(input)) {
    findings.push(
      finding('$', 'error', 'template.not-an-object', TEMPLATE, { says: 'template.not-an-object' }),
    );
    return withVersion({ ok: false, findings });
  }
  const kind = input.kind;
  if (typeof kind !== 'string' || !(REQUEST_KINDS as readonly string[]).includes(kind)) {
    findings.push(
      finding('kind', 'error', isBlank(kind) ? 'instrument.required' : 'instrument.unknown-kind', TEMPLATE, {
        says: 'template.kind',
        kinds: REQUEST_KINDS,
      }),
    );
    return withVersion({ ok: false, findings });
  }
  const k = kind as RequestKind;
  const request = checkInstrument(k, input, findings);
  if (ctx.recipientProfile) checkProfile(k, input, ctx.recipientProfile, findings);
  checkParties(k, input, ctx, findings);
  findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const ok = findings.every((f) => f.severity !== 'error');
  return withVersion(request ? { ok, findings, request } : { ok, findings });
}

/**
 * Format findings for a terminal: one line per finding, errors first, then a summary line.
 * @example formatFindings(result.findings) // 'error   facts  Missing summary of the facts ... [UNTOC art. 18(15)(c)]'
 */
export function formatFindings(findings: readonly FindingRecord[]): string {
  if (findings.length === 0) return 'No findings: the draft is complete.';
  const width = Math.min(40, Math.max(...findings.map((f) => f.path.length)));
  const lines = findings.map(
    (f) => `${f.severity.padEnd(7)} ${f.path.padEnd(width)}  ${f.message} [${f.source}; ${f.rule}]`,
  );
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  lines.push(`${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info.`);
  return lines.join('\n');
}
