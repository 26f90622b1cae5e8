import pino from 'pino';
import { withTransaction } from '../../src/db/transaction';
import { insertReturningId } from '../../src/db/insert';
import { createI18n } from '../../src/i18n/i18n';
import type { DeliveryDeps } from '../../src/mail/delivery';
import type { MailRequest } from '../../src/mail/mail.schema';
import { queueMail, type QueueMailDeps, type QueuedMail } from '../../src/mail/mail.service';
import type { OutboxRow } from '../../src/mail/outbox.repo';
import type { Settings } from '../../src/settings/settings.schema';
import { SettingsService } from '../../src/settings/settings.service';
import { installedApp, type InstalledApp } from './installed-app';

export type MailDeps = DeliveryDeps & QueueMailDeps;

export type MailEnv = {
  t: InstalledApp;
  deps: MailDeps;
  /** Saves settings and makes every later read see them (the test clock does not move on its own). */
  configure(values: Partial<Settings>): Promise<void>;
  /** Points sending at an SMTP server on loopback, without encryption or sign-in. */
  useSmtp(port: number, extra?: Partial<Settings>): Promise<void>;
  queue(request: MailRequest): Promise<QueuedMail>;
  row(id: number): Promise<OutboxRow>;
  close(): Promise<void>;
};

/** An installed help desk's database with the mail services on it, for tests below HTTP. */
export async function mailEnv(): Promise<MailEnv> {
  const t = await installedApp();
  const settings = new SettingsService(t.db, () => t.clock.now(), t.config.secrets.signing);
  const deps: MailDeps = {
    db: t.db,
    settings,
    clock: t.clock,
    logger: pino({ level: 'silent' }),
    config: t.config,
    i18n: createI18n(),
  };
  const configure = async (values: Partial<Settings>) => {
    await settings.save(values);
  };
  return {
    t,
    deps,
    configure,
    useSmtp: (port, extra = {}) =>
      configure({
        'mail.transport': 'smtp',
        'mail.smtpHost': '127.0.0.1',
        'mail.smtpPort': port,
        'mail.smtpSecurity': 'none',
        'mail.smtpUser': '',
        'mail.smtpPassword': '',
        ...extra,
      }),
    queue: (request) => withTransaction(t.db, (trx) => queueMail(trx, deps, request)),
    row: async (id) => (await t.db('mail_outbox').where({ id }).first<OutboxRow>('*'))!,
    close: () => t.close(),
  };
}

/** A ticket row to hang mail on (mail_outbox.ticket_id is a foreign key). */
export async function insertTicket(env: MailEnv, trackingId: string): Promise<number> {
  const { db, clock } = env.t;
  const now = clock.now();
  const customerId = await insertReturningId(db, 'customers', {
    email: `${trackingId.toLowerCase()}@example.com`,
    name: 'Eve',
    language: 'en',
    created_at: now,
    updated_at: now,
  });
  const ids = async (table: string) => Number((await db(table).first<{ id: number }>('id'))!.id);
  return insertReturningId(db, 'tickets', {
    tracking_id: trackingId,
    subject: 'Printer on fire',
    customer_id: customerId,
    category_id: await ids('categories'),
    status_id: await ids('statuses'),
    priority_id: await ids('priorities'),
    created_at: now,
    updated_at: now,
  });
}
