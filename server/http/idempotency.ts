// HTTP layer: the Idempotency-Key protocol for POST routes. A retry with the same key and the same body gets the
// original answer; a retry after a half-finished attempt resumes it with the ids that attempt had chosen.
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { z } from 'zod';
import { PouchError } from '../../shared/domain/errors.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';
import type { IdempotencyStore } from '../ports/idempotency-store.ts';
import type { AppEnv } from './app-env.ts';

const KEY = /^[A-Za-z0-9_-]{8,128}$/;

/** The answer an idempotent route gives: its success status and the schema of its body. */
export interface IdempotentAnswer<S extends 200 | 201, Z extends z.ZodType> {
  readonly status: S;
  readonly schema: Z;
}

/**
 * Run `action` at most once per (caller, Idempotency-Key). Without the header the action simply runs.
 * `ids` are the identifiers a fresh attempt would use; a resumed attempt gets the ones first chosen. A replayed
 * answer is parsed with the route's response schema: what the store hands back is checked, not trusted.
 */
export async function runIdempotent<S extends 200 | 201, Z extends z.ZodType>(
  c: Context<AppEnv>,
  store: IdempotencyStore,
  principal: Principal,
  body: unknown,
  ids: Record<string, string>,
  answer: IdempotentAnswer<S, Z>,
  action: (ids: Record<string, string>) => Promise<z.output<Z>>,
) {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return c.json(await action(ids), answer.status);
  if (!KEY.test(key)) {
    throw new PouchError('ERR_VALIDATION', 'Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 _ -', {
      details: { field: 'header.idempotency-key' },
    });
  }
  const fingerprint = createHash('sha256')
    .update(`${c.req.method} ${c.req.path}\n${JSON.stringify(body ?? null)}`)
    .digest('hex');
  const begun = await store.begin(principal.clientId, key, fingerprint, ids);
  if (begun.state === 'done') {
    const replayed: z.output<Z> = answer.schema.parse(begun.body);
    return c.json(replayed, answer.status, { 'Idempotent-Replayed': 'true' });
  }
  const chosen = begun.state === 'pending' ? resumedIds(begun.data) : ids;
  const result = await action(chosen);
  await store.complete(principal.clientId, key, answer.status, result);
  return c.json(result, answer.status);
}

/** The ids a half-finished attempt stored (strings only: that is all `begin` is ever given). */
function resumedIds(data: Record<string, unknown>): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const [name, value] of Object.entries(data)) if (typeof value === 'string') ids[name] = value;
  return ids;
}
