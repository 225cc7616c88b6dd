// CLI command `pouch send`: opens an exchange with a recipient authority and sends the request — files and,
// with --draft, the checked request as JSON and as a printable letter — sealed, uploaded, signed and resumable.
// With a draft the label comes from it (a disagreeing flag is refused), and the label is signed in the manifest.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse } from 'yaml';
import { DeadlineSchema, UrgencySchema } from '../../../shared/api/common.ts';
import { parseRecipients } from '../../../shared/crypto/age-keys.ts';
import type { ManifestLabel } from '../../../shared/custody/manifest.ts';
import { isLinkKind, LINK_KINDS } from '../../../shared/domain/clocks/lineage.ts';
import { dataCategoriesOfRequest } from '../../../shared/domain/clocks/track.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import {
  type FindingRecord,
  formatFindings,
  listTranslations,
  pruneBlank,
  toFindingRecord,
} from '../../../shared/domain/requests/check.ts';
import { REQUEST_KINDS, type RequestKind } from '../../../shared/domain/requests/instruments.ts';
import {
  buildOutgoingRequest,
  buildSendLabel,
  type LabelInputs,
} from '../../../shared/domain/requests/outgoing-request.ts';
import type { LetterAnnex } from '../../../shared/domain/requests/render-html.ts';
import {
  describeRequestLabelMismatch,
  labelClaimsOfRequest,
  type RequestLabel,
  type RequestLabelField,
} from '../../../shared/domain/requests/request-label.ts';
import {
  type DeliveryResult,
  deliverMessage,
  type GeneratedDocument,
} from '../../exchange/deliver-message.ts';
import { loadManifestSigner, type ManifestSigner } from '../../exchange/member-signer.ts';
import { type DirectoryEntry, fetchDirectoryEntry } from '../../sdk/exchange-api.ts';
import type { PouchClient } from '../../sdk/pouch-client.ts';
import { resolveAuthorityId } from '../authority-resolver.ts';
import { CliUsageError } from '../cli-errors.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { defaultProfileName } from '../command-context.ts';
import { withVerifiedRecipients } from '../directory-context.ts';
import { languageOption, parseLanguageOption } from '../language-option.ts';
import { formatBytes } from '../progress.ts';
import { checkDraftFile } from './check.ts';

/** The attached files as the letter lists them: name, size and SHA-256 of the plaintext. */
async function describeAnnexes(paths: readonly string[]): Promise<LetterAnnex[]> {
  return Promise.all(
    paths.map(async (path) => {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of createReadStream(path)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).byteLength;
      }
      return { name: basename(path), size, sha256: hash.digest('hex') };
    }),
  );
}

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
    // After an upload's last byte the exchange still commits it (storage assembles the parts): say so.
    createProgress: (label: string, total: number) =>
      ctx.createProgress({
        label,
        total,
        ...(label.startsWith('sealing ') ? {} : { closingPhase: 'committing' }),
      }),
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
    // An earlier run's status is history: the exchange may have moved on (closed) since, so it is not "now".
    result.alreadySent
      ? `That message took exchange ${result.exchangeId} to ${result.status} when it was sent; 'pouch show ${result.exchangeId}' says where it stands now.`
      : `Exchange ${result.exchangeId} is now ${result.status}.`,
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

/** Each label field, the flag that sets it and where a draft says it (for a one-line refusal). */
const LABEL_SOURCES: Record<RequestLabelField, { flag: string; path: string }> = {
  recipient: { flag: '--to', path: 'requestedAuthority.authorityId' },
  kind: { flag: '--kind', path: 'kind' },
  urgency: { flag: '--urgency', path: 'urgency.level' },
  deadline: { flag: '--deadline', path: 'urgency.deadline' },
  reference: { flag: '--reference', path: 'caseReference.reference' },
};

/**
 * Refuse a label that says something else than the draft sealed with it: a flag that contradicts the draft, or a
 * draft addressed to another authority than the recipient (by directory id, or by country when it names none).
 */
