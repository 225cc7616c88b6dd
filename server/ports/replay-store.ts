// Port: single-use ids (assertion `jti`s). The token service consumes an id once; a second use is a replay.

export interface ReplayStore {
  /**
   * Record `id` as used until `expiresAt` (epoch seconds). Resolves `true` the first time, `false` when the
   * id is already recorded and not yet expired. Atomic: of two concurrent calls, exactly one gets `true`.
   */
  consume(id: string, expiresAt: number, now: number): Promise<boolean>;
}
