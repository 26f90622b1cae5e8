import { withTransaction } from '../../src/db/transaction';
import { releaseJobLease, takeJobLease } from '../../src/jobs/job-lease';
import { insertKbArticle } from '../../src/kb/kb-articles.repo';
import { insertKbCategory } from '../../src/kb/kb-categories.repo';
import { kbHtmlRevision } from '../../src/kb/kb-markdown';
import { afterKbArticleChange, refreshStaleKbHtml, syncStaleKbTerms } from '../../src/kb/kb-upkeep.service';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';

/** Articles whose vocabulary cannot be stored, and whether bodies saying "Breaks" fail to render. */
const mockBroken = { articles: new Set<number>(), render: false };
jest.mock('../../src/kb/kb-terms.repo', () => {
  const actual = jest.requireActual<typeof import('../../src/kb/kb-terms.repo')>('../../src/kb/kb-terms.repo');
  return {
    ...actual,
    storeKbTermSource: (trx: never, id: number, source: never) =>
      mockBroken.articles.has(id) ? Promise.reject(new Error('broken row')) : actual.storeKbTermSource(trx, id, source),
  };
});
jest.mock('../../src/kb/kb-markdown', () => {
  const actual = jest.requireActual<typeof import('../../src/kb/kb-markdown')>('../../src/kb/kb-markdown');
  return {
    ...actual,
    renderKbMarkdown: (body: string) => {
      if (mockBroken.render && body.includes('Breaks')) throw new Error('broken render');
      return actual.renderKbMarkdown(body);
    },
  };
});

let t: InstalledApp;
let category: number;
useInstalledApp((app) => (t = app));

beforeAll(async () => {
  category = await insertKbCategory(t.db, { parentId: null, name: 'Upkeep', position: 0, public: true }, 1);
});
afterEach(() => {
  mockBroken.articles.clear();
  mockBroken.render = false;
  jest.restoreAllMocks();
});

let made = 0;
const add = (body: string) => {
  made += 1;
  return withTransaction(t.db, (trx) =>
    insertKbArticle(
      trx,
      { categoryId: category, status: 'published', pinned: false, position: 0 },
      { language: 'en', title: `Upkeep ${made}`, slug: `upkeep-${made}`, keywords: '', body },
      null,
      t.clock.now(),
    ),
  );
};
const catchUp = async () => {
  while ((await syncStaleKbTerms(t.services, { budgetMs: 600_000 })) > 0);
};
const termCount = async (term: string) =>
  Number((await t.db('kb_terms').where({ term }).first('articles'))?.articles ?? 0);
async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listen = (q: { sql: string }) => seen.push(q.sql);
  t.db.on('query', listen);
  try {
    await run();
  } finally {
    t.db.removeListener('query', listen);
  }
  return seen;
}

test('a kb-terms run with nothing changed since its last sweep reads one row and scans nothing', async () => {
  await add('Gyroflange basics.');
  await catchUp();
  expect(await termCount('gyroflange')).toBe(1);
  const idle = await statementsOf(() => syncStaleKbTerms(t.services));
  expect(idle).toHaveLength(1);
  expect(idle[0]).toMatch(/kb_revision/);
  // An article written (the repository counts kb_revision up in the save's transaction): the next run looks.
  const id = await add('Gyroflange advanced.');
  const busy = await statementsOf(() => syncStaleKbTerms(t.services));
  expect(busy.some((sql) => /kb_term_sources/.test(sql))).toBe(true);
  expect(await termCount('gyroflange')).toBe(2);
  expect(await t.db('kb_term_sources').where({ article_id: id }).first('article_id')).toBeTruthy();
  expect(await statementsOf(() => syncStaleKbTerms(t.services))).toHaveLength(1);
  // A change of the category tree makes the next run look too.
  await insertKbCategory(t.db, { parentId: null, name: 'Another upkeep', position: 1, public: true }, 1);
  expect((await statementsOf(() => syncStaleKbTerms(t.services))).some((sql) => /kb_term_sources/.test(sql))).toBe(
    true,
  );
});

