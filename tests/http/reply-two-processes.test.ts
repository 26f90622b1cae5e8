import type { Express } from 'express';
import type { Knex } from 'knex';
import pino from 'pino';
import request from 'supertest';
import { createKnex } from '../../src/db/knex-factory';
import { createI18n } from '../../src/i18n/i18n';
import { createApp } from '../../src/web/app';
import { createServices } from '../../src/web/app-services';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

// Two help desk instances on one database, each with its own connection pool, as behind a load
// balancer: what one instance checks in memory or in its own connection guards nothing here.
let t: InstalledApp;
let secondDb: Knex;
let second: Express;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

beforeAll(async () => {
  secondDb = createKnex(t.config.database, t.config.paths.data);
  second = createApp(
    createServices({
      config: t.config,
      db: secondDb,
      logger: pino({ level: 'silent' }),
      i18n: createI18n(),
      clock: t.clock,
    }),
    {},
  );
  const samId = (await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id;
  await t.db('staff_categories').insert({ staff_id: samId, category_id: 1 });
});
afterAll(async () => secondDb?.destroy());

async function agentOn(app: Express, creds: { email: string; password: string }) {
  const agent = request.agent(app);
  expect((await signIn(agent, creds)).status).toBe(303);
  return agent;
}

const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1]!;
type Poster = { post(path: string): request.Test };
function reply(agent: Poster, id: number, page: string, message: string) {
  return agent
    .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(csrfFrom(page))}`)
    .field('message', message)
    .field('seen', hidden(page, 'seen'))
    .field('submission_key', /id="reply-form"[\s\S]*?name="submission_key" value="([a-f0-9]{32})"/.exec(page)![1]!);
}
const staffReplies = (id: number) => t.db('messages').where({ ticket_id: id, kind: 'staff' }).pluck('body');
const replyMails = (id: number) => t.db('mail_outbox').where({ ticket_id: id, template: 'staff_replied' }).pluck('id');

test('two staff replying to one ticket at the same moment on two instances: one reply is sent, the other person is shown it and asked', async () => {
  const ada = await agentOn(t.app, adminCredentials);
  const sam = await agentOn(second, staffCredentials);
  const customer = request.agent(t.app);
  for (let round = 0; round < 8; round++) {
    const id = Number(
      (
        await t
          .db('tickets')
          .where({
            tracking_id: await openTicket(t, customer, { subject: `Race ${round}`, email: `race${round}@example.net` }),
          })
          .first('id')
      ).id,
    );
    const [adaPage, samPage] = await Promise.all([
      ada.get(`/admin/tickets/${id}`).expect(200),
      sam.get(`/admin/tickets/${id}`).expect(200),
    ]);
    const answers = await Promise.all([
      reply(ada, id, adaPage.text, `Ada ${round}`),
      reply(sam, id, samPage.text, `Sam ${round}`),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 409]);
    const stored = await staffReplies(id);
    expect(stored).toHaveLength(1);
    expect(await replyMails(id)).toHaveLength(1);
    // The one held sees the reply that was sent, marked new, with "Send anyway" and their text kept.
    const held = answers.find((r) => r.status === 409)!;
    const heldText = held === answers[0] ? `Ada ${round}` : `Sam ${round}`;
    expect(stored).not.toContain(heldText);
    expect(held.text).toContain(`>${stored[0]}</div>`);
    expect(held.text).toContain('Send anyway');
    expect(held.text).toContain(`>${heldText}</textarea>`);
    // Sending it anyway goes through (from the page that showed the newer reply).
    await reply(held === answers[0] ? ada : sam, id, held.text, heldText).expect(303);
    expect((await staffReplies(id)).sort()).toEqual([`Ada ${round}`, `Sam ${round}`]);
  }
});

/** One signed-in browser (its cookies: session and form token), usable against either instance. */
async function browserSession(creds: { email: string; password: string }) {
  const jar = new Map<string, string>();
  const keep = (res: request.Response) => {
    for (const c of (res.headers['set-cookie'] as unknown as string[] | undefined) ?? []) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const login = keep(await request(t.app).get('/admin/login').expect(200));
  keep(
    await request(t.app)
      .post('/admin/login')
      .set('Cookie', cookie())
      .type('form')
      .send({ _csrf: csrfFrom(login.text), email: creds.email, password: creds.password })
      .expect(303),
  );
  return (app: Express) => ({
    get: async (path: string) => keep(await request(app).get(path).set('Cookie', cookie()).expect(200)),
    post: (path: string) => request(app).post(path).set('Cookie', cookie()),
  });
}

test('the same reply form sent to both instances at once (a proxy retry) stores one reply and queues one mail', async () => {
  const ada = await browserSession(adminCredentials);
  const customer = request.agent(t.app);
  for (let round = 0; round < 4; round++) {
    const id = Number(
      (
        await t
          .db('tickets')
          .where({
            tracking_id: await openTicket(t, customer, {
              subject: `Retry ${round}`,
              email: `retry${round}@example.net`,
            }),
          })
          .first('id')
      ).id,
    );
    const page = (await ada(t.app).get(`/admin/tickets/${id}`)).text;
    const answers = await Promise.all([
      reply(ada(t.app), id, page, 'Only once'),
      reply(ada(second), id, page, 'Only once'),
    ]);
    expect(answers.map((r) => r.status)).toEqual([303, 303]);
    expect(await staffReplies(id)).toEqual(['Only once']);
    expect(await replyMails(id)).toHaveLength(1);
  }
});
