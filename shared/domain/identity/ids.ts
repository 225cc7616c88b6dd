// Domain layer (identity): id generation and parsing for authorities, members, client ids and audit records.
import { randomBytes } from 'node:crypto';
import { kidPattern } from './patterns.ts';
import { OPERATOR_ID } from './types.ts';

export { kidPattern };

/** `auth_` + at least 22 base64url characters (128 random bits when generated). */
export const authorityIdPattern = /^auth_[A-Za-z0-9_-]{22,64}$/;
/** Member ids: generated as `mem_` + 22 base64url characters; seeds may choose readable ones. */
export const memberIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/;

const random128 = (): string => randomBytes(16).toString('base64url');

/** A new authority id with 128 random bits, e.g. `auth_3q2-7wEv...`. */
export function generateAuthorityId(): string {
  return `auth_${random128()}`;
}

/** A new member id with 128 random bits. */
export function generateMemberId(): string {
  return `mem_${random128()}`;
}

/** A new audit record id; sortable by time is not needed (the sort key carries the timestamp). */
export function generateAuditId(): string {
  return `aud_${random128()}`;
}

/** A new access token id. */
export function generateTokenId(): string {
  return `at_${random128()}`;
}

/** True for a syntactically valid authority id, or the reserved operator id. */
export function isDirectoryId(value: string): boolean {
  return value === OPERATOR_ID || authorityIdPattern.test(value);
}

/** `<authorityId>:<memberId>`. */
export function formatClientId(authorityId: string, memberId: string): string {
  return `${authorityId}:${memberId}`;
}

/**
 * Split a client id into authority and member; undefined when it is not one.
 *
 * @example
 * parseClientId('operator:local-operator'); // { authorityId: 'operator', memberId: 'local-operator' }
 */
export function parseClientId(clientId: string): { authorityId: string; memberId: string } | undefined {
  if (clientId.length > 160) return undefined;
  const at = clientId.indexOf(':');
  if (at < 0) return undefined;
  const authorityId = clientId.slice(0, at);
  const memberId = clientId.slice(at + 1);
  if (!isDirectoryId(authorityId) || !memberIdPattern.test(memberId)) return undefined;
  return { authorityId, memberId };
}
