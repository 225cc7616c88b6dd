// Local mode: seeds clearly fictional demo authorities (Northland, Southmark, Eastmere) with members, keys and
// published requirement profiles, and writes each one's keystore under <dataDir>/demo/<slug> so the `pouch` CLI
// can act as any of them (POUCH_HOME=.pouch/demo/<slug> pouch --profile officer ...). Idempotent across restarts.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type Keystore, openKeystore } from '../../client/keystore/keystore.ts';
import { isKeystoreError } from '../../client/keystore/keystore-error.ts';
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
}

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
): Promise<DemoAuthoritySeeded[]> {
  const seeded: DemoAuthoritySeeded[] = [];
  const authorities = [];
  for (const demo of DEMO_AUTHORITIES) {
    const slug = SLUGS[demo.country] ?? demo.id;
    const home = join(dataDir, 'demo', slug);
    const keystore = openKeystore({ home });
    const authorityId = demoAuthorityId(demo);
    const members = [];
    for (const member of DEMO_MEMBERS) {
      const key = await ensureSigningKey(keystore, member.id);
      members.push({ id: member.id, displayName: member.displayName, role: member.role, keys: [key] });
    }
    const recipient = await ensureSealingKey(keystore, 'seal');
    authorities.push({
      id: authorityId,
      country: demo.country,
      name: demo.name,
      roles: ['central-authority', 'contact-247'] as Array<'central-authority' | 'contact-247'>,
      recipients: [recipient],
      languages: [...demo.profile.languages],
      treaties: [...demo.treaties],
      profile: { ...demo.profile, authorityId },
      members,
    });
    seeded.push({ slug, authorityId, name: demo.name, country: demo.country, home, recipient });
  }
  await seedDirectory(directory, { authorities });
  for (const s of seeded) {
    const keystore = openKeystore({ home: s.home });
    for (const member of DEMO_MEMBERS) {
      await keystore.saveProfile({
        name: member.id,
        baseUrl,
        clientId: `${s.authorityId}:${member.id}`,
        key: member.id,
      });
    }
  }
  return seeded;
}

async function ensureSigningKey(keystore: Keystore, name: string) {
  try {
    const info = await keystore.showKey(name);
    if (info.kind === 'signing') return { ...info.publicJwk, kid: info.kid };
  } catch (error) {
    if (!isKeystoreError(error, 'key-not-found')) throw error;
  }
  const created = await keystore.createSigningKey({ name, alg: 'ES256' });
  return { ...created.publicJwk, kid: created.kid };
}

async function ensureSealingKey(keystore: Keystore, name: string): Promise<string> {
  try {
    const info = await keystore.showKey(name);
    if (info.kind === 'sealing') return info.recipient;
  } catch (error) {
    if (!isKeystoreError(error, 'key-not-found')) throw error;
  }
  return (await keystore.createSealingKey({ name })).recipient;
}
