// CLI command `pouch verify BUNDLE` / `pouch verify --live EXCHANGE`: checks a custody bundle offline (every
// hash, link, signature and proof; shared/custody/bundle.ts) against a PINNED exchange custody key, prints a
// human timeline and names the first broken element. Exit 0 only when everything holds and the key is pinned.
// `--save-checkpoint FILE` keeps the checkpoint a verified bundle was checked against, and
// `pouch verify --consistency OLD.json [NEW.json]` later proves (RFC 9162) that the log only grew from it: an
// auditor who keeps OLD detects a log the operator rewrote or showed differently to someone else.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { PublicJwk } from '../../../shared/crypto/compact-jws.ts';
import { type BundleLabel, type BundleVerification, verifyBundle } from '../../../shared/custody/bundle.ts';
import { verifyCheckpoint } from '../../../shared/custody/checkpoints.ts';
import type { Checkpoint } from '../../../shared/domain/ledger/checkpoint.ts';
import type { LedgerEvent } from '../../../shared/domain/ledger/event.ts';
import { fromHex, verifyConsistency } from '../../../shared/domain/ledger/merkle.ts';
import { readPins } from '../../keystore/pins.ts';
import { fetchCustodyKeys } from '../../sdk/custody-api.ts';
import { CliUsageError } from '../cli-errors.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { findUnsignedSenderKeys } from '../directory-context.ts';
import { EXIT } from '../exit-codes.ts';
import { fetchBundleText } from './audit-export.ts';

/**
 * Exit codes of `pouch verify`. `unpinned` is distinct so a script can never mistake "the signatures hold
 * against whatever key the bundle carries" (which a forger controls) for "verified".
 */
export const verifyExitCodes = {
  ok: EXIT.ok,
  broken: EXIT.failed,
  usage: EXIT.usage,
  unpinned: EXIT.notPinned,
} as const;

/** An RFC 7638 SHA-256 thumbprint, base64url: what `--exchange-key` accepts besides a JWK file. */
const thumbprintPattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * The RFC 7638 thumbprint of an EC public key, computed from the key itself (never its claimed `kid`): the
 * fingerprint an auditor compares out of band and pins.
 */
export function exchangeKeyFingerprint(jwk: PublicJwk): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** One line of the human timeline. */
export function formatTimelineLine(
  event: LedgerEvent,
  marks: { receipt?: string; manifest?: string },
): string {
  const actor = `${event.actor.authorityId}:${event.actor.memberId} (${event.actor.role})`;
  const subject = event.subject?.messageId ?? event.subject?.documentId ?? '';
  const extra = [
    marks.receipt ? `receipt ${marks.receipt} ✓` : '',
    marks.manifest ? 'manifest ✓' : '',
    event.documents?.length ? `${event.documents.length} document(s)` : '',
  ].filter(Boolean);
  const status = typeof event.details?.status === 'string' ? ` → ${event.details.status}` : '';
  return `  #${String(event.seq).padStart(4)} ${event.time} ${event.action}${status} by ${actor}${subject ? ` [${subject}]` : ''}${extra.length ? `  ${extra.join(', ')}` : ''}`;
}

/** The pinned custody key(s) for one run, or none (then the run can at best exit `unpinned`). */
export interface ExchangeKeyPin {
  /** Thumbprints the bundle's key must match. */
  readonly fingerprints: readonly string[];
  /** Full keys when the pin came as JWKs (also handed to the verifier). */
  readonly keys: readonly PublicJwk[];
  /** Where the pin came from, for the report: `--exchange-key` or `--live`. */
  readonly source: 'exchange-key' | 'live';
}

/** `type` of a checkpoint file written by `--save-checkpoint` and read by `--consistency`. */
export const SAVED_CHECKPOINT_TYPE = 'pouch-checkpoint';

/**
 * A checkpoint kept for later: the signed JWS (what counts), the exchange key it verified with, and what it was
 * verified for. `--consistency` also reads the API's checkpoint answer (`{size, rootHash, time, jws}`), and an
 * optional `consistency: {first, proof}` (a proof from an older size to this one) for a fully offline check.
 */
