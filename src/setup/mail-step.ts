import type { i18n } from 'i18next';
import { z } from 'zod';
import { composeMail } from '../mail/compose';
import { classifySendError } from '../mail/delivery-policy';
import type { DeliveryOutcome } from '../mail/delivery';
import { senderOf, siteOf } from '../mail/headers';
import { createMailTransport } from '../mail/transport';
import type { Settings } from '../settings/settings.schema';
import { parseSettings } from '../settings/settings.service';
import { emailField, type BasicsInput } from './setup.schema';

const typeError = (issue: { input: unknown }) => (issue.input === undefined ? 'form.required' : 'form.invalid');

/** The wizard's e-mail step: the same limits as the sending settings (settings.schema.ts). */
export const mailStepSchema = z.object({
  host: z
    .string({ error: typeError })
    .trim()
    .min(1, { error: 'form.required' })
    .max(255, { error: 'form.tooLong' })
    .regex(/^[A-Za-z0-9.:[\]_-]+$/, { error: 'install.mail.badHost' }),
  port: z.coerce
    .number({ error: 'install.database.badPort' })
    .int({ error: 'install.database.badPort' })
    .min(1, { error: 'install.database.badPort' })
    .max(65535, { error: 'install.database.badPort' }),
  security: z.enum(['starttls', 'tls', 'none'], { error: 'form.invalid' }),
  user: z
    .string({ error: typeError })
    .trim()
    .max(255, { error: 'form.tooLong' })
    .refine((v) => !/[\r\n]/.test(v), { error: 'form.invalidCharacters' }),
  password: z.string({ error: typeError }).max(255, { error: 'form.tooLong' }),
  from: emailField,
});
export type MailStepInput = z.infer<typeof mailStepSchema>;

/** The sending settings the step stands for: the keys and values the admin's sending tab edits. */
export function mailSettingsOf(input: MailStepInput): Partial<Settings> {
  return {
    'mail.transport': 'smtp',
    'mail.smtpHost': input.host,
    'mail.smtpPort': input.port,
    'mail.smtpSecurity': input.security,
    'mail.smtpUser': input.user,
    'mail.smtpPassword': input.user ? input.password : '',
    'mail.fromAddress': input.from,
  };
}

export type WizardTestMail = { target: string; outcome: DeliveryOutcome };

/**
 * "Send a test mail" before anything is installed: there is no outbox yet, so the test mail is
 * composed like the admin's test e-mail and handed to the SMTP server at once; the answer (or
 * the error, classified as the delivery job would) goes back to the page. Nothing is stored.
 */
export async function sendWizardTestMail(
  deps: { i18n: i18n; dataDir: string; now: number },
  input: MailStepInput,
  basics: BasicsInput,
  to: string,
): Promise<WizardTestMail> {
  const settings: Settings = {
    ...parseSettings(new Map()),
    'helpdesk.name': basics.name,
    'helpdesk.url': basics.url,
    'helpdesk.email': basics.email,
    ...mailSettingsOf(input),
  };
  const mail = await composeMail(
    { i18n: deps.i18n, site: siteOf(settings), now: deps.now, inboundMail: false },
    {
      template: 'test_message',
      to: { address: to },
      language: basics.language,
      automatic: false,
      vars: { requestedBy: basics.name },
    },
  );
  const transport = createMailTransport(settings, { dataDir: deps.dataDir });
  try {
    const { response } = await transport.send(
      {
        from: senderOf(settings),
        to: mail.toAddress,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.emailMessageId,
        headers: {},
        date: new Date(deps.now),
      },
      // Short: the page waits for it, and anyone can press the button before the install.
      AbortSignal.timeout(15_000),
    );
    return { target: transport.target, outcome: { id: 0, status: 'sent', response } };
  } catch (err) {
    return { target: transport.target, outcome: { id: 0, status: 'failed', failure: classifySendError(err) } };
  } finally {
    transport.close();
  }
}
