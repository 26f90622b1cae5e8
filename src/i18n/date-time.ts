type Style = 'short' | 'medium' | 'long' | 'full';

/** Formatters by language, styles and zone; few in practice (five languages, a zone or two), emptied if ever many. */
const formats = new Map<string, Intl.DateTimeFormat>();
const maxFormats = 500;

/**
 * The text `new Date(ms).toLocaleString(lang, { dateStyle, timeStyle, timeZone })` gives, with
 * the formatter built once: toLocaleString builds a new Intl.DateTimeFormat on every call, which
 * cost the staff list ~11 % of its CPU (two dates on each of 25 rows) and each thread message a
 * few hundredths of a millisecond (issue 16). An unknown zone throws a RangeError, as there.
 */
export function formatDateTime(
  ms: number | Date,
  lang: string,
  dateStyle: Style,
  timeStyle: Style,
  timeZone?: string,
): string {
  const key = `${lang}\n${dateStyle}\n${timeStyle}\n${timeZone ?? ''}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(lang, { dateStyle, timeStyle, timeZone });
    if (formats.size >= maxFormats) formats.clear();
    formats.set(key, format);
  }
  return format.format(ms);
}
