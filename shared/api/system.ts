// Wire schemas (core) of the system routes: /health, the operator's dependency health and the exchange's two
// public key sets.
import { z } from 'zod';

/** Anonymous liveness: the API answers; no dependency is probed. */
export const LivenessSchema = z
  .object({ status: z.literal('ok') })
  .meta({ id: 'Liveness', description: 'The API answers; dependencies are not probed.' });

/** The operator's per-dependency health (/health/dependencies). */
export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    dependencies: z.array(
      z.object({
        name: z.string(),
        status: z.enum(['ok', 'unavailable']),
        latencyMs: z.number(),
      }),
    ),
  })
  .meta({ id: 'DependencyHealth' });
export type Health = z.output<typeof HealthSchema>;

const jwkSet = () => z.object({ keys: z.array(z.record(z.string(), z.string())) });

/** The access-token signing key (/.well-known/jwks.json). */
export const JwkSetSchema = jwkSet().meta({ id: 'JwkSet' });
export type JwkSet = z.output<typeof JwkSetSchema>;

/**
 * The custody key that signs receipts and checkpoints (/.well-known/pouch-custody-keys.json), as custody bundles
 * carry it: `pouch verify --live` pins it.
 */
export const CustodyJwkSetSchema = jwkSet().meta({ id: 'CustodyJwkSet' });
