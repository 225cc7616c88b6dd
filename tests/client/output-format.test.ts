// Tests for what the CLI shows people (client/cli/output-format.ts and the delivery summary): names beside ids,
// local time to the second, and a re-run send that does not call an earlier status "now".
import { describe, expect, it } from 'vitest';
import { describeDelivery } from '../../client/cli/commands/send.ts';
import { localTime, partyNames } from '../../client/cli/output-format.ts';
import type { DeliveryResult } from '../../client/exchange/deliver-message.ts';

describe('CLI output for people', () => {
  it('prints an instant as local time with its offset, without milliseconds', () => {
    const shown = localTime('2026-03-01T09:15:02.123Z');
    expect(shown).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{2}:\d{2}$/);
    expect(shown).not.toContain('.123');
    const back = new Date(`${shown.slice(0, 10)}T${shown.slice(11, 19)}${shown.slice(20)}`);
    expect(back.toISOString()).toBe('2026-03-01T09:15:02.000Z');
    expect(localTime('not a time')).toBe('not a time');
  });

  it('names an authority beside its id, and a member as "member, Authority"; unknown ids stay as they are', () => {
    const names = partyNames(new Map([['auth_S', 'Southmark Ministry of Justice']]));
    expect(names.authority('auth_S')).toBe('Southmark Ministry of Justice (auth_S)');
    expect(names.authority('auth_X')).toBe('auth_X');
    expect(names.member('auth_S:officer')).toBe('officer, Southmark Ministry of Justice');
    expect(names.member('auth_X:officer')).toBe('auth_X:officer');
  });

  it('a re-run send says what the message did then, never that the exchange is "now" in that status', () => {
    const result: DeliveryResult = {
      exchangeId: 'exch_1',
      messageId: 'msg_1',
      status: 'submitted',
      seq: 4,
      sentAt: '2026-03-01T09:15:02.123Z',
      documents: [],
      alreadySent: true,
      resumed: false,
      partsSkipped: 0,
      stateDir: '/tmp/x',
    };
    const rerun = describeDelivery(result, 'request').join('\n');
    expect(rerun).not.toContain('is now submitted');
    expect(rerun).toContain("'pouch show exch_1'");
    expect(describeDelivery({ ...result, alreadySent: false }, 'request').join('\n')).toContain(
      'Exchange exch_1 is now submitted.',
    );
  });
});
