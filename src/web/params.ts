/**
 * A path or query id that is a positive whole number of at most nine digits (within every
 * database's integer column), or NaN, which every service treats as not found.
 */
export const idParam = (value: unknown): number =>
  typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
