import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildRelease } from '../../src/cli/release';
import { fromRoot } from '../../src/paths';
import { collectPageErrors, expectAccessible, launchBrowser } from '../browser/browser';
import { createTestDatabase, serverSettings, tempDir, type TestDatabase } from '../helpers/test-db';
import { waitFor } from '../helpers/wait-for';
import { adminForm } from '../helpers/wizard';
import { apacheConfig, freeLoopbackPort, missingPackages, startApache, stopApache } from './passenger';

/**
 * The release as an owner on shared hosting meets it: the zip unpacked into a folder, `npm ci
 * --omit=dev` on a host without a C++ compiler (so the optional better-sqlite3 cannot build),
 * then Apache with Phusion Passenger runs app.js as cPanel configures it, and the wizard is
 * driven in Chromium on MariaDB to the first ticket, which the administrator then sees.
 *
 * TESSERA_DOCS_SCREENSHOTS=1 also writes the README's screenshots to docs/shared-hosting/.
 */
const appUser = 'www-data';
const shots = fromRoot('test-output', 'release');
const docShots = process.env.TESSERA_DOCS_SCREENSHOTS === '1' ? fromRoot('docs', 'shared-hosting') : null;

let work: string;
let appRoot: string;
let tdb: TestDatabase;
let apache: ChildProcess | undefined;
let browser: Browser | undefined;
let base: string;

