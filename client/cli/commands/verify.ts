// CLI command `pouch verify BUNDLE` / `pouch verify --live EXCHANGE`: checks a custody bundle offline (every
// hash, link, signature and proof; shared/custody/bundle.ts), prints a human timeline and names the first
// broken element. Exit 0 only when everything holds.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { PublicJwk } from '../../../shared/crypto/compact-jws.ts';
import { type BundleVerification, verifyBundle } from '../../../shared/custody/bundle.ts';
import type { LedgerEvent } from '../../../shared/domain/ledger/event.ts';
import { CliUsageError } from '../cli-errors.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { fetchBundleText } from './audit-export.ts';

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

/** Verify a bundle stream and print the outcome; returns the exit code. */
export async function verifyAndReport(
  ctx: CommandContext,
  source: AsyncIterable<Uint8Array | string>,
  trusted: readonly PublicJwk[] | undefined,
): Promise<number> {
  const timeline: string[] = [];
  const verdict: BundleVerification = await verifyBundle(source, {
    ...(trusted ? { trustedExchangeKeys: trusted } : {}),
    ...(ctx.json ? {} : { onEvent: (e, marks) => timeline.push(formatTimelineLine(e, marks)) }),
  });
  if (verdict.ok) {
    const uncheckpointed = verdict.events - 1 - (verdict.checkpointedHead?.seq ?? -1);
    ctx.print(
      {
        ok: true,
        exchangeId: verdict.exchangeId,
        events: verdict.events,
        receipts: verdict.receipts,
        manifests: verdict.manifests,
        head: verdict.head ?? null,
        checkpoint: verdict.checkpoint ?? null,
        checkpointedHead: verdict.checkpointedHead ?? null,
        uncheckpointedEvents: uncheckpointed,
      },
      [
        `Exchange ${verdict.exchangeId}`,
        ...timeline,
        `OK: ${verdict.events} events (hashes and links), ${verdict.receipts} receipts, ${verdict.manifests} manifests verified;` +
          ` head seq ${verdict.checkpointedHead?.seq ?? '-'} is in checkpoint ${verdict.checkpoint?.size ?? '-'} (${verdict.checkpoint?.time ?? '-'}).`,
        // Exports do not force a checkpoint: the newest events wait for the scheduled one. Say so.
        ...(uncheckpointed > 0
          ? [
              `Note: the ${uncheckpointed} newest event(s), after seq ${verdict.checkpointedHead?.seq ?? '-'}, are not in a checkpoint yet;` +
                ' they are hash-linked to it, and a later export (or --live) proves them once the scheduled checkpoint covers them.',
            ]
          : []),
        ...(trusted
          ? []
          : [
              'Note: the exchange key was taken from the bundle; pin it with --exchange-key or use --live (which pins the key the exchange publishes).',
            ]),
      ],
    );
    return 0;
  }
  ctx.print({ ok: false, broken: verdict.broken }, [
    ...timeline,
    `BROKEN: ${verdict.broken.pointer} — ${verdict.broken.message}`,
  ]);
  return 1;
}

async function readTrustedKeys(path: string): Promise<PublicJwk[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new CliUsageError(`cannot read the key file ${path} (a JWK or a JWKS)`, 'verify');
  }
  const keys = (parsed as { keys?: unknown }).keys;
  return (Array.isArray(keys) ? keys : [parsed]) as PublicJwk[];
}

async function* fromText(text: string): AsyncGenerator<string> {
  yield text;
}

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'Verify a custody bundle offline (or --live: fetch it from the exchange first)',
  positionals: { names: ['BUNDLE|EXCHANGE'] },
  options: {
    live: { type: 'boolean', description: 'treat the argument as an exchange id and fetch its bundle' },
    'exchange-key': {
      type: 'string',
      valueName: 'FILE',
      description: 'the exchange public key (JWK or JWKS) to trust instead of the one in the bundle',
    },
  },
  details:
    'Checks every event hash and link, every receipt and manifest signature, the checkpoint signature and\n' +
    'the inclusion proof. Exits 0 only if everything holds; otherwise names the first broken element and exits 1.',
  async run(ctx, { values, positionals }) {
    const target = positionals[0] ?? '';
    if (!target) throw new CliUsageError('name a bundle file (or an exchange id with --live)', 'verify');
    const trusted = values['exchange-key'] ? await readTrustedKeys(values['exchange-key']) : undefined;
    if (values.live) {
      const text = await fetchBundleText(ctx, target);
      // Live: pin the exchange key the exchange publishes, rather than the copy inside the bundle.
      const client = await ctx.createClient();
      const published = await client.request<{ keys: PublicJwk[] }>('GET', '/.well-known/jwks.json');
      return verifyAndReport(ctx, fromText(text), trusted ?? published.keys);
    }
    try {
      await readFile(target, { flag: 'r' }).then(() => undefined);
    } catch {
      throw new CliUsageError(`cannot read ${target}; check the path`, 'verify');
    }
    return verifyAndReport(ctx, createReadStream(target), trusted);
  },
});
