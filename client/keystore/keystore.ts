// Keystore (Node): the local folder of signing keys, sealing identities and profiles behind the CLI.
//
// Layout under POUCH_HOME (default ~/.pouch), folders 0700, files 0600:
//   keys/<name>.json      one key: public parts in clear, the secret plain or age-scrypt armored
//   profiles/<name>.json  exchange URL + client id + the signing key it uses
//   tokens/<profile>.json cached access token for a profile (see file-token-cache.ts)
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { type CryptoKey, calculateJwkThumbprint, type JWK } from 'jose';
import { z } from 'zod';
import { PouchError } from '../../shared/domain/errors.ts';
import type { ClientCredentials, SigningAlgorithm } from '../sdk/client-assertion.ts';
import { KeystoreError } from './keystore-error.ts';
import {
  defaultScryptWorkFactor,
  isProtectedSecret,
  protectSecret,
  unprotectSecret,
} from './secret-protection.ts';
import { ensurePrivateDir, readPrivateFile, resolvePouchHome, writePrivateFile } from './secure-files.ts';
import { generateSigningKeyPair, importSigningKey, toPublicJwk } from './signing-keys.ts';

/** Asks for the passphrase of one key (from the environment, a prompt, or a test). */
export type PassphraseSource = (request: {
  keyName: string;
  purpose: 'unlock' | 'protect';
}) => Promise<string>;

export type KeyKind = 'signing' | 'sealing';
export type SecretProtection = 'none' | 'age-scrypt';

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const signingKeySchema = z.object({
  version: z.literal(1),
  kind: z.literal('signing'),
  name: z.string(),
  alg: z.enum(['ES256', 'EdDSA']),
  kid: z.string(),
  publicJwk: z.record(z.string(), z.unknown()),
  protection: z.enum(['none', 'age-scrypt']),
  secret: z.string(),
  createdAt: z.string(),
});

const sealingKeySchema = z.object({
  version: z.literal(1),
  kind: z.literal('sealing'),
  name: z.string(),
  recipient: z.string().startsWith('age1'),
  protection: z.enum(['none', 'age-scrypt']),
  secret: z.string(),
  createdAt: z.string(),
});

const keyRecordSchema = z.discriminatedUnion('kind', [signingKeySchema, sealingKeySchema]);

const profileSchema = z.object({
  version: z.literal(1),
  name: z.string(),
  baseUrl: z.string(),
  clientId: z.string(),
  key: z.string(),
  kid: z.string(),
  alg: z.enum(['ES256', 'EdDSA']),
  createdAt: z.string(),
});

type KeyRecord = z.infer<typeof keyRecordSchema>;

/** What can be shown about a key: never the secret. */
export type PublicKeyInfo =
  | {
      kind: 'signing';
      name: string;
      alg: SigningAlgorithm;
      kid: string;
      publicJwk: JWK;
      protection: SecretProtection;
      createdAt: string;
    }
  | { kind: 'sealing'; name: string; recipient: string; protection: SecretProtection; createdAt: string };

/** A stored profile: which exchange, as whom, with which signing key. */
export type Profile = Omit<z.infer<typeof profileSchema>, 'version'>;

/** A profile with its signing key unlocked, ready for createPouchClient. */
export interface UnlockedProfile {
  name: string;
  baseUrl: string;
  clientId: string;
  kid: string;
  alg: SigningAlgorithm;
  privateKeyJwk: JWK;
  credentials: ClientCredentials;
}

export interface NewKeyOptions {
  name: string;
  /** When given, the secret is stored passphrase-protected (age scrypt). */
  passphrase?: PassphraseSource;
  /** scrypt log2 N; only tests lower it. */
  scryptWorkFactor?: number;
}

