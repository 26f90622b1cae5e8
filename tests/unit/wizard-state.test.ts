import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { readState, writeState } from '../../install/wizard-state';

function roundTrip(key: Buffer, state: Parameters<typeof writeState>[3]) {
  let cookie = '';
  const res = { cookie: (_n: string, v: string) => (cookie = v) } as unknown as Response;
  writeState({ secure: false } as Request, res, key, state);
  return cookie;
}

test('the wizard state is encrypted and tamper-proof', () => {
  const key = crypto.randomBytes(32);
  const state = {
    id: 'abc',
    licence: true,
    database: { client: 'mysql' as const, host: 'h', port: 3306, database: 'd', user: 'u', password: 'secret-pass' },
  };
  const cookie = roundTrip(key, state);
  expect(cookie).not.toContain('secret');
  expect(Buffer.from(cookie, 'base64url').toString('utf8')).not.toContain('secret-pass');
  expect(readState({ cookies: { 'tessera.install': cookie } } as unknown as Request, key)).toEqual(state);

  const flipped = Buffer.from(cookie, 'base64url');
  flipped[flipped.length - 1]! ^= 1;
  const tampered = readState(
    { cookies: { 'tessera.install': flipped.toString('base64url') } } as unknown as Request,
    key,
  );
  expect(tampered.licence).toBeUndefined();
  const otherKey = readState({ cookies: { 'tessera.install': cookie } } as unknown as Request, crypto.randomBytes(32));
  expect(otherKey.id).not.toBe('abc');
  expect(readState({ cookies: { 'tessera.install': ['x'] } } as unknown as Request, key).licence).toBeUndefined();
});
