// CLI (primary adapter): builds the CommandContext from global options, environment and streams.

import type { CryptoKey } from 'jose';
import { createFileTokenCache } from '../keystore/file-token-cache.ts';
import { openKeystore } from '../keystore/keystore.ts';
import { KeystoreError } from '../keystore/keystore-error.ts';
import { createPouchClient } from '../sdk/pouch-client.ts';
import type { CommandContext, OutputStream } from './command.ts';
import { createPassphraseSource, type PromptInput } from './passphrase-prompt.ts';
import { createProgressBar, PROGRESS_MIN_BYTES } from './progress.ts';
import { terminalLine, terminalText } from './terminal-text.ts';

/** The process pieces the CLI touches; tests pass captures instead. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: PromptInput;
  env: Readonly<Record<string, string | undefined>>;
}

export interface GlobalValues {
  json: boolean;
  profile: string | undefined;
  url: string | undefined;
}

/** The profile commands use when neither `--profile` nor `POUCH_PROFILE` names one. */
export const defaultProfileName = 'default';

/** Assemble the context for one command run. Nothing is read from disk until a command asks. */
export function createCommandContext(globals: GlobalValues, io: CliIo): CommandContext {
  const env = io.env;
  const keystore = openKeystore(env.POUCH_HOME?.trim() ? { home: env.POUCH_HOME.trim() } : {});
  const passphrase = createPassphraseSource(env, io.stdin, io.stderr);
  const profileName = globals.profile ?? (env.POUCH_PROFILE?.trim() || undefined);
  const url = globals.url ?? (env.POUCH_URL?.trim() || undefined);

  return {
    json: globals.json,
    profileName,
    url,
    env,
    stdout: io.stdout,
    stderr: io.stderr,
    keystore,
    passphrase,

    print(data, human) {
      if (globals.json) {
        io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
        return;
      }
      // --json above stays exact JSON; everything for people is sanitised here, in one place.
      const text = terminalText(human);
      if (text !== '') io.stdout.write(`${text}\n`);
    },

    note(message) {
      if (!globals.json) io.stderr.write(`${terminalText(message)}\n`);
    },

    async createClient() {
      const profile = await keystore.readProfile(profileName ?? defaultProfileName);
      let unlocked: Promise<CryptoKey> | undefined;
      return createPouchClient({
        baseUrl: url ?? profile.baseUrl,
        credentials: {
          clientId: profile.clientId,
          kid: profile.kid,
          alg: profile.alg,
          // Unlocked only when a new token is needed, so a cached token spares the passphrase prompt.
          privateKey: () => {
            unlocked ??= keystore.unlockSigningKey(profile.key, passphrase).then(({ info, privateKey }) => {
              if (info.kid !== profile.kid) {
                throw new KeystoreError(
                  'keystore-corrupt',
                  `Profile '${profile.name}' expects key ${profile.kid} but '${profile.key}' is ${info.kid}`,
                );
              }
              return privateKey;
            });
            return unlocked;
          },
        },
        tokenCache: createFileTokenCache(keystore.home, profile.name),
      });
    },

    createProgress(options) {
      // A progress label can be a counterpart's file name; the bar itself adds its own cursor controls.
      const label = options.label === undefined ? {} : { label: terminalLine(options.label) };
      return createProgressBar({
        minTotalBytes: PROGRESS_MIN_BYTES,
        ...options,
        ...label,
        stream: io.stderr,
        enabled: !globals.json,
      });
    },
  };
}
