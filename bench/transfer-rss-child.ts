// Benchmark support (issue 16): one `pouch send` or `pouch fetch` in a fresh process, for the transfer bench's
// peak-RSS figures. Imports only client code (what the CLI loads for these commands), so it can run under tsx
// or as one esbuild bundle on plain Node. Prints {maxRssKb, startRssBytes, exchangeId} as JSON on stdout.
// Arguments: send <url> <home> <requestedAuthorityId> <file> | fetch <url> <home> <exchangeId> <outDir>.
import { deliverMessage } from '../client/exchange/deliver-message.ts';
import { fetchExchange } from '../client/exchange/fetch-documents.ts';
import { loadManifestSigner } from '../client/exchange/member-signer.ts';
import { openKeystore } from '../client/keystore/keystore.ts';
import { fetchDirectoryEntry } from '../client/sdk/exchange-api.ts';
import { createPouchClient } from '../client/sdk/pouch-client.ts';

const startRssBytes = process.memoryUsage().rss;
const [mode, url, home, target, path] = process.argv.slice(2) as [string, string, string, string, string];
const noPassphrase = async (): Promise<string> => {
  throw new Error('demo keys need no passphrase');
};
const keystore = openKeystore({ home });
const profile = await keystore.unlockProfile('officer', noPassphrase);
const client = createPouchClient({ baseUrl: url, credentials: profile.credentials });
const signer = await loadManifestSigner(keystore, 'officer', noPassphrase);
let exchangeId: string | undefined;
if (mode === 'send') {
  const recipients = [
    ...(await fetchDirectoryEntry(client, target)).recipients,
    ...(await fetchDirectoryEntry(client, signer.authorityId)).recipients,
  ];
  const sent = await deliverMessage({
    client,
    signer,
    home,
    operation: 'send',
    exchange: {
      create: {
        kind: 'mla',
        urgency: 'normal',
        requestedId: target,
        requesterReference: `RSS-${process.pid}`,
      },
    },
    recipients,
    message: { kind: 'request' },
    files: [{ path }],
  });
  exchangeId = sent.exchangeId;
} else {
  const identity = await keystore.unlockSealingIdentity('seal');
  await fetchExchange({ client, exchangeId: target, outDir: path, identities: [identity] });
}
process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, startRssBytes, exchangeId }));
