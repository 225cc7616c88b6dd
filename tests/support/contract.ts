// Test support: the contract check. Every response an app built for tests gives is validated against the
// OpenAPI document that same app serves at /openapi.json (ajv, JSON Schema 2020-12, the dialect of OpenAPI 3.1).
// A violation is recorded, and the afterEach/afterAll hooks registered below throw it inside the test that
// received the response, so that test fails; the app's behaviour is left untouched.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, afterEach } from 'vitest';
import type { ObservedResponse, ResponseObserver } from '../../server/http/app.ts';

/** One response that does not match the document. */
export interface ContractViolation {
  /** `METHOD /path/{param}` of the operation, or `METHOD (no route)`. */
  readonly operation: string;
  readonly status: number;
  readonly message: string;
}

/** One response that was checked and found valid. */
export interface ContractCheck {
  /** `METHOD /path/{param}`, or undefined when no documented operation answered (404, 405, /docs). */
  readonly operation: string | undefined;
  readonly status: number;
  readonly contentType: string;
}

type OpenApiDocument = ReturnType<ObservedResponse['openApiDocument']>;

const BASE = 'https://pouch.test/openapi.json';
const jsonType = /^application\/([\w.-]+\+)?json$/;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** `/` and `~` escaped for a JSON pointer segment (RFC 6901). */
const pointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/** Every operation of a document, as `METHOD /path`. */
export function listOperations(document: OpenApiDocument): string[] {
  const operations: string[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of HTTP_METHODS) if (item?.[method]) operations.push(`${method.toUpperCase()} ${path}`);
  }
  return operations.sort();
}

/** Validates responses against one OpenAPI document; compiled schemas are kept per response and media type. */
export function createContractValidator(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...document, $id: BASE });
  const compiled = new Map<string, ValidateFunction>();
  const compile = (ref: string): ValidateFunction => {
    let validate = compiled.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: `${BASE}#${ref}` });
      compiled.set(ref, validate);
    }
    return validate;
  };

  /** The violation, or undefined when `body` is what the document promises for this answer. */
  function check(
    method: string,
    route: string | undefined,
    status: number,
    contentType: string,
    body: string,
  ): { operation: string | undefined; violation?: string } {
    const lower = method.toLowerCase();
    const item = route === undefined ? undefined : document.paths?.[route];
    const operation =
      item && HTTP_METHODS.some((m) => m === lower) && lower in item && item[lower as keyof typeof item]
        ? `${method.toUpperCase()} ${route}`
        : undefined;
    if (operation === undefined) {
      // No documented operation answered (no route, a wrong method, /docs, /openapi.json, a test-only route):
      // an error must still be the documented problem body.
      if (contentType !== 'application/problem+json') {
        return status >= 400
          ? { operation, violation: `error answer as ${contentType || 'no body'}` }
          : { operation };
      }
      return { operation, ...validateBody('/components/schemas/Problem', body) };
    }
    const responses = `/paths/${pointer(route ?? '')}/${lower}/responses`;
    const declared = document.paths?.[route ?? '']?.[lower as (typeof HTTP_METHODS)[number]]?.responses ?? {};
    const statusKey =
      String(status) in declared ? String(status) : 'default' in declared ? 'default' : undefined;
    if (statusKey === undefined) return { operation, violation: `status ${status} is not declared` };
    const response = declared[statusKey];
    const content = response && 'content' in response ? (response.content ?? {}) : {};
    if (!(contentType in content)) {
      if (Object.keys(content).length === 0 && body === '') return { operation };
      return {
        operation,
        violation: `content type ${contentType || '(none)'} is not declared for ${status}`,
      };
    }
    return {
      operation,
      ...validateBody(
        `${responses}/${pointer(statusKey)}/content/${pointer(contentType)}/schema`,
        body,
        contentType,
      ),
    };
  }

  function validateBody(
    ref: string,
    text: string,
    contentType = 'application/problem+json',
  ): { violation?: string } {
    let value: unknown = text;
    if (jsonType.test(contentType)) {
      try {
        value = JSON.parse(text);
      } catch {
        return { violation: 'the body is not JSON' };
      }
    }
    const validate = compile(ref);
    if (validate(value)) return {};
    const errors = (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
    );
    return { violation: errors.join('; ') };
  }

  return { check };
}

/** What every test app has seen since the last check. */
const record = {
  violations: [] as ContractViolation[],
  checks: [] as ContractCheck[],
  pending: new Set<Promise<void>>(),
};

/** Validators per app (each app serves its own document). */
const validators = new WeakMap<
  ObservedResponse['openApiDocument'],
  ReturnType<typeof createContractValidator>
>();

/**
 * A response observer for createApp/composeRuntime/startLocalExchange. By default violations go to the shared
 * record that the hooks below turn into test failures; pass `onViolation` to collect them yourself instead.
 */
export function createContractObserver(
  options: { onViolation?: (violation: ContractViolation) => void } = {},
): ResponseObserver {
  const onViolation = options.onViolation ?? ((v: ContractViolation) => record.violations.push(v));
  return (observed) => {
    const task = inspect(observed, onViolation).finally(() => record.pending.delete(task));
    record.pending.add(task);
  };
}

async function inspect(
  observed: ObservedResponse,
  onViolation: (v: ContractViolation) => void,
): Promise<void> {
  const { response } = observed;
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  let validator = validators.get(observed.openApiDocument);
  if (!validator) {
    validator = createContractValidator(observed.openApiDocument());
    validators.set(observed.openApiDocument, validator);
  }
  const body = await response.text();
  const { operation, violation } = validator.check(
    observed.method,
    observed.route,
    response.status,
    contentType,
    body,
  );
  if (violation !== undefined) {
    onViolation({
      operation: operation ?? `${observed.method} ${observed.route ?? '(no route)'}`,
      status: response.status,
      message: violation,
    });
    return;
  }
  record.checks.push({ operation, status: response.status, contentType });
}

/** Wait for the checks in flight, then hand over (and forget) what was seen. */
export async function drainContractRecord(): Promise<{
  violations: ContractViolation[];
  checks: ContractCheck[];
}> {
  while (record.pending.size > 0) await Promise.all([...record.pending]);
  const drained = { violations: [...record.violations], checks: [...record.checks] };
  record.violations.length = 0;
  record.checks.length = 0;
  return drained;
}

/** Throw when any response since the last call broke the contract. */
export async function assertNoContractViolations(): Promise<void> {
  const { violations } = await drainContractRecord();
  if (violations.length === 0) return;
  const lines = violations.map((v) => `  ${v.operation} → ${v.status}: ${v.message}`);
  throw new Error(`Responses that do not match /openapi.json:\n${lines.join('\n')}`);
}

// Registered when a test file imports this module (through tests/support/local-exchange.ts): the test that
// received a bad response fails in its afterEach; responses after the last test fail the file in afterAll.
afterEach(assertNoContractViolations);
afterAll(assertNoContractViolations);