export interface Keystore {
  readonly home: string;
  createSigningKey(
    options: NewKeyOptions & { alg: SigningAlgorithm },
  ): Promise<PublicKeyInfo & { kind: 'signing' }>;
  createSealingKey(options: NewKeyOptions): Promise<PublicKeyInfo & { kind: 'sealing' }>;
  /** Store an existing private signing JWK (ES256 P-256 or EdDSA Ed25519); its kid is kept, else its thumbprint. */
  importSigningKey(
    options: NewKeyOptions & { privateJwk: JWK },
  ): Promise<PublicKeyInfo & { kind: 'signing' }>;
  listKeys(): Promise<PublicKeyInfo[]>;
  /** Public parts of one key. Throws `key-not-found`. */
  showKey(name: string): Promise<PublicKeyInfo>;
  unlockSigningKey(
    name: string,
    passphrase?: PassphraseSource,
  ): Promise<{ info: PublicKeyInfo & { kind: 'signing' }; privateJwk: JWK; privateKey: CryptoKey }>;
  /** The age identity (`AGE-SECRET-KEY-1...`) of a sealing key. A secret: never print it unasked. */
  unlockSealingIdentity(name: string, passphrase?: PassphraseSource): Promise<string>;
  /** The identity in age-keygen's file format, which `age -d -i FILE` reads. */
  exportAgeIdentityFile(name: string, passphrase?: PassphraseSource): Promise<string>;
  saveProfile(profile: Omit<Profile, 'createdAt' | 'kid' | 'alg'>): Promise<Profile>;
  readProfile(name: string): Promise<Profile>;
  listProfiles(): Promise<Profile[]>;
  unlockProfile(name: string, passphrase?: PassphraseSource): Promise<UnlockedProfile>;
}

/** Throw `invalid-name` unless the name is safe as a file name (letters, digits, `.`, `_`, `-`). */
export function assertValidName(name: string, what: 'key' | 'profile'): void {
  if (!namePattern.test(name)) {
    throw new KeystoreError(
      'invalid-name',
      `Invalid ${what} name '${name}': use letters, digits, '.', '_' or '-'`,
      {
        details: { name },
      },
    );
  }
}

function describeKey(record: KeyRecord): PublicKeyInfo {
  if (record.kind === 'signing') {
    return {
      kind: 'signing',
      name: record.name,
      alg: record.alg,
      kid: record.kid,
      publicJwk: record.publicJwk as JWK,
      protection: record.protection,
      createdAt: record.createdAt,
    };
  }
  return {
    kind: 'sealing',
    name: record.name,
    recipient: record.recipient,
    protection: record.protection,
    createdAt: record.createdAt,
  };
}

/**
 * Open (lazily creating) the keystore folder.
 *
 * @example
 * const keystore = openKeystore({ home: resolvePouchHome() });
 * const key = await keystore.createSigningKey({ name: 'default', alg: 'ES256' });
 */
