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
  'I have been trying to get this working since yesterday without success.',
  'The problem started right after the last update was installed.',
  'Several colleagues in our office see exactly the same behaviour.',
  'We already restarted the computer and cleared the browser cache.',
  'The error message appears every time we open the main screen.',
  'Could you please tell us what we should check next?',
  'This is blocking our daily work, so a quick answer would help a lot.',
  'I attached no screenshots because the screen just stays empty.',
  'Our account was set up last month by your sales team.',
  'It worked fine for a long time before this happened.',
  'We use the latest version on all of our machines.',
  'The same steps work on my phone but not on the laptop.',
  'I am not sure whether this is a bug or a setting on our side.',
  'Please let me know if you need any log files from us.',
  'The documentation did not mention anything about this case.',
  'We would like to avoid reinstalling everything if possible.',
  'Our internet connection is stable and other services work.',
  'I followed the guide from your website step by step.',
  'A similar issue was solved for us last year, but I lost the notes.',
  'Thank you in advance for looking into this.',
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
