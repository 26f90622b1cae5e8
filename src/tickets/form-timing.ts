import crypto from 'node:crypto';

/**
 * The time a form was shown, signed so a bot cannot forge it: a submission sooner than the
 * minimum fill time after it is not a person typing.
 *
 * A person whose browser filled the form in a second was sent back with a kind note; the form
 * shown then carries a "second try" token (kind `r`). That try is let through whatever the fill
 * time, but only once per token (the caller counts its use), within `retryWindowSeconds`, and no
 * sooner than `retryMinSeconds` after the note was shown: a bot gains one extra round trip per
 * refusal, while the hourly limit per address, bans and the spam question all still apply.
 */
export const retryWindowSeconds = 30 * 60;
export const retryMinSeconds = 1;

type Kind = 's' | 'r';
function mac(secret: string, shownAt: number, kind: Kind): string {
  const purpose = kind === 'r' ? 'form-retry' : 'form-shown';
  return crypto.createHmac('sha256', secret).update(`${purpose}:${shownAt}`).digest('base64url').slice(0, 22);
}

export function formShownToken(secret: string, now: number, secondTry = false): string {
  return secondTry ? `${now.toString(36)}.r.${mac(secret, now, 'r')}` : `${now.toString(36)}.${mac(secret, now, 's')}`;
}

export type ShownForm = { age: number; secondTry: boolean; signature: string };

/** The signed showing of a form, or null when the token is missing, forged or too old. */
export function readFormShown(secret: string, token: unknown, now: number): ShownForm | null {
  if (typeof token !== 'string' || token.length > 60) return null;
  const parts = token.split('.');
  const [time, signature] = parts.length === 3 && parts[1] === 'r' ? [parts[0], parts[2]] : parts.length === 2 ? parts : [];
  const kind: Kind = parts.length === 3 ? 'r' : 's';
  if (!time || !signature || !/^[0-9a-z]{1,12}$/.test(time)) return null;
  const shownAt = parseInt(time, 36);
  const expected = mac(secret, shownAt, kind);
  if (signature.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return null;
  const age = (now - shownAt) / 1000;
  if (age < 0 || age > (kind === 'r' ? retryWindowSeconds : 24 * 3600)) return null;
  return { age, secondTry: kind === 'r', signature };
}
