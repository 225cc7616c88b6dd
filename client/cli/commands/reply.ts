// CLI command `pouch reply EXCHANGE MOVE`: answers within an exchange — acknowledge, ask, answer, send evidence,
// postpone or refuse with grounds, withdraw, close or add a note — with files sealed, uploaded and signed as in send,
// and the label it answers under (with the requested authority's reference, when given) signed in the manifest.
import { ReferenceSchema } from '../../../shared/api/common.ts';
import { ManifestLabelSchema } from '../../../shared/custody/manifest.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import { deliverMessage, type GeneratedDocument } from '../../exchange/deliver-message.ts';
import { findSide, isReplyVerb, REPLY_VERBS, type ReplyVerb } from '../../exchange/exchange-moves.ts';
import { fetchDirectoryEntry, getExchange } from '../../sdk/exchange-api.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';
import { withVerifiedRecipients } from '../directory-context.ts';
import {
  buildUploadHooks,
  collectRecipients,
  describeDelivery,
  openSession,
  summarizeDelivery,
} from './send.ts';

const verbList = Object.entries(REPLY_VERBS)
  .map(([verb, kind]) => `${verb} (${kind})`)
  .join(', ');

export const replyCommand = defineCommand({
  name: 'reply',
  summary: 'Answer within an exchange: ack, ask, answer, evidence, postpone, refuse, withdraw, close, note',
  positionals: { names: ['EXCHANGE', 'MOVE', 'FILE'], optional: 1, variadic: true },
  options: {
    final: { type: 'boolean', description: 'evidence: this package completes execution (else partial)' },
    reference: {
      type: 'string',
      valueName: 'REF',
      description: 'the requested authority’s own reference for the case',
    },
    grounds: {
      type: 'string',
      valueName: 'TEXT',
      description: 'grounds of a refusal or postponement, sent sealed as grounds.txt',
    },
    text: {
      type: 'string',
      valueName: 'TEXT',
      description: 'a message (question, answer, note), sent sealed as message.txt',
    },
  },
  details: [
    `Moves: ${verbList}.`,
    'FILE...: files to attach, sealed to both authorities. Refusals and postponements need grounds:',
    '--grounds TEXT or a file. Re-running the same reply resumes it, or reports it if it went out: never twice.',
    'Example: pouch reply exch_... evidence --final --reference SM-2026-17 evidence.zip',
  ].join('\n'),
  async run(ctx, { values, positionals }) {
    const [exchangeId = '', verb = '', ...files] = positionals;
    if (!isReplyVerb(verb)) {
      throw new CliUsageError(
        `unknown move '${verb}'; choose one of ${Object.keys(REPLY_VERBS).join(', ')}`,
        'reply',
      );
    }
    const kind = REPLY_VERBS[verb as ReplyVerb];
    if (values.final && kind !== 'evidence')
      throw new CliUsageError('--final only applies to evidence', 'reply');
    const needsGrounds = kind === 'refusal' || kind === 'postponement';
    if (needsGrounds && !values.grounds && files.length === 0) {
      throw new CliUsageError(`a ${kind} needs grounds: --grounds TEXT or a file`, 'reply');
    }
    if (values.grounds && !needsGrounds) {
      throw new CliUsageError(
        '--grounds applies to refuse and postpone; use --text for other moves',
        'reply',
      );
    }
    const { client, signer } = await openSession(ctx);
    const { label } = await getExchange(client, exchangeId);
    const side = findSide(label, signer.authorityId);
    if (!side) throw new CliUsageError(`your authority is not a party to ${exchangeId}`, 'reply');
    if (values.reference && side !== 'requested') {
      throw new CliUsageError(
        '--reference is the requested authority’s reference; you sent this request',
        'reply',
      );
    }
    if (values.reference !== undefined && !ReferenceSchema.safeParse(values.reference).success) {
      throw new CliUsageError('--reference takes 1 to 100 printable characters', 'reply');
    }
    const counterpartId = side === 'requester' ? label.requestedId : label.requesterId;
    // The label this reply answers under, signed as the sender's claim (the exchange refuses it if it differs).
    const claims = ManifestLabelSchema.safeParse({
      recipientId: counterpartId,
      kind: label.kind,
      urgency: label.urgency,
      ...(label.deadline === undefined ? {} : { deadline: label.deadline }),
      requesterReference: label.requesterReference,
      ...(values.reference ? { requestedReference: values.reference } : {}),
    });
    if (!claims.success) {
      throw new PouchError(
        'ERR_LABEL_MISMATCH',
        `The label of ${exchangeId} is not one a reply can be sealed under`,
      );
    }
    // Only recipients the authorities signed, checked against this keystore's pins, are ever sealed to.
    const counterpart = await withVerifiedRecipients(
      ctx.keystore.home,
      await fetchDirectoryEntry(client, counterpartId),
    );
    const own = await withVerifiedRecipients(
      ctx.keystore.home,
      await fetchDirectoryEntry(client, signer.authorityId),
    );
    const generated: GeneratedDocument[] = [];
    if (values.grounds) {
      generated.push({ name: 'grounds.txt', mediaType: 'text/plain', content: `${values.grounds}\n` });
    }
    if (values.text) {
      generated.push({ name: 'message.txt', mediaType: 'text/plain', content: `${values.text}\n` });
    }
    const result = await deliverMessage({
      client,
      signer,
      home: ctx.keystore.home,
      operation: 'reply',
      exchange: { exchangeId: label.id },
      recipients: collectRecipients(counterpart, own),
      message: {
        kind,
        ...(kind === 'evidence' ? { final: values.final === true } : {}),
        ...(values.reference ? { requestedReference: values.reference } : {}),
      },
      label: claims.data,
      files: files.map((path) => ({ path })),
      generated,
      distinctBy: { grounds: values.grounds ?? null, text: values.text ?? null },
      ...buildUploadHooks(ctx),
    });
    ctx.print(summarizeDelivery(result), describeDelivery(result, kind));
    return 0;
  },
});
