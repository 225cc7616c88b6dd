// Keystore (Node): a TokenCache adapter that keeps one profile's access token in a 0600 file between CLI runs.
import { join } from 'node:path';
import type { CachedToken, TokenCache } from '../sdk/token-cache.ts';
import { assertValidName } from './keystore.ts';
import { readPrivateFile, removeFile, writePrivateFile } from './secure-files.ts';

interface StoredToken extends CachedToken {
  /** The SDK's cache key (exchange, client id, kid): a profile re-pointed elsewhere never reuses a token. */
  key: string;
}

/**
 * A token cache stored at `<home>/tokens/<profile>.json`. Unreadable or foreign content counts as a miss.
 *
 * @example
 * createPouchClient({ baseUrl, credentials, tokenCache: createFileTokenCache(home, 'default') });
 */
export function createFileTokenCache(home: string, profileName: string): TokenCache {
  assertValidName(profileName, 'profile');
  const path = join(home, 'tokens', `${profileName}.json`);
  return {
    async get(key) {
      const text = await readPrivateFile(path).catch(() => undefined);
      if (text === undefined) return undefined;
      try {
        const stored = JSON.parse(text) as Partial<StoredToken>;
        if (
          stored.key !== key ||
          typeof stored.accessToken !== 'string' ||
          typeof stored.expiresAt !== 'number'
        ) {
          return undefined;
        }
        return { accessToken: stored.accessToken, expiresAt: stored.expiresAt };
      } catch {
        return undefined;
      }
    },
    async set(key, token) {
      const stored: StoredToken = { key, accessToken: token.accessToken, expiresAt: token.expiresAt };
      await writePrivateFile(path, `${JSON.stringify(stored)}\n`);
    },
    async delete() {
      await removeFile(path);
    },
  };
}
