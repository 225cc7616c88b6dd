// Custody bundles from real exchanges: a valid bundle verifies; any single edit, deletion, insertion,
// reordering or re-signing of events, receipts or manifests is detected and named (fast-check); a ledger item
// edited directly in DynamoDB makes the exported bundle fail at that event; an auditor's timeline read is
// recorded; auditors list their authority's exchanges with filters.

import { generateKeyPairSync } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSigner } from '../../server/adapters/file-signer.ts';
import { signCompactJws } from '../../shared/crypto/compact-jws.ts';
import { type BundleVerification, verifyBundle } from '../../shared/custody/bundle.ts';
import { RECEIPT_TYP } from '../../shared/custody/receipts.ts';
import { canonicalEventBody, decodeEventLine, hashEvent } from '../../shared/domain/ledger/event.ts';
import type { SeededAuthority } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { createCaller, runExchange, seedParties, type TestExchange } from './custody-fixture.ts';

async function* fromLines(lines: readonly string[]): AsyncGenerator<string> {
  yield `${lines.join('\n')}\n`;
}
const verifyLines = (lines: readonly string[], options = {}) => verifyBundle(fromLines(lines), options);
const pointerOf = (v: BundleVerification) => (v.ok ? 'ok' : v.broken.pointer);

describe('custody bundle', () => {
  let exchange: TestExchange;
  let a: SeededAuthority;
  let b: SeededAuthority;
  let c: SeededAuthority;
  let call: ReturnType<typeof createCaller>;
  let exchangeId: string;
  let lines: string[];

  beforeAll(async () => {
    exchange = await startTestExchange();
    ({ a, b, c } = await seedParties(exchange));
    call = createCaller(exchange);
    exchangeId = await runExchange(exchange, a.member('officer'), b.authorityId, {
      recipient: b.member('officer'),
      messages: 3,
    });
    const res = await call(a.member('auditor'), 'GET', `/v1/exchanges/${exchangeId}/bundle`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/vnd.pouch.custody-bundle');
    lines = (await res.text()).split('\n').filter(Boolean);
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  const eventIdx = () => lines.flatMap((l, i) => (l.startsWith('{"body":') ? [i] : []));
  const recordIdx = (type: string) =>
    lines.flatMap((l, i) => (!l.startsWith('{"body":') && JSON.parse(l).type === type ? [i] : []));

  it('a bundle exported from a real exchange verifies, with the export itself in the checkpointed chain', async () => {
    const verdict = await verifyLines(lines, {
      trustedExchangeKeys: [await exchange.runtime.signer.publicJwk()],
    });
    expect(pointerOf(verdict)).toBe('ok');
    if (!verdict.ok) return;
    expect(verdict.receipts).toBe(5);
    expect(verdict.manifests).toBe(3);
    const last = decodeEventLine(lines[lines.length - 1]!);
    expect(last.action).toBe('auditor.viewed');
    expect(last.details).toMatchObject({ view: 'bundle', status: 'submitted' });
    expect(verdict.checkpointedHead).toEqual({ chain: exchangeId, seq: last.seq, hash: last.hash });
  });

  it('refuses a bundle whose exchange key is not the pinned one', async () => {
    const other = createFileSigner(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
    );
    const verdict = await verifyLines(lines, { trustedExchangeKeys: [await other.publicJwk()] });
    expect(pointerOf(verdict)).toBe('exchange key: untrusted');
  });

  it('detects and names any single mutation of events, receipts or manifests', async () => {
    const events = eventIdx();
    const receipts = recordIdx('receipt');
    const manifests = recordIdx('manifest');
    const attacker = createFileSigner(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
    );
    const exchangeKid = (await exchange.runtime.signer.publicJwk()).kid;
    const forger = {
      ...attacker,
      kid: exchangeKid,
      alg: 'ES256' as const,
      sign: attacker.sign,
      publicJwk: attacker.publicJwk,
      check: attacker.check,
    };
    const { privateKey: strangerKey } = await generateKeyPair('ES256');
    const seqOfEvent = (i: number) => decodeEventLine(lines[i]!).seq;
    const seqOfRecord = (i: number) => JSON.parse(lines[i]!).seq as number;
    const msgOfRecord = (i: number) => JSON.parse(lines[i]!).messageId as string;
    const lastSeq = seqOfEvent(events[events.length - 1]!);

    type Mutation = { name: string; apply: () => Promise<string[]> | string[]; expected: RegExp };
    const mutation = (kind: number, pick: number): Mutation => {
      const copy = () => [...lines];
      const at = <T>(xs: readonly T[]) => xs[pick % xs.length] as T;
      switch (kind) {
        case 0: {
          // Edit a byte inside an event body (not the hash): the event's own hash no longer matches.
          const i = at(events);
          const seq = seqOfEvent(i);
          return {
            name: `edit event ${seq}`,
            apply: () => {
              const out = copy();
              out[i] = out[i]!.replace(/"time":"(\d{4})/, (_m, y) => `"time":"${Number(y) + 1}`);
              return out;
            },
            expected: new RegExp(`^event seq ${seq}: hash$`),
          };
        }
        case 1: {
          // Edit and re-hash an event: the next event's link breaks, or the last one contradicts its anchors.
          const i = at(events);
          const seq = seqOfEvent(i);
          return {
            name: `re-hash event ${seq}`,
            apply: () => {
              const out = copy();
              const event = decodeEventLine(out[i]!);
              const edited = {
                ...event,
                outcome: event.outcome === 'success' ? 'failure' : 'success',
              } as typeof event;
              out[i] = `{"body":${canonicalEventBody(edited)},"hash":"${hashEvent(edited)}"}`;
              return out;
            },
            expected:
              seq === lastSeq
                ? new RegExp(`^event seq ${seq}: checkpoint$`)
                : new RegExp(
                    `^(event seq ${seq + 1}: link|receipt seq ${seq}: (eventHash|outcome)|manifest \\S+: .*)$`,
                  ),
          };
        }
        case 2: {
          const i = at(events);
          const seq = seqOfEvent(i);
          return {
            name: `delete event ${seq}`,
            apply: () => copy().filter((_, j) => j !== i),
            expected:
              seq === lastSeq
                ? new RegExp(`^event seq ${seq}: truncated$`)
                : new RegExp(`^event seq ${seq + 1}: seq$`),
          };
        }
        case 3: {
          const i = at(events);
          const seq = seqOfEvent(i);
          return {
            name: `duplicate event ${seq}`,
            apply: () => {
              const out = copy();
              out.splice(i, 0, out[i]!);
              return out;
            },
            expected: new RegExp(`^event seq ${seq}: seq$`),
          };
        }
        case 4: {
          const k = pick % (events.length - 1);
          const i = events[k]!;
          const seq = seqOfEvent(i);
          return {
            name: `swap events ${seq} and ${seq + 1}`,
            apply: () => {
              const out = copy();
              [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
              return out;
            },
            expected: new RegExp(`^event seq ${seq + 1}: seq$`),
          };
        }
        case 5: {
          const i = at(receipts);
          const seq = seqOfRecord(i);
          return {
            name: `edit receipt ${seq}`,
            apply: () => {
              const out = copy();
              const r = JSON.parse(out[i]!);
              const [h, p, s] = (r.jws as string).split('.');
              const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
              payload.eventTime = '2020-01-01T00:00:00.000Z';
              r.jws = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
              out[i] = JSON.stringify(r);
              return out;
            },
            expected: new RegExp(`^receipt seq ${seq}: signature$`),
          };
        }
        case 6: {
          const i = at(receipts);
          const seq = seqOfRecord(i);
          return {
            name: `re-sign receipt ${seq} with another key`,
            apply: async () => {
              const out = copy();
              const r = JSON.parse(out[i]!);
              const payload = JSON.parse(
                Buffer.from((r.jws as string).split('.')[1]!, 'base64url').toString(),
              );
              r.jws = await signCompactJws(forger, RECEIPT_TYP, payload);
              out[i] = JSON.stringify(r);
              return out;
            },
            expected: new RegExp(`^receipt seq ${seq}: signature$`),
          };
        }
        case 7: {
          const i = at(receipts);
          const seq = seqOfRecord(i);
          return {
            name: `delete receipt ${seq}`,
            apply: () => copy().filter((_, j) => j !== i),
            expected: new RegExp(`^receipt seq ${seq}: missing$`),
          };
        }
        case 8: {
          const i = at(receipts);
          const seq = seqOfRecord(i);
          return {
            name: `duplicate receipt ${seq}`,
            apply: () => {
              const out = copy();
              out.splice(i, 0, out[i]!);
              return out;
            },
            expected: new RegExp(`^receipt seq ${seq}: duplicate$`),
          };
        }
        case 9: {
          const k = pick % (receipts.length - 1);
          const i = receipts[k]!;
          return {
            name: `swap receipts ${k} and ${k + 1}`,
            apply: () => {
              const out = copy();
              [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
              return out;
            },
            expected: new RegExp(`^receipt seq ${seqOfRecord(i)}: order$`),
          };
        }
        case 10: {
          const i = at(manifests);
          const id = msgOfRecord(i);
          return {
            name: `edit manifest ${id}`,
            apply: () => {
              const out = copy();
              const m = JSON.parse(out[i]!);
              const [h, p, s] = (m.jws as string).split('.');
              const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
              payload.documents[0].plaintextSha256 = 'f'.repeat(64);
              m.jws = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
              out[i] = JSON.stringify(m);
              return out;
            },
            expected: new RegExp(`^manifest ${id}: signature$`),
          };
        }
        case 11: {
          const i = at(manifests);
          const id = msgOfRecord(i);
          return {
            name: `re-sign manifest ${id} with a stranger's key`,
            apply: async () => {
              const out = copy();
              const m = JSON.parse(out[i]!);
              const [h, p] = (m.jws as string).split('.');
              const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
              const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
              m.jws = await new SignJWT(payload).setProtectedHeader(header).sign(strangerKey);
              out[i] = JSON.stringify(m);
              return out;
            },
            expected: new RegExp(`^manifest ${id}: signature$`),
          };
        }
        case 12: {
          const i = at(manifests);
          const id = msgOfRecord(i);
          return {
            name: `delete manifest ${id}`,
            apply: () => copy().filter((_, j) => j !== i),
            expected: new RegExp(`^manifest ${id}: missing$`),
          };
        }
        case 13: {
          const i = at(manifests);
          const id = msgOfRecord(i);
          return {
            name: `duplicate manifest ${id}`,
            apply: () => {
              const out = copy();
              out.splice(i, 0, out[i]!);
              return out;
            },
            expected: new RegExp(`^manifest ${id}: duplicate$`),
          };
        }
        default: {
          const k = pick % (manifests.length - 1);
          const i = manifests[k]!;
          return {
            name: `swap manifests ${k} and ${k + 1}`,
            apply: () => {
              const out = copy();
              [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
              return out;
            },
            expected: new RegExp(`^manifest ${msgOfRecord(i)}: order$`),
          };
        }
      }
    };

    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 14 }), fc.nat(1000), async (kind, pick) => {
        const m = mutation(kind, pick);
        const verdict = await verifyLines(await m.apply());
        expect(verdict.ok, m.name).toBe(false);
        expect(pointerOf(verdict), m.name).toMatch(m.expected);
      }),
      { numRuns: 120 },
    );
    // And the untouched bundle always verifies.
    await fc.assert(
      fc.asyncProperty(fc.constant(lines), async (ls) => {
        expect(pointerOf(await verifyLines(ls))).toBe('ok');
      }),
      { numRuns: 3 },
    );
  });

  it('a ledger event edited directly in DynamoDB makes the exported bundle fail at that event', async () => {
    const id = await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 1 });
    const events = await exchange.runtime.ledger.read(id);
    const target = events[1]!;
    const tampered = { ...target, outcome: 'forced' as const };
    await exchange.runtime.clients.doc.send(
      new PutCommand({
        TableName: exchange.runtime.config.tables.ledger,
        Item: { chain: id, seq: target.seq, body: canonicalEventBody(tampered), hash: target.hash },
      }),
    );
    const res = await call(b.member('auditor'), 'GET', `/v1/exchanges/${id}/bundle`);
    expect(res.status).toBe(200);
    const verdict = await verifyBundle(fromLines((await res.text()).split('\n').filter(Boolean)));
    expect(pointerOf(verdict)).toBe(`event seq ${target.seq}: hash`);
  });

  it('records an auditor’s timeline read as auditor.viewed, with the status from the head, and never content', async () => {
    const before = await exchange.runtime.ledger.read(exchangeId);
    const res = await call(b.member('auditor'), 'GET', `/v1/exchanges/${exchangeId}/timeline`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      events: Array<{
        action: string;
        seq: number;
        details?: Record<string, unknown>;
        actor: { role: string };
      }>;
      receipts: unknown[];
      manifests: Array<{ manifest: string }>;
    };
    const last = body.events[body.events.length - 1]!;
    expect(last).toMatchObject({ action: 'auditor.viewed', seq: before.length, actor: { role: 'auditor' } });
    expect(last.details).toEqual({ status: before[before.length - 1]!.details?.status, view: 'timeline' });
    expect(body.receipts).toHaveLength(5);
    expect(body.manifests).toHaveLength(3);
    expect(JSON.stringify(body)).not.toMatch(/"url"|presigned/i);
    // A party's timeline read is not an auditor read: nothing is appended.
    const partyRead = await call(a.member('officer'), 'GET', `/v1/exchanges/${exchangeId}/timeline`);
    expect(partyRead.status).toBe(200);
    expect((await exchange.runtime.ledger.read(exchangeId)).length).toBe(before.length + 1);
    // Outsiders and other authorities' auditors learn nothing.
    expect((await call(c.member('auditor'), 'GET', `/v1/exchanges/${exchangeId}/timeline`)).status).toBe(404);
    expect((await call(c.member('officer'), 'GET', `/v1/exchanges/${exchangeId}/bundle`)).status).toBe(404);
  });

  it('lists an auditor’s authority’s exchanges with counterpart, kind, status and date filters', async () => {
    const auditor = a.member('auditor');
    const list = async (query: string) =>
      (
        (await (await call(auditor, 'GET', `/v1/exchanges${query}`)).json()) as {
          items: Array<{ id: string }>;
        }
      ).items.map((e) => e.id);
    const today = new Date().toISOString().slice(0, 10);
    expect(await list('')).toContain(exchangeId);
    expect(
      await list(`?counterpart=${b.authorityId}&kind=mla&status=submitted&from=${today}&to=${today}`),
    ).toContain(exchangeId);
    expect(await list(`?counterpart=${c.authorityId}`)).not.toContain(exchangeId);
    expect(await list('?status=closed')).not.toContain(exchangeId);
    expect(await list('?from=2099-01-01')).not.toContain(exchangeId);
    const third = (
      (await (await call(c.member('auditor'), 'GET', '/v1/exchanges')).json()) as {
        items: Array<{ id: string }>;
      }
    ).items;
    expect(third.map((e) => e.id)).not.toContain(exchangeId);
  });
});
