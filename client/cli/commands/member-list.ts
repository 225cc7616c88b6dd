// CLI command `pouch member list`: the members of an authority as the directory serves them, with their role,
// status and how many of their active keys the authority key signed (a pending key signs nothing counterparts
// trust). Reads the public directory entry.
import { readStoredStatement } from '../../../shared/directory/statements.ts';
import { getAuthorityEntry, type MemberEntry } from '../../sdk/directory-api.ts';
import { authorityOption, resolveAuthorityArgument } from '../admin-context.ts';
import { defineCommand } from '../command.ts';
import { formatTable } from '../output-table.ts';

/** Kids of a member's active keys that its latest keys statement lists as active. */
export function signedActiveKids(authorityId: string, member: MemberEntry): Set<string> {
  if (!member.keysStatement) return new Set();
  const { content } = readStoredStatement(member.keysStatement, { authorityId, kind: 'member-keys' });
  return new Set(content.keys.filter((k) => k.revokedAt === undefined).map((k) => k.kid));
}

export const memberListCommand = defineCommand({
  name: 'member list',
  summary: "List an authority's members: id, name, role, status, signed and pending keys",
  options: { ...authorityOption },
  async run(ctx, { values }) {
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const entry = await getAuthorityEntry(client, authorityId);
    const members = entry.members.map((m) => {
      const signed = signedActiveKids(entry.id, m);
      const active = m.keys.filter((k) => k.status === 'active').map((k) => k.kid);
      return {
        id: m.id,
        clientId: `${entry.id}:${m.id}`,
        displayName: m.displayName,
        role: m.role,
        status: m.status,
        signedKeys: active.filter((kid) => signed.has(kid)),
        pendingKeys: active.filter((kid) => !signed.has(kid)),
      };
    });
    ctx.print({ authorityId: entry.id, members }, [
      `Members of ${entry.name} (${entry.id}):`,
      ...formatTable(
        ['MEMBER', 'NAME', 'ROLE', 'STATUS', 'SIGNED KEYS', 'PENDING KEYS'],
        members.map((m) => [
          m.id,
          m.displayName,
          m.role,
          m.status,
          String(m.signedKeys.length),
          String(m.pendingKeys.length),
        ]),
      ),
    ]);
    if (members.some((m) => m.pendingKeys.length > 0 && m.status === 'active')) {
      ctx.note(
        "A pending key is not signed by the authority key: 'pouch keys approve --member MEMBER' signs it.",
      );
    }
    return 0;
  },
});
