// Test helpers for the "right first time" domain: contexts between the demo authorities and path surgery.

import type { DemoAuthority } from '../../server/local/demo-profiles.ts';
import type { CheckContext } from '../../shared/domain/requests/check.ts';

/** A check context from one demo authority to another. */
export function buildContext(from: DemoAuthority, to: DemoAuthority, withProfile = true): CheckContext {
  return {
    ...(withProfile ? { recipientProfile: to.profile } : {}),
    senderTreaties: from.treaties,
    recipientTreaties: to.treaties,
    senderCountry: from.country,
    recipientCountry: to.country,
  };
}

/** Turn a pattern path (`offences[].penalty`) into the concrete path of its first instance. */
export function firstInstance(pattern: string): string {
  return pattern.replace(/\[\]/g, '[0]');
}

/** Read the value at a pattern path's first instance, or undefined. */
export function readFirst(root: unknown, pattern: string): unknown {
  let node: unknown = root;
  for (const token of pattern.split('.')) {
    const key = token.replace(/\[\]$/, '');
    node = (node as Record<string, unknown> | undefined)?.[key];
    if (token.endsWith('[]')) node = Array.isArray(node) ? node[0] : undefined;
  }
  return node;
}

/** Delete the value at a pattern path's first instance (in place). */
export function deleteFirst(root: Record<string, unknown>, pattern: string): void {
  const tokens = pattern.split('.');
  const last = tokens.pop() ?? '';
  const parent = tokens.length === 0 ? root : readFirst(root, tokens.join('.'));
  if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[last];
}
