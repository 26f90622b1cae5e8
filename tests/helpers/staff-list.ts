import request from 'supertest';
import { insertReturningId } from '../../src/db/insert';
import { signIn, type InstalledApp } from './installed-app';
import { openTicket } from './portal';

/** Helpers of the ticket list tests: signed-in agents, tickets by id, categories, roles. */
export function listFixtures(get: () => InstalledApp) {
  const t = () => get();
  return {
    async staffAgent(creds: { email: string; password: string }) {
      const agent = request.agent(t().app);
      const res = await signIn(agent, creds);
      if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
      return agent;
    },
    /** A customer's ticket through the portal; returns its id and tracking ID. */
    async ticket(fields: Record<string, string> = {}): Promise<{ id: number; tracking: string }> {
      const tracking = await openTicket(t(), request.agent(t().app), fields);
      const row = await t().db('tickets').where({ tracking_id: tracking }).first('id');
      return { id: Number(row.id), tracking };
    },
    async category(name: string, extra: Record<string, unknown> = {}): Promise<number> {
      const now = t().clock.now();
      return insertReturningId(t().db, 'categories', {
        name,
        tier: 1,
        is_public: true,
        sort_order: 5,
        is_active: true,
        created_at: now,
        updated_at: now,
        ...extra,
      });
    },
    async staffId(email: string): Promise<number> {
      return Number((await t().db('staff_users').where({ email }).first('id')).id);
    },
    async grant(email: string, categoryId: number) {
      await t()
        .db('staff_categories')
        .insert({ staff_id: await this.staffId(email), category_id: categoryId })
        .onConflict(['staff_id', 'category_id'])
        .ignore();
    },
    /** Gives the person a role with exactly these capabilities. */
    async role(email: string, name: string, capabilities: string[]) {
      const now = t().clock.now();
      await t()
        .db('roles')
        .insert({ name, capabilities: JSON.stringify(capabilities), created_at: now, updated_at: now });
      const role = await t().db('roles').where({ name }).first('id');
      await t().db('staff_users').where({ email }).update({ role_id: role.id });
    },
    async noRole(email: string) {
      await t().db('staff_users').where({ email }).update({ role_id: null });
    },
  };
}

/** Ticket ids in the order a list page shows them. */
export const idsIn = (html: string) =>
  [...html.matchAll(/<td class="mono"><a href="\/admin\/tickets\/(\d+)"/g)].map((m) => Number(m[1]));
