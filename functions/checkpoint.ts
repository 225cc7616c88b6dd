// Primary adapter (AWS entry): the scheduled checkpoint function. EventBridge invokes it every few minutes; it
// reuses the composition root and appends the changed chain heads to the checkpoint log, signs and publishes.
import { composeRuntime } from '../server/composition/compose.ts';
import { loadConfig } from '../server/config/config.ts';

const runtime = composeRuntime(loadConfig(process.env));

/** EventBridge handler: builds one checkpoint if anything changed. Failures throw, so the invocation is retried. */
export const handler = async (): Promise<{ size: number | null; created: boolean }> => {
  const { checkpoints, logger } = await runtime;
  const { checkpoint, created } = await checkpoints.build();
  logger.info('checkpoint', {
    size: checkpoint?.size ?? null,
    rootHash: checkpoint?.rootHash ?? null,
    created,
  });
  return { size: checkpoint?.size ?? null, created };
};
