// The authority key's life cycle from the CLI (issues 15 item 1 and 12 finding 3), spawning `pouch` against the
// embedded exchange with the demo authorities: `pouch authority key rotate` hands the key over, re-signs what the
// old key signed and resumes after an interruption; it refuses to re-sign a statement the operator wrote into the
// table; `pouch keys audit` checks signatures against the member's own pin; a counterpart's `pouch send` follows
// a signed hand-over but refuses, with ERR_AUTHORITY_PIN_MISMATCH, a key that does not chain to its pin.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeystore } from '../../client/keystore/keystore.ts';
import { buildAuditRecord } from '../../server/use-cases/identity/directory-model.ts';
import {
  authorityKeyFingerprint,
  type DirectoryStatement,
  readStoredStatement,
  type StatementKind,
  signDirectoryStatement,
  signedMemberKeyOf,
  toAuthorityJwk,
  verifyDirectoryStatement,
} from '../../shared/directory/statements.ts';
import type { Authority } from '../../shared/domain/identity/types.ts';
import { type PouchRun, runPouch } from '../client/support/run-pouch.ts';
import { generateMemberKey } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;
type Demo = Exchange['demo'][number];
let exchange: Exchange;
let north: Demo;
let south: Demo;
let east: Demo;
let note: string;

beforeAll(async () => {
  exchange = await startTestExchange({ seedDemo: true });
  north = exchange.demo.find((d) => d.slug === 'northland')!;
  south = exchange.demo.find((d) => d.slug === 'southmark')!;
  east = exchange.demo.find((d) => d.slug === 'eastmere')!;
  note = join(north.home, 'note.txt');
  await writeFile(note, 'Please preserve the mailbox of account alpha@example.test.\n');
}, 120_000);

afterAll(async () => {
  await exchange?.stop();
});

const pouch = (home: string, profile: string, args: string[]): Promise<PouchRun> =>
  runPouch(['--profile', profile, '--json', ...args], { POUCH_HOME: home });
const sendAs = (from: Demo, to: string, home = from.home) =>
  pouch(home, 'officer', [
    'send',
    '--to',
    to,
    '--kind',
    'preservation',
    '--urgency',
    'urgent',
    '--reference',
    `ROT-${Date.now()}`,
    note,
  ]);
const failure = (run: PouchRun) => ({
  exit: run.code === 0 ? 0 : 'non-zero',
  code: (JSON.parse(run.stderr.trim().split('\n').at(-1)!) as { error: { code: string } }).error.code,
});
const stored = async (authorityId: string) => (await exchange.runtime.directory.getAuthority(authorityId))!;
const membersOf = async (authorityId: string) =>
  (await exchange.runtime.directory.getAuthorityEntry(authorityId))!.members;
const rogueAudit = (authorityId: string, memberId?: string) =>
  buildAuditRecord({
    actor: { kind: 'system', clientId: 'system:rogue-operator' },
    origin: { sourceIp: 'test', requestId: 'rogue' },
    at: new Date().toISOString(),
    action: memberId === undefined ? 'authority.recipients' : 'member.keys',
    target: { authorityId, ...(memberId === undefined ? {} : { memberId }) },
  });

/** Write a member's keys statement as an operator with table access could; returns a function that restores it. */
async function operatorWritesKeys(
  authorityId: string,
  memberId: string,
  keysStatement: string,
): Promise<() => Promise<void>> {
  const repo = exchange.runtime.directory;
  const before = (await repo.getMember(authorityId, memberId))!;
  const audit = rogueAudit(authorityId, memberId);
  await repo.putMember({ ...before, keysStatement, version: before.version + 1, auditId: audit.id }, audit);
  return async () => {
    const now = (await repo.getMember(authorityId, memberId))!;
    const back = rogueAudit(authorityId, memberId);
    await repo.putMember({ ...before, version: now.version + 1, auditId: back.id }, back);
  };
}

/** Write an authority's directory item as an operator with table access could (a version-checked put). */
async function operatorWrites(authorityId: string, change: (a: Authority) => Authority): Promise<Authority> {
  const repo = exchange.runtime.directory;
  const before = await stored(authorityId);
  const audit = rogueAudit(authorityId);
  await repo.updateAuthority({ ...change(before), version: before.version + 1, auditId: audit.id }, audit);
  return before;
}
const restore = async (before: Authority) => {
  await operatorWrites(before.id, (now) => ({ ...before, version: now.version }));
};

const statement = <K extends StatementKind>(
  authorityId: string,
  kind: K,
  content: DirectoryStatement<K>['content'],
  version: number,
) => ({ authorityId, kind, content, version, iat: Math.floor(Date.now() / 1000) }) as DirectoryStatement<K>;

