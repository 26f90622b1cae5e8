/** A form's one-time key: 32 hex characters, drawn when the form is shown. */
export const submissionKeyPattern = /^[a-f0-9]{32}$/;

/** The one-time key a creating form sent (its `submission_key` field), when it has the shape of ours. */
export function submittedKeyOf(input: unknown): string | null {
  const sent = (input as Record<string, unknown> | null)?.submission_key;
  return typeof sent === 'string' && submissionKeyPattern.test(sent) ? sent : null;
}

/**
 * Stores something once per submission key: a repeat (double click, refresh, a proxy's retry, a
 * second process) answers with what the first send stored. The key's uniqueness in the database
 * decides, not the look-up before: of two sends at the same moment one inserts, the other fails
 * (duplicate key, or a guard the first one's write tripped) and then finds the first one's row.
 * A key already used elsewhere (someone else's form) is not trusted: the row is stored without it.
 */
export async function storeOnceByKey<T>(
  submissionKey: string | null,
  earlier: (key: string) => Promise<{ repeat: boolean; value: T } | undefined>,
  store: (submissionKey: string | null) => Promise<T>,
): Promise<{ value: T; created: boolean }> {
  let key = submissionKey;
  if (key) {
    const found = await earlier(key);
    if (found?.repeat) return { value: found.value, created: false };
    if (found) key = null;
  }
  try {
    return { value: await store(key), created: true };
  } catch (err) {
    // The look-up must not hide the write's own error (a database outage, say).
    const found = key ? await earlier(key).catch(() => undefined) : undefined;
    if (found?.repeat) return { value: found.value, created: false };
    throw err;
  }
}
