// Keys the operator cannot swap unseen (issue 12, finding 3): the operator controls the exchange's storage, so
// these tests write the directory table directly, as such an operator could, and check that `pouch send` refuses
// to seal to anything the recipient authority's pinned key did not sign. Also: an unpinned authority is refused
// with how to pin; a rotation signed by the previous key is followed from an older pin; and the core statement
// checks (typ, authority, kind, signature, algorithm).
import { chmod, cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeystore } from '../../client/keystore/keystore.ts';
import { readPins } from '../../client/keystore/pins.ts';
import { buildAuditRecord } from '../../server/use-cases/identity/directory-model.ts';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import {
  authorityKeyFingerprint,
  DIRECTORY_STATEMENT_TYP,
  type DirectoryStatement,
  type StatementKind,
  signDirectoryStatement,
  verifyDirectoryStatement,
  verifyPinnedRecipients,
} from '../../shared/directory/statements.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import type { Authority } from '../../shared/domain/identity/types.ts';
import { type PouchRun, runPouch } from '../client/support/run-pouch.ts';
import { createTokenClient, generateMemberKey, type TestPrincipal } from '../support/identity.ts';
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
});

afterAll(async () => {
  await exchange?.stop();
});

const sendAs = (demo: Demo, to: string, home = demo.home): Promise<PouchRun> =>
  runPouch(
    [
      '--profile',
      'officer',
      '--json',
      'send',
      '--to',
      to,
      '--kind',
      'preservation',
      '--urgency',
      'urgent',
      '--reference',
      `KEYS-${Date.now()}`,
      note,
    ],
    { POUCH_HOME: home },
  );
const errorCode = (run: PouchRun) =>
  (JSON.parse(run.stderr.trim().split('\n').at(-1)!) as { error: { code: string } }).error.code;

const statement = <K extends StatementKind>(
  authorityId: string,
  kind: K,
  content: DirectoryStatement<K>['content'],
  version: number,
) => ({ authorityId, kind, content, version, iat: Math.floor(Date.now() / 1000) }) as DirectoryStatement<K>;

/** Write an authority's directory item as an operator with table access could (a version-checked put). */
async function operatorWrites(authorityId: string, change: (a: Authority) => Authority): Promise<Authority> {
  const repo = exchange.runtime.directory;
  const before = (await repo.getAuthority(authorityId))!;
  const audit = buildAuditRecord({
    actor: { kind: 'system', clientId: 'system:rogue-operator' },
    origin: { sourceIp: 'test', requestId: 'rogue' },
    at: new Date().toISOString(),
    action: 'authority.recipients',
    target: { authorityId },
  });
  await repo.updateAuthority({ ...change(before), version: before.version + 1, auditId: audit.id }, audit);
  return before;
}

async function restore(before: Authority): Promise<void> {
  await operatorWrites(before.id, () => before);
}

