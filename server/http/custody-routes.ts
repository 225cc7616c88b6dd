// HTTP layer (primary adapter): custody routes — the checkpoint log (build, latest, by size, consistency), a
// chain's inclusion proof, the auditor's timeline and the custody bundle export. Thin: zod validation, then one
// use case call (server/use-cases/custody/checkpoint-access.ts, server/use-cases/custody/audit-service.ts), which
// applies the policy.
import { createRoute, z } from '@hono/zod-openapi';
import { BUNDLE_MEDIA_TYPE } from '../../shared/custody/bundle.ts';
import type { StoredCheckpoint } from '../ports/checkpoint-store.ts';
import type { AuditService } from '../use-cases/custody/audit-service.ts';
import type { CheckpointAccess } from '../use-cases/custody/checkpoint-access.ts';
import type { PouchApp } from './app-env.ts';
import { requirePrincipal } from './auth-middleware.ts';
import { keyedReadIds } from './idempotency.ts';

const problemContent = {
  'application/problem+json': {
    schema: z.object({ code: z.string(), title: z.string(), status: z.number() }),
  },
};
const errors = {
  400: { description: 'Invalid request', content: problemContent },
  401: { description: 'Missing or invalid access token', content: problemContent },
  404: { description: 'Not found (or not yours)', content: problemContent },
};
const secured = { security: [{ bearer: [] }] };
const ExchangeParams = z.object({ exchangeId: z.string().min(10).max(64) });
const Size = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const CheckpointSchema = z
  .object({
    size: z.number(),
    rootHash: z.string(),
    time: z.string(),
    jws: z
      .string()
      .openapi({ description: 'Compact JWS, typ pouch-checkpoint+jwt, signed by the exchange key' }),
  })
  .openapi('Checkpoint');

