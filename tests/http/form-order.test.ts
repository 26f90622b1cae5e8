import { adminCredentials, csrfFrom, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { listFixtures } from '../helpers/staff-list';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const f = listFixtures(() => t);

test('the category form offers one "Normal": the empty choice says it is the desk\'s default', async () => {
  const admin = await f.staffAgent(adminCredentials);
  const page = (await admin.get('/admin/categories/new').expect(200)).text;
  const select = /<select[^>]*id="default_priority"[\s\S]*?<\/select>/.exec(page)![0];
  const labels = [...select.matchAll(/<option[^>]*>([^<]*)<\/option>/g)].map((m) => m[1]!.trim());
  expect(labels[0]).toBe('The help desk&#39;s default (Normal)');
  expect(labels.filter((l) => l === 'Normal')).toHaveLength(1);
  const sk = (await admin.get('/admin/categories/new?lang=sk').expect(200)).text;
  expect(sk).toContain('Predvolená priorita helpdesku (Normálna)');
});

test("new ticket for a customer: the error summary lists the fields in the form's order", async () => {
  const admin = await f.staffAgent(adminCredentials);
  const form = (await admin.get('/admin/tickets/new').expect(200)).text;
  const token = csrfFrom(form);
  const key = /name="submission_key" value="([a-f0-9]{32})"/.exec(form)![1]!;
  const res = await admin
    .post(`/admin/tickets/new?_csrf=${encodeURIComponent(token)}`)
    .type('form')
    .send({
      _csrf: token,
      submission_key: key,
      email: '',
      name: '',
      category: '',
      subject: '',
      message: '',
      notify: 'maybe',
      language: 'xx',
    })
    .expect(400);
  const summary = /<div class="error-summary"[\s\S]*?<\/ul>/.exec(res.text)![0];
  const inSummary = [...summary.matchAll(/href="#([\w-]+)"/g)].map((m) => m[1]!);
  const inForm = [...res.text.matchAll(/\bid="(email|name|category|priority|subject|message|language|notify)"/g)].map(
    (m) => m[1]!,
  );
  expect(inSummary.length).toBeGreaterThanOrEqual(5);
  expect(inSummary).toEqual(inForm.filter((id) => inSummary.includes(id)));
  expect(inSummary.slice(0, 2)).toEqual(['email', 'name']);
});
