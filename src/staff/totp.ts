import crypto from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/**
 * Time-based one-time passwords (RFC 6238) as every authenticator app expects them: SHA-1,
 * 6 digits, 30-second steps. A code is accepted one step either side of now (clocks drift);
 * the caller remembers the step it used, so a code cannot be used twice.
 */
const period = 30;
const digits = 6;
export const totpWindow = 1;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secretBase32: string, issuer = '', label = ''): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits, period, secret: Secret.fromBase32(secretBase32) });
}

/** The time step a code belongs to, or null when it is not a current code of this secret. */
export function totpStepOf(secretBase32: string, code: string, now: number): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totpFor(secretBase32).validate({ token, timestamp: now, window: totpWindow });
  return delta === null ? null : Math.floor(now / 1000 / period) + delta;
}

/** The current code (tests and nothing else need it: the app computes it). */
export function totpCodeAt(secretBase32: string, now: number): string {
  return totpFor(secretBase32).generate({ timestamp: now });
}

/** The otpauth:// address the QR code carries; the issuer is the help desk's name. */
export function totpUri(secretBase32: string, issuer: string, account: string): string {
  return totpFor(secretBase32, issuer.replace(/:/g, ' ').slice(0, 100), account).toString();
}

/** The QR code as an SVG data URL (an <img>, allowed by the CSP's `img-src data:`). */
export async function totpQrDataUrl(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** The secret as typed into an app by hand: groups of four. */
export function groupedSecret(secretBase32: string): string {
  return secretBase32.replace(/(.{4})/g, '$1 ').trim();
}

/*
 * The secret at rest: AES-256-GCM with a key derived (HKDF) from the installation's signing
 * secret, which every instance shares; a copy of the database alone does not reveal it.
 */
function secretKey(signingSecret: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', signingSecret, 'tessera', 'totp-secret-v1', 32));
}

export function encryptTotpSecret(signingSecret: string, secretBase32: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', secretKey(signingSecret), iv);
  const data = Buffer.concat([cipher.update(secretBase32, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url')}`;
}

export function decryptTotpSecret(signingSecret: string, stored: string): string {
  const raw = Buffer.from(stored.replace(/^v1\./, ''), 'base64url');
  const decipher = crypto.createDecipheriv('aes-256-gcm', secretKey(signingSecret), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/*
 * Recovery codes: ten codes of ten characters from an unambiguous alphabet (50 bits each),
 * shown as "xxxxx-xxxxx"; only their SHA-256 is stored, and each works once.
 */
const recoveryAlphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
export const recoveryCodeCount = 10;

export function newRecoveryCodes(): string[] {
  return Array.from({ length: recoveryCodeCount }, () => {
    let code = '';
    for (let i = 0; i < 10; i++) code += recoveryAlphabet[crypto.randomInt(recoveryAlphabet.length)];
    return `${code.slice(0, 5)}-${code.slice(5)}`;
  });
}

/** A typed recovery code in its stored form, or null when it cannot be one. */
export function normalRecoveryCode(typed: string): string | null {
  const plain = typed.toLowerCase().replace(/[\s-]+/g, '');
  return /^[a-z0-9]{10}$/.test(plain) ? plain : null;
}

export function hashRecoveryCode(normal: string): string {
  return crypto.createHash('sha256').update(normal).digest('hex');
}
