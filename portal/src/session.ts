// Portal session: the exchange client for the signed-in member (assertions signed in the browser with the
// non-extractable key) and what the portal reads from the directory, with recipients verified against the pins
// the member's keystore carried. Same-origin: the portal is served by the exchange it talks to.
import type { DirectoryEntry } from '../../client/sdk/exchange-api.ts';
import { fetchDirectoryEntry } from '../../client/sdk/exchange-api.ts';
import { createPouchClient, type PouchClient } from '../../client/sdk/pouch-client.ts';
import type { AuthorityWire } from '../../shared/api/directory.ts';
import { verifyPinnedRecipients } from '../../shared/directory/statements.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import type { StoredMember } from './keys/key-store.ts';

export interface Session {
  readonly member: StoredMember;
  readonly client: PouchClient;
  /** Every authority of the directory (cached for the session). */
  authorities(): Promise<readonly AuthorityWire[]>;
  /** An authority's age recipients as it signed them, checked against the member's pin. */
  verifiedRecipients(authorityId: string): Promise<string[]>;
  /** An authority's entry, fresh from the directory. */
  entry(authorityId: string): Promise<DirectoryEntry>;
}

/** Open a session for a stored member against the exchange that served this page. */
export function openSession(member: StoredMember, baseUrl: string = window.location.origin): Session {
  const client = createPouchClient({
    baseUrl,
    credentials: {
      clientId: member.clientId,
      kid: member.kid,
      alg: member.alg,
      privateKey: member.signingKey,
    },
  });
  let directory: Promise<readonly AuthorityWire[]> | undefined;
  return {
    member,
    client,
    authorities() {
      directory ??= client
        .request<{ authorities: readonly AuthorityWire[] }>('GET', '/v1/directory/authorities')
        .then((answer) => answer.authorities)
        .catch((error: unknown) => {
          directory = undefined;
          throw error;
        });
      return directory;
    },
    entry(authorityId) {
      return fetchDirectoryEntry(client, authorityId);
    },
    async verifiedRecipients(authorityId) {
      const pin = member.pins.find((p) => p.authorityId === authorityId);
      if (!pin) {
        throw new PouchError('ERR_AUTHORITY_NOT_PINNED', `Authority ${authorityId} is not pinned`, {
          details: { authorityId },
        });
      }
      return verifyPinnedRecipients(await fetchDirectoryEntry(client, authorityId), pin.fingerprint);
    },
  };
}