describe('pouch authority key rotate', { timeout: 120_000 }, () => {
  let newFingerprint: string;
  let newJwk: unknown;

  it('hands the key over, re-signs recipients, profile and every member key under the new key', async () => {
    const before = await stored(east.authorityId);
    const membersBefore = await membersOf(east.authorityId);
    const run = await pouch(east.home, 'admin', ['authority', 'key', 'rotate', '--new', 'authority-2']);
    expect(run.code, run.stderr).toBe(0);
    const key = await openKeystore({ home: east.home }).showKey('authority-2');
    if (key.kind !== 'signing') throw new Error('authority-2 is not a signing key');
    newJwk = key.publicJwk;
    newFingerprint = await authorityKeyFingerprint(newJwk);
    const out = JSON.parse(run.stdout) as {
      rotated: boolean;
      rotation: number;
      previousFingerprint: string;
      fingerprint: string;
      created: boolean;
      resigned: { recipients: boolean; profile: boolean; members: string[] };
    };
    const signedMembers = membersBefore.filter((m) => m.keysStatement !== undefined).map((m) => m.id);
    expect(signedMembers.length).toBeGreaterThan(0);
    expect(out).toMatchObject({
      rotated: true,
      rotation: 1,
      created: true,
      previousFingerprint: east.authorityKeyFingerprint,
      fingerprint: newFingerprint,
      resigned: { recipients: true, profile: true, members: signedMembers },
    });

    const after = await stored(east.authorityId);
    expect(after.authorityKey?.fingerprint).toBe(newFingerprint);
    expect(after.authorityKey?.rotations).toHaveLength(1);
    const expected = (kind: StatementKind) => ({ authorityId: east.authorityId, kind });
    await verifyDirectoryStatement(after.recipientsStatement!, newJwk, expected('recipients'));
    await verifyDirectoryStatement(after.profileStatement!, newJwk, expected('profile'));
    for (const member of (await membersOf(east.authorityId)).filter((m) => m.keysStatement !== undefined)) {
      const was = readStoredStatement(membersBefore.find((m) => m.id === member.id)!.keysStatement!, {
        authorityId: east.authorityId,
        kind: 'member-keys',
      });
      const now = await verifyDirectoryStatement(member.keysStatement!, newJwk, expected('member-keys'));
      // The same keys, signed again as the next version: a rotation approves nothing new.
      expect({ content: now.content, version: now.version }).toEqual({
        content: was.content,
        version: was.version + 1,
      });
    }
    // The recipients are the ones the old key signed, not the unsigned list the exchange also holds.
    expect(after.recipients).toEqual(before.recipients);
  });

  it('resumes: run again, it finds the hand-over published and nothing left to re-sign', async () => {
    const run = await runPouch(['--profile', 'admin', 'authority', 'key', 'rotate', '--new', 'authority-2'], {
      POUCH_HOME: east.home,
    });
    expect(run.code, run.stderr).toBe(0);
    // The ceremony: the exact pin command counterparts run after comparing the fingerprint out of band.
    expect(run.stdout).toContain(`pouch directory pin ${east.authorityId} ${newFingerprint}`);
    expect((await stored(east.authorityId)).authorityKey?.rotations).toHaveLength(1);
  });

  it('refuses the old key once it is no longer current, before creating any key', async () => {
    const run = await pouch(east.home, 'admin', ['authority', 'key', 'rotate', '--new', 'authority-3']);
    expect(failure(run)).toEqual({ exit: 'non-zero', code: 'ERR_AUTHORITY_PIN_MISMATCH' });
    const names = (await openKeystore({ home: east.home }).listKeys()).map((k) => k.name);
    expect(names).not.toContain('authority-3');
  });

  it('signs statements with the new key afterwards (pouch authority fingerprint, keys approve)', async () => {
    const served = await pouch(east.home, 'admin', [
      'authority',
      'fingerprint',
      '--key',
      'authority-2',
      '--authority',
      east.authorityId,
    ]);
    expect(served.code, served.stderr).toBe(0);
    const approve = await pouch(east.home, 'admin', ['keys', 'approve', '--authority-key', 'authority-2']);
    expect(approve.code, approve.stderr).toBe(0);
  });

  it("a counterpart's send follows the signed hand-over from its old pin, and from the re-pinned key", async () => {
    const fromOldPin = await sendAs(north, east.authorityId);
    expect(fromOldPin.code, fromOldPin.stderr).toBe(0);
    const home = await mkdtemp(join(tmpdir(), 'pouch-repin-'));
    await cp(north.home, home, { recursive: true });
    const pin = await runPouch(['directory', 'pin', east.authorityId, newFingerprint], { POUCH_HOME: home });
    expect(pin.code, pin.stderr).toBe(0);
    const fromNewPin = await sendAs(north, east.authorityId, home);
    expect(fromNewPin.code, fromNewPin.stderr).toBe(0);
  });

  it("an Eastmere member's keys audit follows the hand-over from its own pin: its key is signed", async () => {
    const run = await pouch(east.home, 'officer', ['keys', 'audit']);
    expect(run.code, run.stderr).toBe(0);
    const audit = JSON.parse(run.stdout) as {
      pinned: boolean;
      keys: Array<{ held: boolean; signature: string }>;
    };
    expect(audit.pinned).toBe(true);
    expect(audit.keys.filter((k) => k.held).map((k) => k.signature)).toEqual(['signed']);
  });
});

