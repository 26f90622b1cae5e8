import type { Browser } from 'playwright-core';
import { shownSettingGroups } from '../../src/web/admin/settings.form';
import { adminCredentials } from '../helpers/installed-app';
import { collectPageErrors, signInAt, step, useServedApp, type ServedApp } from './browser';

let server: ServedApp['server'];
let browser: Browser;
useServedApp((served) => {
  ({ server, browser } = served);
});

const tabNames: Record<string, string> = {
  general: 'General',
  tickets: 'Tickets',
  portal: 'Customer portal',
  sending: 'E-mail sending',
  fetching: 'E-mail fetching',
  attachments: 'Attachments',
  spam: 'Spam and security',
  kb: 'Knowledge base',
  languages: 'Languages and time',
};

test.each([
  ['wide', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
])(
  'an admin walks every settings tab, saves one, reads a help text, the audit log and a template preview (%s screen)',
  async (size, viewport) => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInAt(page, `${server.base}/admin/settings/general`, adminCredentials);

    // Every tab, reached by its link, marked as the current one.
    // Tabs of features not built yet (fetching, knowledge base, ticket auto-close) are not there.
    expect(
      await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link').allTextContents(),
    ).not.toContain('E-mail fetching');
    for (const group of shownSettingGroups) {
      await page
        .getByRole('navigation', { name: 'Settings sections' })
        .getByRole('link', { name: tabNames[group], exact: true })
        .click();
      await page.waitForURL(`**/admin/settings/${group}`);
      expect(await page.locator('.settings-tabs a[aria-current="page"]').textContent()).toBe(tabNames[group]);
      await step(page, `settings-${size}-tab-${group}`);
    }

    // The "?" beside a setting opens what it does and its default.
    await page.goto(`${server.base}/admin/settings/portal`);
    const help = page.locator('#portal-maxOpenPerEmail-help');
    expect(await help.isVisible()).toBe(false);
    const toggle = page.locator('details.setting-help:has(#portal-maxOpenPerEmail-help) > summary');
    const placeOf = async () => ({
      ...(await toggle.boundingBox())!,
      y: (await toggle.boundingBox())!.y + (await page.evaluate(() => window.scrollY)),
    });
    const closedAt = await placeOf();
    await toggle.click();
    expect(await help.isVisible()).toBe(true);
    expect(await help.textContent()).toContain('Default: 10');
    // Tidy: the "?" stays where it was, and the help opens under the label across the field, above its input.
    expect(await placeOf()).toEqual(closedAt);
    const box = async (selector: string) => (await page.locator(selector).boundingBox())!;
    const label = await box('label[for="portal-maxOpenPerEmail"]');
    const body = await box('#portal-maxOpenPerEmail-help');
    const input = await box('#portal-maxOpenPerEmail');
    const field = await box('.setting:has(#portal-maxOpenPerEmail)');
    expect(body.y).toBeGreaterThanOrEqual(label.y + label.height);
    expect(input.y).toBeGreaterThanOrEqual(body.y + body.height);
    expect([body.x, body.width]).toEqual([field.x, field.width]);
    await step(page, `settings-${size}-help-open`);

    // A bad value: the summary at the top, the error beside the field, the typed value kept.
    await page.fill('#portal-maxOpenPerEmail', '5000');
    await page.getByRole('button', { name: 'Save changes' }).click();
    expect(await page.locator('.error-summary').textContent()).toContain('Enter a number from 0 to 1000.');
    expect(await page.locator('#portal-maxOpenPerEmail-error').textContent()).toContain(
      'Enter a number from 0 to 1000.',
    );
    expect(await page.inputValue('#portal-maxOpenPerEmail')).toBe('5000');
    await step(page, `settings-${size}-error`);

    await page.fill('#portal-maxOpenPerEmail', '4');
    await page.check('#portal-confirmEmail');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL('**/admin/settings/portal?saved=1');
    expect(await page.inputValue('#portal-maxOpenPerEmail')).toBe('4');
    expect(await page.isChecked('#portal-confirmEmail')).toBe(true);
    await step(page, `settings-${size}-saved`);

    await page.goto(`${server.base}/admin/audit`);
    expect(await page.locator('.audit-list').textContent()).toContain('portal.maxOpenPerEmail');
    await step(page, `settings-${size}-audit`);

    await page.goto(`${server.base}/admin/templates`);
    await step(page, `settings-${size}-templates`);
    await page.goto(`${server.base}/admin/templates/staff_replied/en`);
    await page.fill('#subject', 'Answer from {{staff_name}}: {{subject}}');
    await page.fill('#body', '{{staff_name}} wrote:\n\n{{reply_text}}\n\nSee {{ticket_url}}');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.frame({ name: 'template-preview' })!;
    await preview.waitForFunction(() => document.body.textContent!.includes('Answer from'));
    expect(await preview.textContent('body')).toContain('Sam Staff wrote:');
    expect(await page.getByRole('button', { name: 'Preview' }).isEnabled()).toBe(true); // the page stays usable
    await page.locator('iframe.template-preview').scrollIntoViewIfNeeded();
    await step(page, `settings-${size}-template-preview`);
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.waitForURL('**/admin/templates/staff_replied/en?done=saved');
    await page.getByRole('button', { name: 'Reset to default' }).click();
    await page.waitForURL('**/admin/templates/staff_replied/en?done=reset');
    expect(errors).toEqual([]);
    await context.close();
  },
);
