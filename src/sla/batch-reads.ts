/**
 * Reads a job's batch transaction shares: the priorities, calendars, policies and levels do not
 * change inside the batch (it edits none of them), so each is read once per batch instead of once
 * per ticket, category or clock. Outside a batch every read goes to the database as before.
 */
const shared = new WeakMap<object, Map<string, Promise<unknown>>>();

/** From now on, this transaction's `sharedRead`s are read once each. */
export function shareReads(trx: object): void {
  shared.set(trx, new Map());
}

/** The read under `key`, once per batch transaction; simply `read()` anywhere else. */
export function sharedRead<T>(trx: object, key: string, read: () => Promise<T>): Promise<T> {
  const reads = shared.get(trx);
  if (!reads) return read();
  // Promise.resolve runs a query builder once: awaiting the builder itself would run it again each time.
  if (!reads.has(key)) reads.set(key, Promise.resolve(read()));
  return reads.get(key) as Promise<T>;
}

/** True inside a batch transaction that shares its reads. */
export function readsShared(trx: object): boolean {
  return shared.has(trx);
}
