import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { releaseScripts } from '../../src/cli/release';
import { fromRoot } from '../../src/paths';
import { createApp } from '../../src/web/app';
import { runModeOf } from '../../src/web/run-mode';
import { installedApp, type InstalledApp } from '../helpers/installed-app';
import { tempDir } from '../helpers/test-db';

/**
 * Issue 16: the README's `npm start` (and the release's app.js) must serve compiled, cached views,
 * so a view changed on disk after start is not picked up; only development mode re-reads it.
 */
let t: InstalledApp;
let views: string;

beforeAll(async () => {
  t = await installedApp();
});
afterAll(async () => {
  await t?.close();
  if (views) fs.rmSync(views, { recursive: true, force: true });
});

/** The environment a start command gives the server: the variables it sets before `node`. */
function envOfCommand(command: string): Record<string, string> {
  const words = command.split('&&').at(-1)!.trim().split(/\s+/);
  const assignments = words.slice(
    0,
    words.findIndex((w) => !/^[A-Z_]+=/.test(w)),
  );
  return Object.fromEntries(assignments.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
}

/** The help desk as started with this environment, its views read from a copy the test may edit. */
function appStartedWith(env: Record<string, string>) {
  views = tempDir('tessera-views-');
  fs.cpSync(fromRoot('views'), views, { recursive: true });
  const app = createApp(t.services, { services: t.services, mode: runModeOf(env) });
  app.set('views', [views]);
  return app;
}

/** Edits a partial every page includes: what a changed template on disk looks like. */
function editHeadPartialOnDisk(marker: string): void {
  fs.appendFileSync(path.join(views, 'partials', 'head.ejs'), `<!-- ${marker} -->`);
}

test('the start commands set no development mode: production', () => {
  const pkg = JSON.parse(fs.readFileSync(fromRoot('package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const start of [pkg.scripts.start!, releaseScripts.start!])
    expect(runModeOf(envOfCommand(start))).toBe('production');
  expect(runModeOf(envOfCommand(pkg.scripts.dev!))).toBe('development');
});

test('in production mode a view changed on disk after start is not picked up', async () => {
  const app = appStartedWith(envOfCommand(releaseScripts.start!));
  expect((await request(app).get('/helpdesk')).status).toBe(200);
  editHeadPartialOnDisk('edited-after-start');
  const page = await request(app).get('/helpdesk');
  expect(page.status).toBe(200);
  expect(page.text).not.toContain('edited-after-start');
});

test('in development mode the edited view shows on the next request', async () => {
  const app = appStartedWith({ NODE_ENV: 'development' });
  expect((await request(app).get('/helpdesk')).status).toBe(200);
  editHeadPartialOnDisk('edited-in-development');
  expect((await request(app).get('/helpdesk')).text).toContain('edited-in-development');
});
