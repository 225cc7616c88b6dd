// Test support: a demo authority's officer as the client workflows see it (keystore, API client, manifest
// signer), for tests that call deliverMessage/fetchExchange in-process against a seeded local exchange.
import { loadManifestSigner } from '../../client/exchange/member-signer.ts';
import { openKeystore } from '../../client/keystore/keystore.ts';
import { fetchDirectoryEntry } from '../../client/sdk/exchange-api.ts';
import { createPouchClient } from '../../client/sdk/pouch-client.ts';
import type { startTestExchange } from './local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

/** Open the `officer` profile of a demo authority (`northland`, `southmark`, ...); demo keys have no passphrase. */
export async function openDemoOfficer(exchange: Exchange, slug: string) {
  const authority = exchange.demo.find((d) => d.slug === slug);
  if (!authority) throw new Error(`no demo authority ${slug}: start the exchange with seedDemo`);
  const noPassphrase = async (): Promise<string> => {
    throw new Error('demo keys need no passphrase');
  };
  const keystore = openKeystore({ home: authority.home });
  const profile = await keystore.unlockProfile('officer', noPassphrase);
  const client = createPouchClient({ baseUrl: exchange.url, credentials: profile.credentials });
  const signer = await loadManifestSigner(keystore, 'officer', noPassphrase);
  return { authorityId: authority.authorityId, keystore, client, signer };
}

/** What a sender seals to: the counterpart's age recipients and its own authority's, from the directory. */
export async function sealingRecipients(
  sender: Awaited<ReturnType<typeof openDemoOfficer>>,
  counterpartId: string,
): Promise<string[]> {
  return [
    ...(await fetchDirectoryEntry(sender.client, counterpartId)).recipients,
    ...(await fetchDirectoryEntry(sender.client, sender.authorityId)).recipients,
  ];
}
