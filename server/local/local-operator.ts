// Local mode: the operator principal of the embedded exchange. Loads or creates the operator key file next to
// the exchange's signing key (`<dataDir>/operator-key.json`, 0600) and registers its public key as member
// `local-operator` of the reserved `operator` entry, through the directory use case. On AWS the operator's public
// keys are seeded instead (server/use-cases/identity/seed.ts, `operator` section) and no private key is ever on
// the exchange side.
import { dirname, join } from 'node:path';
import type { Config } from '../config/config.ts';
import type { DirectoryRepository } from '../ports/directory-repository.ts';
import {
  LOCAL_OPERATOR_MEMBER_ID,
  loadOrCreateOperatorKey,
  registerOperatorMember,
} from '../use-cases/identity/operator-bootstrap.ts';

/**
 * Register the local operator; returns the path of its private key file (tests sign as the operator with it), or
 * undefined when the environment overrides the local exchange into AWS mode or a KMS signer (no key file then).
 */
export async function bootstrapLocalOperator(
  config: Config,
  directory: DirectoryRepository,
  now: number,
): Promise<string | undefined> {
  if (config.mode !== 'local' || config.signer.kind !== 'file') return undefined;
  const path = join(dirname(config.signer.path), 'operator-key.json');
  const key = await loadOrCreateOperatorKey(path);
  const { d: _private, ...publicJwk } = key.privateJwk;
  await registerOperatorMember(directory, {
    memberId: LOCAL_OPERATOR_MEMBER_ID,
    displayName: 'Local operator',
    jwks: [publicJwk],
    now,
    source: 'local-bootstrap',
  });
  return path;
}
