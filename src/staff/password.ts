import { randomInt } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * Password rules (docs/decisions.md): 12 to 200 characters, and not guessable: a zxcvbn score
 * of at least 3 taking the person's own name and e-mail into account. Hashes are argon2id with
 * prebuilt binaries (@node-rs/argon2), so no compiler is needed on the host.
 */
export const passwordMinLength = 12;
export const passwordMaxLength = 200;

let zxcvbn: ZxcvbnFactory | undefined;
function strengthChecker(): ZxcvbnFactory {
  zxcvbn ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
  return zxcvbn;
}

export type PasswordProblem = 'too_short' | 'too_long' | 'too_weak';

export function passwordProblem(password: string, personalWords: string[] = []): PasswordProblem | null {
  if (password.length < passwordMinLength) return 'too_short';
  if (password.length > passwordMaxLength) return 'too_long';
  const plain = (v: string) => v.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  // The whole name or e-mail address inside the password makes it guessable whatever else is added.
  if (personalWords.some((w) => plain(w).length >= 4 && plain(password).includes(plain(w)))) return 'too_weak';
  const words = personalWords.flatMap((w) => w.toLowerCase().split(/[\s@.+_-]+/)).filter((w) => w.length >= 3);
  return strengthChecker().check(password, words).score < 3 ? 'too_weak' : null;
}

export function hashPassword(password: string): Promise<string> {
  // argon2id with the library's defaults (19 MiB, t=2), the OWASP baseline.
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

const generatorAlphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A random password of 20 characters from an unambiguous alphabet (about 115 bits). */
export function generatePassword(length = 20): string {
  let out = '';
  for (let i = 0; i < length; i++) out += generatorAlphabet[randomInt(generatorAlphabet.length)];
  return out;
}
