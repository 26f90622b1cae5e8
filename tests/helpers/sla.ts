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
