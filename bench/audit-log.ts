/**
 * The audit log page (/admin/audit) on a log of many entries: first page, a filter by action, and
 * a page deep in the log by its cursor. Each page resolves the names it shows with one query per
 * kind (no query per row), so its cost should not grow with the log. In this process on a
 * throw-away SQLite help desk (the test harness's); CPU ms of this process (app, SQLite engine
 * and the supertest client together) and wall ms per request.
 *
 *   npx tsx bench/audit-log.ts --entries 100000 --requests 100
 */
import { parseArgs } from 'node:util';
import request from 'supertest';
import { adminCredentials, installedApp, signIn } from '../tests/helpers/installed-app';
import { percentile } from './stats';

const { values } = parseArgs({
  options: { entries: { type: 'string', default: '100000' }, requests: { type: 'string', default: '100' } },
});
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const actions = [
  'settings.changed',
  'staff.changed',
  'category.changed',
  'api_token.created',
  'ticket_follower_added',
  'kb.article_changed',
  'role.changed',
];

async function main(): Promise<void> {
  const t = await installedApp();
  try {
    const entries = Number(values.entries);
    const staff = (await t.db('staff_users').select('id', 'name')) as Array<{ id: number; name: string }>;
    const categories = (await t.db('categories').pluck('id')) as number[];
    const start = t.clock.now() - entries * 60_000;
    for (let from = 0; from < entries; from += 500) {
      const rows = [];
      for (let i = from; i < Math.min(entries, from + 500); i++) {
        const who = staff[i % staff.length]!;
        const action = actions[i % actions.length]!;
        const details =
          action === 'staff.changed'
            ? { before: { categoryIds: [] }, after: { categoryIds: categories } }
            : action === 'settings.changed'
              ? { changes: { 'helpdesk.name': { before: `A${i}`, after: `B${i}` } } }
              : { name: `Thing ${i}`, expiresAt: start + i };
        rows.push({
          created_at: start + i * 60_000,
          staff_id: who.id,
          staff_name: who.name,
          action,
          target_type: action === 'staff.changed' ? 'staff' : 'category',
          target_id: String(action === 'staff.changed' ? who.id : categories[0]),
          details: JSON.stringify(details),
          ip: '127.0.0.1',
        });
      }
      await t.db('audit_log').insert(rows);
    }
    const admin = request.agent(t.app);
    await signIn(admin, adminCredentials);
    const first = (await admin.get('/admin/audit').expect(200)).text;
    const deepCursor = `${start + Math.floor(entries / 2) * 60_000}.${Math.floor(entries / 2)}`;
    const pages = {
      first: '/admin/audit',
      byAction: '/admin/audit?action=staff.changed',
      deep: `/admin/audit?before=${deepCursor}`,
    };
    if (!first.includes('audit-entry')) throw new Error('not the audit page');
    for (const [name, path] of Object.entries(pages)) {
      for (let i = 0; i < 10; i++) await admin.get(path).expect(200); // warm-up
      const wall: number[] = [];
      const c = cpuMs();
      for (let i = 0; i < Number(values.requests); i++) {
        const w = performance.now();
        await admin.get(path).expect(200);
        wall.push(performance.now() - w);
      }
      const cpu = (cpuMs() - c) / Number(values.requests);
      wall.sort((a, b) => a - b);
      const s = { p50: percentile(wall, 50), p95: percentile(wall, 95) };
      console.log(
        `${name.padEnd(9)} entries=${entries} p50=${s.p50.toFixed(1)} ms p95=${s.p95.toFixed(1)} ms cpu=${cpu.toFixed(1)} ms/request`,
      );
    }
  } finally {
    await t.close();
  }
}
void main();
