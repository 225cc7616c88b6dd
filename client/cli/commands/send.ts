// CLI command `pouch send`: opens an exchange with a recipient authority and sends the request — files and,
// with --draft, the checked request as JSON and as a printable letter — sealed, uploaded, signed and resumable.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { UrgencySchema } from '../../../shared/api/common.ts';
import { parseRecipients } from '../../../shared/crypto/age-keys.ts';
import { isLinkKind, LINK_KINDS } from '../../../shared/domain/clocks/lineage.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import { formatFindings, pruneBlank } from '../../../shared/domain/requests/check.ts';
import { REQUEST_KINDS, type RequestKind } from '../../../shared/domain/requests/instruments.ts';
import { renderRequestHtml } from '../../../shared/domain/requests/render-html.ts';
import {
  type DeliveryResult,
  deliverMessage,
  type GeneratedDocument,
} from '../../exchange/deliver-message.ts';
import { loadManifestSigner, type ManifestSigner } from '../../exchange/member-signer.ts';
import { type DirectoryEntry, fetchDirectoryEntry } from '../../sdk/exchange-api.ts';
import type { PouchClient } from '../../sdk/pouch-client.ts';
import { CliUsageError } from '../cli-errors.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { defaultProfileName } from '../command-context.ts';
import { withVerifiedRecipients } from '../directory-context.ts';
import { formatBytes } from '../progress.ts';
import { checkDraftFile } from './check.ts';

/** The member's signer and a client, for the exchange commands. */
export async function openSession(
  ctx: CommandContext,
): Promise<{ client: PouchClient; signer: ManifestSigner }> {
  const client = await ctx.createClient();
  const signer = await loadManifestSigner(
    ctx.keystore,
    ctx.profileName ?? defaultProfileName,
    ctx.passphrase,
  );
  return { client, signer };
}

/** The age recipients to seal to: the counterpart's and our own authority's (so we can read what we sent). */
export function collectRecipients(counterpart: DirectoryEntry, own: DirectoryEntry): string[] {
  if (counterpart.recipients.length === 0) {
    throw new PouchError(
      'ERR_VALIDATION',
      `${counterpart.name} (${counterpart.id}) publishes no sealing recipients; nothing can be sealed to it yet`,
    );
  }
  if (own.recipients.length === 0) {
    throw new PouchError(
      'ERR_VALIDATION',
      `Your authority ${own.id} publishes no sealing recipients; ask your admin to publish one`,
    );
  }
  const recipients = [...new Set([...counterpart.recipients, ...own.recipients])];
  // Refused before an exchange is opened or a byte sealed: a mix would silently drop post-quantum protection.
  parseRecipients(recipients);
  return recipients;
}

/** Options shared by the commands that upload: progress bars, and the test hook that interrupts uploads. */
export function buildUploadHooks(ctx: CommandContext) {
  const raw = ctx.env.POUCH_TEST_ABORT_AFTER_PARTS?.trim();
  const abortAfterParts = raw ? Number(raw) : undefined;
  if (abortAfterParts !== undefined && !(Number.isInteger(abortAfterParts) && abortAfterParts >= 0)) {
    throw new CliUsageError('POUCH_TEST_ABORT_AFTER_PARTS must be a whole number');
  }
  return {
    createProgress: (label: string, total: number) => ctx.createProgress({ label, total }),
    note: (message: string) => ctx.note(message),
    ...(abortAfterParts === undefined ? {} : { abortAfterParts }),
  };
}

/** Human lines describing a delivered message. */
export function describeDelivery(result: DeliveryResult, what: string): string[] {
  const head = result.alreadySent
    ? `Already sent earlier: ${what} ${result.messageId} in exchange ${result.exchangeId} (nothing sent again).`
    : `Sent ${what} ${result.messageId}${result.resumed ? ' (resumed)' : ''}.`;
  return [
    head,
    ...result.documents.map(
      (d) =>
        `  ${d.documentId}  ${d.name}  ${formatBytes(d.size)}  sha256 ${d.plaintextSha256.slice(0, 16)}…`,
    ),
    `Exchange ${result.exchangeId} is now ${result.status}.`,
  ];
}

/** Plain data of a delivery for `--json`. */
export function summarizeDelivery(result: DeliveryResult) {
  return {
    exchangeId: result.exchangeId,
    messageId: result.messageId,
    status: result.status,
    seq: result.seq,
    sentAt: result.sentAt,
    alreadySent: result.alreadySent,
    resumed: result.resumed,
    partsSkipped: result.partsSkipped,
    documents: result.documents,
  };
}