test('an article whose sync throws is logged and passed: the ones after it are synced, and it is retried until it works', async () => {
  const broken = await add('Snarfcoupling broken.');
  const after = await add('Snarfcoupling fine.');
  mockBroken.articles.add(broken);
  const errors = jest.spyOn(t.services.logger, 'error').mockImplementation(() => undefined);
  expect(await syncStaleKbTerms(t.services, { batch: 1, budgetMs: 600_000 })).toBeGreaterThanOrEqual(1);
  expect(errors).toHaveBeenCalledWith(expect.objectContaining({ job: 'kb-terms', id: broken }), expect.any(String));
  expect(await termCount('snarfcoupling')).toBe(1);
  expect(await t.db('kb_term_sources').where({ article_id: after }).first('article_id')).toBeTruthy();
  // Not caught up while one failed: the next run looks again (and the failure is logged again, not hidden).
  errors.mockClear();
  expect(await syncStaleKbTerms(t.services)).toBe(0);
  expect(errors).toHaveBeenCalledTimes(1);
  mockBroken.articles.clear();
  expect(await syncStaleKbTerms(t.services)).toBe(1);
  expect(await termCount('snarfcoupling')).toBe(2);
  expect(await statementsOf(() => syncStaleKbTerms(t.services))).toHaveLength(1);
});

test('a sync after a save that fails is logged with the article, not thrown at the editor', async () => {
  const id = await add('Quorplate notes.');
  mockBroken.articles.add(id);
  const warn = jest.fn();
  await expect(
    afterKbArticleChange({ db: t.db, logger: { ...t.services.logger, warn } as typeof t.services.logger }, id),
  ).resolves.toBeUndefined();
  expect(warn).toHaveBeenCalledWith(expect.objectContaining({ articleId: id }), expect.any(String));
  mockBroken.articles.clear();
  await catchUp();
});

test('kb-html: a version that fails to render is logged and passed; the job keeps to its lease and its budget', async () => {
  const broken = await add('Breaks the renderer.');
  const fine = [await add('Renders fine one.'), await add('Renders fine two.')];
  await t.db('kb_article_versions').update({ html_revision: 0 });
  // Another process holds the job: this one does nothing.
  expect(await takeJobLease(t.db, 'kb-html', t.clock.now(), 60_000, 'another-process')).toBe(true);
  expect(await refreshStaleKbHtml(t.services)).toBe(0);
  await releaseJobLease(t.db, 'kb-html', 'another-process');
  const revisionOf = async (articleId: number) =>
    Number((await t.db('kb_article_versions').where({ article_id: articleId }).first('html_revision'))!.html_revision);
  // A spent budget ends the run after its first batch.
  const stale = Number(
    (await t.db('kb_article_versions').whereNot('html_revision', kbHtmlRevision).count<{ n: number }[]>({ n: '*' }))[0]!
      .n,
  );
  expect(await refreshStaleKbHtml(t.services, { batch: 1, budgetMs: 0 })).toBe(1);
  expect(
    Number(
      (
        await t.db('kb_article_versions').whereNot('html_revision', kbHtmlRevision).count<{ n: number }[]>({ n: '*' })
      )[0]!.n,
    ),
  ).toBe(stale - 1);
  mockBroken.render = true;
  const errors = jest.spyOn(t.services.logger, 'error').mockImplementation(() => undefined);
  expect(await refreshStaleKbHtml(t.services, { batch: 1, budgetMs: 600_000 })).toBe(stale - 2);
  expect(errors).toHaveBeenCalledWith(expect.objectContaining({ job: 'kb-html' }), expect.any(String));
  expect([await revisionOf(broken), await revisionOf(fine[0]!), await revisionOf(fine[1]!)]).toEqual([
    0,
    kbHtmlRevision,
    kbHtmlRevision,
  ]);
  mockBroken.render = false;
  expect(await refreshStaleKbHtml(t.services)).toBe(1);
  expect(await revisionOf(broken)).toBe(kbHtmlRevision);
});
