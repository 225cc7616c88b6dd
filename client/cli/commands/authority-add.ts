// CLI command `pouch authority add` (the operator): register an authority with its authority key, its first admin
// and its sealing recipient, each public part handed over by the authority. The operator never holds a key that
// opens or signs for the authority; everything inside it is its admins' afterwards (members, keys, statements).

import { authorityKeyFingerprint } from '../../../shared/directory/statements.ts';
import { AUTHORITY_ROLES, type AuthorityRole } from '../../../shared/domain/identity/types.ts';
import { createAuthority } from '../../sdk/directory-api.ts';
import { readPublicJwkFile } from '../admin-context.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

export const authorityAddCommand = defineCommand({
  name: 'authority add',
  summary: 'Operator: register an authority, its authority key and its first admin',
  options: {
    country: { type: 'string', valueName: 'CC', description: 'ISO 3166-1 alpha-2 country code' },
    name: { type: 'string', valueName: 'NAME', description: "the authority's name" },
    role: {
      type: 'string',
      multiple: true,
      valueName: AUTHORITY_ROLES.join('|'),
      description: 'its role in the network (default central-authority); repeatable',
    },
    'authority-key': {
      type: 'string',
      valueName: 'FILE',
      description: "its authority key's public JWK ('pouch keys show authority' on its side)",
    },
    'admin-name': { type: 'string', valueName: 'NAME', description: "the first admin's name" },
    'admin-key': {
      type: 'string',
      valueName: 'FILE',
      description: "the first admin's public JWK ('pouch keys show admin' on its side)",
    },
    recipient: {
      type: 'string',
      multiple: true,
      valueName: 'AGE1...',
      description: 'its age recipient (its admin publishes it signed afterwards); repeatable',
    },
    language: { type: 'string', multiple: true, valueName: 'LANG', description: 'accepted language' },
    treaty: { type: 'string', multiple: true, valueName: 'ID', description: 'treaty it applies' },
  },
  details: [
    'Example:',
    '  pouch authority add --country XD --name "Westfold Central Authority" \\',
    '    --authority-key westfold-authority.pub.json --admin-name "Wanda Admin" \\',
    '    --admin-key westfold-admin.pub.json --recipient age1...',
    "Then give the authority's admin its client id, and read the authority key fingerprint back to it",
    'out of band: both sides must see the same one.',
  ].join('\n'),
  async run(ctx, { values }) {
    const required = (value: string | undefined, option: string) => {
      if (value === undefined || value.trim() === '') {
        throw new CliUsageError(`--${option} is required`, 'authority add');
      }
      return value.trim();
    };
    const country = required(values.country, 'country').toUpperCase();
    const name = required(values.name, 'name');
    const adminName = required(values['admin-name'], 'admin-name');
    const authorityKey = await readPublicJwkFile(
      required(values['authority-key'], 'authority-key'),
      'authority key',
    );
    const adminKey = await readPublicJwkFile(required(values['admin-key'], 'admin-key'), 'admin key');
    const recipients = values.recipient ?? [];
    if (recipients.length === 0) {
      throw new CliUsageError(
        "--recipient is required: the age1... its 'pouch keys new --seal' printed",
        'authority add',
      );
    }
    const roles = values.role ?? ['central-authority'];
    const unknown = roles.find((r) => !(AUTHORITY_ROLES as readonly string[]).includes(r));
    if (unknown !== undefined) {
      throw new CliUsageError(
        `--role must be one of ${AUTHORITY_ROLES.join(', ')}, not '${unknown}'`,
        'authority add',
      );
    }
    const client = await ctx.createClient();
    const created = await createAuthority(client, {
      country,
      name,
      roles: roles as AuthorityRole[],
      recipients,
      languages: values.language ?? [],
      treaties: values.treaty ?? [],
      authorityKey,
      firstAdmin: { displayName: adminName, jwk: adminKey },
    });
    const fingerprint = await authorityKeyFingerprint(authorityKey);
    ctx.print({ ...created, authorityKeyFingerprint: fingerprint }, [
      `Registered ${created.authority.name} as ${created.authority.id}.`,
      `  First admin     ${created.firstAdmin.clientId}`,
      `  Authority key   ${fingerprint}`,
      "Read this fingerprint to the authority out of band: it must match 'pouch authority fingerprint' on its side.",
    ]);
    return 0;
  },
});
