import { ImapFlow } from 'imapflow';
import { runDueJobs } from '../../src/jobs/job-runner';
import { fetchPolicy } from '../../src/jobs/mail-fetch';
import { insertMailbox, type MailboxValues } from '../../src/mailboxes/mailboxes.repo';
import { encryptTotpSecret } from '../../src/staff/totp';
import { startDovecot, type DovecotServer } from './dovecot';
import { changedBesideSettings } from './kept-beside-settings';
import { useInstalledApp, type InstalledApp } from './installed-app';

/** A mail as a customer's client would send it. */
export function customerMail(opts: {
  n: number | string;
  from?: string;
  subject?: string;
  inReplyTo?: string;
  body?: string;
}): string {
  const from = opts.from ?? `customer${opts.n}@example.org`;
  return [
    `From: Customer ${opts.n} <${from}>`,
    'To: Support <support@example.test>',
    `Subject: ${opts.subject ?? `Printer number ${opts.n} is broken`}`,
    `Message-ID: <m${opts.n}.${Math.random().toString(36).slice(2)}@example.org>`,
    ...(opts.inReplyTo ? [`In-Reply-To: ${opts.inReplyTo}`] : []),
    'Date: Sun, 06 Dec 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.body ?? `Hello, my printer number ${opts.n} does not print. Please help.`,
    '',
  ].join('\r\n');
}

/** A mailbox row on the test Dovecot (the password stored encrypted as the admin page does). */
export async function addDovecotMailbox(
  t: InstalledApp,
  dc: DovecotServer,
  values: Partial<MailboxValues> & { password?: string } = {},
): Promise<number> {
  const { password, ...rest } = values;
  const protocol = rest.protocol ?? 'imap';
  const row = mailboxValues({
    name: `Test ${protocol}`,
    protocol,
    host: dc.host,
    port: protocol === 'imap' ? dc.imapPort : dc.pop3Port,
    security: 'none',
    username: dc.user,
    afterImport: protocol === 'imap' ? 'mark_seen' : 'keep',
    ...rest,
  });
  const id = await insertMailbox(
    t.db,
    row,
    encryptTotpSecret(t.config.secrets.signing, password ?? dc.password),
    t.clock.now(),
  );
  t.services.settings.invalidate(); // as the mailbox pages do after saving
  return id;
}

/** A mailbox's form values, with what a test cares about changed. */
export const mailboxValues = (over: Partial<MailboxValues> = {}): MailboxValues => ({
  name: 'Box',
  protocol: 'imap',
  host: 'imap.example.test',
  port: 993,
  security: 'tls',
  username: 'support@example.test',
  address: null,
  folder: 'INBOX',
  afterImport: 'mark_seen',
  moveTo: null,
  categoryId: null,
  priorityId: null,
  active: true,
  ...over,
});

/** An IMAP session on the test Dovecot, for what a person's mail client would do. */
export async function withImap<T>(dc: DovecotServer, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({
    host: dc.host,
    port: dc.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user: dc.user, pass: dc.password },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      return await fn(client);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/**
 * The set-up of the tests that fetch from Dovecot: an installed help desk, a Dovecot for the
 * file, and before each test no mailbox rows and an empty INBOX.
 */
export function useDovecotMailboxes(
  ready: (t: InstalledApp, dc: DovecotServer) => void,
  opts: { extraConfig?: string } = {},
): void {
  let t: InstalledApp;
  let dc: DovecotServer | undefined;
  useInstalledApp((a) => (t = a));
  beforeAll(async () => {
    dc = await startDovecot(opts);
    ready(t, dc);
  });
  afterAll(async () => dc?.close());
  beforeEach(async () => {
    await t.db('mailbox_pop3_seen').del();
    await t.db('mailboxes').del();
    await changedBesideSettings(t);
    await withImap(dc!, async (c) => {
      if ((c.mailbox as { exists: number }).exists > 0) await c.messageDelete('1:*');
    });
  });
}

export const countTickets = async (t: InstalledApp) =>
  Number((await t.db('tickets').count<{ n: number }[]>({ n: '*' }))[0]!.n);

/** One job run, as the web process's timer would start it once the mailbox is due again. */
export async function runWhenDue(t: InstalledApp) {
  t.clock.advance(fetchPolicy.retryAfterErrorMs + 1);
  return runDueJobs(t.services);
}
