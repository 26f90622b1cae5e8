/**
 * The data shape of shared/bench/DATA-SHAPE.md, shared by the seeding and the load script: the
 * vocabulary, the stock texts, and the deterministic choices (every one derives from the row
 * number, so the load script knows which tracking ID and customer address row N has).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { trackingAlphabet } from '../src/tickets/tracking-id';

export const terms = fs
  .readFileSync(path.join(__dirname, 'terms.txt'), 'utf8')
  .split('\n')
  .map((w) => w.trim())
  .filter(Boolean);
export const openers = [
  'Problem with',
  'Question about',
  'Error when using',
  'Cannot access',
  'Request for',
  'Issue with',
  'Help needed with',
  'Unable to configure',
  'Urgent:',
  'Follow-up on',
  'Trouble with',
  'Feedback on',
  'Invoice question about',
  'How do I change',
  'Missing',
  'Broken',
  'Slow',
  'Need information on',
  'Complaint about',
  'Update on',
];
export const sentences = [
  'I have been trying to get this working since yesterday morning, without any success so far.',
  'The problem started right after the last update was installed on our office computers.',
  'Several colleagues in our office see exactly the same behaviour on their own accounts too.',
  'We already restarted the computer twice and cleared the browser cache and the cookies.',
  'The error message appears every time we open the main screen after signing in again.',
  'Could you please tell us what we should check next, or whom we should ask about it?',
  'This is blocking our daily work in the whole team, so a quick answer would help us a lot.',
  'I attached no screenshots because the screen just stays empty and shows nothing at all.',
  'Our account was set up last month by your sales team together with our office manager.',
  'It worked fine for a long time before this happened, and nobody changed anything here.',
  'We use the latest version on all of our machines, both at the office and at home.',
  'The same steps work on my phone without trouble, but not on the laptop at my desk.',
  'I am not sure whether this is a bug on your side or just a wrong setting on our side.',
  'Please let me know if you need any log files from us, we can send them the same day.',
  'The documentation did not mention anything about this case, not even in the questions.',
  'We would like to avoid reinstalling everything if possible, since that takes a full day.',
  'Our internet connection is stable and all the other services we use work as usual.',
  'I followed the guide from your website step by step and checked every screen twice.',
  'A similar issue was solved for us last year, but I lost the notes from that call.',
  'Thank you in advance for looking into this, we really appreciate your help with it.',
];
export const firstNames = [
  'Anna',
  'Ben',
  'Clara',
  'David',
  'Eva',
  'Filip',
  'Greta',
  'Hugo',
  'Ines',
  'Jan',
  'Kira',
  'Lukas',
  'Mia',
  'Noah',
  'Olga',
  'Pavel',
  'Quinn',
  'Rosa',
  'Samuel',
  'Tina',
  'Uma',
  'Viktor',
  'Wanda',
  'Xaver',
  'Yara',
  'Zoltan',
  'Alma',
  'Boris',
  'Cecilia',
  'Dmitri',
  'Elena',
  'Frank',
  'Gina',
  'Henrik',
  'Ida',
  'Jonas',
  'Katja',
  'Leon',
  'Marta',
  'Nils',
];
export const lastNames = [
  'Novak',
  'Horvath',
  'Kovacs',
  'Ozols',
  'Ivanov',
  'Smith',
  'Muller',
  'Rossi',
  'Dubois',
  'Nagy',
  'Berzins',
  'Petrov',
  'Kral',
  'Toth',
  'Kalnins',
  'Popov',
  'Jones',
  'Weber',
  'Bianchi',
  'Martin',
  'Szabo',
  'Liepa',
  'Sokolov',
  'Svoboda',
  'Farkas',
  'Krumins',
  'Volkov',
  'Brown',
  'Fischer',
  'Romano',
  'Bernard',
  'Varga',
  'Zarins',
  'Lebedev',
  'Dvorak',
  'Molnar',
  'Jansons',
  'Kozlov',
  'Taylor',
  'Wagner',
];

/** A number in [0, n) from the row number and a purpose: the same every run. */
export function pick(row: number, salt: string, n: number): number {
  return crypto.createHash('sha1').update(`${salt}:${row}`).digest().readUInt32BE(0) % n;
}
export const words = (row: number, salt: string, count: number) =>
  Array.from({ length: count }, (_, i) => terms[pick(row, `${salt}${i}`, terms.length)]!);

/** "B" and 9 characters: the row number spread by a bijection mod 31^9, so never twice the same. */
export function trackingIdOf(row: number): string {
  const space = trackingAlphabet.length ** 9;
  let n = (row * 2654435761) % space;
  let id = '';
  for (let i = 0; i < 9; i++) {
    id += trackingAlphabet[n % trackingAlphabet.length];
    n = Math.floor(n / trackingAlphabet.length);
  }
  return `B${id}`;
}

/** Row N's customer: one per three tickets. */
export const customerNumberOf = (row: number): number => Math.ceil(row / 3);
export const customerEmailOf = (row: number): string => `customer${customerNumberOf(row)}@example.com`;

/**
 * How many rows are seeded: rows 1..n are all there (the seeding grows in place), so a binary
 * search over "does row k's tracking ID exist" finds n in about twenty index lookups, and
 * tickets opened through the portal during a load run are never counted.
 */
export async function seededCount(db: Knex): Promise<number> {
  const exists = async (row: number) =>
    (await db('tickets').where('tracking_id', trackingIdOf(row)).first('id')) !== undefined;
  if (!(await exists(1))) return 0;
  let low = 1;
  let high = 2;
  while (await exists(high)) [low, high] = [high, high * 2];
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await exists(mid)) low = mid;
    else high = mid;
  }
  return low;
}

/**
 * Row N's three message bodies, of the sizes DATA-SHAPE.md names: the customer's first message
 * (~540 bytes: a greeting, four stock sentences, five vocabulary words, a signature), the staff
 * answer (~350 bytes, two vocabulary words) and the customer's follow-up (~260 bytes, one).
 */
export function messageBodies(row: number): [string, string, string] {
  const customer = Math.ceil(row / 3);
  const name = `${firstNames[pick(customer, 'fn', 40)]} ${lastNames[pick(customer, 'ln', 40)]}`;
  const four = [0, 1, 2, 3].map((k) => sentences[pick(row, `s${k}`, sentences.length)]).join(' ');
  return [
    `Hello support team,\n\n${four}\n\nAffected: ${words(row, 'body', 5).join(', ')}.\n\nBest regards,\n${name}\nCustomer ${customer}, office administration, Example Trading Ltd.\nPhone +1 555 0100, weekdays 8:00-16:00`,
    `Hello and good day,\n\nThank you for the report. We looked into ${words(row, 'reply', 2).join(' and ')} and changed the configuration on our side. Please try again and tell us whether the problem is gone; if not, send us the exact time it happened and what was on the screen. Our engineers also checked the logs of the last seven days for you.\n\nKind regards,\nThe support team`,
    `Hello again,\n\nThanks, it works better now, but ${words(row, 'follow', 1)[0]} still shows a warning sometimes, mostly in the morning when everybody signs in at once. We will keep an eye on it and write again if it gets worse. Thank you for the quick help.\n\nBest regards,\n${name}`,
  ];
}