describe('pouch send seals only to recipients the pinned authority key signed', () => {
  it('sends to a pinned demo authority (the demo seed pins every demo authority)', async () => {
    const pins = await readPins(north.home);
    expect(pins.get(south.authorityId)?.fingerprint).toBe(south.authorityKeyFingerprint);
    const run = await sendAs(north, south.authorityId);
    expect(run.code, run.stderr).toBe(0);
  });

  it('refuses recipients the operator swapped in the table without a statement', async () => {
    const { recipient } = await generateIdentity();
    const before = await operatorWrites(south.authorityId, (a) => {
      const { recipientsStatement: _dropped, ...rest } = a;
      return { ...rest, recipients: [recipient] };
    });
    try {
      const run = await sendAs(north, south.authorityId);
      expect(run.code).not.toBe(0);
      expect(errorCode(run)).toBe('ERR_STATEMENT_INVALID');
    } finally {
      await restore(before);
    }
  });

  it("refuses recipients signed by the operator's own key (statement, authority key and chain all swapped)", async () => {
    const rogue = await generateMemberKey();
    const { recipient } = await generateIdentity();
    const forged = await signDirectoryStatement(
      statement(south.authorityId, 'recipients', { recipients: [recipient] }, 1),
      rogue.privateKey,
      rogue.publicJwk,
    );
    const { kty, crv, x, y } = rogue.publicJwk as { kty: 'EC'; crv: 'P-256'; x: string; y: string };
    const rogueJwk = { kty, crv, x, y };
    const before = await operatorWrites(south.authorityId, (a) => ({
      ...a,
      recipients: [recipient],
      recipientsStatement: forged,
      recipientsVersion: 1,
      authorityKey: {
        initial: rogueJwk,
        rotations: [],
        current: rogueJwk,
        fingerprint: rogue.kid,
      },
    }));
    try {
      const run = await sendAs(north, south.authorityId);
      expect(run.code).not.toBe(0);
      expect(errorCode(run)).toBe('ERR_AUTHORITY_PIN_MISMATCH');
    } finally {
      await restore(before);
    }
  });

  it("refuses an old recipients statement replayed under a rotated key (recipients must be the current key's)", async () => {
    const rogue = await generateMemberKey();
    const { kty, crv, x, y } = rogue.publicJwk as { kty: 'EC'; crv: 'P-256'; x: string; y: string };
    // A rotation the operator forges with its own key cannot chain from the pinned key.
    const forgedRotation = await signDirectoryStatement(
      statement(south.authorityId, 'authority-key', { jwk: { kty, crv, x, y } }, 1),
      rogue.privateKey,
      rogue.publicJwk,
    );
    const before = await operatorWrites(south.authorityId, (a) => ({
      ...a,
      authorityKey: {
        ...a.authorityKey!,
        rotations: [forgedRotation],
        current: { kty, crv, x, y },
        fingerprint: rogue.kid,
      },
    }));
    try {
      const run = await sendAs(north, south.authorityId);
      expect(run.code).not.toBe(0);
      expect(errorCode(run)).toBe('ERR_STATEMENT_INVALID');
    } finally {
      await restore(before);
    }
  });

  it('refuses an unpinned authority with one line that says how to pin; pinning the shown fingerprint fixes it', async () => {
    // A keystore with Northland's officer key and profile but no pins at all.
    const home = await mkdtemp(join(tmpdir(), 'pouch-unpinned-'));
    await chmod(home, 0o700);
    await cp(join(north.home, 'keys'), join(home, 'keys'), { recursive: true });
    await cp(join(north.home, 'profiles'), join(home, 'profiles'), { recursive: true });
    expect((await openKeystore({ home }).showKey('officer')).kind).toBe('signing');

    const refused = await sendAs(north, east.authorityId, home);
    expect(refused.code).not.toBe(0);
    expect(errorCode(refused)).toBe('ERR_AUTHORITY_NOT_PINNED');
    const human = await runPouch(
      [
        '--profile',
        'officer',
        'send',
        '--to',
        east.authorityId,
        '--kind',
        'preservation',
        '--urgency',
        'urgent',
        '--reference',
        'PIN-1',
        note,
      ],
      { POUCH_HOME: home },
    );
    expect(human.stderr.trim().split('\n')).toHaveLength(1);
    expect(human.stderr).toContain(`pouch directory pin ${east.authorityId}`);

    const shown = await runPouch(['--profile', 'officer', '--json', 'directory', 'show', east.authorityId], {
      POUCH_HOME: home,
    });
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      fingerprint: east.authorityKeyFingerprint,
      pinned: null,
    });
    for (const demo of [east, north]) {
      const pin = await runPouch(['directory', 'pin', demo.authorityId, demo.authorityKeyFingerprint], {
        POUCH_HOME: home,
      });
      expect(pin.code, pin.stderr).toBe(0);
    }
    const sent = await sendAs(north, east.authorityId, home);
    expect(sent.code, sent.stderr).toBe(0);
  });

  it('a rotation signed by the previous key (with recipients re-signed) is followed from the older pin', async () => {
    const keystore = openKeystore({ home: east.home });
    const { info, privateKey } = await keystore.unlockSigningKey('authority');
    const admin = await keystore.unlockSigningKey('admin');
    const adminPrincipal: TestPrincipal = {
      clientId: `${east.authorityId}:admin`,
      authorityId: east.authorityId,
      memberId: 'admin',
      role: 'admin',
      key: {
        alg: admin.info.alg,
        kid: admin.info.kid,
        privateKey: admin.privateKey,
        publicJwk: { ...admin.info.publicJwk, kid: admin.info.kid },
      },
    };
    const tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
    const next = await generateKeyPair('EdDSA', { extractable: true });
    const nextJwk = await exportJWK(next.publicKey);
    const { kty, crv, x } = nextJwk as { kty: 'OKP'; crv: 'Ed25519'; x: string };
    const rotation = await signDirectoryStatement(
      statement(east.authorityId, 'authority-key', { jwk: { kty, crv, x } }, 1),
      privateKey,
      info.publicJwk,
    );
    const current = (await exchange.runtime.directory.getAuthority(east.authorityId))!;
    const recipientsStatement = await signDirectoryStatement(
      statement(
        east.authorityId,
        'recipients',
        { recipients: [...current.recipients] },
        (current.recipientsVersion ?? 0) + 1,
      ),
      next.privateKey,
      nextJwk,
    );
    const res = await exchange.runtime.app.request(
      `/v1/directory/authorities/${east.authorityId}/authority-key`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${await tokens.tokenFor(adminPrincipal)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ statement: rotation, recipientsStatement }),
      },
    );
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { authorityKey: { fingerprint: string } };
    expect(body.authorityKey.fingerprint).toBe(await calculateJwkThumbprint({ kty, crv, x }));

    // Northland pinned East's first key; it follows the signed rotation.
    const sent = await sendAs(north, east.authorityId);
    expect(sent.code, sent.stderr).toBe(0);

    // The old key can no longer publish recipients.
    const stale = await signDirectoryStatement(
      statement(
        east.authorityId,
        'recipients',
        { recipients: [...current.recipients] },
        (current.recipientsVersion ?? 0) + 2,
      ),
      privateKey,
      info.publicJwk,
    );
    const refused = await exchange.runtime.app.request(
      `/v1/directory/authorities/${east.authorityId}/recipients`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${await tokens.tokenFor(adminPrincipal)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ statement: stale }),
      },
    );
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { code: string }).code).toBe('ERR_STATEMENT_INVALID');
  });
});

