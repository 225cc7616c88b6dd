// Benchmark support (issue 16): a local exchange (API, embedded DynamoDB and S3, demo authorities) in its own
// process, so that a bench's client does not share its event loop with the storage it talks to (real storage is
// never in the client's process). Prints {url, demo, dynamodbPort, s3Port} as one JSON line on stdout, and
// closes the exchange and exits when stdin ends. Argument: the data folder.
import { openDemoKeystores } from '../client/keystore/demo-keystores.ts';
import { startLocalExchange } from '../server/local/local-exchange.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const exchange = await startLocalExchange({
  dataDir: process.argv[2] as string,
  port: 0,
  seedDemo: openDemoKeystores(),
  checkpointIntervalMs: 0,
  env: { POUCH_LOG_LEVEL: 'silent' },
});
process.stdout.write(
  `${JSON.stringify({
    url: exchange.url,
    demo: exchange.demo.map((d) => ({ slug: d.slug, home: d.home, authorityId: d.authorityId })),
    dynamodbPort: exchange.embedded.dynamodbPort,
    s3Port: exchange.embedded.s3Port,
  })}\n`,
);
process.stdin.resume().on('end', () => {
  void exchange.close().then(() => process.exit(0));
});
