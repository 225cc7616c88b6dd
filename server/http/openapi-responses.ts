// HTTP layer: the problem+json answers routes declare in their OpenAPI responses, in one place, so that
// /openapi.json names every status a route can really give (the contract test checks each one it sees).
import { PROBLEM_MEDIA_TYPE, ProblemSchema } from '../../shared/api/common.ts';

/** One declared problem+json response. */
export const problemResponse = (description: string) => ({
  description,
  content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } },
});

/** Any route: an unexpected failure (500, detail in the log only) or an unavailable dependency (503). */
export const serverErrors = {
  500: problemResponse('Internal error; the detail is in the exchange’s log only'),
  503: problemResponse('A dependency (storage, signer) is unavailable; try again'),
};

/** Rate limits and quotas (per authority, per client): 429 with Retry-After. */
export const rateLimitErrors = {
  429: problemResponse('Too many requests, or a quota is used up; retry after the Retry-After seconds'),
};

/** Every route behind the bearer-token gate (the rate limits apply to each). */
export const securedErrors = {
  401: problemResponse('Missing, invalid, expired or revoked access token'),
  403: problemResponse(
    "Not permitted for the caller's role (ERR_FORBIDDEN): the thing is its own authority's, or no hidden object is at stake",
  ),
  404: problemResponse("Not found, or another authority's (both answer the same)"),
  ...rateLimitErrors,
  ...serverErrors,
};

/** Routes that take input (path, query or body) that can fail validation. */
export const validationErrors = {
  400: problemResponse('Invalid request (the problem lists the invalid fields)'),
};

/** POST, PUT and PATCH: the app refuses other bodies than JSON (415) and bodies above the limit (413). */
export const bodyErrors = {
  ...validationErrors,
  413: problemResponse('The request body is larger than the exchange accepts'),
  415: problemResponse('The request body is not JSON'),
};

/** Routes that honour an Idempotency-Key: the same key with another body is refused. */
export const idempotencyErrors = {
  422: problemResponse('The Idempotency-Key was used with another request'),
};

export const secured = { security: [{ bearer: [] }] };

/** A route anyone may call: declared with an empty security requirement, so "public" is explicit. */
export const publicRoute = { security: [] };

/**
 * Every route, public ones included: a request body above the exchange's limit is refused (413) before any
 * handler runs, whatever the method.
 */
export const oversizedBodyError = {
  413: problemResponse('The request body is larger than the exchange accepts (on any route)'),
};

/** One declared JSON response. */
export const jsonResponse = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
