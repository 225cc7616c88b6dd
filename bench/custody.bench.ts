// Benchmark: the `pouch verify` path on a generated custody bundle (default 1,000,000 events): verifyBundle's
// chain throughput (events/s, reusing the stream verifier) and receipt throughput vs raw node:crypto ES256
// verify in the same run. POUCH_BENCH_QUICK=1 shrinks it.
import { createHash, createPublicKey, generateKeyPairSync, verify as verifySignature } from 'node:crypto';
import { createFileSigner } from '../server/adapters/file-signer.ts';
import { verifyBundle, writeBundleLines } from '../shared/custody/bundle.ts';
import { signCheckpoint } from '../shared/custody/checkpoints.ts';
import { signManifest } from '../shared/custody/manifest.ts';
import { createReceiptVerifier, signReceipt } from '../shared/custody/receipts.ts';
import { buildCheckpointTree, proveChainHead } from '../shared/domain/ledger/checkpoint.ts';
import { createEvent, encodeEventLine, type LedgerEvent } from '../shared/domain/ledger/event.ts';
import { buildReceiptPayload } from '../shared/domain/ledger/receipt.ts';
import { median, printComparison, printFigure, timeRuns } from './report.ts';

const quick = process.env.POUCH_BENCH_QUICK === '1';
const CHAIN = 'exch_benchBenchBenchBench00';
// Manifests name ids of at least 16 characters; a real message id has the same form.
const MESSAGE_ID = 'msg_benchBenchBenchBench00';
const SENDER = 'auth_a:mem_1';

