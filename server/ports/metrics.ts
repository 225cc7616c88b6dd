// Port: business metrics (what the exchange did, not how the machine feels). The composition root counts what
// the use cases accomplished; on AWS the adapter writes CloudWatch embedded metric format, locally nothing.

/** The business events counted, one metric each in the `Pouch` namespace (infra/constructs/alarms.ts). */
export type BusinessMetric = 'DocumentsCommitted' | 'MessagesSent';

export interface Metrics {
  /** Count one occurrence (or `value`) of `name`, published at once: a Lambda may freeze after the answer. */
  count(name: BusinessMetric, value?: number): void;
}

/** Metrics that go nowhere (local exchange, tests). */
export const noMetrics: Metrics = { count: () => {} };
