import { generatePassword, hashPassword, passwordProblem, verifyPassword } from '../../src/staff/password';

test('strength rules', () => {
  expect(passwordProblem('short1!')).toBe('too_short');
  expect(passwordProblem('x'.repeat(201))).toBe('too_long');
  expect(passwordProblem('password1234')).toBe('too_weak');
  expect(passwordProblem('qwertyuiop12')).toBe('too_weak');
  expect(passwordProblem('ada.lovelace@example.com!', ['Ada Lovelace', 'ada.lovelace@example.com'])).toBe('too_weak');
  expect(passwordProblem('plum tractor velvet 1984 orbit')).toBeNull();
});

test('generated passwords are long, varied and pass the rules', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const p = generatePassword();
    expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{20}$/);
    expect(passwordProblem(p)).toBeNull();
    seen.add(p);
  }
  expect(seen.size).toBe(50);
});

test('hashes are argon2id and verify only the right password', async () => {
  const hash = await hashPassword('plum tractor velvet 1984 orbit');
  expect(hash.startsWith('$argon2id$')).toBe(true);
  expect(await verifyPassword(hash, 'plum tractor velvet 1984 orbit')).toBe(true);
  expect(await verifyPassword(hash, 'plum tractor velvet 1984 orbiT')).toBe(false);
  expect(await verifyPassword('not a hash', 'x')).toBe(false);
});