export function refuseLabelMismatch(draft: unknown, label: RequestLabel, flags: LabelInputs): void {
  const field = describeRequestLabelMismatch(draft, label);
  if (!field) return;
  const claims = labelClaimsOfRequest(draft);
  const { flag } = LABEL_SOURCES[field];
  // Spontaneous information names its addressee `receivingAuthority`; every other kind `requestedAuthority`.
  const receiving = typeof draft === 'object' && draft !== null && 'receivingAuthority' in draft;
  const path =
    field === 'recipient' && receiving ? 'receivingAuthority.authorityId' : LABEL_SOURCES[field].path;
  const said = {
    recipient: claims.recipientId ?? `an authority in ${claims.recipientCountry ?? '?'}`,
    kind: claims.kind,
    urgency: claims.urgency,
    deadline: claims.deadline ?? 'none',
    reference: claims.reference,
  }[field];
  const given = {
    recipient: `${label.recipientId}${claims.recipientId ? '' : ` (in ${label.recipientCountry ?? '?'})`}`,
    kind: label.kind,
    urgency: label.urgency,
    deadline: label.deadline ?? 'none',
    reference: label.requesterReference,
  }[field];
  const fromFlag =
    {
      recipient: flags.to,
      kind: flags.kind,
      urgency: flags.urgency,
      deadline: flags.deadline,
      reference: flags.reference,
    }[field] !== undefined;
  const message =
    field === 'recipient'
      ? `The draft is addressed to ${said} (${path}), not to ${given}: send it to its addressee, or fix the draft and check it again`
      : fromFlag
        ? `${flag} ${given} disagrees with the draft's ${path} (${said}): drop ${flag} or fix the draft`
        : `The draft's ${path} is ${said}, but the label would say ${given}: fix the draft`;
  throw new PouchError('ERR_LABEL_MISMATCH', message, {
    details: { field, flag, draftPath: path, draft: said ?? null, label: given ?? null },
  });
}

