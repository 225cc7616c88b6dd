// Port: a dependency the exchange needs, checked by GET /health.

export interface HealthCheck {
  /** Short stable name shown in /health (e.g. "dynamodb:main"). */
  readonly name: string;
  /** Resolves when the dependency answers; rejects otherwise. */
  check(): Promise<void>;
}
