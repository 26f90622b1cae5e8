import fs from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/web/app';
import { adminCredentials, signIn, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { submitForm, validTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

type LogLine = { level: number; msg: string; err?: unknown };

/** The help desk with its log kept: what an outsider can make it write is part of the test. */
function appWithLog() {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write: (chunk, _enc, done) => {
      lines.push(JSON.parse(String(chunk)) as LogLine);
      done();
    },
  });
  const services = { ...t.services, logger: pino({ level: 'debug' }, sink) };
  return { app: createApp(services, { services }), lines, worst: () => Math.max(0, ...lines.map((l) => l.level)) };
}

const info = 30;

test('a body too large and a NUL in the query get the error page in the visitor\u2019s language, and the log no error line', async () => {
  const { app, lines, worst } = appWithLog();
  const big = await request(app)
    .post('/helpdesk/tickets/new?lang=sk')
    .type('form')
    .send(`message=${'x'.repeat(300_000)}`)
    .expect(413);
  expect(big.headers['content-type']).toMatch(/html/);
  expect(big.text).toContain('<html lang="sk">');
  expect(big.text).toContain('Odoslané údaje sú príliš veľké');
  const nul = await request(app).get('/helpdesk?q=%00').set('Accept-Language', 'hu').expect(400);
  expect(nul.text).toContain('<html lang="hu">');
  expect(nul.text).toContain('Az űrlapot nem sikerült beolvasni');
  const form = await request(app).post('/helpdesk/tickets/new').type('form').send({ message: 'a\u0000b' }).expect(400);
  expect(form.text).toContain('The form could not be read');
  expect(lines.map((l) => l.msg)).not.toContain('error page failed to render');
  expect(worst()).toBeLessThanOrEqual(info);
});

test('a malformed percent-encoding in a path is a 400, logged at most as information', async () => {
  const { app, lines, worst } = appWithLog();
  const staff = request.agent(app);
  expect((await signIn(staff, adminCredentials)).status).toBe(303);
  const page = await staff.get('/admin/tickets/%ff').expect(400);
  expect(page.text).toContain('This address is not valid');
  await request(app).get('/helpdesk/tickets/%E0%A4%A').expect(400);
  await request(app)
    .get('/helpdesk/tickets/%E0%A4%A?lang=ru')
    .expect(400, /Этот адрес недействителен/);
  const api = await request(app).get('/api/v1/tickets/%').expect(400);
  expect(api.body).toEqual({ error: { code: 'bad_address', message: 'This address is not valid.' } });
  expect(worst()).toBeLessThanOrEqual(info);
  expect(JSON.stringify(lines)).not.toContain('stack');
});

const storageFailure = () =>
  Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
const ticketsNamed = async (subject: string) =>
  (await t.db('tickets').where({ subject }).count<{ n: number }[]>({ n: '*' }))[0]!.n;

test('a full disk while an upload is received: 503 "could not store", nothing kept', async () => {
  const realCreate = fs.createWriteStream;
  const spy = jest.spyOn(fs, 'createWriteStream').mockImplementation(((file: fs.PathLike, opts?: never) => {
    if (!String(file).startsWith(t.services.store.incomingDir)) return realCreate(file, opts);
    return new Writable({ write: (_chunk, _enc, done) => done(storageFailure()) }) as unknown as fs.WriteStream;
  }) as typeof fs.createWriteStream);
  try {
    const res = await submitForm(t, request.agent(t.app), { ...validTicket, subject: 'Disk full on receipt' }, [
      { name: 'notes.txt', content: 'some notes\n' },
    ]);
    expect(res.status).toBe(503);
    expect(res.text).toContain('The server could not store the upload');
    expect(res.text).not.toContain('could not be read');
  } finally {
    spy.mockRestore();
  }
  expect(await ticketsNamed('Disk full on receipt')).toBe(0);
});

test('a full disk while an upload moves into the store: 503 "could not store", no ticket', async () => {
  const spy = jest.spyOn(fs.promises, 'rename').mockRejectedValueOnce(storageFailure());
  try {
    const res = await submitForm(t, request.agent(t.app), { ...validTicket, subject: 'Disk full on adopt' }, [
      { name: 'notes.txt', content: 'some notes\n' },
    ]);
    expect(res.status).toBe(503);
    expect(res.text).toContain('The server could not store the upload');
  } finally {
    spy.mockRestore();
  }
  expect(await ticketsNamed('Disk full on adopt')).toBe(0);
  // The disk has room again: the same form works.
  const again = await submitForm(t, request.agent(t.app), { ...validTicket, subject: 'Disk full on adopt' }, [
    { name: 'notes.txt', content: 'some notes\n' },
  ]);
  expect(again.status).toBe(303);
});
