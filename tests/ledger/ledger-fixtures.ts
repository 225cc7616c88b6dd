// Test support for the custody ledger suites: deterministic chains of realistic events, and tampering helpers.
import {
  createEvent,
  hashEvent,
  type LedgerEvent,
  type LedgerEventFields,
} from '../../shared/domain/ledger/event.ts';

export const CHAIN = 'ex_01J9ZK3Q7W8R6T5Y4U3I2O1P0A';

const ACTIONS = [
  'exchange.created',
  'document.uploaded',
  'message.sent',
  'message.delivered',
  'document.retrieved',
];

/** Fields of the i-th event of a test chain: every optional member appears somewhere. */
export function fieldsFor(i: number): LedgerEventFields {
  return {
    actor: {
      authorityId: i % 2 === 0 ? 'fr-mj-baci' : 'de-bfj',
      memberId: `officer-${i % 7}`,
      role: 'officer',
    },
    action: ACTIONS[i % ACTIONS.length] as string,
    outcome: i % 11 === 10 ? 'failure' : 'success',
    ...(i % 3 === 0 ? { subject: { messageId: `msg-${i}` } } : {}),
    ...(i % 4 === 1
      ? {
          documents: [
            {
              documentId: `doc-${i}`,
              plaintextSha256: hex64(i),
              sealedSha256: hex64(i + 1000),
              size: 1024 * i + 17,
            },
          ],
        }
      : {}),
    ...(i % 5 === 2 ? { details: { note: `n${i}`, nested: { prevHash: 'decoy', seq: 99 } } } : {}),
  };
}

/** A valid chain of `n` events with fixed ids and times, so runs are reproducible. */
export function buildChain(n: number, chain = CHAIN): LedgerEvent[] {
  const events: LedgerEvent[] = [];
  let prev: LedgerEvent | undefined;
  for (let i = 0; i < n; i++) {
    prev = createEvent(prev, fieldsFor(i), {
      chain,
      now: new Date(Date.UTC(2025, 0, 1) + i * 1000),
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    });
    events.push(prev);
  }
  return events;
}

/** Recompute an event's hash after an edit (what a forger with write access would do). */
export function rehash(event: LedgerEvent): LedgerEvent {
  return { ...event, hash: hashEvent(event) };
}

export function hex64(seed: number): string {
  return (seed.toString(16).padStart(8, '0') + 'ab').repeat(7).slice(0, 64);
}
