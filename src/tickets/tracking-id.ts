import { randomInt } from 'node:crypto';

/** No 0/O, 1/I/L: a tracking ID read over the phone or typed from paper is not mistaken. */
export const trackingAlphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const length = 10;

/** 10 random characters (about 49 bits), stored without dashes. */
export function newTrackingId(): string {
  let id = '';
  for (let i = 0; i < length; i++) id += trackingAlphabet[randomInt(trackingAlphabet.length)];
  return id;
}

/** Shown as XXX-XXX-XXXX. */
export function formatTrackingId(id: string): string {
  return `${id.slice(0, 3)}-${id.slice(3, 6)}-${id.slice(6)}`;
}

/**
 * Accepts what a person types: any case, with or without dashes or spaces, and the look-alike
 * characters the alphabet leaves out (O for 0 is not guessed: it is simply not valid).
 */
export function parseTrackingId(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > 40) return null;
  const id = input.toUpperCase().replace(/[\s-]/g, '');
  if (id.length !== length) return null;
  for (const ch of id) if (!trackingAlphabet.includes(ch)) return null;
  return id;
}
