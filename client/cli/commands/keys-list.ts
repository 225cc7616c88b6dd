// CLI command `pouch keys list`: the keys in the keystore, public parts only.
import { defineCommand } from '../command.ts';

export const keysListCommand = defineCommand({
  name: 'keys list',
  summary: 'List signing keys and sealing identities (public parts only)',
  options: {},
  async run(ctx) {
    const keys = await ctx.keystore.listKeys();
    if (keys.length === 0) {
      ctx.print([], "No keys yet: create one with 'pouch keys new'.");
      return 0;
    }
    const rows = keys.map((key) => [
      key.name,
      key.kind,
      key.kind === 'signing' ? key.alg : 'X25519',
      key.kind === 'signing' ? key.kid : key.recipient,
      key.protection === 'none' ? 'no' : 'yes',
    ]);
    const header = ['NAME', 'KIND', 'ALG', 'KID / RECIPIENT', 'PASSPHRASE'];
    const widths = header.map((title, column) =>
      Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
    );
    const format = (row: readonly string[]) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ');
    ctx.print(keys, [format(header), ...rows.map(format)]);
    return 0;
  },
});