export const sendCommand = defineCommand({
  name: 'send',
  summary: 'Open an exchange and send a sealed request (files, and a checked draft with --draft)',
  positionals: { names: ['FILE'], optional: 1, variadic: true },
  options: {
    to: { type: 'string', valueName: 'AUTHORITY', description: 'recipient authority id (required)' },
    kind: {
      type: 'string',
      valueName: 'KIND',
      description: 'kind of request (required unless --draft says it)',
    },
    reference: { type: 'string', valueName: 'REF', description: 'your reference for the case (required)' },
    urgency: { type: 'string', valueName: 'LEVEL', description: 'normal (default), urgent or emergency' },
    link: {
      type: 'string',
      multiple: true,
      valueName: 'EXCHANGE[:KIND]',
      description: `an earlier exchange this one follows (repeatable); KIND is ${LINK_KINDS.join(', ')} (default follow-up)`,
    },
    draft: {
      type: 'string',
      valueName: 'DRAFT',
      description: 'a request draft (YAML): checked, then sent sealed as JSON and as a printable letter',
    },
    force: { type: 'boolean', description: 'send the draft even though its check found errors (recorded)' },
  },
  details: [
    'FILE...: the files to attach. Every file is sealed to the recipient and to your own authority, uploaded with a checksum per part, and',
    'listed with both SHA-256 digests in a manifest you sign. Prints the exchange id.',
    'Interrupted? Run the same command again: it resumes the upload and reuses the same exchange. Run after',
    'success, it answers with the earlier result and sends nothing twice.',
    `Kinds: ${REQUEST_KINDS.join(', ')}.`,
    'Example: pouch send --to auth_... --kind mla --reference NL-2026-0042 --draft request.yaml annex.pdf',
  ].join('\n'),
  async run(ctx, { values, positionals }) {
    if (!values.to) throw new CliUsageError('name the recipient with --to AUTHORITY', 'send');
    if (!values.reference) throw new CliUsageError('give your case reference with --reference REF', 'send');
    const urgency = UrgencySchema.safeParse(values.urgency ?? 'normal');
    if (!urgency.success) {
      throw new CliUsageError(
        `unknown urgency '${values.urgency}'; choose normal, urgent or emergency`,
        'send',
      );
    }
    if (values.force && !values.draft) throw new CliUsageError('--force only applies with --draft', 'send');

    let kind = values.kind;
    const generated: GeneratedDocument[] = [];
    let check: { profileVersion?: number; errors: number; forced: boolean } | undefined;
    let draftHash: string | undefined;
    const { client, signer } = await openSession(ctx);
    // Only recipients the authorities signed, checked against this keystore's pins, are ever sealed to.
    const recipient = await withVerifiedRecipients(
      ctx.keystore.home,
      await fetchDirectoryEntry(client, values.to),
    );
    const own = await withVerifiedRecipients(
      ctx.keystore.home,
      await fetchDirectoryEntry(client, signer.authorityId),
    );

    if (values.draft) {
      const text = await readFile(values.draft).catch(() => {
        throw new CliUsageError(`cannot read ${values.draft}; check the path`, 'send');
      });
      draftHash = createHash('sha256').update(text).digest('hex');
      const result = await checkDraftFile(ctx, values.draft, values.to);
      const errors = result.findings.filter((f) => f.severity === 'error').length;
      const draft = pruneBlank(parse(text.toString('utf8'))) as Record<string, unknown> | undefined;
      const draftKind = typeof draft?.kind === 'string' ? draft.kind : undefined;
      if (kind && draftKind && kind !== draftKind) {
        throw new CliUsageError(`--kind ${kind} differs from the draft's kind '${draftKind}'`, 'send');
      }
      kind ??= draftKind;
      if (!result.ok) {
        ctx.note(formatFindings(result.findings));
        if (!values.force) {
          throw new PouchError(
            'ERR_DRAFT_INVALID',
            `The draft has ${errors} error(s): fix them ('pouch check ${values.draft} --to ${values.to}') or send anyway with --force (recorded)`,
          );
        }
        ctx.note(`Sending despite ${errors} error(s) (--force): the exchange records this as a forced send.`);
      }
      check = {
        ...(result.profileVersion ? { profileVersion: result.profileVersion } : {}),
        errors,
        forced: !result.ok,
      };
      const request = {
        ...(result.request ?? draft ?? {}),
        ...(result.profileVersion
          ? { checkedAgainst: { authorityId: values.to, profileVersion: result.profileVersion } }
          : {}),
      };
      generated.push({
        name: 'request.json',
        mediaType: 'application/json',
        content: `${JSON.stringify(request, null, 2)}\n`,
      });
      if (result.request) {
        const html = renderRequestHtml({ ...result.request, ...request } as typeof result.request, {
          sender: { name: own.name, country: own.country, id: own.id },
          recipient: { name: recipient.name, country: recipient.country, id: recipient.id },
        });
        generated.push({ name: 'request.html', mediaType: 'text/html', content: html });
      } else {
        ctx.note('The draft does not validate, so no printable letter is attached (the JSON is).');
      }
    }
    if (!kind) throw new CliUsageError('name the kind of request with --kind KIND (or use --draft)', 'send');
    if (!(REQUEST_KINDS as readonly string[]).includes(kind)) {
      throw new CliUsageError(`unknown kind '${kind}'; choose one of ${REQUEST_KINDS.join(', ')}`, 'send');
    }
    if (generated.length === 0 && positionals.length === 0) {
      throw new CliUsageError('nothing to send: give FILES, or a --draft', 'send');
    }

    const result = await deliverMessage({
      client,
      signer,
      home: ctx.keystore.home,
      operation: 'send',
      exchange: {
        create: {
          kind: kind as RequestKind,
          urgency: urgency.data,
          requestedId: values.to,
          requesterReference: values.reference,
          ...(values.link?.length ? { links: values.link.map(parseLink) } : {}),
        },
      },
      recipients: collectRecipients(recipient, own),
      message: { kind: 'request', ...(check ? { check } : {}) },
      files: positionals.map((path) => ({ path })),
      generated,
      distinctBy: { draftHash: draftHash ?? null },
      ...buildUploadHooks(ctx),
    });
    ctx.print({ ...summarizeDelivery(result), ...(check ? { check } : {}) }, [
      ...describeDelivery(result, 'request'),
      result.exchangeId,
    ]);
    return 0;
  },
});

/** `--link EXCHANGE[:KIND]`: a bare id is a follow-up. */
function parseLink(text: string): string | { exchangeId: string; kind: (typeof LINK_KINDS)[number] } {
  const at = text.indexOf(':');
  if (at < 0) return text;
  const kind = text.slice(at + 1);
  if (!isLinkKind(kind)) {
    throw new CliUsageError(`unknown link kind '${kind}'; choose one of ${LINK_KINDS.join(', ')}`, 'send');
  }
  return { exchangeId: text.slice(0, at), kind };
}