export interface SavedCheckpoint {
  readonly type: typeof SAVED_CHECKPOINT_TYPE;
  readonly size: number;
  readonly rootHash: string;
  readonly time: string;
  readonly jws: string;
  readonly exchangeKey: PublicJwk;
  readonly exchangeKeyFingerprint: string;
  readonly exchangeId: string;
  readonly checkpointedHead: { readonly chain: string; readonly seq: number; readonly hash: string } | null;
  readonly savedAt: string;
}

/** Verify a bundle stream and print the outcome; returns the exit code (see verifyExitCodes). */
export async function verifyAndReport(
  ctx: CommandContext,
  source: AsyncIterable<Uint8Array | string>,
  bundleKey: PublicJwk | undefined,
  pin: ExchangeKeyPin | undefined,
  options: { readonly saveCheckpoint?: string } = {},
): Promise<number> {
  const fingerprint = bundleKey ? exchangeKeyFingerprint(bundleKey) : undefined;
  if (pin && fingerprint && !pin.fingerprints.includes(fingerprint)) {
    // Refused before anything else is read: nothing in a bundle signed by another key means anything.
    const message = `the bundle's exchange key ${fingerprint} is not the pinned key ${pin.fingerprints.join(' or ')}`;
    ctx.print(
      {
        ok: false,
        pinned: true,
        exchangeKeyFingerprint: fingerprint,
        pinnedFingerprints: pin.fingerprints,
        broken: {
          element: 'exchange key',
          check: 'untrusted',
          pointer: 'exchange key: untrusted',
          message,
        },
      },
      `BROKEN: exchange key: untrusted — ${message}`,
    );
    return verifyExitCodes.broken;
  }
  const trusted = pin ? (pin.keys.length > 0 ? pin.keys : bundleKey ? [bundleKey] : []) : undefined;
  const timeline: string[] = [];
  // Authorities this keystore pinned: their senders' manifest keys are checked against the member-keys
  // statements the bundle carries, offline.
  const pins = await readPins(ctx.keystore.home);
  const verdict: BundleVerification = await verifyBundle(source, {
    ...(trusted ? { trustedExchangeKeys: trusted } : {}),
    authorityPins: new Map([...pins.values()].map((p) => [p.authorityId, p.fingerprint])),
    ...(ctx.json ? {} : { onEvent: (e, marks) => timeline.push(formatTimelineLine(e, marks)) }),
  });
  if (!verdict.ok) {
    ctx.print({ ok: false, pinned: pin !== undefined, broken: verdict.broken }, [
      ...timeline,
      `BROKEN: ${verdict.broken.pointer} — ${verdict.broken.message}`,
    ]);
    return verifyExitCodes.broken;
  }
  const uncheckpointed = verdict.events - 1 - (verdict.checkpointedHead?.seq ?? -1);
  const summary = {
    exchangeId: verdict.exchangeId,
    events: verdict.events,
    receipts: verdict.receipts,
    manifests: verdict.manifests,
    head: verdict.head ?? null,
    checkpoint: verdict.checkpoint ?? null,
    checkpointedHead: verdict.checkpointedHead ?? null,
    uncheckpointedEvents: uncheckpointed,
    bundleVersion: verdict.version,
    loggedHeads: verdict.loggedHeads,
    label: verdict.label ?? null,
    senderKeys: verdict.senderKeys,
  };
  // The label, checked against the ledger and the manifests' signed claims: references are what a reader asks for.
  const labelLine = verdict.label ? [describeVerifiedLabel(verdict.label)] : [];
  // Exports do not force a checkpoint: the newest events wait for the scheduled one. Say so.
  const pending =
    uncheckpointed > 0
      ? [
          `Note: the ${uncheckpointed} newest event(s), after seq ${verdict.checkpointedHead?.seq ?? '-'}, are not in a checkpoint yet;` +
            ' they are hash-linked to it, and a later export (or --live) proves them once the scheduled checkpoint covers them.',
        ]
      : [];
  const legacy =
    verdict.version < 2
      ? ['NOTE: a v1 bundle proves only the latest logged head of its chain, not every head ever logged.']
      : [];
  const counts =
    `${verdict.events} events (hashes and links), ${verdict.receipts} receipts, ${verdict.manifests} manifests;` +
    ` head seq ${verdict.checkpointedHead?.seq ?? '-'} is in checkpoint ${verdict.checkpoint?.size ?? '-'} (${verdict.checkpoint?.time ?? '-'})`;
  if (!pin) {
    ctx.print(
      {
        ok: false,
        pinned: false,
        signaturesHold: true,
        exchangeKeyFingerprint: fingerprint ?? null,
        ...summary,
      },
      [
        `Exchange ${verdict.exchangeId}`,
        ...timeline,
        `NOT PINNED: ${counts} hold, but only against the key the bundle itself carries (${fingerprint ?? '-'}), which anyone forging a bundle chooses.`,
        `Compare that fingerprint with the one the exchange operator publishes, then run: pouch verify --exchange-key ${fingerprint ?? 'FINGERPRINT'} FILE (or pouch verify --live EXCHANGE).`,
      ],
    );
    return verifyExitCodes.unpinned;
  }
  let saved: string[] = [];
  if (options.saveCheckpoint && verdict.checkpoint && verdict.checkpointJws && bundleKey && fingerprint) {
    const file: SavedCheckpoint = {
      type: SAVED_CHECKPOINT_TYPE,
      size: verdict.checkpoint.size,
      rootHash: verdict.checkpoint.rootHash,
      time: verdict.checkpoint.time,
      jws: verdict.checkpointJws,
      exchangeKey: bundleKey,
      exchangeKeyFingerprint: fingerprint,
      exchangeId: verdict.exchangeId,
      checkpointedHead: verdict.checkpointedHead ?? null,
      savedAt: new Date().toISOString(),
    };
    await writeFile(options.saveCheckpoint, `${JSON.stringify(file, null, 2)}\n`);
    saved = [
      `Saved checkpoint ${file.size} to ${options.saveCheckpoint}; later: pouch verify --consistency ${options.saveCheckpoint} --live`,
    ];
  }
  ctx.print(
    {
      ok: true,
      pinned: true,
      pinnedBy: pin.source,
      exchangeKeyFingerprint: fingerprint ?? null,
      ...summary,
      ...(saved.length > 0 ? { savedCheckpoint: options.saveCheckpoint } : {}),
    },
    [
      `Exchange ${verdict.exchangeId}`,
      ...labelLine,
      ...timeline,
      `OK: ${counts} (${verdict.loggedHeads} logged head(s) found in the chain); all verified against the pinned exchange key ${fingerprint ?? pin.fingerprints.join(' or ')} (${pin.source === 'live' ? 'published by the exchange' : '--exchange-key'}).`,
      ...legacy,
      ...pending,
      ...saved,
    ],
  );
  return verifyExitCodes.ok;
}

