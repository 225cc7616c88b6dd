// Custody signing: receipts (EN 319 522-style evidence) as compact JWS signed by the exchange key. Use cases call
// signReceipt after a successful append; `pouch verify` and auditors call the verifiers.

import {
  createCompactJwsVerifier,
  type PublicJwk,
  signCompactJws,
  verifyCompactJwsWithJose,
} from '../crypto/compact-jws.ts';
import type { Signer } from '../crypto/signer.ts';
import { PouchError } from '../domain/errors.ts';
import { describeReceiptPayloadProblem, type ReceiptPayload } from '../domain/ledger/receipt.ts';

/** `typ` of every receipt: a token of any other type (a checkpoint, an access token) is never a receipt. */
export const RECEIPT_TYP = 'pouch-receipt+jwt';

/** Sign a receipt payload: compact JWS, `alg: ES256`, `kid` of the exchange key, `typ: pouch-receipt+jwt`. */
export async function signReceipt(signer: Signer, payload: ReceiptPayload): Promise<string> {
  const problem = describeReceiptPayloadProblem(payload);
  if (problem) throw new PouchError('ERR_VALIDATION', `Invalid receipt payload: ${problem}`);
  return signCompactJws(signer, RECEIPT_TYP, payload);
}

/**
 * Verify a receipt with jose (ES256 pinned, typ and kid checked) and return its payload. Throws
 * ERR_SIGNATURE_INVALID. Check the payload against the ledger with describeReceiptMismatch.
 */
export async function verifyReceipt(jws: string, publicJwk: PublicJwk): Promise<ReceiptPayload> {
  return checkPayload(await verifyCompactJwsWithJose(jws, publicJwk, RECEIPT_TYP));
}

/** A synchronous bulk verifier for many receipts under one key (node:crypto; same checks as verifyReceipt). */
export function createReceiptVerifier(publicJwk: PublicJwk): (jws: string) => ReceiptPayload {
  const verify = createCompactJwsVerifier(publicJwk, RECEIPT_TYP);
  return (jws) => checkPayload(verify(jws));
}

function checkPayload(value: unknown): ReceiptPayload {
  const problem = describeReceiptPayloadProblem(value);
  if (problem) throw new PouchError('ERR_SIGNATURE_INVALID', `The receipt payload is malformed: ${problem}`);
  return value as ReceiptPayload;
}
