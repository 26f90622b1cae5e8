import type request from 'supertest';
import type { InstalledApp } from './installed-app';
import { csrfFrom } from './installed-app';

export type FormFile = { field?: string; name: string; content: Buffer | string };

/** Fills the ticket form like a person: loads it, waits past the minimum fill time, sends it. */
export async function submitForm(
  t: InstalledApp,
  agent: request.Agent,
  fields: Record<string, string | string[]>,
  files: FormFile[] = [],
  opts: { page?: string } = {},
) {
  const page = await agent.get(opts.page ?? '/helpdesk/tickets/new').expect(200);
  const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page.text)?.[1] ?? '';
  t.clock.advance(5000);
  let req = agent
    .post(`/helpdesk/tickets/new?_csrf=${encodeURIComponent(csrfFrom(page.text))}`)
    .field('shown', hidden('shown'))
    .field('submission_key', hidden('submission_key'));
  for (const [k, v] of Object.entries(fields)) for (const one of ([] as string[]).concat(v)) req = req.field(k, one);
  for (const f of files)
    req = req.attach(f.field ?? 'attachments', Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content), f.name);
  return req;
}

export const validTicket = {
  name: 'Carla Customer',
  email: 'carla@example.net',
  category: '1',
  subject: 'Printer on fire',
  message: 'It started smoking after the update.\nPlease help.',
};

/** Opens a new ticket and returns its tracking ID (the agent keeps access to it). */
export async function openTicket(
  t: InstalledApp,
  agent: request.Agent,
  fields: Record<string, string> = {},
): Promise<string> {
  const res = await submitForm(t, agent, { ...validTicket, ...fields });
  if (res.status !== 303) throw new Error(`ticket not created: ${res.status} ${res.text.slice(0, 500)}`);
  return /\/helpdesk\/tickets\/([A-Z0-9]{10})\/created/.exec(res.headers.location!)![1]!;
}
