// Wire schemas (core) of the directory of authorities: the public entries (members, keys, profile), the
// operator's and admins' changes, and the directory audit log.
import { z } from 'zod';
import { BoundedProfileSchema, PROFILE_LIMITS } from '../directory/bounded-json.ts';
import { kidPattern, languagePattern, treatyPattern } from '../domain/identity/patterns.ts';
import {
  AUTHORITY_ROLES,
  AUTHORITY_STATUSES,
  MEMBER_ROLES,
  MEMBER_STATUSES,
} from '../domain/identity/types.ts';
import { ChainHeadSchema, CheckpointSchema } from './custody.ts';

export const AuthorityIdParamSchema = z
  .string()
  .min(1)
  .max(80)
  .meta({ param: { name: 'id', in: 'path' }, example: 'auth_…' });
export const MemberIdParamSchema = z
  .string()
  .min(1)
  .max(80)
  .meta({ param: { name: 'memberId', in: 'path' } });
export const KidParamSchema = z
  .string()
  .min(1)
  .max(128)
  .meta({ param: { name: 'kid', in: 'path' } });

export const AuthorityParamsSchema = z.object({ id: AuthorityIdParamSchema });
export const MemberParamsSchema = z.object({ id: AuthorityIdParamSchema, memberId: MemberIdParamSchema });
export const KeyParamsSchema = z.object({
  id: AuthorityIdParamSchema,
  memberId: MemberIdParamSchema,
  kid: KidParamSchema,
});

export const JwkInputSchema = z
  .looseObject({
    kty: z.string(),
    crv: z.string().optional(),
    x: z.string().optional(),
    y: z.string().optional(),
    kid: z.string().optional(),
    alg: z.string().optional(),
    use: z.string().optional(),
  })
  .meta({
    id: 'PublicJwkInput',
    description:
      'Public ES256 (EC P-256) or EdDSA (OKP Ed25519) key. Private and symmetric keys are refused.',
  });

export const MemberKeySchema = z
  .object({
    kid: z.string(),
    alg: z.string(),
    status: z.enum(['active', 'revoked']),
    createdAt: z.string(),
    revokedAt: z.string().optional(),
    jwk: z.record(z.string(), z.string()),
  })
  .meta({ id: 'MemberKey' });
export type MemberKeyWire = z.output<typeof MemberKeySchema>;

export const MemberSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    role: z.string(),
    status: z.enum(MEMBER_STATUSES),
    keys: z.array(MemberKeySchema).readonly(),
    keysStatement: z.string().optional().meta({
      description:
        "The member's keys as its authority signed them (kind member-keys): pinned clients trust only these",
    }),
  })
  .meta({ id: 'Member' });
export type MemberWire = z.output<typeof MemberSchema>;

/** A member just added: its view and the client id it authenticates as. */
export const AddedMemberSchema = MemberSchema.extend({ clientId: z.string() });

export const RequirementProfileSchema = z
  .looseObject({ version: z.number().int() })
  .meta({ id: 'RequirementProfile' });

const jwkView = z.record(z.string(), z.string());

export const AuthorityKeyViewSchema = z
  .object({
    fingerprint: z.string(),
    jwk: jwkView,
    chain: z.object({ initial: jwkView, rotations: z.array(z.string()).readonly() }),
  })
  .meta({
    id: 'AuthorityKey',
    description:
      'The authority key: compare its RFC 7638 fingerprint out of band and pin it; a rotation is a statement signed by the previous key',
  });

