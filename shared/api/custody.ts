// Wire schemas (core) of the custody API: signed checkpoints of the log, consistency and inclusion proofs, the
// auditor's timeline and the custody bundle export (inline JSON Lines, or a presigned download when too large).
import { z } from 'zod';
import { Sha256HexSchema } from './common.ts';
import { ExchangeLabelSchema, ReceiptSchema } from './exchange.ts';

/** The media type of a custody bundle (JSON Lines, docs/custody-bundle.md). */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.pouch.custody-bundle';

/** A tree size or a leaf count in a query or a path. */
export const LogSizeSchema = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const CheckpointSchema = z
  .object({
    size: z.number(),
    rootHash: z.string(),
    time: z.string(),
    jws: z
      .string()
      .meta({ description: 'Compact JWS, typ pouch-checkpoint+jwt, signed by the exchange key' }),
  })
  .meta({ id: 'Checkpoint' });
export type CheckpointWire = z.output<typeof CheckpointSchema>;

/** The answer of a checkpoint build: the latest checkpoint (none while the log is empty), and whether it is new. */
export const CheckpointBuildSchema = z.object({
  checkpoint: CheckpointSchema.nullable(),
  created: z.boolean(),
});

export const CheckpointParamsSchema = z.object({ size: LogSizeSchema });

export const ConsistencyQuerySchema = z.object({ first: LogSizeSchema, second: LogSizeSchema });

export const ConsistencyProofSchema = z.object({
  first: CheckpointSchema,
  second: CheckpointSchema,
  proof: z.array(z.string()).readonly(),
});

/** A chain head as the checkpoint log holds it. */
export const ChainHeadSchema = z.object({ chain: z.string(), seq: z.number(), hash: z.string() });

export const InclusionProofSchema = z.object({
  checkpoint: CheckpointSchema,
  leafIndex: z.number(),
  treeSize: z.number(),
  head: ChainHeadSchema,
  proof: z.array(z.string()).readonly(),
});

/** A message's manifest on the timeline (the manifest is a compact JWS; never content). */
export const TimelineManifestSchema = z.object({
  messageId: z.string(),
  seq: z.number(),
  kind: z.string(),
  senderClientId: z.string(),
  sentAt: z.string(),
  manifest: z.string(),
});

export const TimelineSchema = z.object({
  label: ExchangeLabelSchema,
  /** The ledger events as stored (docs/custody-bundle.md describes their members). */
  events: z.array(z.record(z.string(), z.unknown())).readonly(),
  receipts: z.array(ReceiptSchema).readonly(),
  manifests: z.array(TimelineManifestSchema).readonly(),
});

/** A bundle answered inline: JSON Lines text of {@link BUNDLE_MEDIA_TYPE}. */
export const BundleTextSchema = z.string();

/** The answer for a bundle too large to send inline: where to download it, and what it must hash to. */
export const BundleExportSchema = z
  .object({
    export: z.object({
      url: z.url(),
      expiresAt: z.string(),
      size: z.number().int().nonnegative(),
      sha256: Sha256HexSchema,
    }),
  })
  .meta({ id: 'BundleExport' });
export type BundleExport = z.output<typeof BundleExportSchema>;
