import type { Knex } from 'knex';
import { withTransaction } from '../../src/db/transaction';
import { insertKbArticle, upsertKbVersion } from '../../src/kb/kb-articles.repo';
import type { KbStatus } from '../../src/kb/kb.schema';
import { insertKbCategory, setKbCategoryNames } from '../../src/kb/kb-categories.repo';

type Version = { language?: string; title: string; slug: string; keywords?: string; body: string };

/** One knowledge-base article with its first version (and more languages after it). */
export async function addKbArticle(
  db: Knex,
  categoryId: number,
  first: Version,
  more: Version[] = [],
  status: KbStatus = 'published',
  now = Date.now(),
): Promise<number> {
  const id = await withTransaction(db, (trx) =>
    insertKbArticle(
      trx,
      { categoryId, status, pinned: false, position: 0 },
      {
        language: first.language ?? 'en',
        title: first.title,
        slug: first.slug,
        keywords: first.keywords ?? '',
        body: first.body,
      },
      null,
      now,
    ),
  );
  for (const v of more)
    await upsertKbVersion(
      db,
      id,
      { language: v.language ?? 'en', title: v.title, slug: v.slug, keywords: v.keywords ?? '', body: v.body },
      now,
    );
  return id;
}

/** A small knowledge base as a help desk would have it: two topics, a sub-topic, articles in English and Russian. */
export async function seedSmallKb(db: Knex) {
  const account = await insertKbCategory(db, { parentId: null, name: 'Your account', position: 0, public: true }, 1);
  await setKbCategoryNames(db, account, { ru: 'Ваша учётная запись' });
  const billing = await insertKbCategory(db, { parentId: null, name: 'Billing', position: 1, public: true }, 1);
  await setKbCategoryNames(db, billing, { ru: 'Оплата' });
  const invoices = await insertKbCategory(db, { parentId: billing, name: 'Invoices', position: 0, public: true }, 1);
  await setKbCategoryNames(db, invoices, { ru: 'Счета' });
  const reset = await addKbArticle(
    db,
    account,
    {
      title: 'Reset your password',
      slug: 'reset-your-password',
      keywords: 'login forgot sign in',
      body: '## Steps\n\n1. Open the **Sign in** page.\n2. Choose *Forgot password*.\n3. Follow the link we e-mail you within a few minutes.\n\nThe link works for one hour.',
    },
    [
      {
        language: 'ru',
        title: 'Сброс пароля',
        slug: 'sbros-parolya',
        keywords: 'вход забыли',
        body: '## Шаги\n\n1. Откройте страницу **входа**.\n2. Нажмите *Забыли пароль*.\n3. Перейдите по ссылке из письма.\n\nСсылка действует один час.',
      },
    ],
  );
  const email = await addKbArticle(db, account, {
    title: 'Change your e-mail address',
    slug: 'change-email',
    keywords: 'address profile',
    body: 'Open your profile and enter the new address. We send a confirmation to both addresses.',
  });
  const pdf = await addKbArticle(
    db,
    invoices,
    {
      title: 'Download an invoice as PDF',
      slug: 'download-invoice-pdf',
      keywords: 'invoice bill receipt',
      body: 'Every invoice has a **Download PDF** button on the *Billing* page.\n\n| Plan | Invoice day |\n| --- | --- |\n| Monthly | 1st |\n| Yearly | Renewal day |',
    },
    [
      {
        language: 'ru',
        title: 'Как скачать счёт в PDF',
        slug: 'skachat-schet',
        keywords: 'счёт квитанция',
        body: 'У каждого счёта есть кнопка **Скачать PDF** на странице *Оплата*.',
      },
    ],
  );
  const draft = await addKbArticle(
    db,
    billing,
    { title: 'Upcoming price change', slug: 'upcoming-price-change', body: 'Not public yet.' },
    [],
    'draft',
  );
  return { categories: { account, billing, invoices }, articles: { reset, email, pdf, draft } };
}

/** The signed suggestion ticket a new-ticket form page carries (data-session). */
export const kbSessionOf = (html: string): string => /data-session="([^"]*)"/.exec(html)![1]!;
