// Tests (integration): the embedded S3's multipart assembly (server/local/s3-assembly.ts) settles a part's PUT
// only once none of its writes into the assembly file is pending, so a completion (which waits for every PUT to
// settle) never renames an assembly that a write is still on its way into. The writes are held back by an
// injected node:fs hook (a fault injection: the file system made slow), so the check is deterministic.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PartAssembler } from '../../server/local/s3-assembly.ts';

/** While `holding`, every fs.write waits in `held` until the test runs it; `closedWhileHeld` records a close meanwhile. */
const gate = vi.hoisted(() => ({
  holding: false,
  held: [] as Array<() => void>,
  closedWhileHeld: false,
}));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const write = (...args: unknown[]): void => {
    const run = () => Reflect.apply(fs.write, fs, args);
    if (gate.holding) gate.held.push(run);
    else run();
  };
  const close = (...args: unknown[]): void => {
    if (gate.held.length > 0) gate.closedWhileHeld = true;
    Reflect.apply(fs.close, fs, args);
  };
  return { ...fs, default: { ...fs, write, close }, write, close };
});

let folder = '';

afterEach(async () => {
  gate.holding = false;
  for (const run of gate.held.splice(0)) run();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('embedded S3 multipart assembly', () => {
  it('settles a part PUT only once its writes into the assembly are done (writes held by an injected fs hook)', async () => {
    folder = await mkdtemp(join(tmpdir(), 'pouch-assembly-'));
    const assembler = new PartAssembler();
    const bytes = randomBytes(3 * 64 * 1024 + 17);
    const body = new PassThrough();
    gate.holding = true;
    const teed = assembler.begin('upload', folder, 1, bytes.length, body);
    teed.body.resume();
    body.end(bytes);
    await vi.waitFor(() => expect(gate.held.length).toBeGreaterThan(0));

    // The PUT ends (stored as s3rver would report it) while its writes are still on their way.
    const md5 = createHash('md5').update(bytes).digest('hex');
    let settled = false;
    const settling = teed.settle({ md5, size: bytes.length }).then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    expect(gate.closedWhileHeld).toBe(false);

    gate.holding = false;
    for (const run of gate.held.splice(0)) run();
    await settling;
    expect(gate.closedWhileHeld).toBe(false);
    // A completion right after it finds every byte of the part in the assembly it renames.
    const assembled = await assembler.take('upload', folder, [{ number: 1, md5, size: bytes.length }]);
    expect(assembled).toBe(join(folder, 'assembly'));
    expect((await readFile(assembled as string)).equals(bytes)).toBe(true);
  });
});
