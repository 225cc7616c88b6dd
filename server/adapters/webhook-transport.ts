// Secondary adapter: sends one webhook signed under the Standard Webhooks specification (the `standardwebhooks`
// library signs `id.timestamp.payload` with HMAC-SHA256 under the subscription's `whsec_` secret). Receivers
// verify with the same library, which also refuses a timestamp outside its tolerance (the replay guard) and
// should remember `webhook-id`s they have seen. The request never follows a redirect and gives up after 10 s.
import { Webhook } from 'standardwebhooks';
import type { WebhookTransport } from '../ports/notifications.ts';

export function createWebhookTransport(options: { timeoutMs?: number } = {}): WebhookTransport {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async send({ url, secret, id, timestamp, payload }) {
      const signature = new Webhook(secret).sign(id, timestamp, payload);
      const res = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: payload,
      });
      await res.body?.cancel();
      return { status: res.status };
    },
  };
}
