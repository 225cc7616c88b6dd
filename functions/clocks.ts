// Primary adapter (AWS entry): the clocks. An EventBridge schedule puts a message on the clocks queue every minute;
// this function, fed by that queue, runs the sweep (reminders, escalations, lapses, recorded in the ledger) and
// then delivers due notifications (webhooks; e-mail through SES when POUCH_MAIL_FROM names a verified sender). A
// run that fails throws, so the queue retries it and then moves it to the dead-letter queue, which alarms.
import { createSesMailer } from '../server/adapters/ses-mailer.ts';
import { composeRuntime } from '../server/composition/compose.ts';
import { loadConfig } from '../server/config/config.ts';

/** The verified SES sender of e-mail notifications; unset: e-mail attempts fail and are logged as such. */
export const MAIL_FROM_ENV = 'POUCH_MAIL_FROM';

const mailFrom = process.env[MAIL_FROM_ENV];
const runtime = composeRuntime(loadConfig(process.env), {
  ...(mailFrom ? { mailer: createSesMailer({ from: mailFrom }) } : {}),
});

/** SQS handler: one clock run per message (the schedule sends one a minute; batch size 1). */
export const handler = async (): Promise<{ due: number; recorded: number; delivered: number }> => {
  const { clocks, logger } = await runtime;
  const result = await clocks.run();
  logger.info('clocks', result);
  return { due: result.due, recorded: result.recorded, delivered: result.delivered };
};
