import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { collectAuditRefs, formatAuditEntries, type AuditLine } from '../../src/audit/audit-format';
import type { AuditNames, NamedKind } from '../../src/audit/audit-names.repo';
import type { AuditRow } from '../../src/audit/audit-query.repo';
import { createI18n } from '../../src/i18n/i18n';
import { fromRoot } from '../../src/paths';

const i18n = createI18n();
const t = i18n.getFixedT('en');
const viewer = {
  t: (k: string, o?: Record<string, unknown>) => String(t(k, o as never)),
  lang: 'en',
  timeZone: 'Europe/Bratislava',
};

// What the page's names query would answer for these ids.
const names: AuditNames = {
  byKind: new Map<NamedKind, Map<number, string>>([
    [
      'staff',
      new Map([
        [1, 'Ada Admin'],
        [2, 'Sam Staff'],
      ]),
    ],
    [
      'category',
      new Map([
        [2, 'Billing'],
        [3, 'Support'],
      ]),
    ],
    ['role', new Map([[4, 'Tier 2']])],
    ['ticket', new Map([[9, 'ABCDEFGHJK']])],
    ['mailbox', new Map([[5, 'Sales inbox']])],
    ['custom_field', new Map([[6, 'Order number']])],
    ['kb_category', new Map([[7, 'Getting started']])],
    ['kb_article', new Map([[8, 'Resetting a password']])],
    ['sla_policy', new Map([[10, 'Gold']])],
    ['sla_calendar', new Map([[11, 'Office hours']])],
    ['status', new Map([[12, 'Waiting']])],
    ['priority', new Map([[13, 'Urgent']])],
    ['api_token', new Map([[14, 'CRM sync']])],
    ['customer', new Map([[15, 'Cleo Customer']])],
  ]),
  ticketByTracking: new Map([['ABCDEFGHJK', 9]]),
};

let nextId = 1;
const row = (
  action: string,
  targetType: string | null,
  targetId: string | number | null,
  details?: unknown,
): AuditRow => ({
  id: nextId++,
  createdAt: Date.parse('2026-03-10T12:00:00Z'),
  staffId: 1,
  staffName: 'Ada Admin',
  action,
  targetType,
  targetId: targetId === null ? null : String(targetId),
  details: details === undefined ? null : JSON.stringify(details),
  ip: '127.0.0.1',
});
const line = (r: AuditRow): AuditLine => formatAuditEntries([r], names, viewer)[0]!;
/** Everything a reader sees of a line, outside the raw details. */
const visible = (l: AuditLine) =>
  [
    l.who?.label,
    l.what,
    l.target?.label,
    ...l.changes.map((c) => `${c.label}: ${c.before} → ${c.after}`),
    ...l.facts.map((f) => `${f.label}: ${f.value}`),
  ].join('\n');

