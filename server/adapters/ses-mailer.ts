// Secondary adapter: e-mail notifications through Amazon SES (v2 SendEmail) on AWS. Plain text only: what a
// notification says carries no content, so there is nothing to render.
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { StorageError } from '../../shared/domain/errors.ts';
import type { Mailer } from '../ports/notifications.ts';

export function createSesMailer(options: { from: string; client?: SESv2Client }): Mailer {
  const client = options.client ?? new SESv2Client({});
  return {
    async send(message) {
      try {
        await client.send(
          new SendEmailCommand({
            FromEmailAddress: options.from,
            Destination: { ToAddresses: [message.to] },
            Content: {
              Simple: {
                Subject: { Data: message.subject, Charset: 'UTF-8' },
                Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
              },
            },
          }),
        );
      } catch (error) {
        throw new StorageError('send e-mail failed', error);
      }
    },
  };
}
