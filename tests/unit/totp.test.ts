import {
  decryptTotpSecret,
  encryptTotpSecret,
  groupedSecret,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  normalRecoveryCode,
  totpCodeAt,
  totpStepOf,
  totpUri,
} from '../../src/staff/totp';

// RFC 6238 appendix B: the ASCII secret "12345678901234567890" (SHA-1), here with 6 digits.
const rfcSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

test('codes match the RFC 6238 test vectors', () => {
  expect(totpCodeAt(rfcSecret, 59_000)).toBe('287082');
  expect(totpCodeAt(rfcSecret, 1_111_111_109_000)).toBe('081804');
  expect(totpCodeAt(rfcSecret, 1_234_567_890_000)).toBe('005924');
});

test('a code is accepted one step either side of now, and tells its step', () => {
  const now = 1_234_567_890_000;
  const step = Math.floor(now / 30_000);
  expect(totpStepOf(rfcSecret, totpCodeAt(rfcSecret, now), now)).toBe(step);
  expect(totpStepOf(rfcSecret, totpCodeAt(rfcSecret, now - 30_000), now)).toBe(step - 1);
  expect(totpStepOf(rfcSecret, totpCodeAt(rfcSecret, now + 30_000), now)).toBe(step + 1);
  expect(totpStepOf(rfcSecret, totpCodeAt(rfcSecret, now - 60_000), now)).toBeNull();
  expect(totpStepOf(rfcSecret, totpCodeAt(rfcSecret, now + 60_000), now)).toBeNull();
  const spaced = totpCodeAt(rfcSecret, now).replace(/^(\d{3})/, '$1 ');
  expect(totpStepOf(rfcSecret, spaced, now)).toBe(step);
  for (const bad of ['', '12345', '1234567', 'abcdef', '12345a']) expect(totpStepOf(rfcSecret, bad, now)).toBeNull();
});

test('secrets are 160 bits, encrypted at rest and refused when tampered with or under another key', () => {
  const secret = newTotpSecret();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  expect(groupedSecret(secret).split(' ')).toHaveLength(8);
  const stored = encryptTotpSecret('k'.repeat(40), secret);
  expect(stored).not.toContain(secret);
  expect(encryptTotpSecret('k'.repeat(40), secret)).not.toBe(stored);
  expect(decryptTotpSecret('k'.repeat(40), stored)).toBe(secret);
  expect(() => decryptTotpSecret('x'.repeat(40), stored)).toThrow();
  // One character before the last changed (it was flaky: that character was compared with the last one's).
  const flipped = stored.slice(0, -2) + (stored.at(-2) === 'A' ? 'B' : 'A') + stored.slice(-1);
  expect(() => decryptTotpSecret('k'.repeat(40), flipped)).toThrow();
});

test('the QR address names the help desk and the account', () => {
  const uri = totpUri(rfcSecret, 'Acme: Support', 'sam@example.com');
  expect(uri).toMatch(/^otpauth:\/\/totp\//);
  expect(uri).toContain(`secret=${rfcSecret}`);
  expect(uri).toContain('issuer=Acme%20%20Support');
  expect(uri).toContain('sam%40example.com');
});

test('recovery codes: ten different ones, read back in any spelling', () => {
  const codes = newRecoveryCodes();
  expect(codes).toHaveLength(10);
  expect(new Set(codes).size).toBe(10);
  for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
  const normal = normalRecoveryCode(codes[0]!)!;
  expect(normalRecoveryCode(` ${codes[0]!.toUpperCase().replace('-', ' - ')} `)).toBe(normal);
  expect(hashRecoveryCode(normal)).toMatch(/^[0-9a-f]{64}$/);
  for (const bad of ['', 'short', 'aaaaa-aaaaa-a', '<script>x']) expect(normalRecoveryCode(bad)).toBeNull();
});
