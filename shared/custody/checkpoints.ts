// Custody signing: checkpoints (signed Merkle tree heads over all chain heads) as compact JWS. The checkpoint
// job signs one after buildCheckpointTree and publishes it to the Object Lock bucket; auditors verify it.

import { type PublicJwk, signCompactJws, verifyCompactJwsWithJose } from '../crypto/compact-jws.ts';
import type { Signer } from '../crypto/signer.ts';
import { PouchError } from '../domain/errors.ts';
import type { Checkpoint } from '../domain/ledger/checkpoint.ts';

/** `typ` of every checkpoint. */
export const CHECKPOINT_TYP = 'pouch-checkpoint+jwt';

/** Sign a checkpoint: compact JWS, `alg: ES256`, `kid`, `typ: pouch-checkpoint+jwt`. */
export async function signCheckpoint(signer: Signer, checkpoint: Checkpoint): Promise<string> {
  const problem = describeCheckpointProblem(checkpoint);
  if (problem) throw new PouchError('ERR_VALIDATION', `Invalid checkpoint: ${problem}`);
  return signCompactJws(signer, CHECKPOINT_TYP, checkpoint);
}

/** Verify a checkpoint JWS (jose, ES256 pinned, typ and kid checked) and return it. Throws ERR_SIGNATURE_INVALID. */
export async function verifyCheckpoint(jws: string, publicJwk: PublicJwk): Promise<Checkpoint> {
  const value = await verifyCompactJwsWithJose(jws, publicJwk, CHECKPOINT_TYP);
  const problem = describeCheckpointProblem(value);
  if (problem)
    throw new PouchError('ERR_SIGNATURE_INVALID', `The checkpoint payload is malformed: ${problem}`);
  return value as Checkpoint;
}

function describeCheckpointProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const c = value as Record<string, unknown>;
  if (c.v !== 1) return 'v';
  if (!Number.isSafeInteger(c.size) || (c.size as number) < 0) return 'size';
  if (typeof c.rootHash !== 'string' || !/^[0-9a-f]{64}$/.test(c.rootHash)) return 'rootHash';
  if (typeof c.time !== 'string' || Number.isNaN(Date.parse(c.time))) return 'time';
  if (c.chains !== undefined && (!Array.isArray(c.chains) || c.chains.length !== c.size)) return 'chains';
  return undefined;
}
