import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'express';
import type { ExistingState } from '../src/db/introspect';
import type { MailStepInput } from '../src/setup/mail-step';
import type { DatabaseInput, BasicsInput } from '../src/setup/setup.schema';

/**
 * The wizard's progress lives in an encrypted, authenticated cookie (AES-256-GCM): before the
 * install there is no database for sessions, and a hosting panel may run several processes, so
 * nothing is kept in memory. The key is generated once into the data folder.
 */
export type WizardState = {
  id: string;
  licence?: boolean;
  checks?: boolean;
  database?: DatabaseInput;
  existing?: ExistingState;
  basics?: BasicsInput;
  /** The e-mail step: the SMTP server to send through, or skipped (mail is then only written to a file). */
  mail?: MailStepInput | { skipped: true };
};

const cookieName = 'tessera.install';

export function loadOrCreateKey(dataDir: string): Buffer {
  const file = path.join(dataDir, '.install-secret');
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    if (!fs.existsSync(file))
      fs.writeFileSync(file, crypto.randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  } catch {
    // An unwritable data folder is reported by the server check; until fixed, a per-process key.
    return crypto.randomBytes(32);
  }
}

export function readState(req: Request, key: Buffer): WizardState {
  const raw: unknown = req.cookies?.[cookieName];
  if (typeof raw === 'string' && raw.length < 6000) {
    try {
      const buf = Buffer.from(raw, 'base64url');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      decipher.setAuthTag(buf.subarray(12, 28));
      const json = Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8');
      const state = JSON.parse(json) as WizardState;
      if (typeof state.id === 'string') return state;
    } catch {
      // tampered, from another key, or old: start again
    }
  }
  return { id: crypto.randomBytes(16).toString('hex') };
}

export function writeState(req: Request, res: Response, key: Buffer, state: WizardState): void {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
  const value = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  res.cookie(cookieName, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
    path: '/install',
    maxAge: 6 * 3600_000,
  });
}

export function clearState(res: Response): void {
  res.clearCookie(cookieName, { path: '/install' });
}
