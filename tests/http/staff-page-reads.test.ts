import request from 'supertest';
import {
  installedApp,
  queriesDuring,
  signedInAgent,
  staffCredentials,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { adminAgent } from '../helpers/staff-admin';

/**
 * Issue 16: what a staff page has read once in a request it does not read again — the list's
 * statuses and priorities (its filters read them; its rows take their names from them), and the
 * ticket page's viewer categories (the page's parts and the ticket's visibility check share them).
 */
let t: InstalledApp;

beforeAll(async () => {
  t = await installedApp();
  await openTicket(t, request.agent(t.app));
});
afterAll(() => t?.close());

const readsOf = (table: string, sql: string[]) =>
  sql.filter((s) => new RegExp(`from [\`"]${table}[\`"]`).test(s)).length;

test('the staff list reads statuses and priorities once, and names its rows with them', async () => {
  const admin = await adminAgent(t);
  let page = await admin.get('/admin/tickets');
  const sql = await queriesDuring(t, async () => {
    page = await admin.get('/admin/tickets');
  });
  expect(page.status).toBe(200);
  expect(page.text).toContain('Printer on fire');
  expect(page.text).toMatch(/>\s*New\s*</);
  expect(page.text).toMatch(/>\s*Normal\s*</);
  expect([readsOf('statuses', sql), readsOf('priorities', sql)]).toEqual([1, 1]);
});

test('the ticket page reads the viewer categories of a staff member once', async () => {
  const sam = (await t.db('staff_users').where({ email: staffCredentials.email }).first('id')) as { id: number };
  await t.db('staff_categories').insert({ staff_id: sam.id, category_id: 1 });
  const staff = await signedInAgent(t, staffCredentials);
  let page = await staff.get('/admin/tickets/1');
  const sql = await queriesDuring(t, async () => {
    page = await staff.get('/admin/tickets/1');
  });
  expect(page.status).toBe(200);
  expect(page.text).toContain('Printer on fire');
  expect(readsOf('staff_categories', sql)).toBe(1);
  // Unseen categories are still "not found".
  await t.db('staff_categories').where({ staff_id: sam.id }).delete();
  expect((await staff.get('/admin/tickets/1')).status).toBe(404);
});
