import request from 'supertest';
import { insertReturningId } from '../../src/db/insert';
import { insertKbCategory } from '../../src/kb/kb-categories.repo';
import { formatTrackingId } from '../../src/tickets/tracking-id';
import { apiAs, customerTicket, integrationToken } from '../helpers/api-client';
import { addKbArticle } from '../helpers/kb-fixtures';
import {
  csrfFrom,
  signedInAgent,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { adminAgent, tokenOf } from '../helpers/staff-admin';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const unescapeHtml = (html: string) =>
  html
    .replace(/&#39;/g, "'")
    .replace(/&#34;/g, '"')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const textareaOf = (html: string, id: string) =>
  unescapeHtml(new RegExp(`<textarea[^>]*id="${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1] ?? '');

/** A ticket with a customer question (quoting old mail, naming themselves) and a staff answer. */
async function answeredTicket() {
  const { id } = await customerTicket(t, { subject: 'Printer will not print', message: 'placeholder' });
  const row = await t
    .db('tickets as t')
    .join('customers as c', 'c.id', 't.customer_id')
    .where('t.id', id)
    .first('t.tracking_id', 'c.email', 'c.name');
  const tracking = formatTrackingId(String(row.tracking_id));
  // The question as a mail would bring it: their name, address, tracking ID and the quoted history.
  await t
    .db('messages')
    .where({ ticket_id: id, kind: 'customer' })
    .update({
      body: `Hello, this is ${row.name} (${row.email}) about ${tracking}.\nThe printer shows error 42.\n\nOn Mon, 7 Dec 2026 at 10:00, Support <help@example.com> wrote:\n> Older text that must not be kept`,
    });
  await apiAs(t, await integrationToken(t))
    .post(`/tickets/${id}/replies`, { body: `Dear ${row.name}, switch it off and on (ticket ${tracking}).` })
    .expect(201);
  return { id, tracking, email: String(row.email), name: String(row.name) };
}

test('"Create an article from this ticket": a draft without who asked, saved only by the editor, its audit row naming the ticket', async () => {
  const admin = await adminAgent(t);
  const ticket = await answeredTicket();
  const page = (await admin.get(`/admin/tickets/${ticket.id}`).expect(200)).text;
  expect(page).toContain(`href="/admin/kb/articles/new?ticket=${ticket.id}"`);

  const articles = await t.db('kb_articles').count<{ n: number }[]>({ n: '*' });
  const editor = (await admin.get(`/admin/kb/articles/new?ticket=${ticket.id}`).expect(200)).text;
  expect(await t.db('kb_articles').count<{ n: number }[]>({ n: '*' })).toEqual(articles); // nothing saved yet
  expect(editor).toContain('value="Printer will not print"');
  const body = textareaOf(editor, 'body');
  expect(body).toBe(
    '> Hello, this is … (…) about ….\n> The printer shows error 42.\n\nDear …, switch it off and on (ticket …).',
  );
  for (const secret of [ticket.email, ticket.name, 'Older text'])
    expect([secret, editor.includes(secret)]).toEqual([secret, false]);
  expect(editor).toContain(`name="from_ticket" value="${ticket.id}"`);
  expect(editor).toContain(`<a href="/admin/tickets/${ticket.id}">${ticket.tracking}</a>`);
  expect(editor).toMatch(/<option value="draft" selected/);

  const token = csrfFrom(editor);
  const category = await insertKbCategory(t.db, { parentId: null, name: 'Printing', position: 0, public: true }, 1);
  const form = {
    _csrf: token,
    category: String(category),
    status: 'draft',
    position: '0',
    language: 'en',
    title: 'Printer error 42',
    keywords: '',
    body,
    from_ticket: String(ticket.id),
    from_ticket_label: ticket.tracking,
    intent: 'save',
  };
  await admin.post('/admin/kb/articles').type('form').send(form).expect(303);
  const audit = await t.db('audit_log').where({ action: 'kb.article_created' }).orderBy('id', 'desc').first('details');
  expect(JSON.parse(audit.details)).toEqual(
    expect.objectContaining({ title: 'Printer error 42', fromTicket: ticket.id }),
  );

  // A ticket id the editor may not see (or none) is not written into the audit log.
  await admin
    .post('/admin/kb/articles')
    .type('form')
    .send({ ...form, title: 'Forged origin', from_ticket: '999999' })
    .expect(303);
  expect(
    JSON.parse(
      (await t.db('audit_log').where({ action: 'kb.article_created' }).orderBy('id', 'desc').first('details')).details,
    ),
  ).not.toHaveProperty('fromTicket');
  // Without the CSRF token nothing is saved.
  await admin
    .post('/admin/kb/articles')
    .type('form')
    .send({ ...form, _csrf: 'wrong', title: 'No token' })
    .expect(403);
  expect(await t.db('kb_article_versions').where({ title: 'No token' }).first('id')).toBeUndefined();

  for (const bad of ['999999999', 'abc', '1e3']) await admin.get(`/admin/kb/articles/new?ticket=${bad}`).expect(404);
  // Staff without kb.manage see no link and reach no editor.
  const samId = (await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id;
  const role = await insertReturningId(t.db, 'roles', {
    name: 'Agents',
    capabilities: JSON.stringify(['tickets.view', 'tickets.reply']),
    created_at: 1,
    updated_at: 1,
  });
  await t.db('staff_users').where({ id: samId }).update({ role_id: role });
  await t.db('staff_categories').insert({ staff_id: samId, category_id: 1 });
  const sam = await signedInAgent(t, staffCredentials);
  expect((await sam.get(`/admin/tickets/${ticket.id}`).expect(200)).text).not.toContain('/admin/kb/articles/new');
  await sam.get(`/admin/kb/articles/new?ticket=${ticket.id}`).expect(403);
});

test('the reply picker finds published and private articles and inserts their link or text; drafts never', async () => {
  const admin = await adminAgent(t);
  const ticket = await answeredTicket();
  const help = await insertKbCategory(t.db, { parentId: null, name: 'Help', position: 0, public: true }, 1);
  const internal = await insertKbCategory(t.db, { parentId: null, name: 'Internal', position: 1, public: false }, 1);
  const open = await addKbArticle(
    t.db,
    help,
    {
      title: 'Toner <b>replacement</b>',
      slug: 'toner-replacement',
      keywords: 'toner',
      body: '## Steps\n\n1. Open the **front** cover.\n2. Pull the [cartridge](https://example.com/c).',
    },
    [{ language: 'ru', title: 'Замена тонера', slug: 'zamena-tonera', body: 'Откройте крышку.' }],
  );
  const priv = await addKbArticle(
    t.db,
    help,
    { title: 'Toner supplier contacts', slug: 'toner-supplier', body: 'Call the supplier.' },
    [],
    'private',
  );
  const staffOnly = await addKbArticle(t.db, internal, {
    title: 'Toner stock room',
    slug: 'toner-stock',
    body: 'Room 4.',
  });
  const draft = await addKbArticle(
    t.db,
    help,
    { title: 'Toner draft', slug: 'toner-draft', body: 'Unfinished.' },
    [],
    'draft',
  );

  const found = (await admin.get(`/admin/tickets/${ticket.id}?canned_q=toner`).expect(200)).text;
  expect(found).toContain('Toner &lt;b&gt;replacement&lt;/b&gt;');
  expect(found).toContain(`name="kb_link" value="${open}"`);
  expect(found).toContain(`name="kb_text" value="${priv}"`);
  expect(found).not.toContain(`name="kb_link" value="${priv}"`); // customers cannot open a private article
  expect(found).not.toContain(`name="kb_link" value="${staffOnly}"`); // nor one in a staff-only category
  expect(found).toContain(`name="kb_text" value="${staffOnly}"`);
  expect(found).not.toContain('Toner draft');

  const json = (id: number, as: string) => admin.get(`/admin/tickets/${ticket.id}/canned/kb/${id}.json?as=${as}`);
  const url = await t.services.settings.get('helpdesk.url');
  expect((await json(open, 'link').expect(200)).body.text).toBe(
    `Toner <b>replacement</b>: ${url}/helpdesk/kb/${open}-toner-replacement`,
  );
  expect((await json(open, 'text').expect(200)).body.text).toBe(
    'Steps\n\n1. Open the front cover.\n2. Pull the cartridge (https://example.com/c).',
  );
  expect((await json(priv, 'text').expect(200)).body.text).toBe('Call the supplier.');
  await json(priv, 'link').expect(400);
  await json(staffOnly, 'link').expect(400);
  await json(draft, 'text').expect(404);
  await json(999999, 'text').expect(404);
  await json(open, 'html').expect(400);
  await admin.get(`/admin/tickets/${ticket.id}/canned/kb/abc.json?as=text`).expect(404);

  // The ticket's language decides the version.
  await t.db('tickets').where({ id: ticket.id }).update({ language: 'ru' });
  expect((await json(open, 'link').expect(200)).body.text).toBe(
    `Замена тонера: ${url}/helpdesk/kb/${open}-zamena-tonera`,
  );
  await t.db('tickets').where({ id: ticket.id }).update({ language: 'en' });

  // Without script: the buttons post the reply form; what was typed stays and the article follows.
  const token = await tokenOf(admin, `/admin/tickets/${ticket.id}`);
  const withText = await admin
    .post(`/admin/tickets/${ticket.id}/canned`)
    .type('form')
    .send({ _csrf: token, message: 'Typed first', kb_text: String(open) })
    .expect(200);
  expect(textareaOf(withText.text, 'message')).toBe(
    'Typed first\n\nSteps\n\n1. Open the front cover.\n2. Pull the cartridge (https://example.com/c).',
  );
  const refused = await admin
    .post(`/admin/tickets/${ticket.id}/canned`)
    .type('form')
    .send({ _csrf: token, message: 'Kept', kb_link: String(priv) })
    .expect(400);
  expect(textareaOf(refused.text, 'message')).toBe('Kept');
  expect(refused.text).toContain('Customers cannot open this article');
  await admin
    .post(`/admin/tickets/${ticket.id}/canned`)
    .type('form')
    .send({ _csrf: token, message: 'x', kb_text: String(draft) })
    .expect(404);
  await admin
    .post(`/admin/tickets/${ticket.id}/canned`)
    .type('form')
    .send({ _csrf: token, message: 'x', kb_text: ['1', '2'] })
    .expect(404);
  await admin
    .post(`/admin/tickets/${ticket.id}/canned`)
    .type('form')
    .send({ message: 'x', kb_text: String(open) })
    .expect(403);
  // Nothing was sent or stored by inserting.
  expect(
    await t.db('messages').where({ ticket_id: ticket.id }).where('body', 'like', 'Typed first%').first('id'),
  ).toBeUndefined();
});

test('a huge or odd picker search is cut, never an error; full-text operators mean nothing', async () => {
  const admin = await adminAgent(t);
  const ticket = await answeredTicket();
  for (const q of ['x'.repeat(5000), '"toner" -x +(*) ~@', "' OR 1=1 --", '<script>alert(1)</script>']) {
    const res = await admin.get(`/admin/tickets/${ticket.id}?canned_q=${encodeURIComponent(q)}`).expect(200);
    expect(res.text).not.toContain('<script>alert(1)</script>');
  }
  await request(t.app).get(`/admin/tickets/${ticket.id}/canned/kb/1.json?as=text`).expect(303);
});

test('a customer named like a word: the name goes, the word stays', async () => {
  const admin = await adminAgent(t);
  const { id } = await customerTicket(t, { subject: 'Box', message: 'placeholder' });
  const customer = (await t.db('tickets').where({ id }).first('customer_id')).customer_id;
  await t.db('customers').where({ id: customer }).update({ name: 'Mark Will' });
  await t
    .db('messages')
    .where({ ticket_id: id, kind: 'customer' })
    .update({ body: 'Mark here. Where will I mark the box?' });
  const editor = (await admin.get(`/admin/kb/articles/new?ticket=${id}`).expect(200)).text;
  expect(textareaOf(editor, 'body')).toBe('> … here. Where will I mark the box?');
});