describe('directory statements (core)', () => {
  const authorityId = 'auth_AAAAAAAAAAAAAAAAAAAAAA';
  const recipients = { recipients: ['age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqs3290gq'] };

  it('verifies what the authority key signed, and nothing else', async () => {
    const key = await generateMemberKey('EdDSA');
    const other = await generateMemberKey('EdDSA');
    const good = await signDirectoryStatement(
      statement(authorityId, 'recipients', recipients, 1),
      key.privateKey,
      key.publicJwk,
    );
    expect(
      (await verifyDirectoryStatement(good, key.publicJwk, { authorityId, kind: 'recipients' })).content,
    ).toEqual(recipients);

    const refusals: Array<() => Promise<unknown>> = [
      () => verifyDirectoryStatement(good, other.publicJwk, { authorityId, kind: 'recipients' }),
      () =>
        verifyDirectoryStatement(good, key.publicJwk, {
          authorityId: 'auth_BBBBBBBBBBBBBBBBBBBBBB',
          kind: 'recipients',
        }),
      () => verifyDirectoryStatement(good, key.publicJwk, { authorityId, kind: 'authority-key' }),
      () =>
        verifyDirectoryStatement(
          `${good.split('.')[0]}.${Buffer.from('{"x":1}').toString('base64url')}.${good.split('.')[2]}`,
          key.publicJwk,
          { authorityId, kind: 'recipients' },
        ),
      // The right key and payload, but another typ (a manifest or token must never pass as a statement).
      () =>
        new CompactSign(
          new TextEncoder().encode(JSON.stringify(statement(authorityId, 'recipients', recipients, 1))),
        )
          .setProtectedHeader({ alg: 'EdDSA', typ: 'pouch-manifest+jwt' })
          .sign(key.privateKey)
          .then((jws) => verifyDirectoryStatement(jws, key.publicJwk, { authorityId, kind: 'recipients' })),
      // A private key where a public one belongs.
      () =>
        exportJWK(key.privateKey).then((priv) =>
          verifyDirectoryStatement(good, priv, { authorityId, kind: 'recipients' }),
        ),
    ];
    for (const attempt of refusals) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPouchError(error, 'ERR_STATEMENT_INVALID'), String(error)).toBe(true);
    }
    expect(DIRECTORY_STATEMENT_TYP).toBe('pouch-directory-statement+jwt');
  });

  it('verifyPinnedRecipients needs the pin in the chain and the current key on the recipients', async () => {
    const first = await generateMemberKey();
    const second = await generateMemberKey('EdDSA');
    const bare = (jwk: Record<string, unknown>) => {
      const { kid: _k, alg: _a, use: _u, ...rest } = jwk;
      return rest;
    };
    const rotation = await signDirectoryStatement(
      statement(
        authorityId,
        'authority-key',
        { jwk: bare(second.publicJwk) as { kty: 'OKP'; crv: 'Ed25519'; x: string } },
        1,
      ),
      first.privateKey,
      first.publicJwk,
    );
    const byNew = await signDirectoryStatement(
      statement(authorityId, 'recipients', recipients, 3),
      second.privateKey,
      second.publicJwk,
    );
    const byOld = await signDirectoryStatement(
      statement(authorityId, 'recipients', recipients, 3),
      first.privateKey,
      first.publicJwk,
    );
    const entry = (recipientsStatement: string) => ({
      id: authorityId,
      authorityKey: { chain: { initial: first.publicJwk, rotations: [rotation] } },
      recipientsStatement,
    });
    const firstPin = await authorityKeyFingerprint(first.publicJwk);
    const secondPin = await authorityKeyFingerprint(second.publicJwk);
    expect(await verifyPinnedRecipients(entry(byNew), firstPin)).toEqual(recipients.recipients);
    expect(await verifyPinnedRecipients(entry(byNew), secondPin)).toEqual(recipients.recipients);
    const stale = await verifyPinnedRecipients(entry(byOld), firstPin).catch((e: unknown) => e);
    expect(isPouchError(stale, 'ERR_STATEMENT_INVALID')).toBe(true);
    const elsewhere = await verifyPinnedRecipients(entry(byNew), (await generateMemberKey()).kid).catch(
      (e: unknown) => e,
    );
    expect(isPouchError(elsewhere, 'ERR_AUTHORITY_PIN_MISMATCH')).toBe(true);
  });
});