describe('a rotation re-signs only what the old key signed', { timeout: 120_000 }, () => {
  it('refuses, changing nothing, when the operator planted a keys statement the authority never signed', async () => {
    const rogue = await generateMemberKey();
    const officer = (await exchange.runtime.directory.getMember(south.authorityId, 'officer'))!;
    const previous = readStoredStatement(officer.keysStatement!, {
      authorityId: south.authorityId,
      kind: 'member-keys',
    });
    // The operator's own key joins the officer's signed keys, in a statement signed by the operator's key.
    const planted = await signDirectoryStatement(
      statement(
        south.authorityId,
        'member-keys',
        { memberId: 'officer', keys: [...previous.content.keys, await signedMemberKeyOf(rogue.publicJwk)] },
        previous.version + 1,
      ),
      rogue.privateKey,
      rogue.publicJwk,
    );
    const putBack = await operatorWritesKeys(south.authorityId, 'officer', planted);
    try {
      const run = await pouch(south.home, 'admin', ['authority', 'key', 'rotate', '--new', 'authority-2']);
      expect(failure(run)).toEqual({ exit: 'non-zero', code: 'ERR_STATEMENT_INVALID' });
      expect((await stored(south.authorityId)).authorityKey?.rotations).toHaveLength(0);
      const now = await exchange.runtime.directory.getMember(south.authorityId, 'officer');
      expect(now?.keysStatement).toBe(planted);
    } finally {
      await putBack();
    }
  });
});

describe("keys audit against the member's pin, send against the counterpart's", { timeout: 120_000 }, () => {
  it('keys audit fails with ERR_AUTHORITY_PIN_MISMATCH when its own authority key does not chain to its pin', async () => {
    const rogue = await generateMemberKey();
    const rogueJwk = toAuthorityJwk(rogue.publicJwk);
    const officer = (await exchange.runtime.directory.getMember(north.authorityId, 'officer'))!;
    const was = readStoredStatement(officer.keysStatement!, {
      authorityId: north.authorityId,
      kind: 'member-keys',
    });
    // Without the pin check, the forged statement verifies under the served (forged) chain: SIGNED=yes.
    const forged = await signDirectoryStatement(
      statement(north.authorityId, 'member-keys', was.content, was.version + 1),
      rogue.privateKey,
      rogue.publicJwk,
    );
    const before = await operatorWrites(north.authorityId, (a) => ({
      ...a,
      authorityKey: { initial: rogueJwk, rotations: [], current: rogueJwk, fingerprint: rogue.kid },
    }));
    const putBack = await operatorWritesKeys(north.authorityId, 'officer', forged);
    try {
      const audit = await pouch(north.home, 'officer', ['keys', 'audit']);
      expect(failure(audit)).toEqual({ exit: 'non-zero', code: 'ERR_AUTHORITY_PIN_MISMATCH' });

      // A counterpart that pinned Northland's real key refuses to seal to it (the message says how to re-pin).
      const sent = await sendAs(south, north.authorityId);
      expect(failure(sent)).toEqual({ exit: 'non-zero', code: 'ERR_AUTHORITY_PIN_MISMATCH' });
    } finally {
      await putBack();
      await restore(before);
    }
    const again = await pouch(north.home, 'officer', ['keys', 'audit']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('says in --json that the audit is not pinned when the member never pinned its own authority', async () => {
    const home = await mkdtemp(join(tmpdir(), 'pouch-unpinned-'));
    await cp(north.home, home, { recursive: true });
    const pinsFile = join(home, 'pins.json');
    const pins = JSON.parse(await readFile(pinsFile, 'utf8')) as { pins: Array<{ authorityId: string }> };
    pins.pins = pins.pins.filter((p) => p.authorityId !== north.authorityId);
    await writeFile(pinsFile, JSON.stringify(pins), { mode: 0o600 });
    const run = await pouch(home, 'officer', ['keys', 'audit']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { pinned: boolean }).pinned).toBe(false);
  });
});
