// Local mode: seeds clearly fictional demo authorities (Northland, Southmark, Eastmere) with members, keys and
// published requirement profiles, and has each one's keystore written under <dataDir>/demo/<slug> so the `pouch`
// CLI can act as any of them (POUCH_HOME=.pouch/demo/<slug> pouch --profile officer ...). Idempotent across
// restarts. The keystores are the client's: the entry point hands in DemoKeystores (client/keystore/
// demo-keystores.ts), so server code never imports the client.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  authorityKeyFingerprint,
  type DirectoryStatement,
  type StatementKind,
  signedMemberKeyOf,
} from '../../shared/directory/statements.ts';
import type { DirectoryRepository } from '../ports/directory-repository.ts';
import { seedDirectory } from '../use-cases/identity/seed.ts';
import { DEMO_AUTHORITIES, type DemoAuthority } from './demo-profiles.ts';

export interface DemoAuthoritySeeded {
  readonly slug: string;
  readonly authorityId: string;
  readonly name: string;
  readonly country: string;
  /** Keystore folder (POUCH_HOME) holding the members' keys and CLI profiles. */
  readonly home: string;
  readonly recipient: string;
  /** RFC 7638 fingerprint of the authority key: every demo keystore pins it. */
  readonly authorityKeyFingerprint: string;
}

/** Where the demo's member keys, sealing identities and CLI profiles are kept, one keystore per `home`. */
export interface DemoKeystores {
  /** The public JWK (with `kid`) of signing key `name`, created when absent. */
  ensureSigningKey(
    home: string,
    name: string,
  ): Promise<Readonly<Record<string, unknown>> & { readonly kid: string }>;
  /** The age recipient of sealing key `name`, created when absent. */
  ensureSealingKey(home: string, name: string): Promise<string>;
  saveProfile(
    home: string,
    profile: { name: string; baseUrl: string; clientId: string; key: string },
  ): Promise<void>;
  /** Sign a directory statement with signing key `name` (the authority key) of the keystore at `home`. */
  signStatement<K extends StatementKind>(
    home: string,
    name: string,
    statement: DirectoryStatement<K>,
  ): Promise<string>;
  /** Pin an authority's key fingerprint in the keystore at `home`. */
  pinAuthority(home: string, authorityId: string, fingerprint: string): Promise<void>;
}

/** The signing key of each demo keystore that is its authority's key (it signs the directory statements). */
const AUTHORITY_KEY_NAME = 'authority';

/** Members every demo authority gets; each is also the name of its key and its CLI profile. */
const DEMO_MEMBERS = [
  { id: 'officer', displayName: 'Duty officer (demo)', role: 'officer' },
  { id: 'contact-247', displayName: '24/7 point of contact (demo)', role: 'contact-247' },
  { id: 'admin', displayName: 'Directory admin (demo)', role: 'admin' },
  { id: 'auditor', displayName: 'Custody auditor (demo)', role: 'auditor' },
] as const;

const SLUGS: Record<string, string> = { XA: 'northland', XB: 'southmark', XC: 'eastmere' };

/** The directory id of a demo authority: stable, so keystores and the directory agree across restarts. */
export function demoAuthorityId(demo: DemoAuthority): string {
  return `auth_${createHash('sha256').update(`pouch-demo:${demo.id}`).digest('base64url').slice(0, 22)}`;
}

/** Seed the demo authorities and their keystores; `baseUrl` is written into every CLI profile. */
export async function seedDemoAuthorities(
  directory: DirectoryRepository,
  dataDir: string,
  baseUrl: string,
  keystores: DemoKeystores,
): Promise<DemoAuthoritySeeded[]> {
  const seeded: DemoAuthoritySeeded[] = [];
  const authorities = [];
  for (const demo of DEMO_AUTHORITIES) {
    const slug = SLUGS[demo.country] ?? demo.id;
    const home = join(dataDir, 'demo', slug);
    const authorityId = demoAuthorityId(demo);
    const iat = Math.floor(Date.now() / 1000);
    const authorityKey = await keystores.ensureSigningKey(home, AUTHORITY_KEY_NAME);
    // Every member's key and the profile are signed by the authority key, as the recipients are: a client that
    // pinned the authority trusts a manifest or a profile only through these statements.
    const members = [];
    for (const member of DEMO_MEMBERS) {
      const key = await keystores.ensureSigningKey(home, member.id);
      const keysStatement = await keystores.signStatement(home, AUTHORITY_KEY_NAME, {
        authorityId,
        kind: 'member-keys',
        content: { memberId: member.id, keys: [await signedMemberKeyOf(key)] },
        version: 1,
        iat,
      });
      members.push({
        id: member.id,
        displayName: member.displayName,
        role: member.role,
        keys: [key],
        keysStatement,
      });
    }
    const recipient = await keystores.ensureSealingKey(home, 'seal');
    const recipientsStatement = await keystores.signStatement(home, AUTHORITY_KEY_NAME, {
      authorityId,
      kind: 'recipients',
      content: { recipients: [recipient] },
      version: 1,
      iat,
    });
    const profile = { ...demo.profile, authorityId };
    const profileStatement = await keystores.signStatement(home, AUTHORITY_KEY_NAME, {
      authorityId,
      kind: 'profile',
      content: { profile },
      version: 1,
      iat,
    });
    authorities.push({
      id: authorityId,
      country: demo.country,
      name: demo.name,
      roles: ['central-authority', 'contact-247'] as Array<'central-authority' | 'contact-247'>,
      recipients: [recipient],
      authorityKey,
      recipientsStatement,
      languages: [...demo.profile.languages],
      treaties: [...demo.treaties],
      profile,
      profileStatement,
      members,
    });
    seeded.push({
      slug,
      authorityId,
      name: demo.name,
      country: demo.country,
      home,
      recipient,
      authorityKeyFingerprint: await authorityKeyFingerprint(authorityKey),
    });
  }
  await seedDirectory(directory, { authorities });
  // The demo stands in for the out-of-band comparison: each demo keystore pins every demo authority's key from
  // the keystore that holds it, never from the directory's answer.
  for (const s of seeded) {
    for (const other of seeded) {
      await keystores.pinAuthority(s.home, other.authorityId, other.authorityKeyFingerprint);
    }
    for (const member of DEMO_MEMBERS) {
      await keystores.saveProfile(s.home, {
        name: member.id,
        baseUrl,
        clientId: `${s.authorityId}:${member.id}`,
        key: member.id,
      });
    }
  }
  return seeded;
}
