import crypto from 'node:crypto';

/**
 * The time a form was shown, signed so a bot cannot forge it: a submission sooner than the
 * minimum fill time after it is not a person typing.
 */
function mac(secret: string, shownAt: number): string {
  return crypto.createHmac('sha256', secret).update(`form-shown:${shownAt}`).digest('base64url').slice(0, 22);
}

export function formShownToken(secret: string, now: number): string {
  return `${now.toString(36)}.${mac(secret, now)}`;
}

/** Seconds since the form was shown, or null when the token is missing, forged or a day old. */
export function secondsSinceShown(secret: string, token: unknown, now: number): number | null {
  if (typeof token !== 'string' || token.length > 60) return null;
  const [time, signature] = token.split('.');
  if (!time || !signature || !/^[0-9a-z]{1,12}$/.test(time)) return null;
  const shownAt = parseInt(time, 36);
  const expected = mac(secret, shownAt);
  if (signature.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return null;
  const age = (now - shownAt) / 1000;
  return age < 0 || age > 24 * 3600 ? null : age;
}
