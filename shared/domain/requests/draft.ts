// Domain layer, "right first time": `pouch draft KIND` logic. Writes a commented YAML skeleton from the
// template elements (schemas.ts) and the recipient's profile; check reads the filled skeleton back.
import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { formatCitation, formatTreaty, KINDS, type RequestKind } from './instruments.ts';
import {
  type ExtraRequirement,
  formatProfileSource,
  listPreferredChannels,
  listProfileRequirements,
  type Profile,
} from './profile.ts';
import { type ElementInfo, listElements } from './schemas.ts';

/** Elements the skeleton leaves out: written by tools, or filled from the profile. */
const SKIPPED = new Set(['checkedAgainst', 'additional']);

function describeElement(e: ElementInfo): string {
  const level =
    e.level === 'mandatory'
      ? 'required'
      : e.level === 'conditional'
        ? `required ${e.requiredWhen?.description ?? 'in some cases'}`
        : e.level;
  const lines = [` ${e.title} (${level})${e.explanation ? `: ${e.explanation}` : ''}`];
  if (e.values) {
    lines.push(
      e.type === 'array' ? ` Items, one of: ${e.values.join(' | ')}` : ` One of: ${e.values.join(' | ')}`,
    );
  }
  if (e.hint) lines.push(` Format: ${e.hint}`);
  lines.push(` [${e.source}]`);
  return lines.join('\n');
}

/** Values known before the officer writes anything, by element path (e.g. `requestedAuthority.name`). */
export type DraftPrefill = Readonly<Record<string, string>>;

/** A party of the request as the directory knows it. */
export interface DraftParty {
  readonly id: string;
  readonly name: string;
  readonly country: string;
}

/**
 * The prefill for the two authorities: the sender (the officer's own authority) and the recipient (`--to`), so
 * neither is typed by hand. Either may be missing (no `--to`, or no profile).
 */
export function partiesPrefill(parties: { requesting?: DraftParty; requested?: DraftParty }): DraftPrefill {
  const out: Record<string, string> = {};
  for (const [block, party] of [
    ['requestingAuthority', parties.requesting],
    ['requestedAuthority', parties.requested],
  ] as const) {
    if (!party) continue;
    out[`${block}.authorityId`] = party.id;
    out[`${block}.name`] = party.name;
    out[`${block}.country`] = party.country;
  }
  return out;
}

function placeholderFor(e: ElementInfo, kind: RequestKind, prefill: DraftPrefill): unknown {
  if (e.path === 'kind') return kind;
  return prefill[e.path] ?? null;
}

function buildMap(
  elements: readonly ElementInfo[],
  prefix: string,
  kind: RequestKind,
  prefill: DraftPrefill,
): YAMLMap {
  const map = new YAMLMap();
  for (const e of elements) {
    const parent = e.path.includes('.') ? e.path.slice(0, e.path.lastIndexOf('.')) : '';
    if (parent !== prefix || SKIPPED.has(e.path)) continue;
    const key = new Scalar(e.key);
    key.commentBefore = describeElement(e);
    let value: unknown;
    if (e.type === 'object') value = buildMap(elements, e.path, kind, prefill);
    else if (e.type === 'array') {
      const seq = new YAMLSeq();
      seq.items.push(
        e.itemType === 'object' ? buildMap(elements, `${e.path}[]`, kind, prefill) : new Scalar(null),
      );
      value = seq;
    } else value = new Scalar(placeholderFor(e, kind, prefill));
    map.items.push(new Pair(key, value));
  }
  return map;
}

function describeRequirement(req: ExtraRequirement, profile: Profile): string {
  const lines = [` Required by ${formatProfileSource(profile)} (${req.rule}): ${req.explanation}`];
  if (req.allowedValues) lines.push(` One of: ${req.allowedValues.join(' | ')}`);
  if (req.example) lines.push(` Example: ${req.example}`);
  return lines.join('\n');
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find(
    (p): p is Pair => p instanceof Pair && p.key instanceof Scalar && p.key.value === key,
  );
}

/** Place a profile requirement in the skeleton, creating maps and sequences along its path. */
function addRequirement(root: YAMLMap, req: ExtraRequirement, profile: Profile): void {
  const tokens = req.path.split('.');
  let map = root;
  tokens.forEach((token, i) => {
    const each = token.endsWith('[]');
    const key = token.replace(/\[\]$/, '');
    const last = i === tokens.length - 1;
    let pair = findPair(map, key);
    if (!pair) {
      const value = each ? new YAMLSeq() : last ? new Scalar(null) : new YAMLMap();
      if (each) (value as YAMLSeq).items.push(last ? new Scalar(null) : new YAMLMap());
      pair = new Pair(new Scalar(key), value);
      map.items.push(pair);
    }
    if (last) {
      const k = pair.key as Scalar;
      const note = describeRequirement(req, profile);
      k.commentBefore = k.commentBefore ? `${k.commentBefore}\n${note}` : note;
      return;
    }
    const next = each ? (pair.value as YAMLSeq | undefined)?.items[0] : pair.value;
    if (next instanceof YAMLMap) map = next;
  });
}

function headerFor(kind: RequestKind, profile?: Profile): string {
  const info = KINDS[kind];
  const lines = [
    ` Pouch draft: ${info.title}`,
    ` ${info.summary}`,
    ` Basis: ${formatCitation(info.basis)}`,
    ...info.notes.map((n) => ` Note: ${n.text} [${formatCitation(n.cite)}]`),
    ' Fill every required field; leave optional ones empty; then run `pouch check DRAFT --to AUTHORITY`.',
    ' All times carry a time zone. Everything you write here is sealed end to end.',
  ];
  if (profile) {
    lines.push(
      ` Recipient: ${formatProfileSource(profile)}`,
      ` Accepted languages: ${profile.languages.join(', ')}`,
      ` Accepted legal bases: ${profile.acceptedBases.map(formatTreaty).join(', ')}`,
    );
    const channels = listPreferredChannels(profile, kind);
    if (channels.length > 0) lines.push(` Preferred channels: ${channels.join(', ')}`);
    for (const note of profile.notes) lines.push(` Recipient note: ${note}`);
  }
  return lines.join('\n');
}

/**
 * Render a commented YAML skeleton of a request: every template element with its explanation and citation,
 * plus the recipient profile's extra requirements. Placeholders are empty, so checking the untouched
 * skeleton gives errors; filling them in makes it pass.
 * `prefill` fills what is already known (the two authorities, see {@link partiesPrefill}).
 * @example writeFileSync('draft.yaml', renderDraftSkeleton('preservation', recipientProfile));
 */
export function renderDraftSkeleton(
  kind: RequestKind,
  profile?: Profile,
  prefill: DraftPrefill = {},
): string {
  const root = buildMap(listElements(kind), '', kind, prefill);
  if (profile) for (const req of listProfileRequirements(profile, kind)) addRequirement(root, req, profile);
  const doc = new Document(root);
  doc.commentBefore = headerFor(kind, profile);
  return doc.toString({ lineWidth: 110, nullStr: '' });
}
