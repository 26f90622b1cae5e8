import request from 'supertest';
import { renderHtml } from '../../src/mail/template-render';
import { addStaffReply } from '../../src/tickets/tickets.service';
import { findTicketByTrackingId } from '../../src/tickets/tickets.repo';
import { adminCredentials, signedInAgent, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const link = (url: string) => `<a href="${url}" rel="noopener noreferrer nofollow"`;
const message =
  'Manual: https://docs.example.com/setup?step=2&os=linux.\nNot a link: javascript:alert(1) or "><script>alert(2)</script>';

test('links in messages are clickable on the customer page, the staff page and in the HTML mail; nothing else is markup', async () => {
  const customer = request.agent(t.app);
  const id = await openTicket(t, customer, { message });
  const ticket = (await findTicketByTrackingId(t.db, id))!;
  await t.db('mail_outbox').del();
  await addStaffReply(t.services, ticket, {
    staff: { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] },
    body: 'Try https://status.example.com/ (and mailto:ops@example.com).',
    files: [],
  });

  const portal = (await customer.get(`/helpdesk/tickets/${id}`).expect(200)).text;
  const staff = (await (await signedInAgent(t, adminCredentials)).get(`/admin/tickets/${ticket.id}`).expect(200)).text;
  for (const page of [portal, staff]) {
    expect(page).toContain(
      `${link('https://docs.example.com/setup?step=2&amp;os=linux')}>https://docs.example.com/setup?step=2&amp;os=linux</a>.`,
    );
    expect(page).toContain(`${link('https://status.example.com/')}>`);
    expect(page).toContain(`${link('mailto:ops@example.com')}>`);
    expect(page).toContain('javascript:alert(1) or &#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert(2)');
    expect(page).not.toContain('href="javascript:');
  }

  const mail = await t.db('mail_outbox').where({ template: 'staff_replied' }).first('body_html', 'body_text');
  expect(mail.body_html).toMatch(
    /<a href="https:\/\/status\.example\.com\/" rel="noopener noreferrer nofollow" style="[^"]+">https:\/\/status\.example\.com\/<\/a>/,
  );
  expect(mail.body_html).toContain('<a href="mailto:ops@example.com" rel="noopener noreferrer nofollow"');
  expect(mail.body_text).toContain('Try https://status.example.com/ (and mailto:ops@example.com).');
});

test("an admin's own wording of the reply mail links the reply's URLs too, and only those", () => {
  const html = renderHtml('{{customer_name}} wrote:\n\n{{reply_text}}', {
    values: new Map([
      ['customer_name', 'https://spam.example.com'],
      ['reply_text', 'See https://example.com/a"b and <b>this</b>'],
    ]),
    links: new Set(),
  });
  expect(html).toContain('https://spam.example.com wrote:');
  expect(html).toMatch(
    /<a href="https:\/\/example\.com\/a" rel="noopener noreferrer nofollow" style="[^"]*">https:\/\/example\.com\/a<\/a>&#34;b and &lt;b&gt;this&lt;\/b&gt;/,
  );
});
