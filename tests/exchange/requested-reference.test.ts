// The requested authority's own reference, sent with its reply, is projected onto the label in the same guarded
// write as the reply's status (it used to be written after it, and the seq guard dropped it).

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signManifest } from '../../shared/custody/manifest.ts';
import { asPrincipal, runExchange, seedParties, type TestExchange } from '../custody/custody-fixture.ts';
import { claimsFromExchanges } from '../support/label-claims.ts';
import { startTestExchange } from '../support/local-exchange.ts';

let x: TestExchange;

describe('requested reference', () => {
  beforeAll(async () => {
    x = await startTestExchange();
  });
  afterAll(async () => {
    await x?.stop();
  });

  it('shows on the label once the requested side replies with it', async () => {
    const { a, b } = await seedParties(x);
    const exchangeId = await runExchange(x, a.member('officer'), b.authorityId, {
      recipient: b.member('officer'),
      messages: 1,
    });
    const replier = b.member('officer');
    const messageId = `msg_${randomBytes(16).toString('base64url')}`;
    const manifest = await signManifest(
      {
        v: 1,
        exchangeId,
        messageId,
        messageKind: 'acknowledgement',
        sender: replier.clientId,
        iat: Math.floor(Date.now() / 1000),
        documents: [],
        label: await claimsFromExchanges(
          x.runtime.exchanges,
          asPrincipal(replier),
          exchangeId,
          'XB-2025-0042',
        ),
      },
      replier.key.privateKey,
      { alg: 'ES256', kid: replier.key.kid },
    );
    const sent = await x.runtime.exchanges.postMessage(asPrincipal(replier), exchangeId, {
      messageId,
      kind: 'acknowledgement',
      documentIds: [],
      manifest,
      requestedReference: 'XB-2025-0042',
    });
    expect(sent.status).toBe('acknowledged');
    const { label } = await x.runtime.exchanges.getExchange(asPrincipal(a.member('officer')), exchangeId);
    expect(label).toMatchObject({ status: 'acknowledged', requestedReference: 'XB-2025-0042' });
  });
});
