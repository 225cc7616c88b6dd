// CLI command `pouch directory pin AUTHORITY FINGERPRINT`: trust an authority's key after comparing its
// fingerprint out of band. `pouch send` and `pouch reply` seal only to recipients the pinned key signed.
import { authorityIdPattern } from '../../../shared/domain/identity/ids.ts';
import { savePin } from '../../keystore/pins.ts';
import { resolveAuthorityId } from '../authority-resolver.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

export const directoryPinCommand = defineCommand({
  name: 'directory pin',
  summary: "Pin an authority's key fingerprint (compared out of band) so you can seal to it",
  positionals: { names: ['AUTHORITY', 'FINGERPRINT'] },
  options: {
    note: { type: 'string', valueName: 'TEXT', description: 'how you confirmed it (kept with the pin)' },
  },
  details:
    "Compare the fingerprint 'pouch directory show AUTHORITY' prints with the one the authority gives you\n" +
    'by another channel (phone, letter, meeting) before pinning it.\n' +
    'AUTHORITY is an id, or a name or country the directory resolves to exactly one authority.\n' +
    'Example:\n  pouch directory pin auth_Ep8n70aEhVvjld_XPbYkMC NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
  async run(ctx, { positionals, values }) {
    const [query, fingerprint] = positionals;
    if (!query || !fingerprint) {
      throw new CliUsageError('AUTHORITY and FINGERPRINT are required', 'directory pin');
    }
    // An id pins offline, as before; a name or country is looked up in the directory first.
    const authorityId = authorityIdPattern.test(query)
      ? query
      : await resolveAuthorityId(await ctx.createClient(), query);
    const previous = await savePin(ctx.keystore.home, {
      authorityId,
      fingerprint,
      ...(values.note === undefined ? {} : { note: values.note }),
    });
    const replaced = previous && previous.fingerprint !== fingerprint ? previous.fingerprint : undefined;
    ctx.print(
      { authorityId, fingerprint, ...(replaced ? { replaced } : {}) },
      replaced
        ? `Pinned ${authorityId}: ${fingerprint} (replaces ${replaced}).`
        : `Pinned ${authorityId}: ${fingerprint}.`,
    );
    return 0;
  },
});
