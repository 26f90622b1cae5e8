import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { unusedBlobKeys } from '../../src/attachments/blobs.repo';
import { insertKbCategory } from '../../src/kb/kb-categories.repo';
import { addKbArticle } from '../helpers/kb-fixtures';
import { csrfFrom, signIn, staffCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { adminAgent, tokenOf } from '../helpers/staff-admin';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

// Real signatures: the content check reads them.
const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64, 1)]);
const pdf = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

let cats: { open: number; hidden: number };
let admin: request.Agent;
beforeAll(async () => {
  cats = {
    open: await insertKbCategory(t.db, { parentId: null, name: 'Open', position: 0, public: true }, 1),
    hidden: await insertKbCategory(t.db, { parentId: null, name: 'Staff only', position: 1, public: false }, 1),
  };
  admin = await adminAgent(t);
});

const article = (title: string, status: 'published' | 'draft' | 'private' = 'published', category = cats.open) =>
  addKbArticle(
    t.db,
    category,
    { title, slug: title.toLowerCase().replace(/\W+/g, '-'), body: `About ${title}.` },
    [],
    status,
  );

/** Posts files to an article's upload form the way the editor does (CSRF token in the action URL). */
async function upload(
  agent: request.Agent,
  id: number,
  files: Array<{ name: string; content: Buffer }>,
  extra: Record<string, string> = {},
) {
  const token = await tokenOf(agent, `/admin/kb/articles/${id}`);
  let req = agent.post(`/admin/kb/articles/${id}/files?lang=en&_csrf=${encodeURIComponent(token)}`);
  // Always a multipart form, as the browser sends it (with no file chosen too).
  for (const [k, v] of Object.entries({ submission_key: '', ...extra })) req = req.field(k, v);
  for (const f of files)
    req = req.attach('attachments', f.content, { filename: f.name, contentType: 'application/octet-stream' });
  return req;
}
const filesOf = (id: number) =>
  t
    .db('kb_article_files')
    .where({ article_id: id })
    .orderBy('id')
    .select('id', 'file_name', 'content_type', 'storage_key');
const storedPath = (key: string) => path.join(t.config.paths.attachments, key.slice(0, 2), key.slice(2, 4), key);