/** One line of the verified label: kind, urgency, deadline and both parties with their references. */
function describeVerifiedLabel(label: BundleLabel): string {
  const text = (value: unknown) => (typeof value === 'string' ? value : '-');
  const deadline = typeof label.deadline === 'string' ? `, deadline ${label.deadline}` : '';
  const requested =
    typeof label.requestedReference === 'string' ? ` (ref ${label.requestedReference})` : ' (no ref yet)';
  return (
    `Label: ${text(label.kind)}, ${text(label.urgency)}${deadline}; from ${label.requesterId} (ref ${text(label.requesterReference)})` +
    ` to ${label.requestedId}${requested}`
  );
}

/** A checkpoint file as read for `--consistency`: the signed JWS, and what else the file offers. */
interface CheckpointFile {
  readonly jws: string;
  readonly exchangeKey?: PublicJwk;
  readonly consistency?: { readonly first: number; readonly proof: readonly string[] };
}

async function readCheckpointFile(path: string): Promise<CheckpointFile> {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new CliUsageError(`cannot read the checkpoint file ${path} (JSON with a "jws")`, 'verify');
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.jws !== 'string') {
    throw new CliUsageError(`${path} holds no checkpoint (JSON with a "jws")`, 'verify');
  }
  const key = parsed.exchangeKey as PublicJwk | undefined;
  const consistency = parsed.consistency as CheckpointFile['consistency'] | undefined;
  return {
    jws: parsed.jws,
    ...(key && typeof key === 'object' && typeof key.x === 'string' ? { exchangeKey: key } : {}),
    ...(consistency &&
    Number.isSafeInteger(consistency.first) &&
    Array.isArray(consistency.proof) &&
    consistency.proof.every((p) => typeof p === 'string')
      ? { consistency }
      : {}),
  };
}

