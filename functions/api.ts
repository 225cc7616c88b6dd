// Primary adapter (AWS entry): the API Lambda. Reads the config once at cold start and serves the same
// Hono app as the local exchange, through API Gateway HTTP API (payload v2).
import { handle } from 'hono/aws-lambda';
import { composeRuntime } from '../server/composition/compose.ts';
import { loadConfig } from '../server/config/config.ts';

const lambdaHandler = composeRuntime(loadConfig(process.env)).then(({ app }) => handle(app));

type Handler = ReturnType<typeof handle>;

/** API Gateway v2 handler. Configuration errors surface at cold start, naming the variable. */
export const handler = async (event: Parameters<Handler>[0], context: Parameters<Handler>[1]) =>
  (await lambdaHandler)(event, context);
