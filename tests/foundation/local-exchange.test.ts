// Integration tests: the embedded local exchange (dynalite + s3rver over HTTP, real adapters) starts,
// answers /health, keeps data across a restart, and refuses a busy port.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../../server/config/storage-definitions.ts';
import { bootstrapStorage } from '../../server/local/bootstrap.ts';
import { startLocalExchange } from '../../server/local/local-exchange.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import { startTestExchange } from '../support/local-exchange.ts';

describe('local exchange', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pouch-local-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves /health (liveness; the dependencies: tests/foundation/health.test.ts), and keeps data across a restart', async () => {
    const first = await startTestExchange({ dataDir });
    const res = await fetch(`${first.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    const { clients, config, signer, tokenSigner } = first.runtime;
    // Two keys: the JWKS is the token key; the custody key (receipts, checkpoints) is published apart.
    const jwks = (await (await fetch(`${first.url}/.well-known/jwks.json`)).json()) as { keys: JsonWebKey[] };
    expect(jwks.keys).toEqual([await tokenSigner.publicJwk()]);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    const custody = (await (await fetch(`${first.url}/.well-known/pouch-custody-keys.json`)).json()) as {
      keys: JsonWebKey[];
    };
    expect(custody.keys).toEqual([await signer.publicJwk()]);
    expect(signer.kid).not.toBe(tokenSigner.kid);
    expect(JSON.stringify(custody)).not.toContain('"d"');
    const keyFile = await stat(join(dataDir, 'exchange-signing-key.jwk.json'));
    expect(keyFile.mode & 0o777).toBe(0o600);

    await clients.dynamo.send(
      new PutItemCommand({ TableName: config.tables.main, Item: { pk: { S: 'probe' }, sk: { S: 'kept' } } }),
    );
    const body = new TextEncoder().encode('sealed bytes survive a restart');
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: config.evidenceBucket,
        Key: 'probe.age',
        Body: body,
        ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      }),
    );
    const kid = signer.kid;
    await first.close();

    const second = await startTestExchange({ dataDir });
    try {
      const item = await second.runtime.clients.dynamo.send(
        new GetItemCommand({ TableName: config.tables.main, Key: { pk: { S: 'probe' }, sk: { S: 'kept' } } }),
      );
      expect(item.Item?.sk?.S).toBe('kept');
      const object = await second.runtime.clients.s3.send(
        new GetObjectCommand({ Bucket: config.evidenceBucket, Key: 'probe.age' }),
      );
      // Byte-exact: no aws-chunked framing was stored (the s3rver quirk the client configuration avoids).
      expect(await object.Body?.transformToString()).toBe('sealed bytes survive a restart');
      expect(second.runtime.signer.kid).toBe(kid);
      const list = await second.runtime.clients.dynamo.send(new ListTablesCommand({}));
      expect(list.TableNames?.sort()).toEqual(tables.map((t) => t.localName).sort());
      // Bootstrap is idempotent: running it again over existing storage changes nothing and does not fail.
      await bootstrapStorage(second.runtime.clients, second.runtime.config);
    } finally {
      await second.close();
    }
  });

  it('fails with ERR_PORT_IN_USE when the HTTP port is busy, before opening any data store', async () => {
    const running = await startTestExchange();
    try {
      const error = await startLocalExchange({ dataDir: running.dataDir, port: running.port }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPouchError(error, 'ERR_PORT_IN_USE')).toBe(true);
      // The first exchange is untouched.
      expect((await fetch(`${running.url}/health`)).status).toBe(200);
    } finally {
      await running.stop();
    }
  });
});
