// Secondary adapter: the Metrics port on AWS Lambda Powertools Metrics, which prints CloudWatch embedded metric
// format (EMF) lines to stdout; Lambda's log delivery turns them into metrics in the `Pouch` namespace.
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { metricsNamespace } from '../config/observability.ts';
import type { Metrics } from '../ports/metrics.ts';

/**
 * Build the process's metrics. Each count is flushed on the spot rather than at the end of an invocation,
 * because the API handler has no end-of-invocation hook (hono/aws-lambda) and a frozen Lambda would keep it.
 */
export function createPowertoolsMetrics(): Metrics {
  const metrics = new PowertoolsMetrics({ namespace: metricsNamespace, serviceName: 'pouch' });
  return {
    count(name, value = 1) {
      metrics.addMetric(name, MetricUnit.Count, value);
      metrics.publishStoredMetrics();
    },
  };
}
