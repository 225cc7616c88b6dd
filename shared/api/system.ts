// Wire schemas (core) of the system routes: /health and the exchange's public signing key set.
import { z } from 'zod';

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
  .meta({ id: 'Health' });
export type Health = z.output<typeof HealthSchema>;

/** The exchange's public keys (access tokens, receipts, checkpoints), for offline verification. */
export const JwkSetSchema = z
  .object({ keys: z.array(z.record(z.string(), z.string())) })
  .meta({ id: 'JwkSet' });
export type JwkSet = z.output<typeof JwkSetSchema>;
