// Business metrics (issue 15, item 2): on AWS the composition counts documents committed and messages sent
// through Powertools Metrics, which prints CloudWatch embedded metric format to stdout, in the namespace the
// alarms construct uses. A failed use case counts nothing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPowertoolsMetrics } from '../../server/adapters/powertools-metrics.ts';
import { countBusinessEvents } from '../../server/composition/compose.ts';
import { metricsNamespace } from '../../server/config/observability.ts';
import type { BusinessMetric, Metrics } from '../../server/ports/metrics.ts';
import type { ExchangeService } from '../../server/use-cases/exchange/exchange-service.ts';
import { PouchError } from '../../shared/domain/errors.ts';

afterEach(() => vi.restoreAllMocks());

describe('Powertools metrics adapter', () => {
  it('writes one EMF line per count, at once, in the Pouch namespace', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const metrics = createPowertoolsMetrics();
    metrics.count('MessagesSent');
    metrics.count('DocumentsCommitted', 2);
    const emf = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('_aws'))
      .map(
        (l) =>
          JSON.parse(l) as {
            _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string; Unit: string }[] }[] };
          } & Record<string, unknown>,
      );
    expect(emf).toHaveLength(2);
    expect(emf[0]!._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: metricsNamespace,
      Metrics: [{ Name: 'MessagesSent', Unit: 'Count' }],
    });
    expect(emf[0]!.MessagesSent).toBe(1);
    expect(emf[1]!.DocumentsCommitted).toBe(2);
  });
});

describe('counting in the composition', () => {
  const recorder = () => {
    const counted: BusinessMetric[] = [];
    const metrics: Metrics = { count: (name) => counted.push(name) };
    return { counted, metrics };
  };
  // Only the two counted use cases are exercised; the rest of the service is passed through untouched.
  const fake = (fail: boolean) =>
    ({
      listExchanges: async () => [],
      commitDocument: async () => {
        if (fail) throw new PouchError('ERR_HASH_MISMATCH', 'no');
        return { ok: true };
      },
      postMessage: async () => {
        if (fail) throw new PouchError('ERR_INVALID_STATE', 'no');
        return { ok: true };
      },
    }) as unknown as ExchangeService;

  it('counts a committed document and a sent message once each, on success', async () => {
    const { counted, metrics } = recorder();
    const service = countBusinessEvents(fake(false), metrics);
    await service.commitDocument(...([] as unknown as Parameters<ExchangeService['commitDocument']>));
    await service.postMessage(...([] as unknown as Parameters<ExchangeService['postMessage']>));
    await service.listExchanges(...([] as unknown as Parameters<ExchangeService['listExchanges']>));
    expect(counted).toEqual(['DocumentsCommitted', 'MessagesSent']);
  });

  it('counts nothing when the use case refuses', async () => {
    const { counted, metrics } = recorder();
    const service = countBusinessEvents(fake(true), metrics);
    await expect(
      service.commitDocument(...([] as unknown as Parameters<ExchangeService['commitDocument']>)),
    ).rejects.toMatchObject({ code: 'ERR_HASH_MISMATCH' });
    await expect(
      service.postMessage(...([] as unknown as Parameters<ExchangeService['postMessage']>)),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
    expect(counted).toEqual([]);
  });
});
