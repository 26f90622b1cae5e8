import fs from 'node:fs';
import path from 'node:path';
import { importRawMail, type ImportResult, type MailOrigin } from '../../src/mail-intake/intake.service';
import type { InstalledApp } from './installed-app';

const fixtures = path.join(__dirname, '..', 'fixtures', 'mail');

/** A fixture mail from tests/fixtures/mail, with {{NAME}} placeholders filled in. */
export function fixtureMail(name: string, vars: Record<string, string> = {}): Buffer {
  let raw = fs.readFileSync(path.join(fixtures, name));
  for (const [k, v] of Object.entries(vars))
    raw = Buffer.from(raw.toString('latin1').split(`{{${k}}}`).join(v), 'latin1');
  return raw;
}

export const pipeOrigin: MailOrigin = { source: 'pipe', mailboxId: null };

export function importMail(t: InstalledApp, raw: Buffer, origin: MailOrigin = pipeOrigin): Promise<ImportResult> {
  return importRawMail(t.services, raw, origin);
}

/** A small mail built in the test, for cases no fixture needs a file for. */
export function simpleMail(opts: {
  from?: string;
  to?: string;
  subject?: string;
  body?: string;
  messageId?: string | null;
  headers?: string[];
}): Buffer {
  const lines = [
    `From: ${opts.from ?? 'Pat Person <pat@example.org>'}`,
    `To: ${opts.to ?? 'help@example.com'}`,
    `Subject: ${opts.subject ?? 'A question'}`,
    'Date: Mon, 07 Dec 2026 08:00:00 +0000',
    ...(opts.messageId === null
      ? []
      : [`Message-ID: ${opts.messageId ?? `<${Math.random().toString(36).slice(2)}@example.org>`}`]),
    ...(opts.headers ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.body ?? 'Hello, I have a question.',
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

/** The rows of the outbox, oldest first. */
export async function outbox(t: InstalledApp): Promise<
  Array<{
    template: string;
    to_address: string;
    email_message_id: string;
    ticket_id: number | null;
    status: string;
    last_error: string | null;
  }>
> {
  return t
    .db('mail_outbox')
    .orderBy('id')
    .select('template', 'to_address', 'email_message_id', 'ticket_id', 'status', 'last_error');
}
