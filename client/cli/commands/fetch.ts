// CLI command `pouch fetch EXCHANGE`: downloads every document of an exchange, verifies the manifest signature,
// the sealed hash and the plaintext hash, opens it with the authority's sealing identity and only then saves it.
import { resolve } from 'node:path';
import { fetchExchange } from '../../exchange/fetch-documents.ts';
import { loadSealingIdentity } from '../../exchange/member-signer.ts';
import { defineCommand } from '../command.ts';
import { withSignedMemberKeys } from '../directory-context.ts';
import { formatBytes } from '../progress.ts';

export const fetchCommand = defineCommand({
  name: 'fetch',
  summary: 'Download, verify and open every document of an exchange',
  positionals: { names: ['EXCHANGE'] },
  options: {
    out: { type: 'string', valueName: 'DIR', description: 'output folder (default: ./EXCHANGE)' },
    identity: {
      type: 'string',
      valueName: 'NAME',
      description: 'sealing key in the keystore (default: seal)',
    },
    message: { type: 'string', valueName: 'MESSAGE', description: 'only the documents of this message' },
    'keep-sealed': {
      type: 'boolean',
      description: 'also keep each verified sealed file as NAME.age (opens with `age -d`)',
    },
  },
  details: [
    'Each message gets a folder NN-kind. File names come from the signed manifest, made safe (no paths,',
    'hidden names or control characters). A file fails closed: on any mismatch nothing is left at its path.',
    'Re-running skips files already fetched with the same content.',
  ].join('\n'),
  async run(ctx, { values, positionals }) {
    const exchangeId = positionals[0] ?? '';
    const outDir = resolve(values.out ?? exchangeId);
    const client = await ctx.createClient();
    const identity = await loadSealingIdentity(ctx.keystore, values.identity, ctx.passphrase);
    const result = await fetchExchange({
      client,
      exchangeId,
      outDir,
      identities: [identity],
      ...(values.message ? { messageId: values.message } : {}),
      ...(values['keep-sealed'] ? { keepSealed: true } : {}),
      createProgress: (label, total) => ctx.createProgress({ label, total }),
      // A pinned sender's manifests verify only under the member keys its authority key signed.
      trustEntry: (entry) => withSignedMemberKeys(ctx.keystore.home, entry),
    });
    const fetched = result.documents.filter((d) => d.outcome === 'fetched').length;
    const unbound = result.messages.filter((m) => m.labelClaims === 'absent').length;
    ctx.print(
      {
        exchangeId: result.label.id,
        status: result.label.status,
        outDir: result.outDir,
        messages: result.messages,
        documents: result.documents,
      },
      [
        ...result.documents.map(
          (d) =>
            `${d.outcome === 'fetched' ? 'verified' : 'present '}  ${d.path}  ${formatBytes(d.size)}  sha256 ${d.plaintextSha256.slice(0, 16)}…`,
        ),
        `${fetched} document(s) fetched, ${result.documents.length - fetched} already present; ${result.messages.length} signed manifest(s) verified. Output: ${result.outDir}`,
        ...(unbound > 0
          ? [
              `Note: ${unbound} manifest(s) sign no label (an older client sent them): their label is the exchange's word, checked only against an opened request.`,
            ]
          : []),
      ],
    );
    return 0;
  },
});
