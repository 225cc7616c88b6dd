// CLI command `pouch whoami`: asks the exchange who the current profile authenticates as (GET /v1/me), and warns
// about any active key under that name this keystore does not hold.
import { defineCommand } from '../command.ts';
import { warnAboutUnheldKeys } from './keys-audit.ts';

export const whoamiCommand = defineCommand({
  name: 'whoami',
  summary: 'Show who the exchange thinks you are (GET /v1/me)',
  options: {},
  async run(ctx) {
    const client = await ctx.createClient();
    const me = await client.request<Record<string, unknown>>('GET', '/v1/me');
    const lines = Object.entries(me ?? {}).map(
      ([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
    );
    ctx.print(me, lines);
    if (typeof me?.clientId === 'string') await warnAboutUnheldKeys(ctx, client, me.clientId);
    return 0;
  },
});
