// Secondary adapter: e-mail notifications over plain SMTP to a relay on loopback (local mode's catcher,
// server/local/smtp-catcher.ts). A minimal client: EHLO, MAIL FROM, RCPT TO, DATA, QUIT, each answer checked.
import { createConnection } from 'node:net';
import { StorageError } from '../../shared/domain/errors.ts';
import type { Mailer } from '../ports/notifications.ts';

/** One header value on one line: a notification's subject never carries a line break. */
const oneLine = (value: string): string => value.replace(/[\r\n]+/g, ' ');

export function createSmtpMailer(options: { host: string; port: number; from: string }): Mailer {
  return {
    async send(message) {
      const socket = createConnection({ host: options.host, port: options.port });
      socket.setEncoding('utf8');
      let buffer = '';
      const waiters: Array<(line: string) => void> = [];
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        // A reply is complete at a line whose fourth character is a space (multi-line replies use '-').
        for (;;) {
          const lines = buffer.split('\r\n');
          const end = lines.findIndex((l) => /^\d{3} /.test(l));
          if (end < 0) break;
          buffer = lines.slice(end + 1).join('\r\n');
          waiters.shift()?.(lines[end] as string);
        }
      });
      const failed = new Promise<never>((_, reject) => {
        socket.on('error', (error) => reject(new StorageError('send e-mail failed', error)));
      });
      const reply = (expect: string) =>
        Promise.race([
          failed,
          new Promise<string>((resolve, reject) => {
            waiters.push((line) =>
              line.startsWith(expect)
                ? resolve(line)
                : reject(new StorageError(`send e-mail failed: ${line}`, undefined)),
            );
          }),
        ]);
      const say = async (line: string, expect: string) => {
        socket.write(`${line}\r\n`);
        return reply(expect);
      };
      try {
        await reply('220');
        await say('EHLO pouch.local', '250');
        await say(`MAIL FROM:<${options.from}>`, '250');
        await say(`RCPT TO:<${oneLine(message.to)}>`, '250');
        await say('DATA', '354');
        const body = message.text.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
        await say(
          [
            `From: ${options.from}`,
            `To: ${oneLine(message.to)}`,
            `Subject: ${oneLine(message.subject)}`,
            'Content-Type: text/plain; charset=utf-8',
            '',
            body,
            '.',
          ].join('\r\n'),
          '250',
        );
        await say('QUIT', '221');
      } finally {
        socket.end();
      }
    },
  };
}
