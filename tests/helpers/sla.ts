import request from 'supertest';
import { adminCredentials, csrfFrom, signIn, type InstalledApp } from './installed-app';

/** A UTC instant from calendar parts (month 1-12), for tests that set the clock to a wall time. */
export const utc = (y: number, mo: number, d: number, h = 0, mi = 0): number => Date.UTC(y, mo - 1, d, h, mi);

/** Moves the installed app's test clock to the instant given, forward or back. */
export const setClock = (t: InstalledApp, at: number): void => t.clock.advance(at - t.clock.now());

/** The admin signed in on a fresh agent, with a CSRF token read from the page given. */
export async function signedInAdmin(
  t: InstalledApp,
  page = '/admin/sla',
): Promise<{ agent: ReturnType<typeof request.agent>; token: string }> {
  const agent = request.agent(t.app);
  expect((await signIn(agent, adminCredentials)).status).toBe(303);
  return { agent, token: csrfFrom((await agent.get(page).expect(200)).text) };
}

/**
 * A policy saved through the admin forms: a one-hour first response for every priority and one
 * escalation level, "raise the priority" at 50 %; `fields` narrows it (e.g. `category`). Its id.
 */
export async function policyWithRaise(
  t: InstalledApp,
  name: string,
  fields: Record<string, string> = {},
): Promise<number> {
  const { agent, token } = await signedInAdmin(t);
  const priorities = await t.db('priorities').pluck('id');
  const targets = Object.fromEntries(priorities.map((id: number) => [`first_${id}`, '1']));
  await agent
    .post('/admin/sla/policies')
    .type('form')
    .send({ _csrf: token, name, position: '10', is_active: 'yes', ...fields, ...targets })
    .expect(303);
  const policyId = Number((await t.db('sla_policies').where({ name }).first<{ id: number }>('id'))!.id);
  await agent
    .post(`/admin/sla/policies/${policyId}/escalations`)
    .type('form')
    .send({ _csrf: token, level_kind: 'first', level_percent: '50', level_action: 'raise_priority', level_staff: '' })
    .expect(303);
  return policyId;
}
