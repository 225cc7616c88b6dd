// Secondary adapter support: translate DynamoDB SDK errors into domain errors, in one place.
import { ConditionFailedError, PouchError, StorageError } from '../../shared/domain/errors.ts';

const throttling = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/** Map an SDK error to ConditionFailedError or StorageError; PouchErrors pass through unchanged. */
export function translateDynamoError(error: unknown, what: string): Error {
  if (error instanceof PouchError) return error;
  const name = (error as { name?: string } | null)?.name ?? '';
  if (name === 'ConditionalCheckFailedException')
    return new ConditionFailedError(`${what}: condition failed`, error);
  return new StorageError(`${what} failed`, error, throttling.has(name));
}