/**
 * `--consistency OLD [NEW]`: both checkpoints must be signed by the pinned custody key, and NEW must extend OLD
 * (RFC 9162 consistency proof, from NEW's file or fetched from the exchange). NEW defaults, with --live, to the
 * exchange's latest checkpoint. Returns the exit code.
 */
async function verifyConsistencyAndReport(
  ctx: CommandContext,
  oldPath: string,
  newPath: string | undefined,
  pin: ExchangeKeyPin | undefined,
  live: boolean,
): Promise<number> {
  const older = await readCheckpointFile(oldPath);
  let newer: CheckpointFile;
  if (newPath) newer = await readCheckpointFile(newPath);
  else if (live) {
    const latest = await (await ctx.createClient()).request<{ jws?: unknown }>(
      'GET',
      '/v1/checkpoints/latest',
    );
    if (typeof latest.jws !== 'string') throw new CliUsageError('the exchange sent no checkpoint', 'verify');
    newer = { jws: latest.jws };
  } else {
    throw new CliUsageError('name the newer checkpoint file (or use --live for the latest)', 'verify');
  }
  if (!pin) {
    ctx.print(
      { ok: false, pinned: false },
      'NOT PINNED: a checkpoint only means something against the exchange custody key; add --exchange-key KEY or --live.',
    );
    return verifyExitCodes.unpinned;
  }
  // Only keys whose fingerprint is pinned: a key inside a file counts only when it is the pinned one.
  const candidates = [...pin.keys, older.exchangeKey, newer.exchangeKey].filter(
    (k): k is PublicJwk => k !== undefined && pin.fingerprints.includes(exchangeKeyFingerprint(k)),
  );
  const open = async (file: CheckpointFile): Promise<Checkpoint | undefined> => {
    for (const key of candidates) {
      try {
        return await verifyCheckpoint(file.jws, key);
      } catch {
        // try the next pinned key
      }
    }
    return undefined;
  };
  const broken = (pointer: string, message: string, code?: string): number => {
    ctx.print(
      { ok: false, pinned: true, ...(code ? { code } : {}), broken: { pointer, message } },
      `BROKEN: ${pointer} — ${message}`,
    );
    return verifyExitCodes.broken;
  };
  if (candidates.length === 0) {
    // A fingerprint alone cannot check a signature; the key must come from a file that carries it, or --live.
    return broken(
      'old checkpoint: signature',
      `neither file carries the pinned custody key ${pin.fingerprints.join(' or ')}: pin a JWK file or use --live`,
    );
  }
  const first = await open(older);
  if (!first)
    return broken('old checkpoint: signature', `${oldPath} is not signed by the pinned custody key`);
  const second = await open(newer);
  if (!second) {
    return broken(
      'new checkpoint: signature',
      `${newPath ?? 'the latest checkpoint'} is not signed by the pinned custody key`,
    );
  }
  if (first.size > second.size) {
    throw new CliUsageError(
      `the old checkpoint (size ${first.size}) is larger than the new one (size ${second.size}); swap them`,
      'verify',
    );
  }
  let proof: readonly string[] = [];
  let proofFrom: 'none' | 'file' | 'exchange' = 'none';
  if (first.size !== second.size && first.size > 0) {
    if (newer.consistency?.first === first.size) {
      proof = newer.consistency.proof;
      proofFrom = 'file';
    } else {
      const answer = await (await ctx.createClient()).request<{ proof?: unknown }>(
        'GET',
        `/v1/checkpoints/consistency?first=${first.size}&second=${second.size}`,
      );
      proof = Array.isArray(answer.proof) ? answer.proof.filter((p) => typeof p === 'string') : [];
      proofFrom = 'exchange';
    }
  }
  let consistent: boolean;
  try {
    consistent = verifyConsistency(
      first.size,
      second.size,
      fromHex(first.rootHash),
      fromHex(second.rootHash),
      proof.map(fromHex),
    );
  } catch {
    consistent = false;
  }
  if (!consistent) {
    return broken(
      'checkpoint: consistency',
      `checkpoint ${second.size} (${second.time}) does not extend checkpoint ${first.size} (${first.time}): the log forked or was rewritten`,
      'ERR_LEDGER_FORKED',
    );
  }
  const describe = (c: Checkpoint) => ({ size: c.size, rootHash: c.rootHash, time: c.time });
  ctx.print(
    {
      ok: true,
      pinned: true,
      pinnedBy: pin.source,
      consistent: true,
      first: describe(first),
      second: describe(second),
      proofFrom,
    },
    `OK: checkpoint ${second.size} (${second.time}) extends checkpoint ${first.size} (${first.time}): the log only grew; both signed by the pinned custody key (${pin.source === 'live' ? 'published by the exchange' : '--exchange-key'}).`,
  );
  return verifyExitCodes.ok;
}

