import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * The "device cookie" of a staff account (OWASP's answer to lockout attacks): set at a complete
 * sign-in, signed with the app's signing secret, HttpOnly. A sign-in attempt to the same account
 * that brings it is counted on its own (login-throttle.ts), so failures from anywhere else
 * neither slow nor refuse the person at their usual browser. One cookie per account, so a shared
 * browser keeps each colleague's; `__Host-` prefixed over HTTPS (no sub-domain can plant one).
 */
const lifetimeMs = 180 * 86_400_000;
const namePattern = /^(?:__Host-)?tessera\.device-(\d{1,9})$/;

const cookieName = (staffId: number, secure: boolean) => `${secure ? '__Host-' : ''}tessera.device-${staffId}`;
const signatureOf = (secret: string, staffId: number, deviceId: string) =>
  createHmac('sha256', secret).update(`device:${staffId}:${deviceId}`).digest('base64url');

/** The device id this browser holds for the account, when its cookie is present and genuine. */
export function knownDeviceOf(req: Request, secret: string, staffId: number): string | null {
  const cookies = (req.cookies ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(cookies)) {
    const m = namePattern.exec(name);
    if (!m || Number(m[1]) !== staffId || typeof value !== 'string') continue;
    const [id, deviceId, signature] = value.split('.');
    if (Number(id) !== staffId || !deviceId || !/^[A-Za-z0-9_-]{22}$/.test(deviceId) || !signature) continue;
    const expected = Buffer.from(signatureOf(secret, staffId, deviceId));
    const given = Buffer.from(signature);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return deviceId;
  }
  return null;
}

/** Gives this browser a device cookie for the account (a new device id unless it has one). */
export function rememberDevice(req: Request, res: Response, secret: string, staffId: number): void {
  const deviceId = knownDeviceOf(req, secret, staffId) ?? randomBytes(16).toString('base64url');
  res.cookie(cookieName(staffId, req.secure), `${staffId}.${deviceId}.${signatureOf(secret, staffId, deviceId)}`, {
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
    path: '/',
    maxAge: lifetimeMs,
  });
}
