// Observability names shared by the server and the CDK app: the CloudWatch namespace of Pouch's own metrics,
// written by the Powertools adapter (server/adapters/powertools-metrics.ts) and alarmed on by infra/constructs/alarms.ts.

/** The CloudWatch namespace of business metrics and of the security metric filters. */
export const metricsNamespace = 'Pouch';
