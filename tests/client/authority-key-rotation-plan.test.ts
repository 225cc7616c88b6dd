// Unit: what an authority-key rotation re-signs (client/sdk/authority-key-rotation.ts planResign). Only statements
// the old key signed are carried over, as the next version with the same content; those the new key signed are
// done; one that neither key signed (the operator wrote it) stops the rotation with ERR_STATEMENT_INVALID.
import { describe, expect, it } from 'vitest';
import { planResign } from '../../client/sdk/authority-key-rotation.ts';
import {
  type DirectoryStatement,
  type StatementKind,
  signDirectoryStatement,
  signedMemberKeyOf,
} from '../../shared/directory/statements.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import { generateMemberKey } from '../support/identity.ts';

const authorityId = 'auth_AAAAAAAAAAAAAAAAAAAAAA';
const recipients = ['age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqs3290gq'];

type Key = Awaited<ReturnType<typeof generateMemberKey>>;
const sign = <K extends StatementKind>(
  key: Key,
  kind: K,
  content: DirectoryStatement<K>['content'],
  version: number,
) =>
  signDirectoryStatement(
    { authorityId, kind, content, version, iat: 1_700_000_000 } as DirectoryStatement<K>,
    key.privateKey,
    key.publicJwk,
  );

describe('planResign', () => {
  it('carries over what the old key signed as the next version, and skips what the new key signed', async () => {
    const [oldKey, newKey, officerKey] = await Promise.all([
      generateMemberKey('EdDSA'),
      generateMemberKey(),
      generateMemberKey(),
    ]);
    const keys = { memberId: 'officer', keys: [await signedMemberKeyOf(officerKey.publicJwk)] };
    const plan = await planResign(
      {
        id: authorityId,
        recipientsStatement: await sign(oldKey, 'recipients', { recipients }, 3),
        profileStatement: await sign(newKey, 'profile', { profile: { languages: ['en'] } }, 5),
        members: [
          { id: 'officer', keysStatement: await sign(oldKey, 'member-keys', keys, 2) },
          {
            id: 'admin',
            keysStatement: await sign(newKey, 'member-keys', { memberId: 'admin', keys: [] }, 4),
          },
          { id: 'auditor' },
        ],
      },
      oldKey.publicJwk,
      newKey.publicJwk,
    );
    expect(plan).toEqual({
      recipients: { content: { recipients }, version: 4 },
      members: [{ memberId: 'officer', content: keys, version: 3 }],
    });
  });

  it('refuses a statement neither key signed, and one served under another member', async () => {
    const [oldKey, newKey, rogue] = await Promise.all([
      generateMemberKey(),
      generateMemberKey(),
      generateMemberKey(),
    ]);
    const forged = await planResign(
      {
        id: authorityId,
        recipientsStatement: await sign(rogue, 'recipients', { recipients }, 2),
        members: [],
      },
      oldKey.publicJwk,
      newKey.publicJwk,
    ).catch((e: unknown) => e);
    expect(isPouchError(forged, 'ERR_STATEMENT_INVALID')).toBe(true);

    const moved = await planResign(
      {
        id: authorityId,
        members: [
          {
            id: 'officer',
            keysStatement: await sign(oldKey, 'member-keys', { memberId: 'admin', keys: [] }, 1),
          },
        ],
      },
      oldKey.publicJwk,
      newKey.publicJwk,
    ).catch((e: unknown) => e);
    expect(isPouchError(moved, 'ERR_STATEMENT_INVALID')).toBe(true);
  });
});
