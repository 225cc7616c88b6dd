// CLI command `pouch keys show NAME`: one key's public JWK (signing) or age recipient (sealing).
import { defineCommand } from '../command.ts';

export const keysShowCommand = defineCommand({
  name: 'keys show',
  summary: "Print a key's public part: the JWK to register, or the age1... recipient",
  positionals: { names: ['NAME'] },
  options: {},
  async run(ctx, { positionals }) {
    const key = await ctx.keystore.showKey(positionals[0] ?? '');
    ctx.print(key, key.kind === 'signing' ? JSON.stringify(key.publicJwk, null, 2) : key.recipient);
    return 0;
  },
});
