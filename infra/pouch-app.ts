// Composition of the CDK app: settings from context, the stateful stack, then the stateless stack wired to it.
// infra/app.ts (the `cdk` entry) and tests/infra both build the app through this one function.
import type { App, aws_lambda as lambda, StackProps } from 'aws-cdk-lib';
import { readSettings } from './settings.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface PouchAppOptions {
  /** Prebuilt API code (tests); unset means bundle functions/api.ts with esbuild. */
  readonly apiCode?: lambda.Code;
}

export interface PouchStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * Add both stacks to `app`. Stacks are environment-agnostic (no account/region), so synth needs no AWS
 * credentials and does no lookups; the deploy-time account and region come from the CLI profile.
 *
 * @example
 * const { stateful, stateless } = buildPouchApp(new App());
 */
export function buildPouchApp(app: App, options: PouchAppOptions = {}): PouchStacks {
  const settings = readSettings(app.node);
  const common: StackProps = { tags: { application: 'pouch' } };
  const stateful = new StatefulStack(app, 'PouchStateful', {
    ...common,
    description: 'Pouch: keys, evidence bucket and custody tables (retained)',
    settings,
  });
  const stateless = new StatelessStack(app, 'PouchStateless', {
    ...common,
    description: 'Pouch: API Lambda and HTTP API',
    settings,
    dataKey: stateful.dataKey,
    signingKey: stateful.signingKey,
    tokenSigningKey: stateful.tokenSigningKey,
    evidenceBucket: stateful.evidenceBucket,
    tables: stateful.tables,
    ...(options.apiCode ? { apiCode: options.apiCode } : {}),
  });
  return { stateful, stateless };
}
