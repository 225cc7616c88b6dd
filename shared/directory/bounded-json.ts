// Core (shared by the exchange and every client): the limits of free-form JSON an authority publishes in the
// directory (its requirement profile). The exchange checks them at publication, before anything walks the value
// recursively (canonical JSON, audit digests, DynamoDB's own nesting limit): a 5,000-level-deep profile must be a
// 422 with a stable code, never a stack overflow or a storage error answered as 503 (issue 12, finding 9).
import { z } from 'zod';

/** How deep a published JSON value may nest (objects and arrays), how large it may be, how many members. */
export const PROFILE_LIMITS = { maxDepth: 12, maxBytes: 64 * 1024, maxNodes: 5_000 } as const;

/**
 * Why `value` breaks the limits (or is not plain JSON), or undefined. Iterative, so a hostile nesting depth
 * cannot exhaust the stack of the check itself.
 */
export function describeJsonLimitProblem(
  value: unknown,
  limits: {
    readonly maxDepth: number;
    readonly maxBytes: number;
    readonly maxNodes: number;
  } = PROFILE_LIMITS,
): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  let nodes = 0;
  let bytes = 0;
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop() as { value: unknown; depth: number };
    if (++nodes > limits.maxNodes) return `more than ${limits.maxNodes} values`;
    if (v === null || typeof v === 'boolean') bytes += 5;
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return 'numbers must be finite';
      bytes += 24;
    } else if (typeof v === 'string') bytes += v.length + 2;
    else if (typeof v === 'object') {
      if (depth >= limits.maxDepth) return `nested deeper than ${limits.maxDepth} levels`;
      if (Array.isArray(v)) {
        for (const item of v) stack.push({ value: item, depth: depth + 1 });
      } else {
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) return 'only plain JSON objects';
        for (const [key, item] of Object.entries(v)) {
          bytes += key.length + 3;
          stack.push({ value: item, depth: depth + 1 });
        }
      }
      bytes += 2;
    } else return 'only JSON values';
    if (bytes > limits.maxBytes) return `larger than ${limits.maxBytes} bytes`;
  }
  return undefined;
}

/** A JSON object within PROFILE_LIMITS: the schema of a requirement profile as the directory stores it. */
export const BoundedProfileSchema = z.record(z.string().max(200), z.unknown()).superRefine((value, ctx) => {
  const problem = describeJsonLimitProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `The profile is too complex: ${problem}` });
});
