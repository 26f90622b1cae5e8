import type { Capability } from '../../src/staff/capabilities';
import type { InstalledApp } from './installed-app';

/**
 * Every page route that needs a capability, in one table: the capability matrix test
 * (tests/http/capability-matrix.test.ts) signs in a staff member whose role has every capability
 * but this one — the request must be refused (403, or 404 where the object is hidden) — and one
 * whose role has them all — the request must go through. Add a row for each new route that
 * needs a capability; a capability without rows here is reported by the test.
 */
export type RouteContext = {
  t: InstalledApp;
  /** A fresh ticket in a category both test accounts may work. */
  newTicket(): Promise<{ id: number; trackingId: string }>;
  /** The id of a second category both may work. */
  otherCategoryId: number;
  /** A colleague who may work the tickets (an admin). */
  colleagueId: number;
  /** The id of the signed-in test account. */
  selfId: number;
  /** A shared canned response. */
  sharedCannedId: number;
};

export type CapabilityRequest = { method: 'get' | 'post'; path: string; form?: Record<string, unknown> };

export type CapabilityRoute = {
  capability: Capability;
  name: string;
  request(ctx: RouteContext): Promise<CapabilityRequest>;
  /** What a role without the capability gets (default 403). */
  denied?: 403 | 404;
  /** What a role with it gets (default: any 2xx or 3xx). */
  allowed?: (status: number) => boolean;
};

const ticketPost =
  (
    path: string,
    form: (
      ctx: RouteContext,
      ticket: { id: number; trackingId: string },
    ) => Promise<Record<string, unknown>> | Record<string, unknown> = () => ({}),
  ) =>
  async (ctx: RouteContext): Promise<CapabilityRequest> => {
    const ticket = await ctx.newTicket();
    return { method: 'post', path: `/admin/tickets/${ticket.id}${path}`, form: await form(ctx, ticket) };
  };

