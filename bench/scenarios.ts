/**
 * What the load script measures, each through the real pages over HTTP and each response
 * checked to be the page a person would have seen (a fast error page must not count).
 */
import type http from 'node:http';
import { Browser, expectPage, hiddenField, selectOptions } from './http-client';
import { customerEmailOf, openers, sentences, terms, trackingIdOf } from './shape';
import { runOps, summarise, type Summary } from './stats';

export type Context = {
  base: URL;
  agent: http.Agent;
  /** One signed-in staff member; the concurrent workers are that person's browser tabs. */
  staff: Browser;
  /** How many seeded tickets there are (row numbers 1..seeded). */
  seeded: number;
  /** The form's minimum fill time (the portal's spam setting), waited out before posting. */
  fillSeconds: number;
  requests: number;
  warmup: number;
};

export type Scenario = {
  name: string;
  concurrency: 'staff' | 'submit';
  run(ctx: Context, concurrency: number): Promise<Summary[]>;
};

const ticketLink = /href="\/admin\/tickets\/(\d+)"/;
const messageItem = /class="message message--/g;
/** A seeded row spread over the whole table (never row 1, whose thread the bench grows). */
const rowOf = (ctx: Context, i: number) => 2 + ((i * 7919) % (ctx.seeded - 1));

export async function signIn(ctx: { base: URL; agent: http.Agent }, email: string, password: string): Promise<Browser> {
  const browser = new Browser(ctx.base, ctx.agent);
  const form = await browser.get('/admin/login');
  expectPage(form, 200, 'login form', 'name="_csrf"');
  const done = await browser.postForm('/admin/login', { _csrf: hiddenField(form.body, '_csrf'), email, password });
  if (done.status !== 303)
    throw new Error(`sign-in as ${email} failed: ${done.status} ${done.body.replace(/\s+/g, ' ').slice(0, 200)}`);
  return browser;
}

/** Warm-up, then the measured run, of one operation. */
function simple(name: string, prepare: (ctx: Context) => Promise<(i: number) => Promise<void>>): Scenario {
  return {
    name,
    concurrency: 'staff',
    async run(ctx, concurrency) {
      const op = await prepare(ctx);
      await runOps(ctx.warmup, concurrency, op);
      return [summarise(name, concurrency, await runOps(ctx.requests, concurrency, op))];
    },
  };
}

const staffPage = (name: string, path: (i: number, ctx: Context) => string, marker: RegExp | string) =>
  simple(name, async (ctx) => async (i) => expectPage(await ctx.staff.get(path(i, ctx)), 200, name, marker));

/** The filtered list: a status, a category and an owner, rotating so no answer repeats in a row. */
const filteredList = simple('staff-list-filtered', async (ctx) => {
  const page = await ctx.staff.get('/admin/tickets');
  const categories = selectOptions(page.body, 'category');
  const owners = selectOptions(page.body, 'owner').filter((v) => /^\d+$/.test(v));
  const statuses = ['new', 'open', 'waiting', 'replied'];
  return async (i) => {
    const query = `status=${statuses[i % statuses.length]}&category=${categories[i % categories.length]}&owner=${owners[i % owners.length]}`;
    expectPage(
      await ctx.staff.get(`/admin/tickets?${query}`),
      200,
      'filtered list',
      /class="ticket-table"|class="card center"/,
    );
  };
});

