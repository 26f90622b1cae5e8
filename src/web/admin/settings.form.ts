import { z } from 'zod';
import { isSettingInUse } from '../../features/not-built';
import { languages } from '../../i18n/i18n';
import {
  adminOnlySettingKeys,
  secretSettingKeys,
  settingDefinitions,
  settingGroups,
  type SettingGroup,
  type SettingKey,
  type Settings,
} from '../../settings/settings.schema';

/**
 * The settings pages' form, drawn from the settings registry: each key's input type follows its
 * default and schema (a few keys say more: e-mail, address, long text, time zone). A key added
 * to the registry therefore appears on its tab without any change here.
 */
export type FieldKind = 'text' | 'textarea' | 'email' | 'url' | 'number' | 'checkbox' | 'select' | 'list' | 'password';
export type FieldSpec = {
  key: SettingKey;
  id: string;
  kind: FieldKind;
  options?: Array<{ value: string; label: string | null }>; // label null: a locale key settings.option.<key>.<value>
  min?: number;
  max?: number;
};

const kindOverrides: Partial<Record<SettingKey, FieldKind>> = {
  'helpdesk.url': 'url',
  'helpdesk.email': 'email',
  'mail.fromAddress': 'email',
  'mail.replyTo': 'email',
  'portal.serviceMessage': 'textarea',
};

/** Secrets that are only kept while the account they belong to is set. */
const secretOwners: Partial<Record<SettingKey, SettingKey>> = {
  'mail.smtpPassword': 'mail.smtpUser',
  'fetch.password': 'fetch.user',
};

/** Errors that say more than "enter a valid value" for a key. */
const keyErrors: Partial<Record<SettingKey, string>> = {
  'mail.smtpHost': 'mailSettings.errors.badHost',
  'fetch.host': 'mailSettings.errors.badHost',
  'mail.fromName': 'form.invalidCharacters',
  'fetch.folder': 'form.invalidCharacters',
  'helpdesk.timezone': 'settings.errors.timezone',
};

export const fieldId = (key: string) => key.replace(/\./g, '-');

export function timeZones(): string[] {
  return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
}

function specOf(key: SettingKey): FieldSpec {
  const { schema, fallback } = settingDefinitions[key] as {
    schema: { options?: unknown; minValue?: number | null; maxValue?: number | null };
    fallback: unknown;
  };
  const base = { key, id: fieldId(key) };
  if (key === 'helpdesk.language')
    return { ...base, kind: 'select', options: languages.map((l) => ({ value: l.code, label: l.name })) };
  // Date formats are shown as an example date, the same in every language.
  if (key === 'helpdesk.dateFormat')
    return {
      ...base,
      kind: 'select',
      options: (schema.options as string[]).map((f) => ({
        value: f,
        label: f.replace('YYYY', '2026').replace('MM', '03').replace('DD', '31'),
      })),
    };
  if (key === 'helpdesk.timezone')
    return { ...base, kind: 'select', options: timeZones().map((z) => ({ value: z, label: z })) };
  if (secretSettingKeys.includes(key)) return { ...base, kind: 'password' };
  if (kindOverrides[key]) return { ...base, kind: kindOverrides[key] };
  if (typeof fallback === 'boolean') return { ...base, kind: 'checkbox' };
  if (typeof fallback === 'number')
    return { ...base, kind: 'number', min: schema.minValue ?? undefined, max: schema.maxValue ?? undefined };
  if (Array.isArray(fallback)) return { ...base, kind: 'list' };
  const options = schema.options;
  if (Array.isArray(options) && options.every((o) => typeof o === 'string'))
    return { ...base, kind: 'select', options: options.map((o: string) => ({ value: o, label: null })) };
  return { ...base, kind: 'text' };
}

/**
 * The fields of one tab, in the registry's order. Someone who is not an administrator neither
 * sees nor sends the settings only administrators change (the service refuses them anyway);
 * settings of features not built yet are nobody's (features/not-built.ts).
 */
export function fieldsOf(group: SettingGroup, forAdmin = true): FieldSpec[] {
  return (Object.keys(settingDefinitions) as SettingKey[])
    .filter(
      (k) =>
        settingDefinitions[k].group === group && isSettingInUse(k) && (forAdmin || !adminOnlySettingKeys.includes(k)),
    )
    .map(specOf);
}

/** Whether a tab holds settings that only administrators change. */
export const hasAdminOnlySettings = (group: SettingGroup) =>
  adminOnlySettingKeys.some((k) => settingDefinitions[k].group === group);

/** The tabs with a setting in use (a tab of a feature not built yet is not shown). */
export const shownSettingGroups: readonly SettingGroup[] = settingGroups.filter((g) => fieldsOf(g).length > 0);

export const isSettingGroup = (value: unknown): value is SettingGroup =>
  typeof value === 'string' && (shownSettingGroups as readonly string[]).includes(value);

