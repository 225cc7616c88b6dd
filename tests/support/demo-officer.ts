// Test support: a demo authority's officer as the client workflows see it (keystore, API client, manifest
// signer), for tests and benches that call deliverMessage/fetchExchange in-process against a seeded local exchange.
import {
  type DeliverMessageOptions,
  type DeliveryResult,
  deliverMessage,
} from '../../client/exchange/deliver-message.ts';
import { loadManifestSigner } from '../../client/exchange/member-signer.ts';
import { openKeystore } from '../../client/keystore/keystore.ts';
import { fetchDirectoryEntry } from '../../client/sdk/exchange-api.ts';
import { createPouchClient, type PouchClient } from '../../client/sdk/pouch-client.ts';

/**
 * What the officer needs of a local exchange seeded with the demo authorities: its URL and where each demo
 * authority's keystore is. A test exchange (startTestExchange) and a bench's own local exchange both have it.
 */
interface DemoExchange {
  readonly url: string;
  readonly demo: readonly { readonly slug: string; readonly home: string; readonly authorityId: string }[];
}

/** Open the `officer` profile of a demo authority (`northland`, `southmark`, ...); demo keys have no passphrase. */
export async function openDemoOfficer(exchange: DemoExchange, slug: string) {
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

/**
 * `pouch send` in-process: `sender` opens a new MLA exchange (normal urgency) with `counterpartId` under its
 * reference `reference`, and posts a request carrying `files` sealed to `recipients`. `client` stands in for the
 * sender's own API client (a fault injected into it, or a bench timing its calls).
 */
export function sendNewRequest(
  sender: Awaited<ReturnType<typeof openDemoOfficer>>,
  options: {
    readonly counterpartId: string;
    readonly reference: string;
    readonly recipients: readonly string[];
    readonly files: NonNullable<DeliverMessageOptions['files']>;
    readonly client?: PouchClient;
  },
): Promise<DeliveryResult> {
  return deliverMessage({
    client: options.client ?? sender.client,
    signer: sender.signer,
    home: sender.keystore.home,
    operation: 'send',
    exchange: {
      create: {
        kind: 'mla',
        urgency: 'normal',
        requestedId: options.counterpartId,
        requesterReference: options.reference,
      },
    },
    recipients: options.recipients,
    message: { kind: 'request' },
    files: options.files,
  });
}
