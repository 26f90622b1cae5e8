/**
 * What a refused ticket form shows again: the named fields and every custom field (`field_<id>`),
 * as text or a list of texts (checkboxes); anything else sent in their place comes back empty.
 */
export function keptTicketFormValues(body: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (names.includes(k) || k.startsWith('field_'))
      out[k] = typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')) ? v : '';
  }
  return out;
}