test('an image and a PDF attached in the editor: the image shows inline in the published article, the PDF downloads; both listed by the API', async () => {
  const id = await article('Printer setup');
  const res = await upload(admin, id, [
    { name: 'screen shot.png', content: png },
    { name: 'manual.pdf', content: pdf },
  ]);
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe(`/admin/kb/articles/${id}?lang=en&done=files#kb-files`);
  const [image, doc] = await filesOf(id);
  expect([image.file_name, image.content_type, doc.file_name, doc.content_type]).toEqual([
    'screen shot.png',
    'image/png',
    'manual.pdf',
    'application/pdf',
  ]);
  expect(fs.existsSync(storedPath(String(image.storage_key)))).toBe(true);

  // The editor lists them with the Markdown to paste; the audit log has the upload.
  const editor = await admin.get(`/admin/kb/articles/${id}?done=files`).expect(200);
  expect(editor.text).toContain(`value="![screen shot](/helpdesk/kb/${id}/files/${image.id})"`);
  expect(editor.text).toContain(`value="[manual.pdf](/helpdesk/kb/${id}/files/${doc.id})"`);
  expect(editor.text).toContain('Files saved.');
  expect(
    await t
      .db('audit_log')
      .where({ action: 'kb.file_added', target_id: String(id) })
      .first('id'),
  ).toBeTruthy();

  // Put into the body, the image renders for customers; the page's CSP is the same as before.
  const token = await tokenOf(admin, `/admin/kb/articles/${id}`);
  const revision = String((await t.db('kb_articles').where({ id }).first('revision')).revision);
  await admin
    .post(`/admin/kb/articles/${id}`)
    .type('form')
    .send({
      _csrf: token,
      revision,
      category: String(cats.open),
      status: 'published',
      position: '0',
      language: 'en',
      title: 'Printer setup',
      body: `Look:\n\n![The dialog](/helpdesk/kb/${id}/files/${image.id})\n\n[Manual](/helpdesk/kb/${id}/files/${doc.id}) ![no](/admin/logout) ![no](x.png)`,
      intent: 'save',
    })
    .expect(303);
  const page = await request(t.app).get(`/helpdesk/kb/${id}-printer-setup`).expect(200);
  expect(page.text).toContain(`<img src="/helpdesk/kb/${id}/files/${image.id}" alt="The dialog" />`);
  expect(page.text).toContain(`<a href="/helpdesk/kb/${id}/files/${doc.id}">Manual</a>`);
  expect(page.text).not.toMatch(/src="\/admin\/logout"|src="x\.png"/);
  expect(page.headers['content-security-policy']).toContain("img-src 'self' data:");

  const shown = await request(t.app).get(`/helpdesk/kb/${id}/files/${image.id}`).expect(200);
  expect(shown.headers['content-type']).toBe('image/png');
  expect(shown.headers['content-disposition']).toMatch(/^inline; filename="screen shot.png"/);
  expect(shown.headers['x-content-type-options']).toBe('nosniff');
  expect(shown.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
  expect(Buffer.compare(shown.body as Buffer, png)).toBe(0);
  const downloaded = await request(t.app).get(`/helpdesk/kb/${id}/files/${doc.id}`).expect(200);
  expect(downloaded.headers['content-disposition']).toMatch(/^attachment; filename="manual.pdf"/);

  const api = await request(t.app).get(`/api/v1/kb/articles/${id}/files`).expect(200);
  expect(api.body.items).toEqual([
    {
      id: Number(image.id),
      fileName: 'screen shot.png',
      contentType: 'image/png',
      size: png.length,
      inline: true,
      url: expect.stringMatching(new RegExp(`/helpdesk/kb/${id}/files/${image.id}$`)),
    },
    {
      id: Number(doc.id),
      fileName: 'manual.pdf',
      contentType: 'application/pdf',
      size: pdf.length,
      inline: false,
      url: expect.stringMatching(new RegExp(`/helpdesk/kb/${id}/files/${doc.id}$`)),
    },
  ]);
});

test("files of drafts, private articles and staff-only categories reach only kb.manage staff; another article's file id is not found", async () => {
  const draft = await article('Draft with file', 'draft');
  const privateOne = await article('Private with file', 'private');
  const inHidden = await article('Hidden category file', 'published', cats.hidden);
  const open = await article('Open with file');
  for (const id of [draft, privateOne, inHidden, open])
    expect((await upload(admin, id, [{ name: 'a.png', content: png }])).status).toBe(303);
  const fileOf = async (id: number) => Number((await filesOf(id))[0]!.id);

  const sam = request.agent(t.app);
  expect((await signIn(sam, staffCredentials)).status).toBe(303);
  for (const id of [draft, privateOne, inHidden]) {
    const href = `/helpdesk/kb/${id}/files/${await fileOf(id)}`;
    await request(t.app).get(href).expect(404);
    await sam.get(href).expect(404); // staff without kb.manage: a customer's view
    await admin.get(href).expect(200);
    await request(t.app).get(`/api/v1/kb/articles/${id}/files`).expect(404);
  }
  // The open article's path with a hidden article's file id: not found, for anyone.
  await request(t.app)
    .get(`/helpdesk/kb/${open}/files/${await fileOf(draft)}`)
    .expect(404);
  await admin.get(`/helpdesk/kb/${open}/files/${await fileOf(draft)}`).expect(404);
  for (const odd of ['abc', '-1', '1e3', '99999999999'])
    await request(t.app).get(`/helpdesk/kb/${open}/files/${odd}`).expect(404);

  // A switched-off knowledge base: its files are gone for customers, not for its editors.
  await t.services.settings.save({ 'kb.enabled': false });
  try {
    await request(t.app)
      .get(`/helpdesk/kb/${open}/files/${await fileOf(open)}`)
      .expect(404);
    await admin.get(`/helpdesk/kb/${open}/files/${await fileOf(open)}`).expect(200);
  } finally {
    await t.services.settings.save({ 'kb.enabled': true });
  }
  await request(t.app)
    .get(`/helpdesk/kb/${open}/files/${await fileOf(open)}`)
    .expect(200);
});

test("a public article's file may be cached by a visitor's browser and shared caches; staff, signed-in readers and hidden articles' files are never kept", async () => {
  const open = await article('Cached picture');
  const draft = await article('Uncached draft picture', 'draft');
  for (const id of [open, draft])
    expect(
      (
        await upload(admin, id, [
          { name: 'a.png', content: png },
          { name: 'b.pdf', content: pdf },
        ])
      ).status,
    ).toBe(303);
  const hrefs = async (id: number) => (await filesOf(id)).map((f) => `/helpdesk/kb/${id}/files/${f.id}`);
  for (const href of await hrefs(open)) {
    const visitor = await request(t.app).get(href).expect(200);
    expect(visitor.headers['cache-control']).toBe('public, max-age=300');
    expect(visitor.headers['set-cookie']).toBeUndefined();
    expect((await admin.get(href).expect(200)).headers['cache-control']).toBe('private, no-store');
  }
  // Staff without kb.manage read as customers do, but their session cookie rides on the answer.
  const sam = request.agent(t.app);
  expect((await signIn(sam, staffCredentials)).status).toBe(303);
  expect((await sam.get((await hrefs(open))[0]!).expect(200)).headers['cache-control']).toBe('private, no-store');
  for (const href of await hrefs(draft)) {
    expect((await admin.get(href).expect(200)).headers['cache-control']).toBe('private, no-store');
    await request(t.app).get(href).expect(404);
  }
  // A stored file that cannot be read: the 404 is not kept by caches as the file's answer.
  const lost = (await filesOf(open))[1]!;
  const key = String(lost.storage_key);
  fs.rmSync(path.join(t.config.paths.attachments, key.slice(0, 2), key.slice(2, 4), key));
  const missing = await request(t.app).get(`/helpdesk/kb/${open}/files/${lost.id}`).expect(404);
  expect(missing.headers['cache-control']).toBe('no-store');
});

test('hostile uploads: names with HTML and folders, files too large, wrong or lying types, no CSRF token, another staff member, too many', async () => {
  const id = await article('Hostile uploads');
  // A name with markup and folders: stored without the folders, shown escaped, sent as a safe header.
  expect((await upload(admin, id, [{ name: '../../<img src=x onerror=alert(1)>"q".png', content: png }])).status).toBe(
    303,
  );
  const [stored] = await filesOf(id);
  expect(stored.file_name).toBe('<img src=x onerror=alert(1)>"q".png');
  const editor = await admin.get(`/admin/kb/articles/${id}`).expect(200);
  expect(editor.text).not.toContain('<img src=x onerror');
  expect(editor.text).toContain('&lt;img src=x onerror=alert(1)&gt;&#34;q&#34;.png');
  const served = await request(t.app).get(`/helpdesk/kb/${id}/files/${stored.id}`).expect(200);
  expect(served.headers['content-disposition']).toBe(
    `inline; filename="<img src=x onerror=alert(1)>_q_.png"; filename*=UTF-8''%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%22q%22.png`,
  );

  // Refused, each with the reason beside the field, and nothing stored.
  const refused = async (files: Array<{ name: string; content: Buffer }>, text: string, to = id) => {
    const res = await upload(admin, to, files);
    expect(res.status).toBe(400);
    expect(res.text).toContain(text);
    expect(res.text).toContain('href="#attachments"');
  };
  await refused([{ name: 'drawing.svg', content: svg }], 'drawing.svg');
  await refused([{ name: 'page.png', content: Buffer.from('<html><script>alert(1)</script></html>') }], 'page.png');
  await refused([{ name: 'program.pdf', content: Buffer.from('MZ\x90\x00\x03\x00\x00\x00') }], 'program.pdf');
  await refused([], 'Choose a file to upload.');
  await t.services.settings.save({ 'attachments.maxSizeMb': 1 });
  try {
    await refused(
      [{ name: 'big.png', content: Buffer.concat([png, Buffer.alloc(1024 * 1024 + 1 - png.length)]) }],
      'big.png',
    );
    // Far beyond the limit the upload is cut off while it is read.
    expect(
      (await upload(admin, id, [{ name: 'huge.png', content: Buffer.concat([png, Buffer.alloc(3 * 1024 * 1024)]) }]))
        .status,
    ).toBe(413);
  } finally {
    await t.services.settings.save({ 'attachments.maxSizeMb': 10 });
  }
  expect(await filesOf(id)).toHaveLength(1);

  // No CSRF token (or another page's cookie-less request): 403, nothing read, nothing stored.
  await admin.post(`/admin/kb/articles/${id}/files`).attach('attachments', png, 'x.png').expect(403);
  await request(t.app)
    .post(
      `/admin/kb/articles/${id}/files?_csrf=${encodeURIComponent(await tokenOf(admin, `/admin/kb/articles/${id}`))}`,
    )
    .attach('attachments', png, 'x.png')
    .expect(403);
  await admin.post(`/admin/kb/articles/${id}/files/${stored.id}/delete`).type('form').send({}).expect(403);
  const adminToken = await tokenOf(admin, `/admin/kb/articles/${id}`);
  // Staff without kb.manage: refused.
  const sam = request.agent(t.app);
  expect((await signIn(sam, staffCredentials)).status).toBe(303);
  const samToken = csrfFrom((await sam.get('/admin/canned').expect(200)).text);
  await sam
    .post(`/admin/kb/articles/${id}/files?_csrf=${encodeURIComponent(samToken)}`)
    .attach('attachments', png, 'x.png')
    .expect(403);
  await sam
    .post(`/admin/kb/articles/${id}/files/${stored.id}/delete`)
    .type('form')
    .send({ _csrf: samToken })
    .expect(403);
  // Removing through another article's path: not found, the file stays.
  const other = await article('Other hostile');
  await admin
    .post(`/admin/kb/articles/${other}/files/${stored.id}/delete`)
    .type('form')
    .send({ _csrf: adminToken })
    .expect(404);
  for (const odd of [`abc/files/${stored.id}`, `${id}/files/abc`, `99999999999/files/${stored.id}`])
    await admin.post(`/admin/kb/articles/${odd}/delete`).type('form').send({ _csrf: adminToken }).expect(404);
  await admin
    .post(`/admin/kb/articles/abc/files?_csrf=${encodeURIComponent(adminToken)}`)
    .attach('attachments', png, 'x.png')
    .expect(404);
  await admin
    .post(`/admin/kb/articles/${id}/files?_csrf=${encodeURIComponent(adminToken)}`)
    .attach('attachments', png, 'x.png')
    .expect(303);
  expect(await filesOf(id)).toHaveLength(2);
  expect(await filesOf(other)).toHaveLength(0);
  expect(fs.readdirSync(path.join(t.config.paths.attachments, '.incoming'))).toEqual([]);

  // At most 100 files per article, however they arrive.
  const full = await article('Full of files');
  await t.db('kb_article_files').insert(
    Array.from({ length: 100 }, (_, i) => ({
      article_id: full,
      storage_key: String(stored.storage_key),
      file_name: `f${i}.png`,
      content_type: 'image/png',
      size_bytes: png.length,
      sha256: 'x',
      created_at: 1,
    })),
  );
  await refused([{ name: 'one-more.png', content: png }], 'at most 100 files', full);
  expect(await filesOf(full)).toHaveLength(100);
});

test('a double submit stores the files once; removing a file or the article removes what nothing else uses', async () => {
  const id = await article('Cleanup');
  const key = 'ab'.repeat(16);
  const unique = Buffer.concat([png, Buffer.from(`cleanup-${Date.now()}`)]);
  expect((await upload(admin, id, [{ name: 'one.png', content: unique }], { submission_key: key })).status).toBe(303);
  expect((await upload(admin, id, [{ name: 'one.png', content: unique }], { submission_key: key })).status).toBe(303);
  expect(await filesOf(id)).toHaveLength(1);
  expect(
    (
      await upload(admin, id, [
        { name: 'same-content.png', content: unique },
        { name: 'manual.pdf', content: Buffer.concat([pdf, Buffer.from(`% ${Date.now()}`)]) },
      ])
    ).status,
  ).toBe(303);
  const [first, twin, doc] = await filesOf(id);
  expect(twin.storage_key).toBe(first.storage_key); // one blob per content

  // The cleanup job never takes a blob an article still uses.
  expect(await unusedBlobKeys(t.db, Date.now() + 86_400_000, 1000)).not.toContain(String(first.storage_key));

  const token = await tokenOf(admin, `/admin/kb/articles/${id}`);
  await admin
    .post(`/admin/kb/articles/${id}/files/${first.id}/delete?lang=en`)
    .type('form')
    .send({ _csrf: token })
    .expect(303);
  expect(fs.existsSync(storedPath(String(first.storage_key)))).toBe(true); // its twin still uses it
  await admin.post(`/admin/kb/articles/${id}/files/${twin.id}/delete`).type('form').send({ _csrf: token }).expect(303);
  expect(fs.existsSync(storedPath(String(first.storage_key)))).toBe(false);
  expect(await t.db('attachment_blobs').where({ storage_key: first.storage_key }).first('id')).toBeUndefined();
  await request(t.app).get(`/helpdesk/kb/${id}/files/${first.id}`).expect(404);

  await admin.post(`/admin/kb/articles/${id}/delete`).type('form').send({ _csrf: token }).expect(303);
  expect(await filesOf(id)).toEqual([]);
  expect(fs.existsSync(storedPath(String(doc.storage_key)))).toBe(false);
  const actions = (
    await t
      .db('audit_log')
      .where({ target_type: 'kb_article', target_id: String(id) })
      .orderBy('id')
      .pluck('action')
  ).map(String);
  expect(actions).toEqual([
    'kb.file_added',
    'kb.file_added',
    'kb.file_removed',
    'kb.file_removed',
    'kb.article_deleted',
  ]);
});

test('views and answers are counted per day: /admin/kb shows the chosen period from the daily rollup, and all-time totals beside', async () => {
  const id = await article('Counted daily');
  const day = Math.floor(t.clock.now() / 86_400_000);
  // Older days, as if counted then: 20 days ago and 60 days ago.
  await t.db('kb_article_daily').insert([
    { article_id: id, day: day - 20, views: 7, helpful: 2, not_helpful: 1 },
    { article_id: id, day: day - 60, views: 100, helpful: 10, not_helpful: 0 },
  ]);
  const visitor = request.agent(t.app);
  const page = await visitor.get(`/helpdesk/kb/${id}-counted-daily`).expect(200);
  await visitor.get(`/helpdesk/kb/${id}-counted-daily`).expect(200);
  await visitor
    .post(`/helpdesk/kb/${id}-counted-daily/vote`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), helpful: 'yes' })
    .expect(303);
  await visitor
    .post(`/helpdesk/kb/${id}-counted-daily/vote`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), helpful: 'no' })
    .expect(303); // a second answer counts nowhere
  await visitor.get(`/helpdesk/kb/${id}-counted-daily?voted=thanks`).expect(200); // where the vote leads back: the same reading
  expect(
    await t.db('kb_article_daily').where({ article_id: id, day }).first('views', 'helpful', 'not_helpful'),
  ).toEqual({ views: 2, helpful: 1, not_helpful: 0 });

  const figures = async (days: number) => {
    const html = (await admin.get(`/admin/kb?days=${days}`).expect(200)).text;
    const dd = (name: string) =>
      /<dd id="([^"]+)">([^<]*)<\/dd>/g.exec(html.slice(html.indexOf(`id="${name}"`) - 8))?.[2];
    return { views: dd('kb-views-period'), votes: dd('kb-votes-period') };
  };
  // Other tests' articles count too: compare with the sums of the rollup itself.
  const sums = async (since: number) => {
    const r = await t
      .db('kb_article_daily')
      .where('day', '>=', since)
      .first(
        t.db.raw('coalesce(sum(views),0) as v'),
        t.db.raw('coalesce(sum(helpful),0) as h'),
        t.db.raw('coalesce(sum(not_helpful),0) as n'),
      );
    return { views: String(Number(r.v)), votes: `${Number(r.h)} of ${Number(r.h) + Number(r.n)}` };
  };
  expect(await figures(7)).toEqual(await sums(day - 6));
  expect(await figures(30)).toEqual(await sums(day - 29));
  expect(await figures(90)).toEqual(await sums(day - 89));
  const seven = await sums(day - 6);
  const ninety = await sums(day - 89);
  expect(Number(ninety.views) - Number(seven.views)).toBe(107);
});
