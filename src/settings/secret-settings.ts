import { decryptTotpSecret, encryptTotpSecret } from '../staff/totp';
import { secretSettingKeys } from './settings.schema';

/*
 * Stored passwords (SMTP, mail fetching) are kept encrypted in `settings`, with the function and
 * key that encrypt the authenticator secrets (AES-256-GCM, key derived from the signing secret).
 * An encrypted value is stored as `{"encrypted": "v1.…"}`, so it can never be mistaken for a
 * password that happens to look like cipher text; a plain string is a value from before, read
 * as it is and encrypted at the next load (see SettingsService).
 */
type Sealed = { encrypted: string };

const isSealed = (value: unknown): value is Sealed =>
  typeof value === 'object' && value !== null && typeof (value as Sealed).encrypted === 'string';

/** The values to store: every non-empty secret encrypted. */
export function sealSecrets(values: Record<string, unknown>, signingSecret: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) =>
      (secretSettingKeys as readonly string[]).includes(key) && typeof value === 'string' && value !== ''
        ? [key, { encrypted: encryptTotpSecret(signingSecret, value) }]
        : [key, value],
    ),
  );
}

/**
 * The stored values with secrets decrypted, and the secrets still stored in plain text. A value
 * that does not decrypt (another installation's key) reads as no password, as a wrong one would.
 */
export function openSecrets(
  stored: Map<string, unknown>,
  signingSecret: string,
): { values: Map<string, unknown>; plain: Record<string, string> } {
  const values = new Map(stored);
  const plain: Record<string, string> = {};
  for (const key of secretSettingKeys) {
    const value = stored.get(key);
    if (isSealed(value)) {
      try {
        values.set(key, decryptTotpSecret(signingSecret, value.encrypted));
      } catch {
        values.set(key, '');
      }
    } else if (typeof value === 'string' && value !== '') {
      plain[key] = value;
    }
  }
  return { values, plain };
}