function keysOf(parsed: unknown): PublicJwk[] {
  const keys = (parsed as { keys?: unknown }).keys;
  const list = Array.isArray(keys) ? keys : [parsed];
  return list.filter(
    (k): k is PublicJwk => typeof k === 'object' && k !== null && typeof (k as PublicJwk).x === 'string',
  );
}

/** `--exchange-key`: a JWK or JWKS file, or an RFC 7638 thumbprint. */
export async function readPin(value: string): Promise<ExchangeKeyPin> {
  const isFile = await stat(value).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) {
    if (thumbprintPattern.test(value)) return { fingerprints: [value], keys: [], source: 'exchange-key' };
    throw new CliUsageError(
      `--exchange-key ${value} is neither a readable JWK/JWKS file nor a key fingerprint (43 base64url characters)`,
      'verify',
    );
  }
  let keys: PublicJwk[];
  try {
    keys = keysOf(JSON.parse(await readFile(value, 'utf8')));
  } catch {
    throw new CliUsageError(`cannot read the key file ${value} (a JWK or a JWKS)`, 'verify');
  }
  if (keys.length === 0) throw new CliUsageError(`the key file ${value} holds no public EC key`, 'verify');
  return { fingerprints: keys.map(exchangeKeyFingerprint), keys, source: 'exchange-key' };
}