export const sendCommand = defineCommand({
  name: 'send',
  summary: 'Open an exchange and send a sealed request (files, and a checked draft with --draft)',
  positionals: { names: ['FILE'], optional: 1, variadic: true },
  options: {
    to: {
      type: 'string',
      valueName: 'AUTHORITY',
      description: 'recipient authority: id, name or country (required unless --draft names it)',
    },
    kind: {
      type: 'string',
      valueName: 'KIND',
      description: 'kind of request (required unless --draft says it)',
    },
    reference: {
      type: 'string',
      valueName: 'REF',
      description: 'your reference for the case (required unless --draft gives it)',
    },
    urgency: {
      type: 'string',
      valueName: 'LEVEL',
      description: 'normal (default), urgent or emergency (default with --draft: its urgency)',
    },
    deadline: {
      type: 'string',
      valueName: 'DATE',
      description: 'answer needed by (YYYY-MM-DD; default with --draft: its urgency deadline)',
    },
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
    lang: languageOption('the printable letter sent with --draft'),
  },
  details: [
    'FILE...: the files to attach. Every file is sealed to the recipient and to your own authority, uploaded with a checksum per part, and',
    'listed with both SHA-256 digests in a manifest you sign. Prints the exchange id.',
    'With --draft, the label (recipient, kind, urgency, deadline, reference) comes from the checked draft; a flag',
    'that says otherwise, or a draft addressed to another authority, is refused (ERR_LABEL_MISMATCH). The label is',
    'signed in the manifest, so the exchange and the recipient can check it. The check’s warnings are shown.',
    'Interrupted? Run the same command again: it resumes the upload and reuses the same exchange. Run after',
    'success, it answers with the earlier result and sends nothing twice.',
    `Kinds: ${REQUEST_KINDS.join(', ')}.`,
    'The letter is in English unless --lang fr asks for French; what the draft says stays as typed.',
    'Example: pouch send --draft request.yaml annex.pdf',
  ].join('\n'),
  async run(ctx, { values, positionals }) {
    if (values.force && !values.draft) throw new CliUsageError('--force only applies with --draft', 'send');
    const letterLanguage = parseLanguageOption(values.lang, 'send', 'letter');
    if (values.lang !== undefined && !values.draft) {
      throw new CliUsageError('--lang only applies with --draft (it chooses the letter’s language)', 'send');
    }
    if (values.urgency !== undefined && !UrgencySchema.safeParse(values.urgency).success) {
      throw new CliUsageError(
        `unknown urgency '${values.urgency}'; choose normal, urgent or emergency`,
        'send',
      );
    }
    if (values.deadline !== undefined && !DeadlineSchema.safeParse(values.deadline).success) {
      throw new CliUsageError(`--deadline '${values.deadline}' is not a date (YYYY-MM-DD)`, 'send');
    }
    let text: Buffer | undefined;
    let draft: Record<string, unknown> | undefined;
    if (values.draft) {
      text = await readFile(values.draft).catch(() => {
        throw new CliUsageError(`cannot read ${values.draft}; check the path`, 'send');
      });
      try {
        draft = pruneBlank(parse(text.toString('utf8'))) as Record<string, unknown> | undefined;
      } catch (error) {
        throw new CliUsageError(
          `${values.draft} is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
          'send',
        );
      }
    }
    // A name or country given with --to is the directory id from here on: the label and the draft carry ids.
    const flags: LabelInputs =
      values.to === undefined
        ? values
        : { ...values, to: await resolveAuthorityId(await ctx.createClient(), values.to) };
    const wanted = buildSendLabel(flags, draft);
    if (!wanted.recipientId) {
      throw new CliUsageError('name the recipient with --to AUTHORITY (or in the draft)', 'send');
    }
    if (!wanted.requesterReference) {
      throw new CliUsageError('give your case reference with --reference REF (or in the draft)', 'send');
    }
    if (!wanted.kind) {
      throw new CliUsageError('name the kind of request with --kind KIND (or use --draft)', 'send');
    }
    if (!(REQUEST_KINDS as readonly string[]).includes(wanted.kind)) {
      throw new CliUsageError(
        `unknown kind '${wanted.kind}'; choose one of ${REQUEST_KINDS.join(', ')}`,
        'send',
      );
    }
    const urgency = UrgencySchema.safeParse(wanted.urgency);
    if (!urgency.success) {
      throw new CliUsageError(
        `the draft's urgency.level '${wanted.urgency}' is not normal, urgent or emergency; fix the draft`,
        'send',
      );
    }
    if (wanted.deadline !== undefined && !DeadlineSchema.safeParse(wanted.deadline).success) {
      throw new CliUsageError(
        `the draft's urgency.deadline '${wanted.deadline}' is not a date; fix the draft`,
        'send',
      );
    }
    const to = wanted.recipientId;
    const kind = wanted.kind as RequestKind;
    const label: ManifestLabel = {
      recipientId: to,
      kind,
      urgency: urgency.data,
      ...(wanted.deadline === undefined ? {} : { deadline: wanted.deadline }),
      requesterReference: wanted.requesterReference,
    };

    const generated: GeneratedDocument[] = [];
    let check: { profileVersion?: number; errors: number; forced: boolean } | undefined;
    let findings: readonly FindingRecord[] | undefined;
    let draftHash: string | undefined;
    const { client, signer } = await openSession(ctx);
    // Only recipients the authorities signed, checked against this keystore's pins, are ever sealed to.
    const recipient = await withVerifiedRecipients(ctx.keystore.home, await fetchDirectoryEntry(client, to));
    const own = await withVerifiedRecipients(
      ctx.keystore.home,
      await fetchDirectoryEntry(client, signer.authorityId),
    );

    if (values.draft && text) {
      // What the label says is what the pouch holds: refused before anything is opened, sealed or sent.
      refuseLabelMismatch(draft, { ...label, recipientCountry: recipient.country }, flags);
      draftHash = createHash('sha256').update(text).digest('hex');
      const result = await checkDraftFile(ctx, values.draft, to);
      findings = result.findings.map(toFindingRecord);
      const errors = result.findings.filter((f) => f.severity === 'error').length;
      // A translation the check counted on must travel with the request.
      const unattached = listTranslations(draft).filter(
        (t) => !positionals.some((path) => basename(path) === t.file),
      );
      if (unattached.length > 0) {
        throw new CliUsageError(
          `the draft lists the translation ${unattached.map((t) => t.file).join(', ')} but it is not attached; add the file after the options`,
          'send',
        );
      }
      if (!result.ok) {
        ctx.note(formatFindings(result.findings));
        if (!values.force) {
          throw new PouchError(
            'ERR_DRAFT_INVALID',
            `The draft has ${errors} error(s): fix them ('pouch check ${values.draft} --to ${to}') or send anyway with --force (recorded)`,
          );
        }
        ctx.note(`Sending despite ${errors} error(s) (--force): the exchange records this as a forced send.`);
      } else if (result.findings.length > 0) {
        // A passing check may still warn (a legal basis that does not apply, a country that differs): say so.
        ctx.note(formatFindings(result.findings));
      }
      const outgoing = buildOutgoingRequest(
        draft,
        result,
        { sender: own, recipient },
        result.request ? await describeAnnexes(positionals) : [],
        { language: letterLanguage },
      );
      check = outgoing.check;
      generated.push(...outgoing.documents);
      if (!result.request) {
        ctx.note('The draft does not validate, so no printable letter is attached (the JSON is).');
      }
    }
    if (generated.length === 0 && positionals.length === 0) {
      throw new CliUsageError('nothing to send: give FILES, or a --draft', 'send');
    }

    // A production order's data categories choose its (indicative) CETS 224 clocks; routing metadata only.
    const categories = kind === 'production-order' ? dataCategoriesOfRequest(draft) : undefined;
    const result = await deliverMessage({
      client,
      signer,
      home: ctx.keystore.home,
      operation: 'send',
      exchange: {
        create: {
          kind,
          urgency: urgency.data,
          requestedId: to,
          requesterReference: label.requesterReference,
          ...(label.deadline === undefined ? {} : { deadline: label.deadline }),
          ...(values.link?.length ? { links: values.link.map(parseLink) } : {}),
          ...(categories === undefined ? {} : { dataCategories: categories }),
        },
      },
      recipients: collectRecipients(recipient, own),
      message: { kind: 'request', ...(check ? { check } : {}) },
      label,
      files: positionals.map((path) => ({ path })),
      generated,
      distinctBy: { draftHash: draftHash ?? null },
      ...buildUploadHooks(ctx),
    });
    ctx.print(
      {
        ...summarizeDelivery(result),
        label,
        ...(check ? { check } : {}),
        ...(findings ? { findings } : {}),
      },
      [...describeDelivery(result, 'request'), result.exchangeId],
    );
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
