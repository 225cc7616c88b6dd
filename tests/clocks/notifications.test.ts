// Notifications without content, driven by the fake clock on the real embedded servers: admins subscribe a
// webhook and an e-mail address; a new message, a deadline and an emergency's escalation are delivered as Standard
// Webhooks (signatures checked with the `standardwebhooks` library, an old timestamp refused) and as e-mails read
// from the local SMTP catcher; a failing receiver is retried with backoff and every attempt logged; preservation
// and emergency matters go to the 24/7 desk. Neither channel carries a reference, a document name or content.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivedId } from '../../shared/domain/ids.ts';
import { HOUR, PROMISE, startClockParties } from './clock-fixture.ts';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let t: Awaited<ReturnType<typeof startClockParties>>;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let failNext = 0;

beforeAll(async () => {
  t = await startClockParties();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(503).end();
        return;
      }
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
}, 60_000);
afterAll(async () => {
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  await t?.x.stop();
});

const post = async (who: Parameters<typeof t.x.call>[0], body: unknown) => {
  const res = await t.x.call(who, 'POST', '/v1/subscriptions', body);
  return { status: res.status, body: (await res.json()) as { id: string; secret?: string; code?: string } };
};

describe('notifications', () => {
  let secret: string;
  let mlaReference: string;

  it('only an authority’s admins subscribe it; a webhook’s secret is shown once', async () => {
    const officer = await post(t.b.member('officer'), {
      channel: 'webhook',
      target: receiverUrl,
      topics: ['message'],
    });
    expect([officer.status, officer.body.code]).toEqual([403, 'ERR_FORBIDDEN']);
    const bad = await post(t.b.member('admin'), {
      channel: 'webhook',
      target: 'http://example.test/x',
      topics: ['message'],
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'ERR_VALIDATION']);
    const hook = await post(t.b.member('admin'), {
      channel: 'webhook',
      target: receiverUrl,
      topics: ['message', 'deadline', 'escalation'],
    });
    expect(hook.status).toBe(201);
    expect(hook.body.secret).toMatch(/^whsec_/);
    secret = hook.body.secret!;
    const desk = await post(t.b.member('admin'), {
      channel: 'email',
      target: 'desk247@southmark.example',
      topics: ['message', 'escalation'],
      audience: '24/7',
    });
    expect(desk.status).toBe(201);
    const list = await t.x.call(t.b.member('admin'), 'GET', '/v1/subscriptions');
    expect(JSON.stringify(await list.json())).not.toContain('whsec_');
  });

  it('a new message is a signed, timestamped webhook naming the exchange and the event, nothing more', async () => {
    const mla = await t.create(t.a.member('officer'), t.b.authorityId, 'mla', 'normal');
    mlaReference = mla.requesterReference;
    await t.send(t.a.member('officer'), mla.id, 'request');
    const run = await t.x.runtime.clocks.run();
    expect(run.delivered).toBe(1);
    const [hook] = received.splice(0);
    const verified = new Webhook(secret).verify(hook!.body, hook!.headers as Record<string, string>) as {
      type: string;
      data: Record<string, unknown>;
    };
    expect(verified.type).toBe('exchange.message');
    expect(verified.data).toMatchObject({
      exchangeId: mla.id,
      event: 'message.sent',
      twentyFourSeven: false,
    });
    expect(hook!.body).not.toContain(mlaReference);
    // Tampering with the body breaks the signature.
    expect(() =>
      new Webhook(secret).verify(
        hook!.body.replace('exchange.message', 'exchange.other'),
        hook!.headers as Record<string, string>,
      ),
    ).toThrow();
    // Nothing is sent twice.
    expect((await t.x.runtime.clocks.run()).attempted).toBe(0);
  });

  it('a preservation goes to the 24/7 desk by e-mail, read from the local SMTP catcher, with no content', async () => {
    const p = await t.create(t.a.member('contact-247'), t.b.authorityId, 'preservation', 'urgent');
    await t.send(t.a.member('contact-247'), p.id, 'request');
    await t.x.runtime.clocks.run();
    const mails = t.x.exchange.mail.messages.filter((m) => m.text.includes(p.id));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.to).toEqual(['desk247@southmark.example']);
    expect(mails[0]?.subject).toBe(`Pouch: exchange.message on exchange ${p.id}`);
    expect(mails[0]?.text).not.toContain(p.requesterReference);
    // The desk took it: the all-matters webhook did not.
    expect(received.filter((r) => r.body.includes(p.id))).toHaveLength(0);
  });

  it('retries a failing receiver with backoff and logs every attempt', async () => {
    const mla = await t.create(t.a.member('officer'), t.b.authorityId, 'mla', 'urgent');
    failNext = 1;
    await t.send(t.a.member('officer'), mla.id, 'request');
    const first = await t.x.runtime.clocks.run();
    expect([first.attempted, first.delivered]).toEqual([1, 0]);
    expect((await t.x.runtime.clocks.run()).attempted).toBe(0); // not due before the backoff
    t.x.advance(31_000);
    expect((await t.x.runtime.clocks.run()).delivered).toBe(1);
    const hookSub = (
      await t.x.runtime.clocks.notifications.listSubscriptions({
        kind: 'member',
        clientId: t.b.member('admin').clientId,
        authorityId: t.b.authorityId,
        memberId: t.b.member('admin').memberId,
        role: 'admin',
      })
    ).find((s) => s.channel === 'webhook')!;
    const events = await t.events(mla.id);
    const sent = events.find((e) => e.action === 'message.sent')!;
    const log = await t.x.runtime.clocks.notifications.deliveryLog(
      derivedId('ntf', hookSub.id, sent.id, 'message'),
    );
    expect(log.notification?.state).toBe('delivered');
    expect(log.attempts.map((a) => [a.outcome, a.status])).toEqual([
      ['failed', 503],
      ['delivered', 204],
    ]);
    received.splice(0);
  });

  it('an emergency’s escalation reaches the desk and the webhook; an old timestamp is refused by receivers', async () => {
    const e = await t.create(t.a.member('contact-247'), t.b.authorityId, 'emergency-disclosure', 'emergency');
    await t.send(t.a.member('contact-247'), e.id, 'request');
    await t.x.runtime.clocks.run();
    t.x.advance(PROMISE.emergency * HOUR + 60_000);
    await t.x.runtime.clocks.run();
    const escalations = t.x.exchange.mail.messages.filter(
      (m) => m.text.includes(e.id) && m.subject.includes('exchange.escalation'),
    );
    expect(escalations).toHaveLength(1);
    const hook = received.find((r) => r.body.includes(e.id) && r.body.includes('exchange.escalation'));
    expect(hook).toBeDefined();
    // Signed four hours ahead of the receiver's clock: outside the tolerance, so the replay guard refuses it.
    expect(() => new Webhook(secret).verify(hook!.body, hook!.headers as Record<string, string>)).toThrow(
      /timestamp/i,
    );
  });
});