/** The `exchange-key` record of a bundle, read from its first lines (it comes right after the header). */
export function exchangeKeyOf(lines: Iterable<string>): PublicJwk | undefined {
  let seen = 0;
  for (const line of lines) {
    if (++seen > 8) return undefined;
    if (!line.includes('"exchange-key"')) continue;
    try {
      const record = JSON.parse(line) as { type?: unknown; jwk?: unknown };
      if (record.type === 'exchange-key' && typeof record.jwk === 'object' && record.jwk !== null) {
        return record.jwk as PublicJwk;
      }
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function readFileHeadLines(path: string, max: number): Promise<string[]> {
  const lines: string[] = [];
  const stream = createReadStream(path, { encoding: 'utf8' });
  const reader = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of reader) {
    lines.push(line);
    if (lines.length >= max) break;
  }
  reader.close();
  stream.destroy();
  return lines;
}

async function* fromText(text: string): AsyncGenerator<string> {
  yield text;
}

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'Verify a custody bundle against a pinned exchange key (or --live: fetch it from the exchange)',
  positionals: { names: ['BUNDLE|EXCHANGE'], optional: 1 },
  options: {
    live: { type: 'boolean', description: 'treat the argument as an exchange id and fetch its bundle' },
    'exchange-key': {
      type: 'string',
      valueName: 'KEY',
      description: 'pin the exchange custody key: a JWK/JWKS file or its RFC 7638 fingerprint',
    },
    'show-key': {
      type: 'boolean',
      description: 'print the fingerprint of the bundle’s key (with --live: the exchange’s published key)',
    },
    'save-checkpoint': {
      type: 'string',
      valueName: 'FILE',
      description:
        'after a pinned OK, keep the checkpoint the bundle was verified against (for --consistency)',
    },
    consistency: {
      type: 'string',
      valueName: 'OLD',
      description:
        'check that a saved checkpoint OLD is consistent with NEW (a file, or with --live the latest)',
    },
  },
  details:
    'Checks every event hash and link, every receipt and manifest signature, the checkpoint signature and\n' +
    'the inclusion proof, against a pinned exchange custody key: --exchange-key (a fingerprint you compared out\n' +
    'of band with the one the operator publishes) or --live (the key the exchange publishes now).\n' +
    'Exit codes: 0 verified and pinned; 1 broken, or the bundle is signed by another key than the pinned one;\n' +
    '2 usage; 3 NOT PINNED: the signatures hold only against the key inside the bundle, which a forger chooses.\n' +
    'Examples:\n' +
    '  pouch verify --show-key --live                       # the exchange’s custody key fingerprint\n' +
    '  pouch verify --show-key custody.jsonl                # the fingerprint the bundle carries\n' +
    '  pouch verify --exchange-key FINGERPRINT custody.jsonl\n' +
    '  pouch verify --live --save-checkpoint cp-old.json EXCHANGE   # keep the checkpoint for later\n' +
    '  pouch verify --consistency cp-old.json --live                # the log only grew since\n' +
    '  pouch verify --consistency cp-old.json --exchange-key FINGERPRINT cp-new.json',
  async run(ctx, { values, positionals }) {
    const target = positionals[0] ?? '';
    const pinned = values['exchange-key'] ? await readPin(values['exchange-key']) : undefined;
    if (values.consistency) {
      let pin = pinned;
      if (!pin && values.live) {
        const client = await ctx.createClient();
        const keys = await fetchCustodyKeys(client);
        pin = { fingerprints: keys.map(exchangeKeyFingerprint), keys, source: 'live' };
      }
      return verifyConsistencyAndReport(
        ctx,
        values.consistency,
        target || undefined,
        pin,
        values.live === true,
      );
    }
    if (values['show-key'] && values.live && !target) {
      const client = await ctx.createClient();
      const published = await fetchCustodyKeys(client);
      const fingerprints = published.map(exchangeKeyFingerprint);
      ctx.print(
        { source: 'live', baseUrl: client.baseUrl, keys: published, fingerprints },
        fingerprints.map((f) => `Exchange custody key published by ${client.baseUrl}: ${f}`),
      );
      return verifyExitCodes.ok;
    }
    if (!target) throw new CliUsageError('name a bundle file (or an exchange id with --live)', 'verify');

    let text: string | undefined;
    let pin = pinned;
    if (values.live) {
      text = await fetchBundleText(ctx, target);
      if (!pin) {
        // Live: pin the custody key the exchange publishes, rather than the copy inside the bundle.
        const client = await ctx.createClient();
        const keys = await fetchCustodyKeys(client);
        pin = { fingerprints: keys.map(exchangeKeyFingerprint), keys, source: 'live' };
      }
    } else {
      try {
        await readFile(target, { flag: 'r' }).then(() => undefined);
      } catch {
        throw new CliUsageError(`cannot read ${target}; check the path`, 'verify');
      }
    }
    const bundleKey = exchangeKeyOf(
      text === undefined ? await readFileHeadLines(target, 8) : text.split('\n'),
    );
    if (values['show-key']) {
      const fingerprint = bundleKey ? exchangeKeyFingerprint(bundleKey) : null;
      ctx.print(
        { source: 'bundle', key: bundleKey ?? null, fingerprint },
        fingerprint
          ? `Exchange key in the bundle: ${fingerprint} (compare it out of band with the operator's, then pin it with --exchange-key)`
          : 'The bundle carries no readable exchange key.',
      );
      return fingerprint ? verifyExitCodes.ok : verifyExitCodes.broken;
    }
    if (text !== undefined) {
      // Live, the directory is at hand: a pinned sender's manifest must be signed with a key its authority
      // signed (a member-keys statement), not only one the exchange lists.
      const unsigned = await findUnsignedSenderKeys(
        await ctx.createClient(),
        ctx.keystore.home,
        text.split('\n'),
      );
      if (unsigned.length > 0) {
        const first = unsigned[0] as (typeof unsigned)[number];
        const message = `manifest ${first.messageId} is signed with key ${first.kid}, which ${first.senderClientId}'s pinned authority key never signed`;
        ctx.print(
          {
            ok: false,
            pinned: true,
            broken: { element: `manifest ${first.messageId}`, check: 'sender-key', message },
            unsigned,
          },
          `BROKEN: manifest ${first.messageId}: sender-key — ${message}`,
        );
        return verifyExitCodes.broken;
      }
    }
    const source = text === undefined ? createReadStream(target) : fromText(text);
    return verifyAndReport(ctx, source, bundleKey, pin, {
      ...(values['save-checkpoint'] ? { saveCheckpoint: values['save-checkpoint'] } : {}),
    });
  },
});
