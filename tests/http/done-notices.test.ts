import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { fromRoot } from '../../src/paths';
import { adminCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { insertKbCategory } from '../../src/kb/kb-categories.repo';
import { addKbArticle } from '../helpers/kb-fixtures';
import { openTicket } from '../helpers/portal';
import { listFixtures } from '../helpers/staff-list';
import { statusNotices } from '../helpers/notices';
import { rememberedTextCount, translatorFor } from '../../src/i18n/remembered-texts';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const f = listFixtures(() => t);

/** Every `done=` value a route redirects with, read from the route sources (literals and the results of `${a ? 'b' : 'c'}`). */
function doneValuesInSources(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
      );
  for (const file of walk(fromRoot('src', 'web'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/done=(\w+)/g)) found.add(m[1]!);
    for (const m of text.matchAll(/done=\$\{([^}]*)\}/g))
      for (const w of m[1]!.matchAll(/[?:]\s*'(\w+)'/g)) found.add(w[1]!);
    for (const m of text.matchAll(/back\(req, '(\w+)'\)/g)) found.add(m[1]!);
  }
  return found;
}

const noticesOf = statusNotices;
const looksLikeKey = (text: string) => /^[\w-]+(\.[\w-]+)+$/.test(text);

type Page = [agent: request.Agent, path: string, values: string[]];
let pages: Page[] = [];

// One customer ticket and one signed-in admin serve every page below.
beforeAll(async () => {
  const admin = await f.staffAgent(adminCredentials);
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer);
  const ticketId = Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
  const customerId = Number((await t.db('tickets').where({ id: ticketId }).first('customer_id')).customer_id);
  const staffId = await f.staffId(adminCredentials.email);
  const now = t.clock.now();
  const [policy] = await t
    .db('sla_policies')
    .insert({ name: 'Notices', position: 1, targets: '{}', is_active: true, created_at: now, updated_at: now })
    .returning('id');
  const policyId = Number(typeof policy === 'object' ? policy.id : policy);
  const kbArticleId = await addKbArticle(
    t.db,
    await insertKbCategory(t.db, { parentId: null, name: 'Notices', position: 0, public: true }, 1),
    { title: 'Notices', slug: 'notices', body: 'Text.' },
  );
  pages = [
    [admin, '/admin/bans', ['added', 'removed']],
    [admin, '/admin/sla', ['calendarSaved', 'calendarRemoved', 'policySaved', 'policyRemoved']],
    [admin, `/admin/sla/policies/${policyId}`, ['levelAdded', 'levelRemoved']],
    [admin, `/admin/staff/${staffId}/two-factor`, ['reset']],
    [admin, '/admin/categories', ['saved', 'archived', 'restored']],
    [
      admin,
      '/admin/profile',
      ['details', 'notifications', 'password', 'passwordTokens', 'twoFactorOn', 'twoFactorOff', 'replyAddresses'],
    ],
    [admin, '/admin/staff', ['invited', 'created']],
    [admin, `/admin/staff/${staffId}`, ['saved', 'reactivated', 'deactivated', 'resent', 'passwordReset']],
    [admin, '/admin/api-tokens', ['revoked']],
    [admin, '/admin/upgrade', ['1']],
    [
      admin,
      `/admin/tickets/${ticketId}`,
      ['saved', 'merged', 'escalated', 'taken', 'created', 'replied', 'noted', 'mailresent'],
    ],
    [
      admin,
      '/admin/tickets',
      [
        'escalated',
        'viewsaved',
        'viewrenamed',
        'viewdeleted',
        'bulkfailed',
        'none',
        'bulk',
        'deleted',
        'merged',
        'columns',
      ],
    ],
    [admin, '/admin/canned', ['saved', 'deleted']],
    [admin, '/admin/kb', ['category', 'deleted']],
    [admin, `/admin/kb/articles/${kbArticleId}`, ['saved', 'files', 'fileRemoved']],
    [admin, '/admin/roles', ['saved', 'deleted']],
    [admin, '/admin/statuses', ['saved', 'deleted']],
    [admin, '/admin/priorities', ['saved', 'deleted']],
    [admin, '/admin/fields', ['saved', 'removed', 'restored']],
    [admin, '/admin/templates/ticket_received/en', ['saved', 'reset']],
    [admin, `/admin/customers/${customerId}`, ['anonymized', 'ticketAnonymized']],
    [admin, '/admin/customers', ['deleted']],
    [admin, '/admin/mail/inbound', ['discarded', 'created', 'replied', 'duplicate', 'refused', 'kept_aside']],
    [customer, `/helpdesk/tickets/${tracking}`, ['status', 'resolved', 'reopened', 'rated', 'satisfaction']],
  ];
});

test('every notice a route redirects with (?done=…) is walked below', () => {
  // A new redirect with a notice must be added to the pages above (and get its text).
  const walked = new Set(pages.flatMap(([, , values]) => values));
  expect([...doneValuesInSources()].filter((v) => !walked.has(v))).toEqual([]);
});

// One test per language (a few dozen pages each), so a busy machine does not run one test past its time limit.
test.each(['en', 'sk', 'ru', 'hu', 'lv'])('every notice is a sentence in %s, never a key', async (lng) => {
  for (const [agent, page, values] of pages) {
    for (const value of values) {
      const res = await agent.get(`${page}?done=${value}&lang=${lng}`);
      expect(`${lng} ${page}?done=${value}: ${res.status}`).toBe(`${lng} ${page}?done=${value}: 200`);
      const notices = noticesOf(res.text);
      expect(
        `${lng} ${page}?done=${value}: ${notices.length > 0 && !notices.some(looksLikeKey)} ${notices.join(' | ')}`,
      ).toMatch(new RegExp(`^${lng} \\S+: true `));
    }
  }
});

test('an unknown notice shows none, and no number of them grows the remembered texts', async () => {
  const [customerPage] = pages.filter(([, page]) => page.startsWith('/helpdesk/tickets/'));
  const staffPages = pages.filter(([, page]) =>
    /^\/admin\/(tickets\/\d+|canned|categories|fields|statuses|priorities)$/.test(page),
  );
  expect(staffPages).toHaveLength(6);
  for (const [agent, page] of [customerPage!, ...staffPages]) {
    for (const value of ['nosuchnotice', 'sa-ved', 'x'.repeat(5000), 'repliedQueued']) {
      const res = await agent.get(`${page}?done=${value}`);
      expect(`${page}?done=${value.slice(0, 20)}: ${res.status} ${noticesOf(res.text).join(' | ')}`).toBe(
        `${page}?done=${value.slice(0, 20)}: 200 `,
      );
    }
  }
  const t2 = translatorFor(t.services.i18n, 'lv');
  for (const [agent, page] of [customerPage!, staffPages[0]!]) {
    await agent.get(`${page}?lang=lv`).expect(200);
    const before = rememberedTextCount(t2);
    for (let i = 0; i < 40; i++)
      await agent
        .get(
          `${page}?lang=lv&done=${'a'.repeat(1000)}${i.toString(26).replace(/\d/g, (d) => 'qrstuvwxyz'[Number(d)]!)}`,
        )
        .expect(200);
    expect(rememberedTextCount(t2)).toBe(before);
  }
});
