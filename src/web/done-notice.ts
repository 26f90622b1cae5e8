/**
 * The `?done=` value of a page when it is one of the notices the page knows, else null (no notice).
 * A notice key is never built from what a visitor typed: unknown keys would only show as keys, and
 * every distinct one asked for would cost memory (i18n/remembered-texts.ts).
 */
export function knownDone<T extends string>(done: unknown, known: readonly T[]): T | null {
  return typeof done === 'string' && (known as readonly string[]).includes(done) ? (done as T) : null;
}

/** The locale key `<prefix>.<done>` of a known `?done=` notice, else null. */
export function doneNoticeKey(prefix: string, done: unknown, known: readonly string[]): string | null {
  const value = knownDone(done, known);
  return value ? `${prefix}.${value}` : null;
}