export async function run(): Promise<void> {
  const n = quick ? 100_000 : 1_000_000;
  const receiptEvery = 50;
  const signer = createFileSigner(
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
  );
  const jwk = await signer.publicJwk();
  // The sender's member key: the verifier requires every `message.sent` to carry a manifest signed by a key the
  // bundle lists for its sender, valid at the event's time, so the bench signs a real one (as `pouch send` does).
  const member = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const memberKey = {
    clientId: SENDER,
    kid: 'bench-member-key',
    alg: 'ES256',
    jwk: member.publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    createdAt: new Date(Date.UTC(2025, 0, 1)).toISOString(),
  };
  const genStart = performance.now();
  const lines: string[] = [];
  const receipts: Array<{ seq: number; evidence: string; jws: string }> = [];
  let prev: LedgerEvent | undefined;
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    // Deliveries (every `receiptEvery` events, by auth_b) of the one message auth_a sent at seq 1: a receipt
    // names the message's sender, which the verifier takes from that `message.sent`.
    const delivered = i > 1 && i % receiptEvery === 0;
    const sent = i === 1;
    prev = createEvent(
      prev,
      {
        actor: {
          authorityId: sent || (!delivered && i % 2) ? 'auth_a' : 'auth_b',
          memberId: sent ? 'mem_1' : `mem_${i % 7}`,
          role: 'officer',
        },
        action:
          i === 0
            ? 'exchange.created'
            : sent
              ? 'message.sent'
              : delivered
                ? 'message.delivered'
                : 'auditor.viewed',
        outcome: 'success',
        ...(delivered || sent ? { subject: { messageId: MESSAGE_ID } } : {}),
        details:
          i === 0
            ? { status: 'open', requesterId: 'auth_a', requestedId: 'auth_b' }
            : sent
              ? { status: 'submitted', messageKind: 'request' }
              : { status: 'submitted', note: createHash('sha256').update(String(i)).digest('hex') },
      },
      { chain: CHAIN, now: new Date(t0 + i) },
    );
    lines.push(encodeEventLine(prev));
    if (delivered || sent) {
      const payload = buildReceiptPayload(prev, { sender: 'auth_a', recipient: 'auth_b' }, new Date(t0));
      receipts.push({ seq: prev.seq, evidence: payload.evidence, jws: await signReceipt(signer, payload) });
    }
  }
  const manifest = await signManifest(
    {
      v: 1,
      exchangeId: CHAIN,
      messageId: MESSAGE_ID,
      messageKind: 'request',
      sender: SENDER,
      iat: Math.floor(t0 / 1000),
      documents: [],
    },
    member.privateKey,
    { alg: 'ES256', kid: memberKey.kid },
  );
  const last = prev as LedgerEvent;
  const tree = buildCheckpointTree([{ chain: CHAIN, seq: last.seq, hash: last.hash }], new Date(t0));
  const proof = proveChainHead(tree, CHAIN);
  const bundle: string[] = [];
  for await (const line of writeBundleLines(
    {
      exchangeId: CHAIN,
      exportedAt: new Date(t0).toISOString(),
      label: { id: CHAIN, requesterId: 'auth_a', requestedId: 'auth_b' },
      exchangeKey: jwk,
      memberKeys: [memberKey],
      checkpoint: await signCheckpoint(signer, tree.checkpoint),
      inclusion: proof,
      receipts,
      manifests: [{ messageId: MESSAGE_ID, seq: 1, senderClientId: SENDER, jws: manifest }],
    },
    lines,
  )) {
    bundle.push(line);
  }
  const chunks: Buffer[] = [];
  for (let i = 0; i < bundle.length; i += 4096)
    chunks.push(Buffer.from(`${bundle.slice(i, i + 4096).join('\n')}\n`));
  // Keep only the bytes: the line arrays would otherwise make the measured runs pay for their GC.
  lines.length = 0;
  bundle.length = 0;
  const bytes = chunks.reduce((s, c) => s + c.length, 0);
  printFigure(
    'custody bundle generated',
    n,
    'events',
    `(${receipts.length} receipts, ${(bytes / 2 ** 20).toFixed(0)} MiB, ${((performance.now() - genStart) / 1000).toFixed(1)} s)`,
  );

  async function* replay(): AsyncGenerator<Buffer> {
    for (const chunk of chunks)
      for (let i = 0; i < chunk.length; i += 65536) yield chunk.subarray(i, i + 65536);
  }
  const times = await timeRuns(3, async () => {
    const verdict = await verifyBundle(replay(), { trustedExchangeKeys: [jwk] });
    if (!verdict.ok || verdict.events !== n)
      throw new Error(`the generated bundle must verify: ${JSON.stringify(verdict)}`);
  });
  printFigure(
    'pouch verify path (verifyBundle), whole bundle',
    (n / median(times)) * 1000,
    'events/s',
    '(chain + receipts + checkpoint)',
  );

  // Receipts alone: the verifier verifyBundle uses vs raw node:crypto ES256 verify, interleaved in one run.
  const verifyOurs = createReceiptVerifier(jwk);
  const key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
  const prepared = receipts.map((r) => {
    const dot = r.jws.lastIndexOf('.');
    return {
      input: Buffer.from(r.jws.slice(0, dot), 'ascii'),
      signature: Buffer.from(r.jws.slice(dot + 1), 'base64url'),
    };
  });
  const ours: number[] = [];
  const raw: number[] = [];
  for (let round = 0; round < 5; round++) {
    ours.push(
      ...(await timeRuns(1, () => {
        for (const r of receipts) verifyOurs(r.jws);
      })),
    );
    raw.push(
      ...(await timeRuns(1, () =>
        prepared.forEach((p) => {
          if (!verifySignature('sha256', p.input, { key, dsaEncoding: 'ieee-p1363' }, p.signature))
            throw new Error('raw');
        }),
      )),
    );
  }
  printComparison({
    bench: `receipts in the verify path (${receipts.length})`,
    unit: 'receipts/s',
    ours: (receipts.length / median(ours)) * 1000,
    baseline: (receipts.length / median(raw)) * 1000,
    baselineName: 'raw node:crypto ES256 verify',
    higherIsBetter: true,
    target: 0.9,
  });
}