const HeadSchema = z.object({ chain: z.string(), seq: z.number(), hash: z.string() });
/** The answer for a bundle too large to send inline (the SDK takes its type from here: one definition). */
export const BundleExportSchema = z
  .object({
    export: z.object({
      url: z.string().url(),
      expiresAt: z.string(),
      size: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  })
  .openapi('BundleExport');
export type BundleExportWire = z.infer<typeof BundleExportSchema>;

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export interface CustodyRouteDeps {
  readonly checkpoints: CheckpointAccess;
  readonly audit: AuditService;
}

const plain = (c: StoredCheckpoint) => ({ size: c.size, rootHash: c.rootHash, time: c.time, jws: c.jws });

/** Register the custody routes (behind the auth middleware). */
export function registerCustodyRoutes(deps: CustodyRouteDeps) {
  return (app: PouchApp) => {
    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/checkpoints',
        tags: ['custody'],
        summary: 'Operator: append the changed chain heads to the checkpoint log and sign a checkpoint now',
        ...secured,
        responses: {
          200: json(
            z.object({ checkpoint: CheckpointSchema.nullable(), created: z.boolean() }),
            'The latest checkpoint, and whether this call signed it',
          ),
          ...errors,
        },
      }),
      async (c) => {
        const result = await deps.checkpoints.build(requirePrincipal(c));
        return c.json(
          { checkpoint: result.checkpoint ? plain(result.checkpoint) : null, created: result.created },
          200,
        );
      },
    );

    // Static paths before /{size}, so `latest` and `consistency` are never read as a size.
    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/checkpoints/latest',
        tags: ['custody'],
        summary: 'The latest signed checkpoint of the log',
        ...secured,
        responses: { 200: json(CheckpointSchema, 'The latest checkpoint'), ...errors },
      }),
      async (c) => {
        return c.json(plain(await deps.checkpoints.latest(requirePrincipal(c))), 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/checkpoints/consistency',
        tags: ['custody'],
        summary: 'RFC 9162 consistency proof between two checkpoints of the log',
        ...secured,
        request: { query: z.object({ first: Size, second: Size }) },
        responses: {
          200: json(
            z.object({
              first: CheckpointSchema,
              second: CheckpointSchema,
              proof: z.array(z.string()),
            }),
            'Both checkpoints and the proof (hex node hashes, RFC 9162 order)',
          ),
          ...errors,
        },
      }),
      async (c) => {
        const { first, second } = c.req.valid('query');
        const result = await deps.checkpoints.consistencyProof(requirePrincipal(c), first, second);
        return c.json({ first: plain(result.first), second: plain(result.second), proof: result.proof }, 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/checkpoints/{size}',
        tags: ['custody'],
        summary: 'The signed checkpoint over the first `size` leaves of the log',
        ...secured,
        request: { params: z.object({ size: Size }) },
        responses: { 200: json(CheckpointSchema, 'The checkpoint'), ...errors },
      }),
      async (c) => {
        const size = c.req.valid('param').size;
        return c.json(plain(await deps.checkpoints.get(requirePrincipal(c), size)), 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/exchanges/{exchangeId}/inclusion-proof',
        tags: ['custody'],
        summary: 'Inclusion of the exchange’s latest checkpointed chain head in the latest checkpoint',
        ...secured,
        request: { params: ExchangeParams },
        responses: {
          200: json(
            z.object({
              checkpoint: CheckpointSchema,
              leafIndex: z.number(),
              treeSize: z.number(),
              head: HeadSchema,
              proof: z.array(z.string()),
            }),
            'The proof (404 until the exchange is in a checkpoint)',
          ),
          ...errors,
        },
      }),
      async (c) => {
        const proof = await deps.checkpoints.inclusionProof(
          requirePrincipal(c),
          c.req.valid('param').exchangeId,
        );
        return c.json({ ...proof, checkpoint: plain(proof.checkpoint), proof: [...proof.proof] }, 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/exchanges/{exchangeId}/timeline',
        tags: ['custody'],
        summary:
          'Custody timeline: ledger events, receipts and manifests, never content (auditor reads are recorded)',
        ...secured,
        request: { params: ExchangeParams },
        responses: {
          200: json(
            z.object({
              label: z.record(z.string(), z.unknown()),
              events: z.array(z.record(z.string(), z.unknown())),
              receipts: z.array(z.object({ seq: z.number(), evidence: z.string(), jws: z.string() })),
              manifests: z.array(
                z.object({
                  messageId: z.string(),
                  seq: z.number(),
                  kind: z.string(),
                  senderClientId: z.string(),
                  sentAt: z.string(),
                  manifest: z.string(),
                }),
              ),
            }),
            'The timeline',
          ),
          ...errors,
        },
      }),
      async (c) => {
        const principal = requirePrincipal(c);
        const t = await deps.audit.timeline(
          principal,
          c.req.valid('param').exchangeId,
          keyedReadIds(c, principal),
        );
        return c.json(
          {
            label: { ...t.label, links: [...t.label.links] } as Record<string, unknown>,
            events: t.events as unknown as Record<string, unknown>[],
            receipts: t.receipts.map((r) => ({ seq: r.seq, evidence: r.evidence, jws: r.jws })),
            manifests: t.manifests.map((m) => ({ ...m })),
          },
          200,
        );
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/exchanges/{exchangeId}/bundle',
        tags: ['custody'],
        summary: 'Export the custody bundle (JSON Lines, docs/custody-bundle.md); the export is recorded',
        description:
          'Up to POUCH_BUNDLE_INLINE_MAX_BYTES the bundle is the response body. A larger bundle is stored in ' +
          'the evidence bucket and the answer is JSON with a presigned URL (at most 5 minutes), its size and ' +
          'SHA-256, which the client checks after downloading.',
        ...secured,
        request: { params: ExchangeParams },
        responses: {
          200: {
            description: 'The bundle, one JSON document per line; or, when too large, where to download it',
            content: {
              [BUNDLE_MEDIA_TYPE]: { schema: z.string() },
              'application/json': { schema: BundleExportSchema },
            },
          },
          ...errors,
        },
      }),
      async (c) => {
        const principal = requirePrincipal(c);
        const delivery = await deps.audit.deliverBundle(
          principal,
          c.req.valid('param').exchangeId,
          keyedReadIds(c, principal),
        );
        if (delivery.kind === 'inline') {
          return c.body(delivery.text, 200, { 'content-type': BUNDLE_MEDIA_TYPE }) as never;
        }
        const { url, expiresAt, size, sha256 } = delivery;
        return c.json({ export: { url, expiresAt, size, sha256 } }, 200);
      },
    );
  };
}
