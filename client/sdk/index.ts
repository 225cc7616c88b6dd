// SDK (runtime-neutral): the public surface of the client library, shared by the CLI and the web portal.
export { PouchApiError, PouchNetworkError, type ProblemDetails, readApiError } from './api-error.ts';
export {
  assertionLifetimeSeconds,
  assertionType,
  type ClientCredentials,
  jwtBearerAssertionType,
  normalizeBaseUrl,
  type SigningAlgorithm,
  signClientAssertion,
  signingAlgorithms,
  tokenEndpoint,
} from './client-assertion.ts';
export {
  type AuditedKey,
  auditMemberKeys,
  describeUnheldKeys,
  type KeyAudit,
  listMemberKeys,
  type MemberKeyHistory,
} from './directory-api.ts';
export {
  createPouchClient,
  type FetchFunction,
  type HttpMethod,
  type PouchClient,
  type PouchClientOptions,
  type QueryValue,
  type RequestOptions,
} from './pouch-client.ts';
export { type CachedToken, createMemoryTokenCache, type TokenCache } from './token-cache.ts';
