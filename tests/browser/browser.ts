import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { fromRoot } from '../../src/paths';
import { installedApp, type InstalledApp } from '../helpers/installed-app';

export const screenshotDir = fromRoot('test-output', 'screenshots');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless; never a downloaded browser. */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}: apt-get install chromium`);
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-quic',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Serves the app on a free loopback port for the browser to visit. */
export async function serve(handler: http.RequestListener): Promise<{ base: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type ServedApp = { t: InstalledApp; server: Awaited<ReturnType<typeof serve>>; browser: Browser };

/**
 * The usual set-up of a browser test file: one installed help desk served on loopback and one
 * browser, handed over once ready (`prepare` may add data first) and closed at the end.
 */
export function useServedApp(receive: (served: ServedApp) => void | Promise<void>): void {
  let served: Partial<ServedApp> = {};
  beforeAll(async () => {
    const t = await installedApp();
    served = { t };
    served.server = await serve(t.app);
    served.browser = await launchBrowser();
    await receive(served as ServedApp);
  });
  afterAll(async () => {
    await served.browser?.close();
    await served.server?.close();
    await served.t?.close();
  });
}

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core in the page; serious and critical violations fail the test. */
export async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: Document,
            opts: unknown,
          ): Promise<{
            violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad).toEqual([]);
}

/** A step of a browser test: its screenshot, then the accessibility check. */
export async function step(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await expectAccessible(page);
}

/**
 * Opens a staff page while signed out and signs in on the login page it leads to; the browser
 * comes back to that page, as a person's would.
 */
export async function signInAt(page: Page, url: string, creds: { email: string; password: string }): Promise<void> {
  await page.goto(url);
  await page.fill('#email', creds.email);
  await page.fill('#password', creds.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(new URL(url).pathname === '/admin/login' ? '**/admin' : url);
}

/** Opens the signed-in person's profile from the top bar; on a phone through the "More" menu. */
export async function openProfile(page: Page): Promise<void> {
  const menu = page.locator('.topbar-more');
  if (await menu.isVisible()) {
    await menu.locator('summary').click();
    await menu.locator('a[href="/admin/profile"]').click();
  } else await page.locator('.topbar__user').click();
  await page.waitForURL(/\/admin\/profile$/);
}

/** Signs out from the top bar; on a phone its button sits in the "More" menu. */
export async function signOut(page: Page): Promise<void> {
  const menu = page.locator('.topbar-more');
  const onPhone = await menu.isVisible();
  if (onPhone) await menu.locator('summary').click();
  await page
    .locator(onPhone ? '.topbar-more' : '.topbar__signout')
    .getByRole('button', { name: 'Sign out' })
    .click();
}

/** Fails the test on any console error or CSP violation the page reports. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    // Error statuses are expected (a refused form answers 400); anything else is a real problem.
    if (
      msg.type() === 'error' &&
      !msg.text().startsWith('Failed to load resource: the server responded with a status of')
    )
      errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/**
 * On the new-ticket form, types a subject and waits for the first knowledge-base suggestion;
 * returns its link (the caller checks it, takes its screenshot and opens it).
 */
export async function firstKbSuggestion(page: Page, base: string, subject: string) {
  await page.goto(`${base}/helpdesk/tickets/new`);
  await page.getByLabel('Subject').fill(subject);
  const suggestion = page.locator('#kb-suggest a').first();
  await suggestion.waitFor();
  return suggestion;
}
