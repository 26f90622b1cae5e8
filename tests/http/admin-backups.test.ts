import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { runBackup } from '../../src/backup/backup.service';
import {
  adminCredentials,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { tempDir } from '../helpers/test-db';

let t: InstalledApp;
useInstalledApp((app) => (t = app));

test('admins see that no backup was made, then when the last one ran, where it went and how big it is', async () => {
  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  expect((await admin.get('/admin/backups').expect(200)).text).toContain('No backup has been made yet.');
  expect((await admin.get('/admin/manage').expect(200)).text).toContain('href="/admin/backups"');

  const dir = tempDir('tessera-backup-page-');
  const out = path.join(dir, '<i>odd & name.jsonl.gz');
  const result = await runBackup(t.db, t.config.paths.attachments, out);
  await expect(
    runBackup(t.db, t.config.paths.attachments, path.join(dir, 'missing-folder', 'x.jsonl.gz')),
  ).rejects.toThrow();

  const page = (await admin.get('/admin/backups').expect(200)).text;
  expect(page).toContain('Last backup:');
  expect(page).toContain('&lt;i&gt;odd &amp; name.jsonl.gz');
  expect(page).not.toContain('<i>odd');
  expect(page).toContain('Failed');
  expect(page).toMatch(/\d+ rows, 0 files/);
  expect(result.bytes).toBe(fs.statSync(out).size);
  const runs = await t.db('backup_runs').orderBy('id').select('status', 'bytes');
  expect(runs.map((r: { status: string }) => r.status)).toEqual(['ok', 'failed']);
  expect(Number(runs[0].bytes)).toBe(result.bytes);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the page is for admins only: staff get 403, visitors are sent to sign in', async () => {
  const staff = request.agent(t.app);
  expect((await signIn(staff, staffCredentials)).status).toBe(303);
  expect((await staff.get('/admin/backups')).status).toBe(403);
  expect((await staff.get('/admin/manage').expect(200)).text).not.toContain('href="/admin/backups"');
  const anonymous = await request(t.app).get('/admin/backups');
  expect(anonymous.status).toBe(303);
  expect(anonymous.headers.location).toMatch(/^\/admin\/login/);
});
