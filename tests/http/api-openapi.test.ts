import fs from 'node:fs';
import request from 'supertest';
import { apiErrorStatuses } from '../../src/web/api/api-errors';
import { fromRoot } from '../../src/paths';
import { apiRoutes } from '../../src/web/api/api.routes';
import { routesOf } from '../helpers/api-routes';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app));

test('the OpenAPI document describes every route the API registers, and nothing else', async () => {
  const res = await request(t.app).get('/api/v1/openapi.json').expect(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const doc = res.body as {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
    components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  };
  expect(doc.openapi).toBe('3.1.0');
  const documented = Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  const registered = routesOf(apiRoutes(t.services));
  expect(registered.length).toBeGreaterThan(10);
  expect(documented).toEqual(registered);
});

test('every staff operation names the bearer scheme, its errors and its bodies', async () => {
  const doc = (await request(t.app).get('/api/v1/openapi.json').expect(200)).body;
  expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  expect(Object.keys(doc.components.schemas)).toEqual(
    expect.arrayContaining(['Error', 'Ticket', 'TicketSummary', 'TicketList', 'Message']),
  );
  for (const [path, ops] of Object.entries(
    doc.paths as Record<
      string,
      Record<
        string,
        { security?: unknown[]; responses: Record<string, unknown>; requestBody?: unknown; tags?: string[] }
      >
    >,
  )) {
    for (const [method, op] of Object.entries(ops)) {
      if (!op.tags?.includes('Staff') || path === '/openapi.json') continue;
      expect([`${method} ${path}`, op.security?.[0]]).toEqual([`${method} ${path}`, { bearer: [] }]);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
      if (path.includes('{ticket}')) expect(op.responses).toHaveProperty('404');
      if (method === 'post' || method === 'patch') expect(op.requestBody).toBeDefined();
    }
  }
  const list = doc.paths['/tickets'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
  expect(list).toEqual(
    expect.arrayContaining([
      'query:status',
      'query:owner',
      'query:category',
      'query:priority',
      'query:tier',
      'query:q',
      'query:page',
      'query:size',
      'query:sort',
    ]),
  );
});

test('docs/api.md\u2019s error table names the same codes under the same statuses as the document', () => {
  const pairs = (status: string, text: string) => [...text.matchAll(/`([a-z_]+)`/g)].map((m) => `${status} ${m[1]}`);
  const documented = Object.entries(apiErrorStatuses).flatMap(([status, text]) => pairs(status, text));
  const guide = fs.readFileSync(fromRoot('docs/api.md'), 'utf8');
  const table = [...guide.matchAll(/^\| (\d{3}) \| ([^|]+) \|/gm)].flatMap((m) => pairs(m[1]!, m[2]!));
  expect(documented).toContain('503 unavailable');
  expect(new Set(table)).toEqual(new Set(documented));
});
