import type { Knex } from 'knex';
import { bumpSettingsRevision } from '../settings/settings.repo';

export type TemplateOverride = { template: string; language: string; subject: string; body: string; updatedAt: number };

export async function findTemplateOverride(
  db: Knex,
  template: string,
  language: string,
): Promise<TemplateOverride | undefined> {
  const row = await db('mail_template_overrides')
    .where({ template, language })
    .first<{ subject: string; body: string; updated_at: number | string } | undefined>('subject', 'body', 'updated_at');
  return row
    ? { template, language, subject: row.subject, body: row.body, updatedAt: Number(row.updated_at) }
    : undefined;
}

/** A template's rewritten wordings in every language, in one read (mails queued together in several languages). */
export async function templateOverridesByLanguage(db: Knex, template: string): Promise<Map<string, TemplateOverride>> {
  const rows = await db('mail_template_overrides')
    .where({ template })
    .select<Array<{ language: string; subject: string; body: string; updated_at: number | string }>>(
      'language',
      'subject',
      'body',
      'updated_at',
    );
  return new Map(
    rows.map((r) => [
      r.language,
      { template, language: r.language, subject: r.subject, body: r.body, updatedAt: Number(r.updated_at) },
    ]),
  );
}

/** Which templates have been rewritten in which language (a short table: templates × languages). */
export async function listTemplateOverrides(
  db: Knex,
): Promise<Array<{ template: string; language: string; updatedAt: number }>> {
  const rows = await db('mail_template_overrides')
    .select('template', 'language', 'updated_at')
    .orderBy(['template', 'language'])
    .limit(1000);
  return rows.map((r: { template: string; language: string; updated_at: number | string }) => ({
    template: r.template,
    language: r.language,
    updatedAt: Number(r.updated_at),
  }));
}

export async function saveTemplateOverride(
  db: Knex,
  o: { template: string; language: string; subject: string; body: string; staffId: number | null },
  now: number,
): Promise<void> {
  await db('mail_template_overrides')
    .insert({
      template: o.template,
      language: o.language,
      subject: o.subject,
      body: o.body,
      updated_by_staff_id: o.staffId,
      updated_at: now,
    })
    .onConflict(['template', 'language'])
    .merge(['subject', 'body', 'updated_by_staff_id', 'updated_at']);
  await bumpSettingsRevision(db, now); // the wordings are kept beside the settings (mail.service.ts)
}

export async function deleteTemplateOverride(
  db: Knex,
  template: string,
  language: string,
  now: number,
): Promise<number> {
  const deleted = await db('mail_template_overrides').where({ template, language }).del();
  await bumpSettingsRevision(db, now);
  return deleted;
}