export const capabilityRoutes: CapabilityRoute[] = [
  {
    capability: 'tickets.view',
    name: 'ticket page',
    denied: 404,
    request: async (ctx) => ({ method: 'get', path: `/admin/tickets/${(await ctx.newTicket()).id}` }),
  },
  {
    capability: 'tickets.reply',
    name: 'reply',
    request: ticketPost('/reply', () => ({ message: 'A reply from the matrix.', status: 'replied' })),
  },
  {
    capability: 'tickets.reply',
    name: 'internal note',
    request: ticketPost('/note', () => ({ message: 'A note from the matrix.' })),
  },
  { capability: 'tickets.reply', name: 'take an unassigned ticket', request: ticketPost('/take') },
  {
    capability: 'tickets.reply',
    name: 'change status',
    request: ticketPost('/properties', () => ({ status: 'on_hold' })),
  },
  {
    capability: 'tickets.reply',
    name: 'change priority',
    request: ticketPost('/properties', () => ({ priority: 'high' })),
  },
  // Without an escalation target the allowed request is refused as a form error (400), after the capability check.
  {
    capability: 'tickets.reply',
    name: 'escalate',
    request: ticketPost('/escalate', () => ({ reason: 'Needs tier 2.' })),
    allowed: (s) => s === 303 || s === 400,
  },
  { capability: 'tickets.reply', name: 'add a tag', request: ticketPost('/tags', () => ({ tags: 'matrix' })) },
  { capability: 'tickets.reply', name: 'remove a tag', request: ticketPost('/tags/remove', () => ({ tag: 'matrix' })) },
  {
    capability: 'tickets.reply',
    name: 'add a follower',
    request: ticketPost('/followers', () => ({ email: 'matrix-follower@example.org' })),
  },
  // Removing needs a follower of that ticket: one is added first (the allowed request removes it).
  {
    capability: 'tickets.reply',
    name: 'remove a follower',
    request: ticketPost('/followers/remove', async (ctx, ticket) => {
      await ctx.t
        .db('ticket_followers')
        .insert({ ticket_id: ticket.id, email: 'matrix-follower@example.org', created_at: Date.now() });
      return { follower: String((await ctx.t.db('ticket_followers').where({ ticket_id: ticket.id }).first('id')).id) };
    }),
  },
  {
    capability: 'tickets.create',
    name: 'new ticket form',
    request: async () => ({ method: 'get', path: '/admin/tickets/new' }),
  },
  // The allowed request may be refused as a form error (400), after the capability check.
  {
    capability: 'tickets.create',
    name: 'open a ticket for a customer',
    request: async () => ({
      method: 'post',
      path: '/admin/tickets/new',
      form: {
        name: 'Matrix Customer',
        email: 'matrix@example.com',
        subject: 'From the matrix',
        message: 'Opened by the matrix.',
        notify: 'no',
      },
    }),
    allowed: (s) => s === 303 || s === 400,
  },
  {
    capability: 'tickets.reply',
    name: 'send a failed mail again',
    request: async (ctx) => {
      const ticket = await ctx.newTicket();
      // The ticket's confirmation mail, given up (as after its last attempt).
      const mail = (await ctx.t
        .db('mail_outbox')
        .where({ ticket_id: ticket.id, template: 'ticket_received' })
        .first<{ id: number }>('id'))!;
      await ctx.t.db('mail_outbox').where({ id: mail.id }).update({ status: 'failed' });
      return { method: 'post', path: `/admin/tickets/${ticket.id}/mail/${mail.id}/resend` };
    },
  },
  {
    capability: 'tickets.assign_others',
    name: 'assign to a colleague',
    request: ticketPost('/properties', (ctx) => ({ owner: String(ctx.colleagueId) })),
  },
  {
    capability: 'tickets.change_category',
    name: 'change category',
    request: ticketPost('/properties', (ctx) => ({ category: String(ctx.otherCategoryId) })),
  },
  {
    capability: 'tickets.merge',
    name: 'merge',
    request: async (ctx) => {
      const target = await ctx.newTicket();
      return ticketPost('/merge', () => ({ target: target.trackingId, confirm: 'yes' }))(ctx);
    },
  },
  { capability: 'tickets.delete', name: 'delete', request: ticketPost('/delete', () => ({ confirm: 'yes' })) },
  {
    capability: 'tickets.export',
    name: 'export ticked tickets',
    request: async (ctx) => ({
      method: 'post',
      path: '/admin/tickets/bulk',
      form: { action: 'export', ids: [String((await ctx.newTicket()).id)] },
    }),
  },
  {
    capability: 'canned.manage',
    name: 'edit a shared canned response',
    denied: 404,
    request: async (ctx) => ({
      method: 'post',
      path: `/admin/canned/${ctx.sharedCannedId}`,
      form: { title: 'Shared greeting', body: 'Hello there.' },
    }),
  },
  {
    capability: 'settings.manage',
    name: 'settings page',
    request: async () => ({ method: 'get', path: '/admin/settings' }),
  },
  { capability: 'bans.manage', name: 'bans page', request: async () => ({ method: 'get', path: '/admin/bans' }) },
  {
    capability: 'sla.manage',
    name: 'service levels page',
    request: async () => ({ method: 'get', path: '/admin/sla' }),
  },
  {
    capability: 'sla.manage',
    name: 'new calendar form',
    request: async () => ({ method: 'get', path: '/admin/sla/calendars/new' }),
  },
  { capability: 'staff.manage', name: 'staff list', request: async () => ({ method: 'get', path: '/admin/staff' }) },
  {
    capability: 'staff.manage',
    name: 'new staff form',
    request: async () => ({ method: 'get', path: '/admin/staff/new' }),
  },
  {
    capability: 'staff.manage',
    name: 'add a staff member',
    request: async (ctx) => ({
      method: 'post',
      path: '/admin/staff',
      form: {
        method: 'invite',
        name: 'Matrix Person',
        email: `matrix-${ctx.t.clock.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`,
        role: 'default',
      },
    }),
  },
];

/** Capabilities that have no page route yet (their areas are not built). */
export const capabilitiesWithoutRoutes: Capability[] = ['kb.manage', 'reports.run'];
