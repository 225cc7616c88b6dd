// SDK (runtime-neutral): the port through which access tokens outlive one process, plus an in-memory adapter.

/** An access token and when it stops being usable. Tokens are secrets: never log or print them. */
export interface CachedToken {
  accessToken: string;
  /** Epoch milliseconds at which the server stops accepting the token. */
  expiresAt: number;
}

/**
 * Somewhere to keep tokens between client instances (a file for the CLI, sessionStorage for a portal).
 * `key` identifies exchange, client id and key, so a cache shared by several identities never mixes them up.
 */
export interface TokenCache {
  get(key: string): Promise<CachedToken | undefined>;
  set(key: string, token: CachedToken): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A TokenCache that lives as long as the process: useful in tests and long-running services. */
export function createMemoryTokenCache(): TokenCache {
  const tokens = new Map<string, CachedToken>();
  return {
    async get(key) {
      return tokens.get(key);
    },
    async set(key, token) {
      tokens.set(key, token);
    },
    async delete(key) {
      tokens.delete(key);
    },
  };
}
