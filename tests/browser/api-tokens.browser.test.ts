import type { Browser } from 'playwright-core';
import request from 'supertest';
import { adminCredentials, staffCredentials, type InstalledApp } from '../helpers/installed-app';
import { collectPageErrors, step, signInAt, useServedApp, type ServedApp } from './browser';

let t: InstalledApp;
let server: ServedApp['server'];
let browser: Browser;
useServedApp((served) => {
  ({ t, server, browser } = served);
});

test.each([
  ['wide', { width: 1440, height: 900 }, staffCredentials],
  ['phone', { width: 390, height: 844 }, adminCredentials],
])('a staff member creates a token, sees it once, uses it and revokes it (%s)', async (size, viewport, creds) => {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${server.base}/admin/manage`, creds);
  await page.getByRole('link', { name: 'API tokens' }).click();
  await page.waitForURL(/\/admin\/api-tokens$/);
  await step(page, `api-tokens-${size}-01-empty`);

  await page.getByRole('button', { name: 'Create token' }).click();
  expect(await page.locator('.error-summary').textContent()).toContain('Name');
  await step(page, `api-tokens-${size}-02-error`);

  await page.getByLabel('Name').fill(`Nightly report ${size}`);
  await page.getByLabel('Expires').selectOption('30');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.locator('#new-token').textContent())!.trim();
  expect(token).toMatch(/^tsr_[A-Za-z0-9_-]{43}$/);
  await step(page, `api-tokens-${size}-03-created`);
  await request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);

  // Shown once: the list shows only the start of it.
  await page.goto(`${server.base}/admin/api-tokens`);
  expect(await page.content()).not.toContain(token);
  const row = page.locator('tr', { hasText: `Nightly report ${size}` });
  expect(await row.textContent()).toContain(token.slice(0, 10));
  await step(page, `api-tokens-${size}-04-list`);

  // Two steps: open the confirmation, then revoke.
  await row.locator('summary', { hasText: 'Revoke…' }).click();
  expect(await row.getByText('Programs using this token stop working at once.').isVisible()).toBe(true);
  await row.getByRole('button', { name: /Revoke now/ }).click();
  expect(await page.locator('.alert--success').textContent()).toContain('The token was revoked.');
  await step(page, `api-tokens-${size}-05-revoked`);
  await request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
  expect(errors).toEqual([]);
  await context.close();
});
