// CLI command `pouch keys rotate`: replace a member's signing key without a gap. The new key is registered, signed
// by the authority key, and only then is the old one revoked (and the revocation signed); for your own key the
// profile switches to the new key. For another member, its admin passes the public key the member sent.
import { authorityKeyFingerprint } from '../../../shared/directory/statements.ts';
import {
  addMemberKey,
  approveMemberKeys,
  getAuthorityEntry,
  revokeMemberKey,
} from '../../sdk/directory-api.ts';
import {
  authorityKeyOption,
  authorityOption,
  keystorePublicJwk,
  ownIds,
  readPublicJwkFile,
  resolveAuthorityArgument,
  resolveMemberArgument,
  unlockAuthoritySigner,
} from '../admin-context.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';
import { defaultProfileName } from '../command-context.ts';

export const keysRotateCommand = defineCommand({
  name: 'keys rotate',
  summary: 'Admin: register a new key, sign it, then revoke the old one (no gap, no unsigned window)',
  options: {
    new: {
      type: 'string',
      valueName: 'NAME',
      description: "your own new signing key in this keystore (create it with 'pouch keys new --name NAME')",
    },
    member: {
      type: 'string',
      valueName: 'MEMBER',
      description: "another member's rotation: with --key FILE, the public key it sent",
    },
    key: { type: 'string', valueName: 'FILE', description: "the member's new public key (with --member)" },
    ...authorityKeyOption,
    ...authorityOption,
  },
  details: [
    'Your own key:        pouch keys new --name admin-2 && pouch keys rotate --new admin-2',
    "A member's key:      pouch keys rotate --member mem_... --key officer-2.pub.json",
    'Every other active key of the member is revoked once the new key is signed.',
  ].join('\n'),
  async run(ctx, { values }) {
    const own = values.member === undefined;
    if (own ? values.new === undefined || values.key !== undefined : values.key === undefined) {
      throw new CliUsageError(
        'give --new NAME (your own key) or --member MEMBER --key FILE (another member)',
        'keys rotate',
      );
    }
    const jwk = own
      ? await keystorePublicJwk(ctx, values.new ?? '')
      : await readPublicJwkFile(values.key ?? '', 'public key');
    const signer = await unlockAuthoritySigner(ctx, values['authority-key']);
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const memberId = own
      ? (await ownIds(ctx)).memberId
      : resolveMemberArgument(authorityId, values.member ?? '');
    const fingerprint = await authorityKeyFingerprint(jwk);

    const added = await addMemberKey(client, authorityId, memberId, { jwk });
    const newKid = added.keys.at(-1)?.kid ?? '';
    const old = added.keys.filter((k) => k.status === 'active' && k.kid !== newKid).map((k) => k.kid);
    // The new key is signed while the old one still works, so the member is never without a signed key.
    await approveMemberKeys(client, await getAuthorityEntry(client, authorityId), memberId, signer);
    let admin = client;
    if (own) {
      // Our own old key is about to stop working, tokens issued to it included: switch to the new key first.
      const profile = await ctx.keystore.readProfile(ctx.profileName ?? defaultProfileName);
      await ctx.keystore.saveProfile({
        name: profile.name,
        baseUrl: profile.baseUrl,
        clientId: profile.clientId,
        key: values.new ?? '',
      });
      admin = await ctx.createClient();
      await admin.getAccessToken({ forceRefresh: true });
    }
    for (const kid of old) await revokeMemberKey(admin, authorityId, memberId, kid);
    const final = await approveMemberKeys(
      admin,
      await getAuthorityEntry(admin, authorityId),
      memberId,
      signer,
    );
    ctx.print(
      { authorityId, memberId, kid: newKid, fingerprint, revoked: old, statementVersion: final.version },
      [
        `Rotated ${authorityId}:${memberId}: new key ${newKid} (fingerprint ${fingerprint}) signed; revoked ${old.join(', ') || 'nothing'}.`,
        ...(own
          ? [`Profile '${ctx.profileName ?? defaultProfileName}' now signs with key '${values.new}'.`]
          : []),
      ],
    );
    return 0;
  },
});
