import request from 'supertest';
import { createApiToken } from '../../src/api-tokens/api-tokens.service';
import { findStaffByEmail, toStaff } from '../../src/staff/staff.repo';
import { adminCredentials, type InstalledApp } from './installed-app';

/** A personal API token for a staff account, made by the same service as the page. */
export async function apiTokenFor(t: InstalledApp, email: string, name = 'test', expires = '30'): Promise<string> {
  const row = await findStaffByEmail(t.db, email);
  if (!row) throw new Error(`no staff member ${email}`);
  return (await createApiToken(t.services, toStaff(row), { name, expires }, '127.0.0.1')).token;
}

const integrationTokens = new WeakMap<InstalledApp, Promise<string>>();
/** The admin's token a test uses to open tickets for customers (POST /tickets needs one), made once per app. */
export function integrationToken(t: InstalledApp): Promise<string> {
  let token = integrationTokens.get(t);
  if (!token) integrationTokens.set(t, (token = apiTokenFor(t, adminCredentials.email, 'Website form', 'never')));
  return token;
}

/** The Authorization header of the integration token: `request(app).post(...).set(await integrationAuth(t))`. */
export async function integrationAuth(t: InstalledApp): Promise<{ Authorization: string }> {
  return { Authorization: `Bearer ${await integrationToken(t)}` };
}

/** Requests to /api/v1 with a Bearer token. */
export function apiAs(t: InstalledApp, token: string) {
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${token}`);
  return {
    get: (path: string) => auth(request(t.app).get(`/api/v1${path}`)),
    post: (path: string, body: unknown = {}) => auth(request(t.app).post(`/api/v1${path}`)).send(body as object),
    patch: (path: string, body: unknown = {}) => auth(request(t.app).patch(`/api/v1${path}`)).send(body as object),
    send: (method: string, path: string, body?: unknown) => {
      const r = auth(request(t.app)[method.toLowerCase() as 'get' | 'post' | 'patch'](`/api/v1${path}`));
      return body === undefined ? r : r.send(body as object);
    },
  };
}

let counter = 0;
/** A new ticket from a customer through the customer API; returns its id and tracking ID. */
export async function customerTicket(
  t: InstalledApp,
  fields: { category?: number; subject?: string; message?: string } = {},
): Promise<{ id: number; trackingId: string }> {
  // The per-address submission limit would stop a test that opens many tickets.
  await t.db('rate_limits').where('bucket', 'like', 'submit%').del();
  counter++;
  const res = await request(t.app)
    .post('/api/v1/tickets')
    .set(await integrationAuth(t))
    .send({
      name: `Customer ${counter}`,
      email: `customer${counter}.${Date.now()}@example.net`,
      category: fields.category ?? 1,
      subject: fields.subject ?? `Question ${counter}`,
      message: fields.message ?? 'Something is broken.',
    });
  if (res.status !== 201) throw new Error(`ticket not created: ${res.status} ${res.text}`);
  const trackingId = String(res.body.ticket.trackingId).replace(/-/g, '');
  const row = await t.db('tickets').where({ tracking_id: trackingId }).first('id');
  return { id: Number(row.id), trackingId };
}
