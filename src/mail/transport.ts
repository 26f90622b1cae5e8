import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { Settings } from '../settings/settings.schema';
import type { SentVia } from './outbox.repo';

/** One message as the transport takes it; every header value comes from validated data. */
export type OutgoingMail = Required<
  Pick<SendMailOptions, 'from' | 'to' | 'subject' | 'text' | 'messageId' | 'headers' | 'date'>
> &
  Pick<SendMailOptions, 'html' | 'inReplyTo' | 'references' | 'replyTo' | 'cc' | 'attachments'>;

export type MailTransport = {
  /** Where mail goes, for logs and the settings page: `host:port` or the log file. */
  target: string;
  /** What takes the mail: an SMTP server, or the mail log file (nothing leaves the machine). */
  via: SentVia;
  /** Resolves with the server's answer; rejects with nodemailer's error (see delivery-policy). */
  send(mail: OutgoingMail, signal: AbortSignal): Promise<{ response: string }>;
  close(): void;
};

/** Short timeouts: a dead server should cost one delivery run seconds, not minutes. */
const smtpTimeouts = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000, dnsTimeout: 10_000 };

export const mailLogFile = (dataDir: string) => path.join(dataDir, 'mail-outbox.log');

class NotConfiguredError extends Error {
  readonly code = 'ENOTCONFIGURED';
}

/** Delivers through the configured SMTP server, one connection reused for a whole batch. */
function smtpTransport(settings: Settings): MailTransport {
  const host = settings['mail.smtpHost'];
  const port = settings['mail.smtpPort'];
  const security = settings['mail.smtpSecurity'];
  const target = `${host}:${port}`;
  if (!host) {
    return {
      target,
      via: 'smtp',
      send: () => Promise.reject(new NotConfiguredError('No SMTP server is set in the sending settings')),
      close: () => undefined,
    };
  }
  const user = settings['mail.smtpUser'];
  const transporter = nodemailer.createTransport({
    pool: true,
    maxConnections: 1,
    // The delivery job decides about retries; the pool must not resend a mail on its own.
    maxRequeues: 0,
    host,
    port,
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'none',
    auth: user ? { user, pass: settings['mail.smtpPassword'] } : undefined,
    ...smtpTimeouts,
    logger: false,
  });
  return {
    target,
    via: 'smtp',
    send: async (mail, signal) => {
      const info = await transporter.sendMail({ ...mail, signal });
      return { response: String(info.response ?? '') };
    },
    close: () => transporter.close(),
  };
}

/** mbox's "From " separator; lines of the message that start the same way are quoted. */
function mboxEntry(raw: string, now: Date): string {
  return `From MAILER-DAEMON ${now.toUTCString()}\n${raw.replace(/^(>*From )/gm, '>$1')}\n\n`;
}

/**
 * For development and trials: nothing leaves the machine; each message is appended to
 * `<data dir>/mail-outbox.log` in mbox format (readable as text, or opened by a mail client).
 */
function logTransport(dataDir: string): MailTransport {
  const file = mailLogFile(dataDir);
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    target: file,
    via: 'file',
    send: async (mail, signal) => {
      const info = await transporter.sendMail({ ...mail, signal });
      await fs.mkdir(dataDir, { recursive: true });
      await fs.appendFile(file, mboxEntry(info.message.toString('utf8'), new Date()), { mode: 0o600 });
      return { response: `written to ${file}` };
    },
    close: () => transporter.close(),
  };
}

export function createMailTransport(settings: Settings, opts: { dataDir: string }): MailTransport {
  return settings['mail.transport'] === 'smtp' ? smtpTransport(settings) : logTransport(opts.dataDir);
}
