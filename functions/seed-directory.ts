// Primary adapter (operator entry): `npm run seed -- FILE [--json]` seeds the directory from a JSON seed file (the
// operator's public keys and the first authorities; docs/schemas/seed-file.schema.json, example in
// docs/examples/seed-file.json) and prints the ids it created or found (authorities, client ids, kids) as a
// readable list, or as JSON with --json. Idempotent. On AWS it
// uses the ambient credentials and reads AWS_REGION and POUCH_MAIN_TABLE from the environment or, failing that,
// from the stack outputs that `npx cdk deploy --all --outputs-file cdk-outputs.json` wrote (POUCH_CDK_OUTPUTS
// names another file); locally, npm start reads POUCH_SEED_FILE instead.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { createDynamoDirectoryRepository } from '../server/adapters/dynamo-directory-repository.ts';
import { defaultOutputsFile, environmentFromOutputs } from '../server/config/deployment-outputs.ts';
import { envNames } from '../server/config/environment.ts';
import { formatSeedReport, seedDirectory } from '../server/use-cases/identity/seed.ts';
import { isPouchError } from '../shared/domain/errors.ts';

const outputsPath = process.env[envNames.cdkOutputsFile] || defaultOutputsFile;
let fromOutputs: Record<string, string> = {};
if (existsSync(outputsPath)) {
  try {
    fromOutputs = environmentFromOutputs(JSON.parse(readFileSync(outputsPath, 'utf8')));
  } catch {
    console.error(`pouch seed: ${outputsPath} is not the JSON that cdk deploy --outputs-file writes`);
    process.exit(2);
  }
}
// The environment wins over the outputs file, so one deployment's file never overrides an explicit choice.
const env = z
  .object({ [envNames.region]: z.string().min(1), [envNames.mainTable]: z.string().min(3) })
  .safeParse({ ...fromOutputs, ...process.env });
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const file = args.find((a) => a !== '--json');
if (!file) {
  console.error('pouch seed: name the seed file: npm run seed -- directory.json');
  process.exit(2);
}
if (!env.success) {
  const names = env.error.issues.map((i) => i.path.join('.')).join(', ');
  console.error(
    `pouch seed: set ${names} (the region and the main table's name from the stateful stack), or deploy with ` +
      `--outputs-file ${defaultOutputsFile} and run from the same folder`,
  );
  process.exit(2);
}

try {
  const json = JSON.parse(await readFile(file, 'utf8')) as unknown;
  const dynamo = new DynamoDBClient({ region: env.data[envNames.region] });
  const repo = createDynamoDirectoryRepository(
    DynamoDBDocumentClient.from(dynamo),
    env.data[envNames.mainTable],
  );
  const result = await seedDirectory(repo, json);
  console.log(asJson ? JSON.stringify(result, null, 2) : formatSeedReport(result).join('\n'));
  dynamo.destroy();
} catch (error) {
  const detail = isPouchError(error)
    ? `${error.message}${error.details ? ` ${JSON.stringify(error.details)}` : ''}`
    : (error as Error).message;
  console.error(`pouch seed: ${detail}`);
  process.exit(1);
}
