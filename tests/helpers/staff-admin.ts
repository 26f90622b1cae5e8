import request from 'supertest';
import { adminCredentials, csrfFrom, signIn, type InstalledApp } from './installed-app';

/** Helpers of the staff and roles tests: an admin agent, roles and accounts made through the pages. */
export async function adminAgent(t: InstalledApp): Promise<request.Agent> {
  const agent = request.agent(t.app);
  const res = await signIn(agent, adminCredentials);
  if (res.status !== 303) throw new Error(`admin sign-in failed: ${res.status}`);
  return agent;
}

export async function tokenOf(agent: request.Agent, path: string): Promise<string> {
  return csrfFrom((await agent.get(path)).text);
}

/** Creates a role through /admin/roles and returns its id. */
export async function createRole(
  t: InstalledApp,
  admin: request.Agent,
  name: string,
  capabilities: string[],
): Promise<number> {
  // The token first: a request takes the agent's cookies when it is created.
  const token = await tokenOf(admin, '/admin/roles');
  const res = await admin.post('/admin/roles').type('form').send({ _csrf: token, name, capabilities });
  if (res.status !== 303) throw new Error(`role not created: ${res.status}`);
  return Number((await t.db('roles').where({ name }).first('id')).id);
}

/** Creates an account with a password through /admin/staff and returns its id. */
export async function createStaffWithPassword(
  t: InstalledApp,
  admin: request.Agent,
  person: { name: string; email: string; password: string; role: string; categories?: string[] },
): Promise<number> {
  const token = await tokenOf(admin, '/admin/staff/new');
  const res = await admin
    .post('/admin/staff')
    .type('form')
    .send({ _csrf: token, method: 'password', categories: [], ...person });
  if (res.status !== 303) throw new Error(`staff not created: ${res.status} ${res.text.slice(0, 200)}`);
  return Number((await t.db('staff_users').where({ email: person.email.toLowerCase() }).first('id')).id);
}

/** The link in the last mail of a template sent to an address. */
export async function linkFromMail(t: InstalledApp, template: string, to: string): Promise<string> {
  const mail = await t.db('mail_outbox').where({ template, to_address: to }).orderBy('id', 'desc').first('body_text');
  const m = mail ? /http:\/\/localhost(\/admin\/(?:invite|reset)\/[A-Za-z0-9_-]+)/.exec(String(mail.body_text)) : null;
  if (!m) throw new Error(`no ${template} mail to ${to}`);
  return m[1]!;
}
