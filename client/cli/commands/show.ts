// CLI command `pouch show EXCHANGE`: one exchange — its label, clocks and lineage, its messages with their documents
// (as the signed manifests list them; `pouch fetch` verifies them) and the moves allowed next. Reading it records delivery.
import { decodeJwt } from 'jose';
import { findSide, listNextMoves } from '../../exchange/exchange-moves.ts';
import { getClocks, getLineage } from '../../sdk/clock-api.ts';
import { fetchMe, getExchange } from '../../sdk/exchange-api.ts';
import { formatClock, formatLineage, formatLink } from '../clock-lines.ts';
import { defineCommand } from '../command.ts';
import { loadPartyNames, localTime } from '../output-format.ts';
import { formatBytes } from '../progress.ts';

interface ListedDocument {
  documentId: string;
  name?: string;
  mediaType?: string;
  size?: number;
  plaintextSha256?: string;
}

/** The documents a manifest lists, read without verifying it (display only; fetch verifies). */
function readManifestDocuments(manifest: string, documentIds: readonly string[]): ListedDocument[] {
  try {
    const payload = decodeJwt(manifest) as { documents?: unknown };
    if (Array.isArray(payload.documents)) {
      return payload.documents.map((d) => {
        const doc = d as Record<string, unknown>;
        return {
          documentId: String(doc.documentId),
          ...(typeof doc.name === 'string' ? { name: doc.name } : {}),
          ...(typeof doc.mediaType === 'string' ? { mediaType: doc.mediaType } : {}),
          ...(typeof doc.size === 'number' ? { size: doc.size } : {}),
          ...(typeof doc.plaintextSha256 === 'string' ? { plaintextSha256: doc.plaintextSha256 } : {}),
        };
      });
    }
  } catch {
    // Unreadable manifest: list the ids only; fetch will refuse it.
  }
  return documentIds.map((documentId) => ({ documentId }));
}

/** A manifest's name, bounded so one name cannot flood the listing (ctx.print makes it printable). */
function shortName(text: string): string {
  return text.slice(0, 120);
}

export const showCommand = defineCommand({
  name: 'show',
  summary: 'Show one exchange: label, messages, documents and the moves allowed next',
  positionals: { names: ['EXCHANGE'] },
  options: {},
  async run(ctx, { positionals }) {
    const exchangeId = positionals[0] ?? '';
    const client = await ctx.createClient();
    const me = await fetchMe(client);
    const { label, messages } = await getExchange(client, exchangeId);
    const [lineage, clocks] = await Promise.all([
      getLineage(client, exchangeId),
      getClocks(client, exchangeId),
    ]);
    const linked = lineage.roots.length > 1 || (lineage.roots[0]?.followers.length ?? 0) > 0;
    const side = findSide(label, me.authorityId);
    const next = listNextMoves(label.status, side);
    const names = await loadPartyNames(client);
    const listed = [...messages]
      .sort((a, b) => a.seq - b.seq)
      .map((m) => ({ ...m, documents: readManifestDocuments(m.manifest, m.documentIds) }));
    const lines = [
      `Exchange ${label.id}  ${label.kind}  ${label.urgency}  ${label.status}`,
      `  from ${names.authority(label.requesterId)} (ref ${label.requesterReference}) to ${names.authority(label.requestedId)}${
        label.requestedReference ? ` (ref ${label.requestedReference})` : ''
      }`,
      `  you are the ${side ?? 'reader'}; opened ${localTime(label.createdAt)} by ${names.member(label.createdBy)}; updated ${localTime(label.updatedAt)}`,
      // Named from the lineage answer, which leaves out any linked exchange this caller may not see.
      ...lineage.links.map((link) => `  ${formatLink(link, names)}`),
      ...(label.deadline ? [`  deadline ${localTime(label.deadline)}`] : []),
      ...(label.preservationExpiresAt
        ? [`  preservation expires ${localTime(label.preservationExpiresAt)}`]
        : []),
      ...(clocks.clocks.length ? ['', 'Clocks:', ...clocks.clocks.map((c) => `  ${formatClock(c)}`)] : []),
      ...(linked ? ['', 'Lineage:', ...formatLineage(lineage.roots, label.id, names)] : []),
      '',
      `Messages (${listed.length}):`,
      ...listed.flatMap((m) => [
        `  ${localTime(m.sentAt)}  ${m.kind}${m.final ? ' (final)' : m.kind === 'evidence' ? ' (partial)' : ''}  from ${names.member(m.senderClientId)}${
          m.deliveredAt ? `  delivered ${localTime(m.deliveredAt)}` : ''
        }`,
        ...m.documents.map((d) =>
          `      ${d.documentId}  ${shortName(d.name ?? '?')}  ${d.size === undefined ? '' : formatBytes(d.size)}  ${d.mediaType ?? ''}`.trimEnd(),
        ),
      ]),
      '',
      'Next moves:',
      ...(next.length === 0
        ? ['  none (the exchange is closed)']
        : next.map(
            (m) =>
              `  ${m.kind} by ${m.side}${m.yours ? `  → pouch ${m.verb ? `reply ${label.id} ${m.verb}` : 'send'}` : ''}`,
          )),
    ];
    ctx.print(
      {
        label,
        side: side ?? null,
        messages: listed,
        nextMoves: next,
        clocks: clocks.clocks,
        links: lineage.links,
        lineage: lineage.roots,
      },
      lines,
    );
    return 0;
  },
});