/** The staff page of seeded row 1's ticket, its thread grown to 50 messages through the page's own forms. */
const staffTicket = simple('staff-ticket-50', async (ctx) => {
  const found = await ctx.staff.get(`/admin/tickets?q=${trackingIdOf(1)}`);
  const id = ticketLink.exec(found.body)?.[1];
  if (!id) throw new Error('seeded ticket 1 not found by its tracking ID');
  for (;;) {
    const page = await ctx.staff.get(`/admin/tickets/${id}`);
    expectPage(page, 200, 'staff ticket page', 'class="message message--');
    const count = page.body.match(messageItem)?.length ?? 0;
    if (count >= 50) break;
    const csrf = hiddenField(page.body, '_csrf');
    const message = `${sentences[count % sentences.length]} (bench message ${count + 1})`;
    const sent =
      count % 2 === 0
        ? await ctx.staff.postMultipart(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(csrf)}`, {
            _csrf: csrf,
            message,
            status: 'replied',
          })
        : await ctx.staff.postForm(`/admin/tickets/${id}/note`, { _csrf: csrf, message });
    expectPage(sent, 303, 'adding a message to the bench thread');
  }
  return async () => {
    const page = await ctx.staff.get(`/admin/tickets/${id}`);
    expectPage(page, 200, 'staff ticket page', 'class="message message--');
    if ((page.body.match(messageItem)?.length ?? 0) < 50)
      throw new Error('the staff ticket page shows fewer than 50 messages');
  };
});

/** A customer finds a ticket by tracking ID and address, then reads it: three requests. */
async function customerLookup(ctx: Context, row: number): Promise<Browser> {
  const browser = new Browser(ctx.base, ctx.agent);
  const form = await browser.get('/helpdesk/tickets');
  expectPage(form, 200, 'customer lookup form', 'name="_csrf"');
  const found = await browser.postForm('/helpdesk/tickets', {
    _csrf: hiddenField(form.body, '_csrf'),
    tracking: trackingIdOf(row),
    email: customerEmailOf(row),
  });
  expectPage(found, 303, `customer lookup of row ${row}`);
  expectPage(await browser.get(found.location!), 200, 'customer ticket page', 'class="message message--');
  return browser;
}

const customerView = simple(
  'customer-lookup+page',
  async (ctx) => async (i) => void (await customerLookup(ctx, rowOf(ctx, i))),
);

const customerPage = simple('customer-ticket', async (ctx) => {
  const row = rowOf(ctx, 1);
  const browser = await customerLookup(ctx, row);
  return async () =>
    expectPage(
      await browser.get(`/helpdesk/tickets/${trackingIdOf(row)}`),
      200,
      'customer ticket page',
      'class="message message--',
    );
});

type ShownForm = { browser: Browser; action: string; fields: Record<string, string>; category: string };

/**
 * Ticket submission as a person does it: open the form (a new visitor each time), fill it in,
 * send it. The form carries a signed "shown at" time and refuses a send sooner than the minimum
 * fill time, so every form is fetched first (measured as submit-form), the fill time is waited
 * out once, then the forms are sent (measured as submit-post, each checked to land on the
 * "ticket created" page).
 */
const submission: Scenario = {
  name: 'submit',
  concurrency: 'submit',
  async run(ctx, concurrency) {
    const runId = `${Date.now().toString(36)}c${concurrency}`;
    const phase = async (count: number, tag: string) => {
      const forms: ShownForm[] = [];
      const formRun = await runOps(count, concurrency, async (i) => {
        const browser = new Browser(ctx.base, ctx.agent);
        const page = await browser.get('/helpdesk/tickets/new');
        expectPage(page, 200, 'new ticket form', 'name="shown"');
        const action = /action="(\/helpdesk\/tickets\/new\?_csrf=[^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
        if (!action) throw new Error('the new ticket form has no action');
        const fields = {
          _csrf: hiddenField(page.body, '_csrf'),
          shown: hiddenField(page.body, 'shown'),
          submission_key: hiddenField(page.body, 'submission_key'),
        };
        forms[i] = { browser, action, fields, category: selectOptions(page.body, 'category')[0]! };
      });
      const lastShown = Date.now();
      await new Promise((r) => setTimeout(r, Math.max(0, ctx.fillSeconds * 1000 + 250 - (Date.now() - lastShown))));
      const postRun = await runOps(count, concurrency, async (i) => {
        const f = forms[i]!;
        const sent = await f.browser.postMultipart(f.action, {
          ...f.fields,
          website: '',
          name: `Bench Visitor ${i}`,
          email: `bench-${runId}-${tag}${i}@example.com`,
          category: f.category,
          subject: `${openers[i % openers.length]} ${terms[(i * 13) % terms.length]} ${terms[(i * 29) % terms.length]}`,
          message: [0, 1, 2, 3].map((k) => sentences[(i + k * 5) % sentences.length]).join(' '),
        });
        expectPage(sent, 303, 'ticket submission');
        if (!/^\/helpdesk\/tickets\/\w+\/created$/.test(sent.location ?? ''))
          throw new Error(`submission went to ${sent.location}`);
      });
      return [summarise('submit-form', concurrency, formRun), summarise('submit-post', concurrency, postRun)];
    };
    await phase(ctx.warmup, 'w');
    return phase(ctx.requests, 'm');
  },
};

export const scenarios: Scenario[] = [
  staffPage('staff-list', () => '/admin/tickets', ticketLink),
  filteredList,
  // Issue 13: the list filtered "breached" in SLA due order, and every open ticket in SLA due order.
  staffPage('staff-list-sla-breached', () => '/admin/tickets?sla=breached&sort=sla&dir=asc', ticketLink),
  staffPage('staff-list-sla-sorted', () => '/admin/tickets?sort=sla&dir=asc', ticketLink),
  staffPage('dashboard', () => '/admin', 'href="/admin/tickets?status=new"'),
  staffPage('search-message-word', () => '/admin/tickets?q=firewall', ticketLink),
  staffPage('search-subject-word', () => '/admin/tickets?q=keyring', ticketLink),
  staffPage(
    'search-terms',
    (i) => `/admin/tickets?q=${terms[(i * 37) % terms.length]}`,
    /class="ticket-table"|class="card center"/,
  ),
  staffTicket,
  customerPage,
  customerView,
  submission,
];
