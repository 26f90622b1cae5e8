import crypto from 'node:crypto';

/**
 * The time a form was shown, signed so a bot cannot forge it: a submission sooner than the
 * minimum fill time after it is not a person typing.
 *
 * A person whose browser filled the form in a second is sent back with a kind note; the form
 * shown then carries a "second try" token (kind `r`) with the time the form was FIRST shown, so
 * the minimum fill time still counts from then: reading the note is the time typing did not
 * take. A bot gains nothing by posting at once and again (the clock never restarts), and the
 * token is signed for the client's address (clientKey) and lets one ticket through, within
 * `retryWindowSeconds` of the first showing.
 */
export const retryWindowSeconds = 30 * 60;

function mac(secret: string, text: string): string {
  return crypto.createHmac('sha256', secret).update(text).digest('base64url').slice(0, 22);
}
const shownMac = (secret: string, shownAt: number) => mac(secret, `form-shown:${shownAt}`);
const retryMac = (secret: string, shownAt: number, client: string) => mac(secret, `form-retry:${shownAt}:${client}`);

export function formShownToken(secret: string, now: number): string {
  return `${now.toString(36)}.${shownMac(secret, now)}`;
}

/** The second try after the "too fast" note: the first showing's time, for this client only. */
export function formRetryToken(secret: string, shownAt: number, client: string): string {
  return `${shownAt.toString(36)}.r.${retryMac(secret, shownAt, client)}`;
}

export type ShownForm = { shownAt: number; age: number; secondTry: boolean; signature: string };

/** The signed showing of a form, or null when the token is missing, forged, another client's or too old. */
export function readFormShown(secret: string, token: unknown, now: number, client: string): ShownForm | null {
  if (typeof token !== 'string' || token.length > 60) return null;
  const parts = token.split('.');
  const secondTry = parts.length === 3 && parts[1] === 'r';
  const [time, signature] = secondTry ? [parts[0], parts[2]] : parts.length === 2 ? parts : [];
  if (!time || !signature || !/^[0-9a-z]{1,12}$/.test(time)) return null;
  const shownAt = parseInt(time, 36);
  const expected = secondTry ? retryMac(secret, shownAt, client) : shownMac(secret, shownAt);
  if (signature.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected)))
    return null;
  const age = (now - shownAt) / 1000;
  if (age < 0 || age > (secondTry ? retryWindowSeconds : 24 * 3600)) return null;
  return { shownAt, age, secondTry, signature };
}
