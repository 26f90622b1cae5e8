import http from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { errorHandler } from '../../src/web/middleware/errors';
import { requestLogger } from '../../src/web/middleware/request-logger';

test('the request log leaves out the tokens of invitation and reset links (and every query string)', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const app = express();
  app.use(requestLogger(pino(sink)));
  app.use((_req, res) => res.send('ok'));
  const token = 'Q2hhbmdlIHRoaXMgdG9rZW4gYmVmb3JlIHVzaW5nIGl0';
  await request(app).get(`/admin/reset/${token}`);
  await request(app).post(`/ADMIN/invite/${token}`);
  await request(app).get(`/admin/tickets?secret=${token}`);
  const log = lines.join('');
  expect(log).not.toContain(token);
  expect(log).toContain('"url":"/admin/reset/…"');
  expect(log).toContain('"url":"/ADMIN/invite/…"');
  expect(log).toContain('"url":"/admin/tickets"');
});

test('a failed request on a link page is logged without the link token', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const app = express();
  app.get('/admin/reset/:token', () => {
    throw new Error('database went away');
  });
  app.use(errorHandler(pino(sink), () => false));
  const token = 'Q2hhbmdlIHRoaXMgdG9rZW4gYmVmb3JlIHVzaW5nIGl0';
  await request(app).get(`/admin/reset/${token}`).expect(500);
  const log = lines.join('');
  expect(log).toContain('request failed');
  expect(log).not.toContain(token);
});

test('a request the client leaves before its response is sent is logged as aborted, not completed', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const app = express();
  app.use(requestLogger(pino(sink)));
  let reached!: () => void;
  const inRoute = new Promise<void>((resolve) => {
    reached = resolve;
  });
  app.get('/slow', (_req, res) => {
    res.write('part');
    reached();
    res.on('close', () => res.end());
  });
  app.get('/fast', (_req, res) => res.send('ok'));
  const server = app.listen(0);
  try {
    const { port } = server.address() as { port: number };
    const req = http.get({ port, path: '/slow' }, (res) => res.resume());
    req.on('error', () => {});
    await inRoute;
    req.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await request(app).get('/fast');
  } finally {
    server.close();
  }
  const log = lines.map((l) => JSON.parse(l) as { msg: string; req: { url: string } });
  expect(log.find((l) => l.req.url === '/slow')?.msg).toBe('request aborted');
  expect(log.find((l) => l.req.url === '/fast')?.msg).toBe('request completed');
});