export function openKeystore(options: { home?: string } = {}): Keystore {
  const home = options.home ?? resolvePouchHome();
  const keysDir = join(home, 'keys');
  const profilesDir = join(home, 'profiles');
  const keyPath = (name: string) => join(keysDir, `${name}.json`);
  const profilePath = (name: string) => join(profilesDir, `${name}.json`);

  async function readKeyRecord(name: string): Promise<KeyRecord> {
    assertValidName(name, 'key');
    const text = await readPrivateFile(keyPath(name));
    if (text === undefined) {
      throw new KeystoreError('key-not-found', `No key named '${name}' in ${home}`, { details: { name } });
    }
    return parseStored(keyRecordSchema, text, keyPath(name));
  }

  async function writeNewKey(record: KeyRecord): Promise<void> {
    await ensurePrivateDir(home);
    const created = await writePrivateFile(keyPath(record.name), `${JSON.stringify(record, null, 2)}\n`, {
      exclusive: true,
    });
    if (!created) {
      throw new KeystoreError('key-exists', `A key named '${record.name}' already exists in ${home}`, {
        details: { name: record.name },
      });
    }
  }

  async function storeSecret(secret: string, options: NewKeyOptions) {
    if (!options.passphrase) return { protection: 'none' as const, secret };
    const passphrase = await options.passphrase({ keyName: options.name, purpose: 'protect' });
    const workFactor = options.scryptWorkFactor ?? defaultScryptWorkFactor;
    return { protection: 'age-scrypt' as const, secret: await protectSecret(secret, passphrase, workFactor) };
  }

  async function revealSecret(record: KeyRecord, source: PassphraseSource | undefined): Promise<string> {
    if (record.protection === 'none') return record.secret;
    if (!isProtectedSecret(record.secret)) {
      throw new KeystoreError(
        'keystore-corrupt',
        `Key '${record.name}' claims protection but is not an age file`,
      );
    }
    if (!source) {
      throw new KeystoreError('passphrase-required', `Key '${record.name}' is passphrase-protected`, {
        details: { name: record.name },
      });
    }
    const passphrase = await source({ keyName: record.name, purpose: 'unlock' });
    return unprotectSecret(record.secret, passphrase, record.name);
  }

  async function readNamed<T>(dir: string, read: (name: string) => Promise<T>): Promise<T[]> {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const names = entries
      .filter((entry) => entry.endsWith('.json'))
      .map((entry) => entry.slice(0, -'.json'.length))
      .filter((name) => namePattern.test(name))
      .sort();
    return Promise.all(names.map(read));
  }

  const keystore: Keystore = {
    home,

    async createSigningKey(options) {
      assertValidName(options.name, 'key');
      const pair = await generateSigningKeyPair(options.alg);
      const stored = await storeSecret(JSON.stringify(pair.privateJwk), options);
      const record: KeyRecord = {
        version: 1,
        kind: 'signing',
        name: options.name,
        alg: pair.alg,
        kid: pair.kid,
        publicJwk: pair.publicJwk as Record<string, unknown>,
        ...stored,
        createdAt: new Date().toISOString(),
      };
      await writeNewKey(record);
      return describeKey(record) as PublicKeyInfo & { kind: 'signing' };
    },

    async importSigningKey(options) {
      assertValidName(options.name, 'key');
      const { privateJwk } = options;
      const alg: SigningAlgorithm | undefined =
        privateJwk.kty === 'EC' && privateJwk.crv === 'P-256'
          ? 'ES256'
          : privateJwk.kty === 'OKP' && privateJwk.crv === 'Ed25519'
            ? 'EdDSA'
            : undefined;
      if (!alg)
        throw new PouchError('ERR_VALIDATION', 'Only ES256 (P-256) and EdDSA (Ed25519) keys can be imported');
      await importSigningKey(privateJwk, alg); // refuses a key that does not import before anything is written
      const kid =
        typeof privateJwk.kid === 'string' && privateJwk.kid !== ''
          ? privateJwk.kid
          : await calculateJwkThumbprint(toPublicJwk(privateJwk, '', alg), 'sha256');
      const stored = await storeSecret(JSON.stringify({ ...privateJwk, kid, alg }), options);
      const record: KeyRecord = {
        version: 1,
        kind: 'signing',
        name: options.name,
        alg,
        kid,
        publicJwk: toPublicJwk(privateJwk, kid, alg) as Record<string, unknown>,
        ...stored,
        createdAt: new Date().toISOString(),
      };
      await writeNewKey(record);
      return describeKey(record) as PublicKeyInfo & { kind: 'signing' };
    },

    async createSealingKey(options) {
      assertValidName(options.name, 'key');
      // X25519 explicitly: the age CLI reads it everywhere; hybrid identities need age >= 1.3.
      const identity = await generateX25519Identity();
      const recipient = await identityToRecipient(identity);
      const stored = await storeSecret(identity, options);
      const record: KeyRecord = {
        version: 1,
        kind: 'sealing',
        name: options.name,
        recipient,
        ...stored,
        createdAt: new Date().toISOString(),
      };
      await writeNewKey(record);
      return describeKey(record) as PublicKeyInfo & { kind: 'sealing' };
    },

    async listKeys() {
      return readNamed(keysDir, async (name) => describeKey(await readKeyRecord(name)));
    },

    async showKey(name) {
      return describeKey(await readKeyRecord(name));
    },

    async unlockSigningKey(name, passphrase) {
      const record = await readKeyRecord(name);
      if (record.kind !== 'signing') {
        throw new KeystoreError('key-wrong-kind', `Key '${name}' is a sealing key, not a signing key`, {
          details: { name },
        });
      }
      const secret = await revealSecret(record, passphrase);
      let privateJwk: JWK;
      try {
        privateJwk = JSON.parse(secret) as JWK;
      } catch (cause) {
        throw new KeystoreError('keystore-corrupt', `The private key of '${name}' is not a JWK`, { cause });
      }
      const privateKey = await importSigningKey(privateJwk, record.alg);
      return { info: describeKey(record) as PublicKeyInfo & { kind: 'signing' }, privateJwk, privateKey };
    },

    async unlockSealingIdentity(name, passphrase) {
      const record = await readKeyRecord(name);
      if (record.kind !== 'sealing') {
        throw new KeystoreError('key-wrong-kind', `Key '${name}' is a signing key, not a sealing key`, {
          details: { name },
        });
      }
      const identity = (await revealSecret(record, passphrase)).trim();
      if (!identity.startsWith('AGE-SECRET-KEY-1')) {
        throw new KeystoreError('keystore-corrupt', `The identity of '${name}' is not an age identity`);
      }
      return identity;
    },

    async exportAgeIdentityFile(name, passphrase) {
      const identity = await keystore.unlockSealingIdentity(name, passphrase);
      const info = await keystore.showKey(name);
      const recipient = info.kind === 'sealing' ? info.recipient : await identityToRecipient(identity);
      return `# created: ${info.createdAt}\n# public key: ${recipient}\n${identity}\n`;
    },

    async saveProfile(input) {
      assertValidName(input.name, 'profile');
      const key = await readKeyRecord(input.key);
      if (key.kind !== 'signing') {
        throw new KeystoreError(
          'key-wrong-kind',
          `Key '${input.key}' is a sealing key; a profile needs a signing key`,
        );
      }
      const profile: Profile = { ...input, kid: key.kid, alg: key.alg, createdAt: new Date().toISOString() };
      await ensurePrivateDir(home);
      await writePrivateFile(
        profilePath(input.name),
        `${JSON.stringify({ version: 1, ...profile }, null, 2)}\n`,
      );
      return profile;
    },

    async readProfile(name) {
      assertValidName(name, 'profile');
      const text = await readPrivateFile(profilePath(name));
      if (text === undefined) {
        throw new KeystoreError('profile-not-found', `No profile named '${name}' in ${home}`, {
          details: { name },
        });
      }
      const { version: _version, ...profile } = parseStored(profileSchema, text, profilePath(name));
      return profile;
    },

    async listProfiles() {
      return readNamed(profilesDir, (name) => keystore.readProfile(name));
    },

    async unlockProfile(name, passphrase) {
      const profile = await keystore.readProfile(name);
      const { info, privateJwk, privateKey } = await keystore.unlockSigningKey(profile.key, passphrase);
      if (info.kid !== profile.kid) {
        throw new KeystoreError(
          'keystore-corrupt',
          `Profile '${name}' expects key ${profile.kid}, found ${info.kid}`,
        );
      }
      return {
        name: profile.name,
        baseUrl: profile.baseUrl,
        clientId: profile.clientId,
        kid: info.kid,
        alg: info.alg,
        privateKeyJwk: privateJwk,
        credentials: { clientId: profile.clientId, kid: info.kid, alg: info.alg, privateKey },
      };
    },
  };
  return keystore;
}

function parseStored<T>(schema: z.ZodType<T>, text: string, path: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new KeystoreError('keystore-corrupt', `${path} is not valid JSON`, { cause, details: { path } });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new KeystoreError('keystore-corrupt', `${path} is not a Pouch keystore file`, {
      cause: parsed.error,
      details: { path },
    });
  }
  return parsed.data;
}
