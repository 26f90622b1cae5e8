import request from 'supertest';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

/** The IDs newTrackingId hands out next, before it draws random ones again. */
const scripted: string[] = [];
jest.mock('../../src/tickets/tracking-id', () => {
  const actual = jest.requireActual('../../src/tickets/tracking-id');
  return { ...actual, newTrackingId: () => scripted.shift() ?? actual.newTrackingId() };
});

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

test('a tracking ID drawn a second time is refused by its unique index and another is drawn', async () => {
  scripted.push('ABCDEFGHJK');
  expect(await openTicket(t, request.agent(t.app), { email: 'first@example.net' })).toBe('ABCDEFGHJK');

  // The same ID twice, then a random one: the second ticket gets the random one, with its files and mail.
  scripted.push('ABCDEFGHJK', 'ABCDEFGHJK');
  const second = await openTicket(t, request.agent(t.app), { email: 'second@example.net', subject: 'Second' });
  expect(second).not.toBe('ABCDEFGHJK');
  expect(scripted).toEqual([]);
  const rows = await t.db('tickets').orderBy('id').select('tracking_id', 'subject');
  expect(rows.map((r) => r.tracking_id)).toEqual(['ABCDEFGHJK', second]);
  const [, row] = await t.db('tickets').orderBy('id').select('id');
  expect(await t.db('messages').where({ ticket_id: row.id }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 1 }]);
  expect(
    await t
      .db('mail_outbox')
      .where({ ticket_id: row.id, template: 'ticket_received' })
      .count<{ n: number }[]>({ n: '*' }),
  ).toEqual([{ n: 1 }]);
});
