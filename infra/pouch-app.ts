// Composition of the CDK app: settings from context, the stateful stack, the edge stack (WAF, us-east-1), then
// the stateless stack wired to both. infra/app.ts (the `cdk` entry) and tests/infra build the app through this.
import type { App, aws_lambda as lambda, StackProps } from 'aws-cdk-lib';
import { stackNames } from '../server/config/deployment-outputs.ts';
import { EdgeStack, edgeRegion } from './edge-stack.ts';
import { acknowledgeStackWide } from './nag.ts';
import { readSettings } from './settings.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface PouchAppOptions {
  /** Prebuilt API code (tests); unset means bundle functions/api.ts with esbuild. */
  readonly apiCode?: lambda.Code;
}

export interface PouchStacks {
  readonly stateful: StatefulStack;
  readonly edge: EdgeStack;
  readonly stateless: StatelessStack;
}

/**
 * Add the three stacks to `app`. Each has an explicit region (context `region`; the edge stack is always in
 * us-east-1, where CloudFront's web ACLs live) because the stateless stack reads the web ACL's ARN across
 * regions. The account stays the deploying profile's, so synth needs no AWS credentials and does no lookups.
 *
 * @example
 * const { stateful, edge, stateless } = buildPouchApp(new App());
 */
export function buildPouchApp(app: App, options: PouchAppOptions = {}): PouchStacks {
  const settings = readSettings(app.node);
  const common: StackProps = { tags: { application: 'pouch' } };
  const stateful = new StatefulStack(app, stackNames.stateful, {
    ...common,
    env: { region: settings.region },
    description: 'Pouch: keys, evidence bucket and custody tables (retained)',
    settings,
  });
  const edge = new EdgeStack(app, stackNames.edge, {
    ...common,
    env: { region: edgeRegion },
    description: 'Pouch: WAF web ACL of the CloudFront distribution (us-east-1)',
    settings,
  });
  const stateless = new StatelessStack(app, stackNames.stateless, {
    ...common,
    env: { region: settings.region },
    description: 'Pouch: API Lambda, HTTP API, portal, CloudFront distribution and alarms',
    settings,
    dataKey: stateful.dataKey,
    signingKey: stateful.signingKey,
    tokenSigningKey: stateful.tokenSigningKey,
    evidenceBucket: stateful.evidenceBucket,
    tables: stateful.tables,
    webAclArn: edge.webAcl.attrArn,
    ...(options.apiCode ? { apiCode: options.apiCode } : {}),
  });
  for (const stack of [stateful, edge, stateless]) acknowledgeStackWide(stack);
  return { stateful, edge, stateless };
}
