import request from 'supertest';
import { insertKbCategory } from '../../src/kb/kb-categories.repo';
import type { Knex } from 'knex';
import { kbDayOf } from '../../src/kb/kb-articles.repo';
import { countKbArticleView } from '../../src/kb/kb-public.service';
import { addKbArticle } from '../helpers/kb-fixtures';
import { csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app));

let id: number;
beforeAll(async () => {
  const category = await insertKbCategory(t.db, { parentId: null, name: 'Open', position: 0, public: true }, 1);
  id = await addKbArticle(t.db, category, { title: 'Counted with faults', slug: 'counted', body: 'About counting.' });
});

const dailyGone = () => t.db.schema.renameTable('kb_article_daily', 'kb_article_daily_away');
const dailyBack = () => t.db.schema.renameTable('kb_article_daily_away', 'kb_article_daily');
const allTimeViews = async () =>
  Number((await t.db('kb_article_stats').where({ article_id: id }).first('views'))!.views);
const today = () =>
  t
    .db('kb_article_daily')
    .where({ article_id: id, day: kbDayOf(t.clock.now()) })
    .first('views', 'helpful', 'not_helpful');

test('a view that cannot be counted is logged, and the customer still reads the article', async () => {
  const warned = jest.spyOn(t.services.logger, 'warn');
  const before = await allTimeViews();
  await dailyGone();
  try {
    const page = await request(t.app).get(`/helpdesk/kb/${id}-counted`).expect(200);
    expect(page.text).toContain('About counting.');
  } finally {
    await dailyBack();
  }
  // The other counter is not held back by the failed one.
  expect(await allTimeViews()).toBe(before + 1);
  expect(warned).toHaveBeenCalledWith(
    expect.objectContaining({ articleId: id, counter: 'daily' }),
    'a knowledge-base view was not counted',
  );
  warned.mockRestore();
});

test("a vote and its day's tally are stored together: when the tally fails nothing is kept, and the visitor's retry counts", async () => {
  const visitor = request.agent(t.app);
  const page = await visitor.get(`/helpdesk/kb/${id}-counted`).expect(200);
  const vote = () =>
    visitor
      .post(`/helpdesk/kb/${id}-counted/vote`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), helpful: 'yes' });
  await dailyGone();
  try {
    await vote().expect(500);
  } finally {
    await dailyBack();
  }
  expect(Number((await t.db('kb_votes').where({ article_id: id }).count({ n: '*' }).first())!.n)).toBe(0);
  expect(Number((await t.db('kb_article_stats').where({ article_id: id }).first('helpful'))!.helpful)).toBe(0);
  expect((await vote().expect(303)).headers.location).toContain('voted=thanks');
  expect(await today()).toEqual({ views: 1, helpful: 1, not_helpful: 0 });
  expect(Number((await t.db('kb_article_stats').where({ article_id: id }).first('helpful'))!.helpful)).toBe(1);
});

/** The database, whose next `times` statements on `table` fail as a deadlock does (MariaDB's 1213). */
function deadlocking(db: Knex, table: string, times: number): Knex {
  let left = times;
  return new Proxy(db, {
    apply(target, self, args: [string]) {
      const builder = Reflect.apply(target, self, args) as Knex.QueryBuilder;
      if (args[0] !== table || left <= 0) return builder;
      left--;
      const deadlock = Object.assign(new Error('Deadlock found when trying to get lock'), {
        errno: 1213,
        code: 'ER_LOCK_DEADLOCK',
      });
      return Object.assign(builder, {
        then: (ok: never, failed: (e: unknown) => unknown) => Promise.reject(deadlock).then(ok, failed),
      });
    },
  });
}

test('a view that meets a deadlock is counted on the next try, on both counters', async () => {
  const before = { allTime: await allTimeViews(), day: (await today())!.views };
  const warned = jest.spyOn(t.services.logger, 'warn');
  await countKbArticleView(
    { db: deadlocking(deadlocking(t.db, 'kb_article_daily', 2), 'kb_article_stats', 1), logger: t.services.logger },
    id,
    t.clock.now(),
  );
  expect(await allTimeViews()).toBe(before.allTime + 1);
  expect((await today())!.views).toBe(before.day + 1);
  // More deadlocks than the helper's tries: given up, logged, not thrown.
  await countKbArticleView(
    { db: deadlocking(t.db, 'kb_article_stats', 10), logger: t.services.logger },
    id,
    t.clock.now(),
  );
  expect(await allTimeViews()).toBe(before.allTime + 1);
  expect((await today())!.views).toBe(before.day + 2);
  expect(warned).toHaveBeenCalledTimes(1);
  expect(warned).toHaveBeenCalledWith(
    expect.objectContaining({ articleId: id, counter: 'all-time' }),
    'a knowledge-base view was not counted',
  );
  warned.mockRestore();
});