/** One stored shape per action the code writes, as the writing service builds it. */
const cases: Array<[AuditRow, string[]]> = [
  [
    row('settings.changed', 'settings', 'sending', {
      changes: { 'mail.smtpHost': { before: '', after: 'smtp.acme.test' } },
    }),
    ['Settings changed', 'E-mail sending', 'mail.smtpHost: (empty) → smtp.acme.test'],
  ],
  [
    row('template.saved', 'mail_template', 'ticket_created/en', {
      changes: { subject: { before: 'Hi', after: 'Hello' } },
    }),
    ['E-mail template changed', 'Subject: Hi → Hello', 'E-mail template ticket_created/en'],
  ],
  [
    row('template.reset', 'mail_template', 'ticket_created/en', {
      changes: { subject: { before: 'Hello', after: null } },
    }),
    ['reset to default', 'Subject: Hello → (empty)'],
  ],
  [
    row('api_token.created', 'api_token', 14, { name: 'CRM sync', expiresAt: 1804359107229 }),
    ['API token created', 'CRM sync', 'Expires: '],
  ],
  [
    row('api_token.created', 'api_token', 14, { name: 'CRM sync', expiresAt: null }),
    ['API token created', 'CRM sync', 'Expires: Never'],
  ],
  [
    row('api_token.revoked', 'api_token', 14, { name: 'CRM sync', owner: { id: 2, name: 'Sam Staff' } }),
    ['API token revoked', 'Owner: Sam Staff'],
  ],
  [
    row('ban.added', 'ban', 'email:spam@example.com', { reason: 'spam' }),
    ['Ban added', 'Ban email:spam@example.com', 'Reason: spam'],
  ],
  [row('ban.removed', 'ban', 'email:spam@example.com'), ['Ban removed']],
  [row('customer.exported', 'customer', 15), ['Customer data exported', 'Cleo Customer']],
  [row('customer.anonymized', 'customer', 15), ['Customer anonymized']],
  [
    row('customer.deleted', 'customer', 16, { tickets: 3 }),
    ['Customer deleted', 'Customer #16 (deleted)', 'Tickets: 3'],
  ],
  [row('ticket.anonymized', 'ticket', 'ABCDEFGHJK'), ['Ticket anonymized', 'ABC-DEF-GHJK']],
  [
    row('role.created', 'role', 4, { after: { name: 'Tier 2', capabilities: ['tickets.reply'] } }),
    ['Role created', 'Tier 2', 'Permissions: tickets.reply'],
  ],
  [
    row('role.changed', 'role', 4, {
      before: { name: 'Tier two', capabilities: [] },
      after: { name: 'Tier 2', capabilities: [] },
    }),
    ['Role changed', 'Name: Tier two → Tier 2'],
  ],
  [
    row('role.deleted', 'role', 40, { before: { name: 'Old', capabilities: [] } }),
    ['Role deleted', 'Name: Old', 'Permissions: none'],
  ],
  [
    row('staff.created', 'staff', 2, {
      after: { name: 'Sam Staff', email: 's@x.test', isAdmin: false, roleId: 4, isActive: true, categoryIds: [2, 3] },
    }),
    ['Staff member created', 'Role: Tier 2', 'Categories: Billing, Support', 'Administrator: no'],
  ],
  [row('staff.invited', 'staff', 2, { resent: true }), ['Staff member invited', 'Sent again: yes']],
  // No role is the default one, named as the staff list names it (review item 5).
  [
    row('staff.invited', 'staff', 2, { after: { name: 'Colin', isAdmin: false, roleId: null } }),
    ['Staff member invited', 'Role: Standard staff'],
  ],
  [
    row('staff.changed', 'staff', 2, {
      before: { roleId: null, categoryIds: [2] },
      after: { roleId: 4, categoryIds: [2, 3] },
    }),
    ['Staff member changed', 'Role: Standard staff → Tier 2', 'Categories: Billing → Billing, Support'],
  ],
  [
    row('staff.deactivated', 'staff', 2, { before: { isActive: true }, after: { isActive: false } }),
    ['Staff member deactivated', 'Active: yes → no'],
  ],
  [
    row('staff.reactivated', 'staff', 2, { before: { isActive: false }, after: { isActive: true } }),
    ['Staff member reactivated', 'Active: no → yes'],
  ],
  [
    row('staff.invitation_accepted', 'staff', 2, { before: { name: 'Sam' }, after: { name: 'Sam Staff' } }),
    ['Invitation accepted', 'Name: Sam → Sam Staff'],
  ],
  [row('staff.password_reset', 'staff', 2), ['Password reset by link']],
  [
    row('staff.password_reset_by_admin', 'staff', 2, { tokensRevoked: 1 }),
    ['Password reset by an admin', 'Tokens revoked: 1'],
  ],
  [row('staff.password_changed', 'staff', 1, { tokensRevoked: 0 }), ['Password changed']],
  [row('staff.two_factor_enabled', 'staff', 1), ['Two-factor sign-in turned on']],
  [row('staff.two_factor_disabled', 'staff', 1), ['Two-factor sign-in turned off']],
  [row('staff.two_factor_reset', 'staff', 2), ['Two-factor sign-in reset by an admin']],
  [row('staff.recovery_codes_renewed', 'staff', 1), ['Recovery codes renewed']],
  [row('staff.reply_addresses_revoked', 'staff', 1), ['Reply addresses revoked']],
  [
    row('category.created', 'category', 3, {
      before: null,
      after: { name: 'Support', tier: 1 },
      staff: { before: [], after: [1, 2] },
    }),
    ['Category created', 'Support', 'Staff: none → Ada Admin, Sam Staff'],
  ],
  [
    row('category.changed', 'category', 3, {
      before: { name: 'Help' },
      after: { name: 'Support' },
      staff: { before: [1], after: [1] },
    }),
    ['Category changed', 'Name: Help → Support'],
  ],
  [row('category.archived', 'category', 3, { name: 'Support' }), ['Category archived']],
  [row('category.restored', 'category', 3, { name: 'Support' }), ['Category restored']],
  [
    row('mailbox.created', 'mailbox', 5, {
      after: { name: 'Sales inbox', host: 'imap.x.test', category_id: 2, priority_id: 13 },
      passwordChanged: true,
    }),
    ['Mailbox added', 'Category: Billing', 'Priority: Urgent', 'Password changed: yes'],
  ],
  [
    row('mailbox.changed', 'mailbox', 5, { after: { name: 'Sales inbox' }, passwordChanged: false }),
    ['Mailbox changed'],
  ],
  [
    row('mailbox.deleted', 'mailbox', 50, { name: 'Old box', host: 'imap.x.test', username: 'u' }),
    ['Mailbox deleted', 'Mailbox #50 (deleted)', 'Server: imap.x.test'],
  ],
  [
    row('field.created', 'custom_field', 6, { before: null, after: { label: 'Order number', categories: [2] } }),
    ['Custom field created', 'Order number', 'Categories: Billing'],
  ],
  [
    row('field.changed', 'custom_field', 6, { before: { label: 'Order' }, after: { label: 'Order number' } }),
    ['Custom field changed', 'Label: Order → Order number'],
  ],
  [row('field.removed', 'custom_field', 6, { label: 'Order number' }), ['Custom field removed']],
  [row('field.restored', 'custom_field', 6, { label: 'Order number' }), ['Custom field restored']],
  [
    row('status.created', 'status', 12, { before: null, after: { key: 'waiting', is_open: true } }),
    ['Status created', 'Waiting', 'Open status: yes'],
  ],
  [
    row('status.changed', 'status', 12, { before: { color: '#111' }, after: { color: '#222' } }),
    ['Status changed', 'Colour: #111 → #222'],
  ],
  [row('status.deleted', 'status', 99, { before: { key: 'old' } }), ['Status deleted', 'Status #99 (deleted)']],
  [row('priority.created', 'priority', 13, { before: null, after: { key: 'urgent' } }), ['Priority created', 'Urgent']],
  [
    row('priority.changed', 'priority', 13, { before: { sort_order: 1 }, after: { sort_order: 2 } }),
    ['Priority changed', 'Sort order: 1 → 2'],
  ],
  [row('priority.deleted', 'priority', 13, { before: { key: 'urgent' } }), ['Priority deleted']],
  [
    row('mail.inbound_retried', 'inbound_mail', 30, { from: 'c@x.test', outcome: 'imported', ticketId: 9 }),
    ['Received mail imported again', 'Ticket: ABC-DEF-GHJK', 'Received mail 30'],
  ],
  [
    row('mail.inbound_discarded', 'inbound_mail', 30, { from: 'c@x.test', subject: 'Hi' }),
    ['Received mail discarded', 'Subject: Hi'],
  ],
  [
    {
      ...row('mail_staff_reply_refused', 'ticket', 9, { reason: 'not_owner', from: 's@x.test', staffId: 2 }),
      staffId: null,
      staffName: null,
    },
    ['Staff answer by e-mail refused', 'ABC-DEF-GHJK', 'Staff member: Sam Staff'],
  ],
  [row('ticket_follower_added', 'ticket', 9, { email: 'f@x.test' }), ['Ticket follower added', 'E-mail: f@x.test']],
  [row('ticket_follower_removed', 'ticket', 9, { email: 'f@x.test' }), ['Ticket follower removed']],
  [
    row('sla.calendar_saved', 'sla_calendar', 11, { name: 'Office hours', timeZone: 'Europe/Riga' }),
    ['SLA calendar saved', 'Time zone: Europe/Riga'],
  ],
  [row('sla.calendar_removed', 'sla_calendar', 11, { name: 'Office hours' }), ['SLA calendar deleted']],
  [
    row('sla.policy_saved', 'sla_policy', 10, {
      name: 'Gold',
      calendar_id: 11,
      category_id: 3,
      targets: '{"first":60}',
    }),
    ['SLA policy saved', 'Calendar: Office hours', 'Category: Support'],
  ],
  [row('sla.policy_removed', 'sla_policy', 10, { name: 'Gold' }), ['SLA policy deleted']],
  [row('sla.escalation_added', 'sla_policy', 10, { level: 3, after: 30 }), ['SLA escalation level added', 'Level: 3']],
  [row('sla.escalation_removed', 'sla_policy', 10, { level: 3 }), ['SLA escalation level removed']],
  [
    row('kb.category_created', 'kb_category', 7, { name: 'Getting started', parent: null, public: true }),
    ['Knowledge-base category created', 'Public: yes'],
  ],
  [
    row('kb.category_changed', 'kb_category', 7, { name: 'Getting started', parent: 7, public: false }),
    ['Knowledge-base category changed', 'Parent category: Getting started'],
  ],
  [
    row('kb.category_deleted', 'kb_category', 70, { name: 'Old' }),
    ['Knowledge-base category deleted', 'Knowledge-base category #70 (deleted)'],
  ],
  [
    row('kb.article_created', 'kb_article', 8, {
      title: 'Resetting a password',
      language: 'en',
      status: 'published',
      category: 7,
    }),
    ['Knowledge-base article created', 'Resetting a password', 'Category: Getting started'],
  ],
  [
    row('kb.article_changed', 'kb_article', 8, { title: 'Resetting a password', pinned: true, via: 'api' }),
    ['Knowledge-base article changed', 'Pinned: yes'],
  ],
  [row('kb.article_deleted', 'kb_article', 80, { title: 'Old' }), ['Knowledge-base article deleted']],
  [
    row('kb.version_deleted', 'kb_article', 8, { language: 'sk' }),
    ['Knowledge-base article language deleted', 'Language: sk'],
  ],
  [
    row('kb.file_added', 'kb_article', 8, { files: ['a.pdf', 'b.png'] }),
    ['Knowledge-base file attached', 'Files: a.pdf, b.png'],
  ],
  [row('kb.file_removed', 'kb_article', 8, { file: 'a.pdf' }), ['Knowledge-base file removed', 'File: a.pdf']],
];

