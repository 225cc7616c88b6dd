// HTTP layer (primary adapter): custody routes — the checkpoint log (build, latest, by size, consistency), a
// chain's inclusion proof, the auditor's timeline and the custody bundle export. Thin: zod validation, then one
// use case call (server/use-cases/custody/checkpoint-access.ts, server/use-cases/custody/audit-service.ts), which
// applies the policy.
import { createRoute } from '@hono/zod-openapi';
import {
  BUNDLE_MEDIA_TYPE,
  BundleExportSchema,
  BundleTextSchema,
  CheckpointBuildSchema,
  CheckpointParamsSchema,
  CheckpointSchema,
  type CheckpointWire,
  ConsistencyProofSchema,
  ConsistencyQuerySchema,
  InclusionProofSchema,
  TimelineSchema,
} from '../../shared/api/custody.ts';
import { ExchangeParamsSchema } from '../../shared/api/exchange.ts';
import type { LedgerEvent } from '../../shared/domain/ledger/event.ts';
import type { AuditService } from '../use-cases/custody/audit-service.ts';
import type { CheckpointAccess } from '../use-cases/custody/checkpoint-access.ts';
import type { PouchApp } from './app-env.ts';
import { requirePrincipal } from './auth-middleware.ts';
import { keyedReadIds } from './idempotency.ts';
import {
  bodyErrors,
  jsonResponse,
  problemResponse,
  secured,
  securedErrors,
  validationErrors,
} from './openapi-responses.ts';

/** Reads an auditor makes are recorded in the ledger, and ledger writes race other writers. */
const conflict = { 409: problemResponse('A concurrent change holds the ledger; try again') };

export interface CustodyRouteDeps {
  readonly checkpoints: CheckpointAccess;
  readonly audit: AuditService;
}

const plain = (c: CheckpointWire): CheckpointWire => ({
  size: c.size,
  rootHash: c.rootHash,
  time: c.time,
  jws: c.jws,
});

/** A ledger event as the open record the timeline schema describes (its members are JSON by construction). */
const eventRecord = (event: LedgerEvent): Record<string, unknown> => ({ ...event });

/** Register the custody routes (behind the auth middleware). */
export function registerCustodyRoutes(deps: CustodyRouteDeps) {
  return (app: PouchApp) => {
    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/checkpoints',
        operationId: 'buildCheckpoint',
        tags: ['custody'],
        summary: 'Operator: append the changed chain heads to the checkpoint log and sign a checkpoint now',
        ...secured,
        responses: {
          200: jsonResponse(CheckpointBuildSchema, 'The latest checkpoint, and whether this call signed it'),
          ...bodyErrors,
          ...securedErrors,
          ...conflict,
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
        operationId: 'getLatestCheckpoint',
        tags: ['custody'],
        summary: 'The latest signed checkpoint of the log',
        ...secured,
        responses: { 200: jsonResponse(CheckpointSchema, 'The latest checkpoint'), ...securedErrors },
      }),
      async (c) => {
        return c.json(plain(await deps.checkpoints.latest(requirePrincipal(c))), 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/checkpoints/consistency',
        operationId: 'getConsistencyProof',
        tags: ['custody'],
        summary: 'RFC 9162 consistency proof between two checkpoints of the log',
        ...secured,
        request: { query: ConsistencyQuerySchema },
        responses: {
          200: jsonResponse(
            ConsistencyProofSchema,
            'Both checkpoints and the proof (hex node hashes, RFC 9162 order)',
          ),
          ...validationErrors,
          ...securedErrors,
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
        operationId: 'getCheckpoint',
        tags: ['custody'],
        summary: 'The signed checkpoint over the first `size` leaves of the log',
        ...secured,
        request: { params: CheckpointParamsSchema },
        responses: {
          200: jsonResponse(CheckpointSchema, 'The checkpoint'),
          ...validationErrors,
          ...securedErrors,
        },
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
        operationId: 'getInclusionProof',
        tags: ['custody'],
        summary: 'Inclusion of the exchange’s latest checkpointed chain head in the latest checkpoint',
        ...secured,
        request: { params: ExchangeParamsSchema },
        responses: {
          200: jsonResponse(InclusionProofSchema, 'The proof (404 until the exchange is in a checkpoint)'),
          ...validationErrors,
          ...securedErrors,
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
        operationId: 'getTimeline',
        tags: ['custody'],
        summary:
          'Custody timeline: ledger events, receipts and manifests, never content (auditor reads are recorded)',
        ...secured,
        request: { params: ExchangeParamsSchema },
        responses: {
          200: jsonResponse(TimelineSchema, 'The timeline'),
          ...validationErrors,
          ...securedErrors,
          ...conflict,
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
            label: t.label,
            events: t.events.map(eventRecord),
            receipts: t.receipts.map((r) => ({ seq: r.seq, evidence: r.evidence, jws: r.jws })),
            manifests: t.manifests,
          },
          200,
        );
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/exchanges/{exchangeId}/bundle',
        operationId: 'exportBundle',
        tags: ['custody'],
        summary: 'Export the custody bundle (JSON Lines, docs/custody-bundle.md); the export is recorded',
        description:
          'Up to POUCH_BUNDLE_INLINE_MAX_BYTES the bundle is the response body. A larger bundle is stored in ' +
          'the evidence bucket and the answer is JSON with a presigned URL (at most 5 minutes), its size and ' +
          'SHA-256, which the client checks after downloading.',
        ...secured,
        request: { params: ExchangeParamsSchema },
        responses: {
          200: {
            description: 'The bundle, one JSON document per line; or, when too large, where to download it',
            content: {
              [BUNDLE_MEDIA_TYPE]: { schema: BundleTextSchema },
              'application/json': { schema: BundleExportSchema },
            },
          },
          ...validationErrors,
          ...securedErrors,
          ...conflict,
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
          return c.body(delivery.text, 200, { 'content-type': BUNDLE_MEDIA_TYPE });
        }
        const { url, expiresAt, size, sha256 } = delivery;
        return c.json({ export: { url, expiresAt, size, sha256 } }, 200);
      },
    );
  };
}
