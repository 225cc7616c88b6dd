// CLI command `pouch whoami`: asks the exchange who the current profile authenticates as (GET /v1/me).
import { defineCommand } from '../command.ts';

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
    return 0;
  },
});
