import request from 'supertest';
import { withTransaction } from '../../src/db/transaction';
import { insertKbArticle, storeKbHtml, upsertKbVersion } from '../../src/kb/kb-articles.repo';
import { kbHtmlRevision } from '../../src/kb/kb-markdown';
import { refreshStaleKbHtml } from '../../src/kb/kb-upkeep.service';
import { insertKbCategory, updateKbCategory } from '../../src/kb/kb-categories.repo';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
let category: number;
let article: number;
useInstalledApp((app) => (t = app));

beforeAll(async () => {
  category = await insertKbCategory(t.db, { parentId: null, name: 'Cached topic', position: 0, public: true }, 1);
  article = await withTransaction(t.db, (trx) =>
    insertKbArticle(
      trx,
      { categoryId: category, status: 'published', pinned: false, position: 0 },
      {
        language: 'en',
        title: 'Stored page',
        slug: 'stored-page',
        keywords: '',
        body: '# Hello\n\n**bold** <script>x()</script>',
      },
      null,
      t.clock.now(),
    ),
  );
});

/** The SQL statements one request runs, by table. */
async function statementsOf(path: string): Promise<string[]> {
  const seen: string[] = [];
  const listen = (q: { sql: string }) => seen.push(q.sql);
  t.db.on('query', listen);
  try {
    await request(t.app).get(path).expect(200);
  } finally {
    t.db.removeListener('query', listen);
  }
  return seen;
}

test('the category list is read once per change of the tree, whichever process changed it', async () => {
  await request(t.app).get('/helpdesk/kb').expect(200);
  const page = `/helpdesk/kb/${article}-stored-page`;
  await request(t.app).get(page).expect(200);
  const again = await statementsOf(page);
  expect(again.filter((sql) => /kb_categor/.test(sql))).toEqual([]);
  expect(again.filter((sql) => /kb_revision/.test(sql))).toHaveLength(1);
  // A change written by another process (the repository's write counts the revision up) is seen at the next request.
  await updateKbCategory(
    t.db,
    category,
    { parentId: null, name: 'Cached topic', position: 0, public: false },
    t.clock.now(),
  );
  await request(t.app).get(page).expect(404);
  expect((await request(t.app).get('/helpdesk/kb').expect(200)).text).not.toContain('Cached topic');
  await updateKbCategory(
    t.db,
    category,
    { parentId: null, name: 'Renamed topic', position: 0, public: true },
    t.clock.now(),
  );
  expect((await request(t.app).get('/helpdesk/kb').expect(200)).text).toContain('Renamed topic');
  await request(t.app).get(page).expect(200);
});

test('an article page serves the HTML stored at save time and merges its reads', async () => {
  const stored = await t.db('kb_article_versions').where({ article_id: article }).first('html', 'html_revision');
  expect(stored.html).toContain('<strong>bold</strong>');
  expect(stored.html).not.toContain('<script>');
  // What the page shows is the stored HTML: a stored row is used as it is.
  await t.db('kb_article_versions').where({ article_id: article }).update({ html: '<p>from the row</p>' });
  const page = `/helpdesk/kb/${article}-stored-page`;
  expect((await request(t.app).get(page).expect(200)).text).toContain('<p>from the row</p>');
  // HTML made under older rules is rendered again from the Markdown.
  await t.db('kb_article_versions').where({ article_id: article }).update({ html_revision: 0 });
  const fresh = (await request(t.app).get(page).expect(200)).text;
  expect(fresh).not.toContain('from the row');
  expect(fresh).toContain('<strong>bold</strong>');
  // The kb-html job stores it again under today's rules (a row whose body changed meanwhile is left alone).
  const version = await t.db('kb_article_versions').where({ article_id: article }).first('id', 'updated_at');
  // Read before a save that came meanwhile (its updated_at moved on): left as the save stored it.
  expect(
    await storeKbHtml(
      t.db,
      { id: Number(version.id), updatedAt: Number(version.updated_at) - 1, revision: 0 },
      '<p>stale</p>',
      kbHtmlRevision,
    ),
  ).toBe(false);
  // Read before a save in the same millisecond (its html_revision moved on): left alone too.
  expect(
    await storeKbHtml(
      t.db,
      { id: Number(version.id), updatedAt: Number(version.updated_at), revision: kbHtmlRevision + 1 },
      '<p>stale</p>',
      kbHtmlRevision,
    ),
  ).toBe(false);
  expect(await t.db('kb_article_versions').where({ article_id: article }).first('html_revision')).toEqual({
    html_revision: 0,
  });
  expect(await refreshStaleKbHtml(t.services)).toBeGreaterThanOrEqual(1);
  const refreshed = await t.db('kb_article_versions').where({ article_id: article }).first('html', 'html_revision');
  expect([
    refreshed.html_revision,
    refreshed.html.includes('<strong>bold</strong>'),
    refreshed.html.includes('from the row'),
  ]).toEqual([kbHtmlRevision, true, false]);
  expect(await refreshStaleKbHtml(t.services)).toBe(0);
  // Revision, article with its counters, versions, related titles, the view: no separate counter or published-filter reads.
  const statements = await statementsOf(page);
  expect(
    statements.filter((sql) => /kb_article_stats/.test(sql) && !/^update/i.test(sql) && !/join/i.test(sql)),
  ).toEqual([]);
  expect(statements.length).toBeLessThanOrEqual(8);
});

test('related articles are kept on the version after the first view, and an edit asks again', async () => {
  const other = await withTransaction(t.db, (trx) =>
    insertKbArticle(
      trx,
      { categoryId: category, status: 'published', pinned: false, position: 0 },
      { language: 'en', title: 'Spooler tips', slug: 'spooler-tips', keywords: 'spooler queue', body: 'Restart it.' },
      null,
      t.clock.now(),
    ),
  );
  const one = await withTransaction(t.db, (trx) =>
    insertKbArticle(
      trx,
      { categoryId: category, status: 'published', pinned: false, position: 0 },
      { language: 'en', title: 'Queue stuck', slug: 'queue-stuck', keywords: 'spooler queue', body: 'Clear it.' },
      null,
      t.clock.now(),
    ),
  );
  expect(await t.db('kb_article_versions').where({ article_id: one }).first('related')).toEqual({ related: null });
  const page = `/helpdesk/kb/${one}-queue-stuck`;
  expect((await request(t.app).get(page).expect(200)).text).toContain(`/helpdesk/kb/${other}-spooler-tips`);
  expect(await t.db('kb_article_versions').where({ article_id: one }).first('related')).toEqual({
    related: String(other),
  });
  // The next view reads the kept list (no search on the index).
  expect((await statementsOf(page)).filter((sql) => /kb_fts|MATCH|tsquery/i.test(sql))).toEqual([]);
  await withTransaction(t.db, (trx) =>
    upsertKbVersion(
      trx,
      one,
      { language: 'en', title: 'Queue stuck', slug: 'queue-stuck', keywords: 'spooler queue', body: 'Clear it again.' },
      t.clock.now(),
    ),
  );
  expect(await t.db('kb_article_versions').where({ article_id: one }).first('related')).toEqual({ related: null });
});
