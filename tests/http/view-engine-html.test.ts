import ejs from 'ejs';
import request from 'supertest';
import { createApp } from '../../src/web/app';
import { appRoutes } from '../helpers/app-routes';
import { installedApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { adminAgent } from '../helpers/staff-admin';

/**
 * Issue 16: the production view engine (src/web/view-engine.ts) calls each compiled partial
 * itself instead of EJS's `include`; every page it renders must be byte-identical to what EJS's
 * own engine (with its cache, as before) renders for the same request.
 */
let t: InstalledApp;
let trackingId: string;
let customer: request.Agent;
let staff: request.Agent;

beforeAll(async () => {
  t = await installedApp();
  customer = request.agent(t.app);
  trackingId = await openTicket(t, customer);
  await openTicket(t, customer, { subject: 'Second <b>one</b> & more' });
  staff = await adminAgent(t);
});
afterAll(() => t?.close());

/** The same app with EJS's own engine, its view cache on; requests carry the agent's cookies. */
function withEjsEngine(agent: request.Agent): request.Agent {
  const app = createApp(t.services, { services: t.services, mode: 'production' });
  app.engine('ejs', ejs.renderFile);
  const twin = request.agent(app) as request.Agent & { jar: unknown };
  twin.jar = (agent as request.Agent & { jar: unknown }).jar;
  return twin;
}

/** Every GET page of the app without a parameter under the prefix, plus the given ones. */
function pagesUnder(prefix: string, extra: string[]): string[] {
  const plain = appRoutes(t.app)
    .filter((r) => r.startsWith(`GET ${prefix}`) && !r.includes('{'))
    .map((r) => r.slice(4));
  return [...plain, ...extra];
}

/** A form's one-time submission key is new on every request. */
const withoutOneTimeKeys = (html: string) =>
  html.replace(/name="submission_key" value="[0-9a-f]+"/g, 'name="submission_key" value="…"');

async function expectSameHtml(agent: request.Agent, paths: string[]): Promise<number> {
  const ejsTwin = withEjsEngine(agent);
  let html = 0;
  for (const path of paths) {
    const before = await ejsTwin.get(path);
    const after = await agent.get(path);
    const again = await ejsTwin.get(path);
    expect({ path, status: after.status }).toEqual({ path, status: before.status });
    if (!String(after.headers['content-type']).startsWith('text/html')) continue;
    // A page that records the visit (read marks) is compared with the visit after it.
    const [was, is, next] = [before, after, again].map((res) => withoutOneTimeKeys(res.text));
    expect({ path, html: is }).toEqual({ path, html: was === is ? was : next });
    html++;
  }
  return html;
}

test('staff pages render byte-identical HTML with the production engine', async () => {
  const compared = await expectSameHtml(
    staff,
    pagesUnder('/admin', ['/admin/tickets/1', '/admin/tickets/2', '/admin/tickets/1/print', '/admin/customers/1']),
  );
  expect(compared).toBeGreaterThan(30);
});

test('customer pages render byte-identical HTML with the production engine', async () => {
  const compared = await expectSameHtml(
    customer,
    pagesUnder('/helpdesk', [`/helpdesk/tickets/${trackingId}`, '/helpdesk/tickets/nope', '/nowhere']),
  );
  expect(compared).toBeGreaterThan(5);
});
