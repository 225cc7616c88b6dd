// CLI command `pouch login`: links a signing key to an exchange and a client id as a profile, after
// checking (unless --offline) that the exchange issues a token for it.
import { createFileTokenCache } from '../../keystore/file-token-cache.ts';
import { createPouchClient } from '../../sdk/pouch-client.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';
import { defaultProfileName } from '../command-context.ts';
import { warnAboutUnheldKeys } from './keys-audit.ts';

const clientIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*:[A-Za-z0-9][A-Za-z0-9._@-]*$/;

export const loginCommand = defineCommand({
  name: 'login',
  summary: 'Save a profile (exchange URL, client id, signing key) and check that it can get a token',
  options: {
    'client-id': {
      type: 'string',
      valueName: 'AUTH:MEMBER',
      description: 'your client id: <authorityId>:<memberId>',
    },
    key: {
      type: 'string',
      valueName: 'NAME',
      description: 'signing key to use (default: the only signing key)',
    },
    offline: { type: 'boolean', description: 'save the profile without contacting the exchange' },
  },
  details:
    'Example:\n  pouch login --profile fr --url http://127.0.0.1:8787 --client-id FR-MOJ:alice --key alice',
  async run(ctx, { values }) {
    const baseUrl = ctx.url;
    if (!baseUrl) throw new CliUsageError('--url URL is required (or set POUCH_URL)', 'login');
    const clientId = values['client-id'];
    if (!clientId) throw new CliUsageError('--client-id AUTHORITY:MEMBER is required', 'login');
    if (!clientIdPattern.test(clientId)) {
      throw new CliUsageError(`--client-id must look like AUTHORITY:MEMBER, not '${clientId}'`, 'login');
    }
    let keyName = values.key;
    if (!keyName) {
      const signing = (await ctx.keystore.listKeys()).filter((key) => key.kind === 'signing');
      if (signing.length !== 1 || !signing[0]) {
        throw new CliUsageError(
          signing.length === 0
            ? "no signing key yet: run 'pouch keys new' first"
            : '--key NAME is required (several signing keys)',
          'login',
        );
      }
      keyName = signing[0].name;
    }
    const profileName = ctx.profileName ?? defaultProfileName;

    const { info, privateKey } = await ctx.keystore.unlockSigningKey(keyName, ctx.passphrase);
    let verified = false;
    let unheldActiveKeys: readonly string[] | undefined;
    if (values.offline !== true) {
      const client = createPouchClient({
        baseUrl,
        credentials: { clientId, kid: info.kid, alg: info.alg, privateKey },
        tokenCache: createFileTokenCache(ctx.keystore.home, profileName),
      });
      await client.getAccessToken({ forceRefresh: true });
      verified = true;
      unheldActiveKeys = await warnAboutUnheldKeys(ctx, client, clientId);
    }
    const profile = await ctx.keystore.saveProfile({ name: profileName, baseUrl, clientId, key: keyName });
    ctx.print(
      {
        profile: profile.name,
        baseUrl: profile.baseUrl,
        clientId,
        key: keyName,
        kid: profile.kid,
        verified,
        ...(unheldActiveKeys === undefined ? {} : { unheldActiveKeys }),
      },
      verified
        ? `Logged in to ${profile.baseUrl} as ${clientId} (key '${keyName}'); saved profile '${profile.name}'.`
        : `Saved profile '${profile.name}' for ${profile.baseUrl} as ${clientId} (not checked: --offline).`,
    );
    return 0;
  },
});
