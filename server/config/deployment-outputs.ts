// The deployment's stack and output names, once: the CDK app declares these outputs (infra/), and the operator
// entry points read them back from `npx cdk deploy --all --outputs-file cdk-outputs.json` (functions/seed-directory.ts).
import { z } from 'zod';
import { type EnvValues, envNames } from './environment.ts';
import { ledgerTable, mainTable, replayTable } from './storage-definitions.ts';

/** Stack names, as `cdk deploy` and CloudFormation show them. */
export const stackNames = {
  stateful: 'PouchStateful',
  edge: 'PouchEdge',
  stateless: 'PouchStateless',
} as const;

/** Output ids of the stateful stack: where the data lives. */
export const statefulOutputs = {
  region: 'Region',
  evidenceBucket: 'EvidenceBucketName',
  tables: {
    [mainTable.id]: 'MainTableName',
    [ledgerTable.id]: 'LedgerTableName',
    [replayTable.id]: 'ReplayTableName',
  },
} as const;

/** Output ids of the stateless stack: where people and programs reach the exchange. */
export const statelessOutputs = {
  apiUrl: 'ApiUrl',
  portalUrl: 'PortalUrl',
  distributionDomainName: 'DistributionDomainName',
  alarmTopicArn: 'AlarmTopicArn',
} as const;

/** The file the documented deploy command writes (`--outputs-file`), read from the working directory. */
export const defaultOutputsFile = 'cdk-outputs.json';

const outputsFile = z.object({
  [stackNames.stateful]: z.record(z.string(), z.string()),
});

/**
 * The environment an operator tool needs (region, table and bucket names), from the JSON that
 * `cdk deploy --outputs-file` writes. Throws a ZodError when the file is not such a JSON.
 *
 * @example
 * const env = environmentFromOutputs(JSON.parse(readFileSync('cdk-outputs.json', 'utf8')));
 */
export function environmentFromOutputs(json: unknown): EnvValues {
  const stateful = outputsFile.parse(json)[stackNames.stateful];
  const names: ReadonlyArray<readonly [keyof EnvValues, string]> = [
    [envNames.region, statefulOutputs.region],
    [envNames.mainTable, statefulOutputs.tables[mainTable.id]],
    [envNames.ledgerTable, statefulOutputs.tables[ledgerTable.id]],
    [envNames.replayTable, statefulOutputs.tables[replayTable.id]],
    [envNames.evidenceBucket, statefulOutputs.evidenceBucket],
  ];
  const values: EnvValues = {};
  for (const [env, output] of names) {
    const value = stateful[output];
    if (value !== undefined) values[env] = value;
  }
  return values;
}