beforeAll(async () => {
  const missing = missingPackages();
  if (missing.length > 0)
    throw new Error(`install Debian's ${missing.join(', ')} (apt-get install ${missing.join(' ')}); .ci/run does`);
  work = tempDir('tessera-release-');
  fs.chmodSync(work, 0o755); // the web server's user walks into it
  const zip = await buildRelease(path.join(work, 'build'));
  appRoot = path.join(work, 'app');
  fs.mkdirSync(appRoot);
  execFileSync('unzip', ['-q', zip, '-d', appRoot]);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await stopApache(apache);
  await tdb?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the zip holds compiled JavaScript and what it reads, not sources or tests', () => {
  const files = execFileSync('find', ['.', '-type', 'f'], { cwd: appRoot, encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((f) => f.slice(2));
  expect(files).toEqual(
    expect.arrayContaining([
      'app.js',
      'package.json',
      'package-lock.json',
      'README.md',
      'LICENSE',
      'config/default.json',
      'dist/src/server.js',
      'install/views/step-database.ejs',
      'views/partials/head.ejs',
      'src/i18n/locales/sk/translation.json',
    ]),
  );
  expect(
    files.filter(
      (f) =>
        f.endsWith('.ts') ||
        f.endsWith('.map') ||
        f.startsWith('tests/') ||
        f.startsWith('bench/') ||
        f.endsWith('cli/release.js'),
    ),
  ).toEqual([]);
  const migrations = fs.readdirSync(path.join(appRoot, 'dist', 'migrations'));
  expect(migrations.length).toBe(fs.readdirSync(fromRoot('migrations')).filter((f) => f.endsWith('.ts')).length);
  expect(migrations.every((f) => f.endsWith('.js'))).toBe(true);
  const pkg = JSON.parse(fs.readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  expect(pkg.scripts.start).toBe('node app.js');
  expect(Object.values(pkg.scripts).join(' ')).not.toMatch(/tsx|tsc/);
});

test('npm ci --omit=dev succeeds on a host without a C++ compiler, and leaves SQLite out', () => {
  // No compiler, and no prebuilt binary to fall back on: better-sqlite3's build must fail.
  const env = { ...process.env, CC: '/bin/false', CXX: '/bin/false', npm_config_build_from_source: 'true' };
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: appRoot,
    env,
    stdio: 'inherit',
  });
  expect(fs.existsSync(path.join(appRoot, 'node_modules', 'mysql2'))).toBe(true);
  for (const devOnly of ['tsx', 'jest', 'playwright-core', 'yazl'])
    expect(fs.existsSync(path.join(appRoot, 'node_modules', devOnly))).toBe(false);
  expect(
    fs.existsSync(path.join(appRoot, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')),
  ).toBe(false);
  // The panel's Node.js application runs as the hosting account, which owns its files.
  execFileSync('chown', ['-R', `${appUser}:${appUser}`, appRoot]);
});

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  if (docShots) {
    fs.mkdirSync(docShots, { recursive: true });
    fs.copyFileSync(path.join(shots, `${name}.png`), path.join(docShots, `${name}.png`));
  }
  await expectAccessible(page);
}

test('under Apache and Passenger on MariaDB, the wizard leads to the first ticket, which staff see', async () => {
  tdb = await createTestDatabase('mysql');
  const port = await freeLoopbackPort();
  base = `http://127.0.0.1:${port}`;
  const docRoot = path.join(work, 'public_html');
  fs.mkdirSync(docRoot);
  const configFile = path.join(work, 'httpd.conf');
  fs.writeFileSync(configFile, apacheConfig({ dir: work, port, appRoot, docRoot, user: appUser }));
  apache = startApache(configFile);
  // Passenger starts the application on the first request.
  await waitFor(
    async () => (await fetch(`${base}/healthz`).catch(() => null))?.status === 200,
    'Passenger to start app.js',
    300_000,
  );
  const installing = await fetch(`${base}/helpdesk`, { redirect: 'manual' });
  expect(installing.headers.get('location')).toBe('/install');

  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  const page = await context.newPage();
  const errors = collectPageErrors(page);

  await page.goto(`${base}/install`);
  await page.waitForURL('**/install/welcome');
  await shot(page, 'shared-hosting-1-welcome');
  await page.locator('label[for=accept]').click();
  await page.getByRole('button', { name: 'Start the installation' }).click();

  await page.waitForURL('**/install/checks');
  const sqliteCheck = page.locator('.check', { hasText: 'SQLite driver' });
  expect(await sqliteCheck.getAttribute('class')).toContain('check--warn');
  expect(await sqliteCheck.textContent()).toContain('SQLite needs the better-sqlite3 module');
  expect(await page.locator('.check', { hasText: 'MySQL / MariaDB driver' }).getAttribute('class')).toContain(
    'check--ok',
  );
  await shot(page, 'shared-hosting-2-checks');
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.waitForURL('**/install/database');
  expect(await page.locator('#client').isDisabled()).toBe(true);
  expect(await page.locator('#client-mysql').isChecked()).toBe(true);
  const db = serverSettings('mysql');
  await page.locator('#host').fill(db.host);
  await page.locator('#port').fill(String(db.port));
  await page.locator('#database').fill(tdb.config.database);
  await page.locator('#user').fill(db.user);
  await page.locator('#password').fill(db.password);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.locator('[data-probe]').waitFor();
  expect(await page.locator('[data-probe]').textContent()).toMatch(/Connected to .*MariaDB|Connected to MySQL/i);
  await shot(page, 'shared-hosting-3-database');
  await page.getByRole('button', { name: 'Save and continue' }).click();

  await page.waitForURL('**/install/basics');
  expect(await page.locator('#url').inputValue()).toBe(base);
  await page.getByLabel('Help desk name').fill('Acme Support');
  await page.getByLabel('Support e-mail address').fill('help@acme.example');
  await page.getByLabel('Time zone').selectOption('Europe/Bratislava');
  await shot(page, 'shared-hosting-4-basics');
  await page.getByRole('button', { name: 'Continue' }).click();

  // The e-mail step is optional: set up later.
  await page.waitForURL('**/install/mail');
  await page.getByRole('button', { name: 'Skip: set up e-mail later' }).click();

  await page.waitForURL('**/install/admin');
  await page.getByLabel('Your name').fill(adminForm.name);
  await page.getByLabel('Your e-mail address').fill(adminForm.email);
  await page.locator('#password').fill(adminForm.password);
  await shot(page, 'shared-hosting-5-admin');
  await page.getByRole('button', { name: 'Install Tessera' }).click();
  await page.getByRole('heading', { name: 'Tessera is installed' }).waitFor();
  await shot(page, 'shared-hosting-6-finish');
  expect(JSON.parse(fs.readFileSync(path.join(appRoot, 'config', 'local.json'), 'utf8')).database.client).toBe('mysql');

  // The first customer.
  await page.goto(`${base}/helpdesk/tickets/new`);
  const opened = Date.now();
  await page.getByLabel('Your name').fill('Pat Customer');
  await page.getByLabel('Your e-mail address').fill('pat@customer.example');
  await page.getByLabel('Subject').fill('First ticket through Passenger');
  await page.getByLabel('Message').fill('The help desk runs from the release zip.');
  // The form refuses answers faster than a person types (spam.minFillSeconds, 3 s by default).
  await page.waitForTimeout(Math.max(0, 4000 - (Date.now() - opened)));
  await page.getByRole('button', { name: 'Submit ticket' }).click();
  await page.waitForURL('**/created');
  const tracking = (await page.locator('.tracking-id__value').textContent())!.trim();
  expect(tracking).toMatch(/^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{4}$/);
  await shot(page, 'shared-hosting-7-first-ticket');

  // Staff sign in (a new browser, as the owner would) and find it in the queue.
  const staff = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const admin = await staff.newPage();
  const adminErrors = collectPageErrors(admin);
  await admin.goto(`${base}/admin/login`);
  await admin.getByLabel('E-mail address').fill(adminForm.email);
  await admin.locator('#password').fill(adminForm.password);
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.waitForURL(`${base}/admin`);
  await admin.goto(`${base}/admin/tickets`);
  await admin.getByRole('link', { name: 'First ticket through Passenger' }).click();
  await admin.getByRole('heading', { name: 'First ticket through Passenger' }).waitFor();
  expect(await admin.locator('body').textContent()).toContain(tracking);
  await shot(admin, 'shared-hosting-8-staff-ticket');

  expect((await fetch(`${base}/install`)).status).toBe(404);
  expect(errors).toEqual([]);
  expect(adminErrors).toEqual([]);
  await staff.close();
  await context.close();
});