export const AuthoritySchema = z
  .object({
    id: z.string(),
    country: z.string(),
    name: z.string(),
    roles: z.array(z.enum(AUTHORITY_ROLES)).readonly(),
    status: z.enum(AUTHORITY_STATUSES),
    recipients: z.array(z.string()).readonly(),
    authorityKey: AuthorityKeyViewSchema.optional(),
    recipientsStatement: z.string().optional().meta({
      description: 'The recipients as the authority signed them (typ pouch-directory-statement+jwt)',
    }),
    languages: z.array(z.string()).readonly(),
    treaties: z.array(z.string()).readonly(),
    profile: RequirementProfileSchema,
    profileStatement: z.string().optional().meta({
      description: 'The requirement profile as the authority signed it (kind profile)',
    }),
    members: z.array(MemberSchema).readonly(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Authority' });
export type AuthorityWire = z.output<typeof AuthoritySchema>;

export const AuthorityListSchema = z.object({ authorities: z.array(AuthoritySchema).readonly() });

const nonEmptyText = (max: number) => z.string().trim().min(1).max(max);
const authorityFields = {
  name: nonEmptyText(200),
  roles: z.array(z.enum(AUTHORITY_ROLES)).min(1).max(2),
  recipients: z.array(z.string().max(4096)).min(1).max(16),
  languages: z.array(z.string().regex(languagePattern)).max(32),
  treaties: z.array(z.string().regex(treatyPattern)).max(64),
};

export const CreateAuthoritySchema = z
  .strictObject({
    country: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .meta({ example: 'XA' }),
    ...authorityFields,
    profile: BoundedProfileSchema.optional(),
    firstAdmin: z.strictObject({ displayName: nonEmptyText(200), jwk: JwkInputSchema }),
    authorityKey: JwkInputSchema.optional().meta({
      description: "The authority's own key, handed to the operator at onboarding",
    }),
  })
  .meta({ id: 'CreateAuthority' });
export type CreateAuthorityRequest = z.input<typeof CreateAuthoritySchema>;

export const CreatedAuthoritySchema = z.object({
  authority: AuthoritySchema,
  firstAdmin: z.object({ id: z.string(), clientId: z.string() }),
});

// Loose on purpose: a field inside the authority (recipients, members, keys, profile...) reaches the use case,
// which refuses the whole change with ERR_DIRECTORY_SCOPE (403) rather than a generic validation error.
export const UpdateAuthoritySchema = z
  .looseObject({
    name: authorityFields.name.optional(),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional(),
    roles: authorityFields.roles.optional(),
    status: z.enum(AUTHORITY_STATUSES).optional(),
  })
  .meta({
    id: 'UpdateAuthority',
    description:
      "The operator's fields only. Recipients, members, keys, profile, languages and treaties are the authority's own admins' (403 ERR_DIRECTORY_SCOPE).",
  });

const compactJws = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

export const SetRecipientsSchema = z
  .strictObject({
    statement: compactJws.optional().meta({
      description: 'A recipients statement signed by the authority key (the next version)',
    }),
    recipients: authorityFields.recipients.optional().meta({
      description: 'Refused (422 ERR_STATEMENT_INVALID): recipients must be signed by the authority key',
    }),
  })
  .meta({ id: 'SetRecipients', description: 'The age recipients every sender seals to' });
export type SetRecipientsRequest = z.input<typeof SetRecipientsSchema>;

export const SetAuthorityKeySchema = z
  .strictObject({
    jwk: JwkInputSchema.optional().meta({
      description: 'Operator, at onboarding only: the authority key of an authority that has none',
    }),
    statement: compactJws.optional().meta({
      description: "Admins: a rotation, signed by the current authority key (kind 'authority-key')",
    }),
    recipientsStatement: compactJws.optional().meta({
      description: 'Recipients re-signed by the new key, published with the rotation',
    }),
  })
  .meta({ id: 'SetAuthorityKey' });
export type SetAuthorityKeyRequest = z.input<typeof SetAuthorityKeySchema>;

export const UpdateDetailsSchema = z
  .strictObject({
    languages: authorityFields.languages.optional(),
    treaties: authorityFields.treaties.optional(),
  })
  .meta({ id: 'UpdateAuthorityDetails' });
export type UpdateDetailsRequest = z.input<typeof UpdateDetailsSchema>;

export const UpdateMemberSchema = z
  .strictObject({
    displayName: nonEmptyText(200).optional(),
    role: z.enum(MEMBER_ROLES).optional(),
    status: z.enum(MEMBER_STATUSES).optional(),
  })
  .meta({ id: 'UpdateMember' });
export type UpdateMemberRequest = z.input<typeof UpdateMemberSchema>;

export const KeyHistoryEntrySchema = z
  .object({
    kid: z.string(),
    alg: z.string(),
    fingerprint: z.string().meta({ description: 'RFC 7638 thumbprint (SHA-256, base64url)' }),
    status: z.enum(['active', 'revoked']),
    createdAt: z.string(),
    addedBy: z.string().optional(),
    revokedAt: z.string().optional(),
    revokedBy: z.string().optional(),
    jwk: jwkView,
  })
  .meta({ id: 'KeyHistoryEntry' });

export const MemberKeyHistorySchema = z
  .object({
    authorityId: z.string(),
    memberId: z.string(),
    keys: z.array(KeyHistoryEntrySchema).readonly(),
  })
  .meta({ id: 'MemberKeyHistory' });
export type MemberKeyHistoryWire = z.output<typeof MemberKeyHistorySchema>;

export const SetMemberKeysSchema = z
  .strictObject({
    statement: compactJws.meta({
      description:
        "The member's keys signed by the authority key (kind member-keys, the next version); each listed key must be one the member holds",
    }),
  })
  .meta({ id: 'SetMemberKeys' });
export type SetMemberKeysRequest = z.input<typeof SetMemberKeysSchema>;

export const AddMemberSchema = z
  .strictObject({ displayName: nonEmptyText(200), role: z.enum(MEMBER_ROLES), jwk: JwkInputSchema })
  .meta({ id: 'AddMember' });

export const AddKeySchema = z
  .strictObject({
    jwk: JwkInputSchema,
    revoke: z
      .array(z.string().regex(kidPattern))
      .max(20)
      .optional()
      .meta({ description: 'Kids to revoke in the same change (rotation)' }),
  })
  .meta({ id: 'AddKey' });

export const RequirementProfileInputSchema = BoundedProfileSchema.meta({
  id: 'RequirementProfileInput',
  description: `A bare profile (only for an authority without an authority key), at most ${PROFILE_LIMITS.maxDepth} levels deep and ${PROFILE_LIMITS.maxBytes} bytes`,
});

export const PublishProfileSchema = z
  .union([
    z.strictObject({
      statement: z
        .string()
        .max(96 * 1024)
        .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
        .meta({ description: 'A profile statement signed by the authority key (the next version)' }),
    }),
    RequirementProfileInputSchema,
  ])
  .meta({
    id: 'PublishProfile',
    description:
      'The requirement profile as a statement signed by the authority key; a bare profile is refused (422 ERR_STATEMENT_INVALID) once the authority has an authority key',
  });
export type PublishProfileRequest = z.input<typeof PublishProfileSchema>;

export const AuditRecordSchema = z
  .object({
    id: z.string(),
    authorityId: z.string(),
    at: z.string(),
    actor: z.object({ kind: z.string(), clientId: z.string() }).loose(),
    action: z.string(),
    target: z.object({
      authorityId: z.string(),
      memberId: z.string().optional(),
      kids: z.array(z.string()).readonly().optional(),
    }),
    summary: z.record(z.string(), z.unknown()),
    origin: z.object({ sourceIp: z.string(), requestId: z.string() }),
    outcome: z.enum(['pending', 'succeeded', 'failed']),
    reason: z.string().optional(),
  })
  .meta({ id: 'AuditRecord' });

export const AuditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().max(2048).optional(),
});

export const AuditPageSchema = z.object({
  records: z.array(AuditRecordSchema).readonly(),
  cursor: z.string().optional(),
});

export const DirectoryLogQuerySchema = z.object({
  from: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const DirectoryLogSchema = z
  .object({
    entries: z.array(z.string()).readonly().meta({
      description:
        'Log lines {"body":...,"hash":"..."} in seq order (the ledger event format, chain `directory`)',
    }),
    next: z.number().optional().meta({ description: 'The `from` of the next page, when there is one' }),
    head: ChainHeadSchema.nullable(),
    checkpoint: z
      .object({
        checkpoint: CheckpointSchema,
        treeSize: z.number(),
        heads: z
          .array(
            z.object({ leafIndex: z.number(), head: ChainHeadSchema, proof: z.array(z.string()).readonly() }),
          )
          .readonly(),
      })
      .nullable()
      .meta({ description: 'Every logged directory head with its inclusion proof in the latest checkpoint' }),
  })
  .meta({ id: 'DirectoryLog' });
export type DirectoryLogWire = z.output<typeof DirectoryLogSchema>;
