// Auth (start-up): the operator principal. The operator is not an authority: its members and public keys live
// in the directory under the reserved id `operator` (so authentication, revocation and the per-request check
// are the same code as for authorities), and are bootstrapped at start. Locally, compose generates an ES256
// operator key under the data dir (operator-key.json, 0600) and registers its public half; on AWS the
// operator's public keys come from the seed file's `operator` section (no private key ever reaches the exchange).
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PouchError } from '../../../shared/domain/errors.ts';
import { formatClientId } from '../../../shared/domain/identity/ids.ts';
import { type Member, OPERATOR_ID } from '../../../shared/domain/identity/types.ts';
import type { DirectoryRepository } from '../../ports/directory-repository.ts';
import { createDirectoryBootstrap } from './directory-bootstrap.ts';
import { buildMemberKey } from './directory-model.ts';

/** The local operator's member id: its client id is `operator:local-operator`. */
export const LOCAL_OPERATOR_MEMBER_ID = 'local-operator';

/** What the operator key file holds: enough for a client to sign assertions as the operator. */
export interface OperatorKeyFile {
  readonly clientId: string;
  readonly kid: string;
  readonly alg: 'ES256';
  /** Private EC P-256 JWK (with `kid` and `alg`). */
  readonly privateJwk: JsonWebKey & { kid: string };
}

/**
 * Load the local operator key file, or create it (mode 0600) when absent.
 *
 * @example
 * const key = await loadOrCreateOperatorKey('.pouch/operator-key.json');
 * // sign assertions with key.privateJwk, iss = sub = key.clientId, header kid = key.kid
 */
export async function loadOrCreateOperatorKey(path: string): Promise<OperatorKeyFile> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as OperatorKeyFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new PouchError('ERR_CONFIG', `Cannot read operator key file ${path}`, { cause: error });
    }
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kid } = buildMemberKey(
    publicKey.export({ format: 'jwk' }),
    new Date(0).toISOString(),
    'system:local-bootstrap',
  );
  const file: OperatorKeyFile = {
    clientId: formatClientId(OPERATOR_ID, LOCAL_OPERATOR_MEMBER_ID),
    kid,
    alg: 'ES256',
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'ES256' },
  };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, JSON.stringify(file, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateOperatorKey(path);
    throw error;
  }
  await chmod(path, 0o600);
  return file;
}

/**
 * Make sure an operator member exists with these public keys. Idempotent: creates the member, or adds keys it
 * lacks; never re-activates a revoked key and never removes one. Written through the directory use case
 * (createDirectoryBootstrap) and audited under `operator` as the system change `system:<source>`.
 */
export async function registerOperatorMember(
  directory: DirectoryRepository,
  input: { memberId: string; displayName: string; jwks: readonly unknown[]; now: number; source: string },
): Promise<Member> {
  const at = new Date(input.now).toISOString();
  const { member } = await createDirectoryBootstrap(directory).ensureOperatorMember(
    { source: input.source, now: input.now },
    {
      id: input.memberId,
      displayName: input.displayName,
      keys: input.jwks.map((jwk) => buildMemberKey(jwk, at, `system:${input.source}`)),
    },
  );
  return member;
}
