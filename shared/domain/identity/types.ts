// Domain layer (identity): the directory's vocabulary — authorities, members, their public keys, the
// authenticated principal and the audit record of every directory change. Pure types, no I/O.

/** What an authority does in the network. */
export const AUTHORITY_ROLES = ['central-authority', 'contact-247'] as const;
export type AuthorityRole = (typeof AUTHORITY_ROLES)[number];

/** What a member (a person or system acting for an authority) may do. */
export const MEMBER_ROLES = ['officer', 'contact-247', 'auditor', 'admin'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** The reserved authority id under which the operator's own members and keys live. */
export const OPERATOR_ID = 'operator';

/** JOSE algorithms a member key may use. Pinned: one per key type, never chosen by a token header. */
export type MemberKeyAlg = 'ES256' | 'EdDSA';

/** A public signing key as stored: only the public members of the JWK, never `d`. */
export interface PublicSigningJwk {
  readonly kty: 'EC' | 'OKP';
  readonly crv: 'P-256' | 'Ed25519';
  readonly x: string;
  readonly y?: string;
}

export type KeyStatus = 'active' | 'revoked';

/** Whether an authority takes part in the network; the operator sets it (registration, suspension). */
export const AUTHORITY_STATUSES = ['active', 'suspended'] as const;
export type AuthorityStatus = (typeof AUTHORITY_STATUSES)[number];

/** Whether a member may authenticate; its authority's admins set it. */
export const MEMBER_STATUSES = ['active', 'deactivated'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** One key of a member, with its life cycle and who changed it (so the member can see who added a key). */
export interface MemberKey {
  readonly kid: string;
  readonly alg: MemberKeyAlg;
  readonly jwk: PublicSigningJwk;
  readonly status: KeyStatus;
  readonly createdAt: string;
  /** Client id of whoever added the key (`system:seed` for seeded keys); absent on keys added before it was kept. */
  readonly addedBy?: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
}

/** Free-form requirement profile (shaped by another issue); `version` increases on every publication. */
export interface RequirementProfile {
  readonly version: number;
  readonly [field: string]: unknown;
}

/** A member of an authority, or of the operator (`authorityId === OPERATOR_ID`, role `operator`). */
export interface Member {
  readonly authorityId: string;
  readonly id: string;
  readonly displayName: string;
  readonly role: MemberRole | 'operator';
  /** A deactivated member's keys stop authenticating at once (stored items without it are active). */
  readonly status: MemberStatus;
  readonly keys: readonly MemberKey[];
  /**
   * The member's keys as its authority signed them (a `member-keys` statement, compact JWS) and its version:
   * pinned clients trust a manifest only under a key listed here.
   */
  readonly keysStatement?: string;
  readonly keysVersion?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic-concurrency version of the stored item. */
  readonly version: number;
  /** The audit record of the change that produced this state. */
  readonly auditId: string;
}

/**
 * An authority's own key (issue 12, finding 3): registered by the operator at onboarding, compared out of band
 * by counterparts (its RFC 7638 fingerprint) and pinned. It signs the authority's directory statements
 * (shared/directory/statements.ts); each rotation is a statement signed by the key before it.
 */
export interface AuthorityKeyRecord {
  /** The key registered at onboarding. */
  readonly initial: PublicSigningJwk;
  /** Rotation statements (compact JWS), each signed by the key before it. */
  readonly rotations: readonly string[];
  /** The key that signs now (the last rotation's, else the initial one). */
  readonly current: PublicSigningJwk;
  /** RFC 7638 fingerprint of `current`. */
  readonly fingerprint: string;
}

/** An authority's directory entry (without its members). */
export interface Authority {
  readonly id: string;
  readonly country: string;
  readonly name: string;
  readonly roles: readonly AuthorityRole[];
  /** Set by the operator (stored items without it are active). */
  readonly status: AuthorityStatus;
  /** The age recipients: those of `recipientsStatement` once the authority has signed them. */
  readonly recipients: readonly string[];
  readonly authorityKey?: AuthorityKeyRecord;
  /** The recipients as the authority signed them (compact JWS), and that statement's version. */
  readonly recipientsStatement?: string;
  readonly recipientsVersion?: number;
  readonly languages: readonly string[];
  readonly treaties: readonly string[];
  readonly profile: RequirementProfile;
  /** The profile as the authority signed it (a `profile` statement whose version is `profile.version`). */
  readonly profileStatement?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
  readonly auditId: string;
}

/** An authority together with its members, as the public directory shows it. */
export interface AuthorityEntry {
  readonly authority: Authority;
  readonly members: readonly Member[];
}

/** Who is calling, once authenticated. Built from the directory on every request, never from the token alone. */
export interface Principal {
  readonly kind: 'member' | 'operator';
  /** `<authorityId>:<memberId>`; `operator:<memberId>` for the operator. */
  readonly clientId: string;
  readonly authorityId: string;
  readonly memberId: string;
  readonly role: MemberRole | 'operator';
}

/** Where a request came from, for audit and security logs. */
export interface RequestOrigin {
  readonly sourceIp: string;
  readonly requestId: string;
}

/** The actor of an audited change: a principal, or the seeding process. */
export type AuditActor = Principal | { readonly kind: 'system'; readonly clientId: string };

export type AuditAction =
  | 'authority.create'
  /** The operator's change: name, country, roles, status. */
  | 'authority.update'
  /** The authority's own admins: age recipients (a statement signed by the authority key). */
  | 'authority.recipients'
  /** The authority key: registered (operator, onboarding) or rotated (a statement signed by the previous key). */
  | 'authority.key'
  /** The authority's own admins: languages and treaties. */
  | 'authority.details'
  | 'member.create'
  /** The authority's own admins: a member's role or status. */
  | 'member.update'
  /** The authority's own admins: a member's keys as the authority key signed them. */
  | 'member.keys'
  | 'key.add'
  | 'key.revoke'
  | 'profile.publish';

/**
 * One changed field of an audited change: the old and new values, or (for keys, recipients and profiles, which
 * are long or key material) the SHA-256 of their canonical JSON, so a reader can tell exactly what changed.
 */
export interface FieldChange {
  readonly field: string;
  readonly from?: unknown;
  readonly to?: unknown;
  readonly fromSha256?: string;
  readonly toSha256?: string;
}

/**
 * One directory change: who (actor), what (action, target, summary), when (at), from where (origin) and
 * outcome. Written `pending` before the change, then settled to `succeeded` or `failed`.
 */
export interface AuditRecord {
  readonly id: string;
  readonly authorityId: string;
  readonly at: string;
  readonly actor: AuditActor;
  readonly action: AuditAction;
  readonly target: {
    readonly authorityId: string;
    readonly memberId?: string;
    readonly kids?: readonly string[];
  };
  /**
   * What changed (`changes`: one FieldChange per field) and other safe facts; never private key material.
   */
  readonly summary: Readonly<Record<string, unknown>> & { readonly changes?: readonly FieldChange[] };
  readonly origin: RequestOrigin;
  readonly outcome: 'pending' | 'succeeded' | 'failed';
  readonly reason?: string;
}
