// Core (client and browser): the member keystore file, the one file an officer carries from the CLI's keystore
// to the portal: the member's signing key, the authority's age identity and the authority pins, as JSON inside
// an armored age file protected by a passphrase (age's scrypt recipient), so `age -d` opens it too.
import { armor, Decrypter, Encrypter } from 'age-encryption';
import { z } from 'zod';
import { PouchError } from '../domain/errors.ts';

export const MEMBER_KEYSTORE_FORMAT = 'pouch-member-keystore';
/** File name suffix the CLI writes and the portal's file picker offers. */
export const MEMBER_KEYSTORE_EXTENSION = '.pouch-keystore';
/** age's default scrypt work factor (log2 N); only tests lower it. */
export const MEMBER_KEYSTORE_WORK_FACTOR = 18;

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/);

/** A P-256 private JWK: the only member key type the portal signs with (Web Crypto ES256). */
export const EcPrivateJwkSchema = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: base64url,
  y: base64url,
  d: base64url,
});

export const MemberKeystoreSchema = z.object({
  format: z.literal(MEMBER_KEYSTORE_FORMAT),
  version: z.literal(1),
  /** `<authorityId>:<memberId>`: the client id the exchange knows the member by. */
  clientId: z.string().regex(/^[A-Za-z0-9_-]{1,64}:[A-Za-z0-9._-]{1,64}$/),
  signing: z.object({
    alg: z.literal('ES256'),
    kid: z.string().min(1).max(200),
    privateJwk: EcPrivateJwkSchema,
  }),
  /** The authority's age identity: documents are sealed to the authority, so every member holds it. */
  sealing: z
    .object({
      identity: z.string().regex(/^AGE-SECRET-KEY-1[0-9A-Z]+$/),
      recipient: z.string().regex(/^age1[0-9a-z]+$/),
    })
    .optional(),
  /** Authority key fingerprints compared out of band: only recipients these authorities signed are sealed to. */
  pins: z
    .array(
      z.object({
        authorityId: z.string().min(1).max(64),
        fingerprint: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
      }),
    )
    .max(1000),
  createdAt: z.string(),
});
export type MemberKeystore = z.infer<typeof MemberKeystoreSchema>;

/**
 * Protect a member keystore with a passphrase: an armored age file (scrypt recipient).
 *
 * @example
 * const file = await encodeMemberKeystore(content, passphrase);
 */
export async function encodeMemberKeystore(
  content: MemberKeystore,
  passphrase: string,
  workFactor: number = MEMBER_KEYSTORE_WORK_FACTOR,
): Promise<string> {
  const encrypter = new Encrypter();
  encrypter.setPassphrase(passphrase);
  encrypter.setScryptWorkFactor(workFactor);
  const json = JSON.stringify(MemberKeystoreSchema.parse(content));
  return armor.encode(await encrypter.encrypt(json));
}

/**
 * Open a member keystore file. A wrong passphrase throws ERR_SEAL_NO_IDENTITY; a file that is not a member
 * keystore throws ERR_VALIDATION.
 */
export async function decodeMemberKeystore(file: string, passphrase: string): Promise<MemberKeystore> {
  let sealed: Uint8Array;
  try {
    sealed = armor.decode(file.trim());
  } catch (cause) {
    throw new PouchError('ERR_VALIDATION', 'This file is not a Pouch member keystore', { cause });
  }
  const decrypter = new Decrypter();
  decrypter.addPassphrase(passphrase);
  let json: string;
  try {
    json = await decrypter.decrypt(sealed, 'text');
  } catch (cause) {
    if (cause instanceof Error && /no identity matched/i.test(cause.message)) {
      throw new PouchError('ERR_SEAL_NO_IDENTITY', 'Wrong passphrase for this keystore', { cause });
    }
    throw new PouchError('ERR_VALIDATION', 'This file is not a Pouch member keystore', { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    throw new PouchError('ERR_VALIDATION', 'This file is not a Pouch member keystore', { cause });
  }
  const result = MemberKeystoreSchema.safeParse(parsed);
  if (!result.success) {
    throw new PouchError('ERR_VALIDATION', 'This file is not a Pouch member keystore', {
      cause: result.error,
    });
  }
  return result.data;
}
