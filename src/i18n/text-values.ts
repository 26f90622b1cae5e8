/**
 * Texts with values, filled without i18next where i18next would only substitute them (issue 16).
 * A page asks for many: the staff list a "select ticket X" label per row, the ticket history and
 * the dashboard a `defaultValue` chain of three look-ups per event. Each i18next call searches the
 * ~36 locale files in turn (a missing key all of them): the ticket page with 50 messages spent
 * ~40 % of its CPU there. Anything outside the plain case (plurals, context, nesting, formats,
 * nested value paths, another language or namespace, a value that is not a string or number)
 * still goes to i18next, so the text is always the one i18next would give.
 */

/** A remembered text split at its `{{name}}` placeholders: literal, name, literal, name, …, literal. */
export type TextTemplate = { parts: string[]; names: Set<string> };

/** Option names i18next reads itself: a text using one of them as a placeholder is left to i18next. */
const optionNames = new Set([
  'count',
  'context',
  'ordinal',
  'lng',
  'lngs',
  'ns',
  'replace',
  'interpolation',
  'postProcess',
  'returnObjects',
  'returnDetails',
  'joinArrays',
  'keyPrefix',
  'nsSeparator',
  'keySeparator',
  'skipInterpolation',
  'nest',
  'fallbackLng',
  'defaultValue',
]);

/**
 * The template of a raw (uninterpolated) text, or null when i18next must handle it: nesting
 * (`$t(`), the unescaped form (`{{- x}}`), a format (`{{x, number}}`), a value path (`{{a.b}}`)
 * or a placeholder named like one of i18next's own options.
 */
export function templateOf(raw: unknown): TextTemplate | null {
  if (typeof raw !== 'string' || raw.includes('$t(')) return null;
  const parts: string[] = [];
  const names = new Set<string>();
  let at = 0;
  for (const match of raw.matchAll(/\{\{(.+?)\}\}/g)) {
    const name = match[1]!.trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || optionNames.has(name)) return null;
    parts.push(raw.slice(at, match.index), name);
    names.add(name);
    at = match.index + match[0].length;
  }
  parts.push(raw.slice(at));
  return { parts, names };
}

const isValue = (v: unknown): v is string | number => typeof v === 'string' || typeof v === 'number';

/**
 * The text with its values, or undefined when the options ask for more than substitution: no
 * option may be one of i18next's own but `defaultValue` (unused, the text exists) or a placeholder's
 * name, and every placeholder must be given a string or a number (i18next's String() of it).
 */
export function fillTemplate(template: TextTemplate, options: Record<string, unknown>): string | undefined {
  // A value the text does not use is ignored by i18next too (a mail subject is given every value any
  // wording of it may use); one of i18next's own options is not.
  for (const name of Object.keys(options)) {
    if (name !== 'defaultValue' && !template.names.has(name) && optionNames.has(name)) return undefined;
  }
  let text = template.parts[0]!;
  for (let i = 1; i < template.parts.length; i += 2) {
    const name = template.parts[i]!;
    const value = Object.hasOwn(options, name) ? options[name] : undefined;
    if (!isValue(value)) return undefined;
    text += String(value) + template.parts[i + 1]!;
  }
  return text;
}

/**
 * What i18next answers for a key that exists in no locale file when a default is given: the
 * default itself, as long as interpolation and nesting would leave it as it is.
 */
export function plainDefaultOf(options: Record<string, unknown>): string | undefined {
  const keys = Object.keys(options);
  if (keys.length !== 1 || keys[0] !== 'defaultValue') return undefined;
  const value = options.defaultValue;
  if (typeof value !== 'string' || value === '' || value.includes('{{') || value.includes('$t(')) return undefined;
  return value;
}
