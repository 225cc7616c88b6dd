// Client keystore, for the local demo: provisions a demo authority's keystore (member signing keys, the authority
// key that signs its directory statements, the sealing identity, CLI profiles, pins of the demo authorities)
// without passphrases. The local entry point and test support hand it to the server's
// demo seed (server/local/demo-seed.ts, DemoKeystores), so server code never imports the client.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DirectoryStatement,
  type StatementKind,
  signDirectoryStatement,
} from '../../shared/directory/statements.ts';
import { MEMBER_KEYSTORE_EXTENSION } from '../../shared/keystore/member-keystore.ts';
import { type Keystore, openKeystore } from './keystore.ts';
import { isKeystoreError } from './keystore-error.ts';
import { exportMemberKeystore } from './member-keystore-file.ts';
import { savePin } from './pins.ts';

/**
 * Keystores under any `home`, creating keys only when absent so the demo survives restarts.
 *
 * @example
 * await startLocalExchange({ dataDir, port: 8787, seedDemo: openDemoKeystores() });
 */
export function openDemoKeystores() {
  return {
    /** The public JWK (with `kid`) of signing key `name`, created (ES256) when absent. */
    async ensureSigningKey(
      home: string,
      name: string,
    ): Promise<Readonly<Record<string, unknown>> & { readonly kid: string }> {
      const keystore = openKeystore({ home });
      const existing = await findKey(keystore, name);
      if (existing?.kind === 'signing') return { ...existing.publicJwk, kid: existing.kid };
      const created = await keystore.createSigningKey({ name, alg: 'ES256' });
      return { ...created.publicJwk, kid: created.kid };
    },

    /** The age recipient of sealing key `name`, created when absent. */
    async ensureSealingKey(home: string, name: string): Promise<string> {
      const keystore = openKeystore({ home });
      const existing = await findKey(keystore, name);
      if (existing?.kind === 'sealing') return existing.recipient;
      return (await keystore.createSealingKey({ name })).recipient;
    },

    /** Save a CLI profile that signs as `clientId` with key `key`. */
    async saveProfile(
      home: string,
      profile: { name: string; baseUrl: string; clientId: string; key: string },
    ): Promise<void> {
      await openKeystore({ home }).saveProfile(profile);
    },

    /** Sign a directory statement with signing key `name` (the demo authority's key). */
    async signStatement<K extends StatementKind>(
      home: string,
      name: string,
      statement: DirectoryStatement<K>,
    ): Promise<string> {
      const { info, privateKey } = await openKeystore({ home }).unlockSigningKey(name);
      return signDirectoryStatement(statement, privateKey, info.publicJwk);
    },

    /** Pin an authority's key fingerprint, as if compared out of band (the demo's stand-in). */
    async pinAuthority(home: string, authorityId: string, fingerprint: string): Promise<void> {
      await savePin(home, { authorityId, fingerprint, note: 'demo seed' });
    },
  };
}

/** The members the portal demo signs in as (the admin works from the CLI). */
export const DEMO_PORTAL_MEMBERS = ['officer', 'contact-247', 'auditor'] as const;

/** The demo's passphrase for the member keystore files of the authority `slug`: fictional, and printed. */
export function demoKeystorePassphrase(slug: string): string {
  return `${slug} demo`;
}

/**
 * Write `<home>/portal/<member>.pouch-keystore` for each portal demo member, when absent, so the portal can sign
 * in as them. Returns the files.
 */
export async function writeDemoMemberKeystores(
  home: string,
  slug: string,
  options: { workFactor?: number } = {},
): Promise<Array<{ member: string; path: string }>> {
  const keystore = openKeystore({ home });
  const dir = join(home, 'portal');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const written = [];
  for (const member of DEMO_PORTAL_MEMBERS) {
    const path = join(dir, `${member}${MEMBER_KEYSTORE_EXTENSION}`);
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (!exists) {
      const file = await exportMemberKeystore(keystore, member, {
        sealingKey: 'seal',
        passphrase: demoKeystorePassphrase(slug),
        ...(options.workFactor ? { workFactor: options.workFactor } : {}),
      });
      await writeFile(path, file, { mode: 0o600 });
    }
    written.push({ member, path });
  }
  return written;
}

async function findKey(keystore: Keystore, name: string) {
  try {
    return await keystore.showKey(name);
  } catch (error) {
    if (!isKeystoreError(error, 'key-not-found')) throw error;
    return undefined;
  }
}
