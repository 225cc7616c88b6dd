// Test support (clocks): a clocked exchange with three authorities (B publishes acknowledgement promises), and
// helpers that create exchanges and send document-less messages signed by the sender's real key, at the fake time.

import { randomBytes } from 'node:crypto';
import type { CreateExchangeInput } from '../../server/use-cases/exchange/exchange-service.ts';
import { signManifest } from '../../shared/custody/manifest.ts';
import type { MessageKind } from '../../shared/domain/exchange/state-machine.ts';
import type { Urgency } from '../../shared/domain/exchange/urgency.ts';
import type { LedgerEvent } from '../../shared/domain/ledger/event.ts';
import { asPrincipal } from '../custody/custody-fixture.ts';
import { type ClockedExchange, startClockedExchange } from '../support/clocked-exchange.ts';
import { seedTestAuthority, type TestPrincipal } from '../support/identity.ts';
import { claimsFromExchanges } from '../support/label-claims.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** B's published promise: hours to acknowledge per urgency. */
export const PROMISE = { emergency: 4, urgent: 24, normal: 240 } as const;

export async function startClockParties() {
  const x = await startClockedExchange();
  const dir = x.exchange.runtime.directory;
  const members = [
    { role: 'admin' as const },
    { role: 'officer' as const },
    { role: 'contact-247' as const },
    { role: 'auditor' as const },
  ];
  const a = await seedTestAuthority(dir, { country: 'XA', members });
  const b = await seedTestAuthority(dir, {
    country: 'XB',
    members,
    profile: { version: 1, languages: ['en'], acceptedBases: ['budapest'], acknowledgeWithinHours: PROMISE },
  });
  const c = await seedTestAuthority(dir, { country: 'XC', members });
  const { create, send, events, json } = helpers(x);
  return { x, a, b, c, create, send, events, json };
}

export function helpers(x: ClockedExchange) {
  const svc = x.runtime.exchanges;
  return {
    async create(
      who: TestPrincipal,
      to: string,
      kind: string,
      urgency: Urgency,
      extra: { links?: CreateExchangeInput['links']; deadline?: string } = {},
    ) {
      return svc.createExchange(asPrincipal(who), {
        kind,
        urgency,
        requestedId: to,
        requesterReference: `REF-${randomBytes(3).toString('hex')}`,
        ...(extra.links ? { links: extra.links } : {}),
        ...(extra.deadline ? { deadline: extra.deadline } : {}),
      });
    },
    async send(who: TestPrincipal, exchangeId: string, kind: MessageKind, options: { final?: boolean } = {}) {
      const messageId = `msg_${randomBytes(16).toString('base64url')}`;
      const label = await claimsFromExchanges(svc, asPrincipal(who), exchangeId);
      const manifest = await signManifest(
        {
          v: 1,
          exchangeId,
          messageId,
          messageKind: kind,
          sender: who.clientId,
          iat: Math.floor(x.now() / 1000),
          documents: [],
          ...(options.final === undefined ? {} : { senderAssertions: { final: options.final } }),
          label,
        },
        who.key.privateKey,
        { alg: 'ES256', kid: who.key.kid },
      );
      return svc.postMessage(asPrincipal(who), exchangeId, { messageId, kind, documentIds: [], manifest });
    },
    async events(exchangeId: string): Promise<LedgerEvent[]> {
      return x.runtime.ledger.read(exchangeId);
    },
    async json<T>(who: TestPrincipal, path: string): Promise<{ status: number; body: T }> {
      const res = await x.call(who, 'GET', path);
      return { status: res.status, body: (await res.json()) as T };
    },
  };
}