/** What the form shows for a value (typed text, a ticked box); secrets are never sent back. */
export function displayValue(spec: FieldSpec, value: unknown): string | boolean {
  if (spec.kind === 'password') return '';
  if (spec.kind === 'checkbox') return value === true;
  if (Array.isArray(value)) return value.join(', ');
  return String(value ?? '');
}

export const formValuesOf = (group: SettingGroup, settings: Settings) =>
  Object.fromEntries(fieldsOf(group).map((f) => [f.id, displayValue(f, settings[f.key])]));

export type FormValues = Record<string, string | boolean>;
export type ParsedSettingsForm =
  | { ok: true; settings: Partial<Settings> }
  | { ok: false; values: FormValues; errors: Record<string, string> };

function read(spec: FieldSpec, raw: unknown): { value?: unknown; error?: string } {
  if (spec.kind === 'checkbox')
    return raw === undefined ? { value: false } : raw === 'yes' ? { value: true } : { error: 'form.invalid' };
  if (raw === undefined && spec.kind === 'password') return { value: '' };
  if (typeof raw !== 'string' || raw.length > 20_000) return { error: 'form.invalid' };
  if (spec.kind === 'number')
    return /^\s*-?\d{1,9}\s*$/.test(raw) ? { value: Number(raw.trim()) } : { error: 'settings.errors.number' };
  if (spec.kind === 'list')
    return {
      value: raw
        .split(/[\s,;]+/)
        .map((v) => v.trim().toLowerCase().replace(/^\./, ''))
        .filter(Boolean),
    };
  return { value: raw };
}

/** The message for a value the schema refused. */
function errorFor(spec: FieldSpec, issues: Array<{ code: string }>): string {
  if (spec.kind === 'number') return `settings.errors.range|${JSON.stringify({ min: spec.min, max: spec.max })}`;
  if (spec.kind === 'email') return 'form.invalidEmail';
  if (spec.kind === 'url') return 'settings.errors.url';
  if (spec.kind === 'list') return 'settings.errors.list';
  if (issues.some((i) => i.code === 'too_big')) return 'form.tooLong';
  if (issues.some((i) => i.code === 'too_small')) return 'form.required';
  return keyErrors[spec.key] ?? 'form.invalid';
}

/** Rules between fields of one tab: what a chosen option needs beside it. */
function crossCheck(out: Record<string, unknown>, errors: Record<string, string>): void {
  const need = (key: SettingKey, message: string) => {
    if (out[key] === '' && !errors[fieldId(key)]) errors[fieldId(key)] = message;
  };
  if (out['mail.transport'] === 'smtp') need('mail.smtpHost', 'mailSettings.errors.hostRequired');
  if (out['fetch.protocol'] !== undefined && out['fetch.protocol'] !== 'none') {
    need('fetch.host', 'settings.errors.fetchHostRequired');
    need('fetch.user', 'settings.errors.fetchUserRequired');
  }
  if (typeof out['spam.question'] === 'string' && out['spam.question'] !== '')
    need('spam.answer', 'settings.errors.answerRequired');
}

/**
 * Checks one tab's form against the registry's schemas; only that tab's keys are returned, so
 * saving it cannot change another tab. An empty secret keeps the saved one; without its
 * account (user name) a secret is removed.
 */
export function parseSettingsForm(
  group: SettingGroup,
  body: unknown,
  current: Settings,
  forAdmin = true,
): ParsedSettingsForm {
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const fields = fieldsOf(group, forAdmin);
  const out: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const spec of fields) {
    const input = read(spec, raw[spec.id]);
    if (input.error) {
      errors[spec.id] = input.error;
      continue;
    }
    const parsed = settingDefinitions[spec.key].schema.safeParse(input.value);
    if (parsed.success) out[spec.key] = parsed.data;
    else errors[spec.id] = errorFor(spec, parsed.error.issues);
  }
  crossCheck(out, errors);
  if (Object.keys(errors).length > 0) {
    const values = Object.fromEntries(
      fields.map((f) => [
        f.id,
        f.kind === 'checkbox'
          ? raw[f.id] === 'yes'
          : f.kind === 'password' || typeof raw[f.id] !== 'string'
            ? ''
            : (raw[f.id] as string),
      ]),
    );
    // The summary lists problems in the order of the fields on the page.
    return {
      ok: false,
      values,
      errors: Object.fromEntries(fields.filter((f) => errors[f.id]).map((f) => [f.id, errors[f.id]!])),
    };
  }
  for (const [secret, owner] of Object.entries(secretOwners) as Array<[SettingKey, SettingKey]>) {
    if (!(secret in out)) continue;
    if (out[owner] === '') out[secret] = '';
    else if (out[secret] === '') out[secret] = current[secret];
  }
  return { ok: true, settings: out as Partial<Settings> };
}

/** The test e-mail form on the sending tab: one address. */
export const testMailForm = z.object({ testTo: z.string().trim().pipe(z.email().max(254)) });
