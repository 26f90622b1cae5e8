import request from 'supertest';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

/** The first link of a page's breadcrumb trail: its target and text. */
function firstCrumb(html: string): { href: string; text: string } {
  const nav = /<nav class="breadcrumbs"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1];
  const link = /<a href="([^"]+)">([^<]*)<\/a>/.exec(nav ?? '');
  return { href: link?.[1] ?? '', text: link?.[2]?.trim() ?? '' };
}

test('every portal page starts its breadcrumbs with the same link to the help desk home', async () => {
  const agent = request.agent(t.app);
  const tracking = await openTicket(t, agent);
  const pages = [
    '/helpdesk/tickets/new',
    '/helpdesk/tickets',
    '/helpdesk/forgot',
    '/helpdesk/kb',
    `/helpdesk/tickets/${tracking}`,
  ];
  for (const page of pages) {
    const html = (await agent.get(page).expect(200)).text;
    expect({ page, crumb: firstCrumb(html) }).toEqual({ page, crumb: { href: '/helpdesk', text: 'Help desk' } });
  }
});