test.each(cases.map(([r, expected]) => [r.action, r, expected] as const))(
  '%s reads as a sentence with names',
  (_action, r, expected) => {
    const l = line(r);
    const text = visible(l);
    for (const e of expected) expect(text).toContain(e);
    expect(l.what).not.toBe(r.action); // a translated label, not the code name
    expect(text).not.toMatch(/[{}[\]"]/); // never raw JSON
  },
);

test('every action name the code writes to the audit log has a case above and a label in every language', () => {
  // The files that write the log, and every action-like literal in them (dotted names, `${kind}.x` of the catalog states).
  const files = execFileSync('grep', ['-rlE', 'recordAudit|auditStaffReplyRefusal', fromRoot('src')], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .filter((f) => !f.includes('/src/audit/'));
  const written = new Set<string>();
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    // The literals right after `action:` (a name or a ternary of two) and the KB helper's third argument.
    for (const m of text.matchAll(/(?:\baction: |editor, )([^,\n]*)/g))
      for (const lit of m[1]!.matchAll(/'([a-z_]+\.[a-z_]+|[a-z]+(?:_[a-z]+){2,})'/g)) written.add(lit[1]!);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text searched holds this template literal
    if (text.includes('`${kind}.'))
      for (const kind of ['status', 'priority'])
        for (const verb of ['created', 'changed', 'deleted']) written.add(`${kind}.${verb}`);
  }
  expect(written.size).toBeGreaterThan(55);
  const covered = new Set(cases.map(([r]) => r.action));
  for (const a of written) expect(covered).toContain(a);
  for (const lang of ['en', 'sk', 'ru', 'hu', 'lv'])
    for (const a of covered) expect(i18n.exists(`auditActions.${a.replace(/\./g, '_')}`, { lng: lang })).toBe(true);
});

test('an unknown action and unknown keys still read as key: value, with dates in the help desk zone', () => {
  const l = line(
    row('robot.did_things', 'gizmo', 'g-1', {
      someFlag: true,
      nested: { deep: [1, 2] },
      happenedAt: Date.parse('2026-03-10T23:30:00Z'),
      note: '<b>hi</b>',
    }),
  );
  expect(l.what).toBe('robot.did_things');
  expect(l.target).toEqual({ label: 'gizmo g-1', href: null });
  expect(visible(l)).toContain('Some flag: yes');
  expect(visible(l)).toContain('Nested: Deep: 1, 2');
  expect(visible(l)).toContain('Happened at: Mar 11, 2026'); // 00:30 in Bratislava, the next day
  expect(visible(l)).toContain('Note: <b>hi</b>'); // plain text: the view escapes it
  expect(l.when).toBe('Mar 10, 2026, 1:00 PM');
  expect(l.raw).toContain('"someFlag": true');
});

test('a detail that is not JSON, and a stored name of someone since deleted, are shown as they are', () => {
  const l = formatAuditEntries(
    [{ ...row('x.y', null, null), details: 'not json', staffId: 77, staffName: 'Gone Person' }],
    names,
    viewer,
  )[0]!;
  expect(l.who).toEqual({ label: 'Gone Person', href: null });
  expect(l.facts).toEqual([{ label: 'Details', value: 'not json' }]);
});

test('links go to the admin page of what was named; the refs of a page are collected per kind', () => {
  const rows = [
    row('staff.changed', 'staff', 2, {
      before: { roleId: 4, categoryIds: [2] },
      after: { roleId: null, categoryIds: [3] },
    }),
    row('ticket.anonymized', 'ticket', 'ABCDEFGHJK'),
    row('kb.category_changed', 'kb_category', 7, { parent: 7 }),
  ];
  const refs = collectAuditRefs(rows);
  expect([...refs.get('staff')!].sort()).toEqual([1, 2]);
  expect([...refs.get('role')!]).toEqual([4]);
  expect([...refs.get('category')!].sort()).toEqual([2, 3]);
  expect([...refs.get('kb_category')!]).toEqual([7]);
  expect([...refs.trackingIds!]).toEqual(['ABCDEFGHJK']);
  const [staff, ticket] = formatAuditEntries(rows, names, viewer);
  expect(staff!.target).toEqual({ label: 'Sam Staff', href: '/admin/staff/2' });
  expect(staff!.who).toEqual({ label: 'Ada Admin', href: '/admin/staff/1' });
  expect(ticket!.target).toEqual({ label: 'ABC-DEF-GHJK', href: '/admin/tickets/9' });
});
