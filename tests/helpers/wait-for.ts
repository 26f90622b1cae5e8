import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until `condition` holds, checking again and again: tests wait for what they expect to
 * happen, not for a guessed time. Gives up after `limitMs` (generous: it only bounds a hang),
 * also when a check itself never answers (a query or a socket that hangs).
 */
export async function waitFor(
  condition: () => Promise<boolean> | boolean,
  what: string,
  limitMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await within(Promise.resolve(condition()), what, Math.max(deadline - Date.now(), 1)))) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
    await sleep(20);
  }
}

/** `work`, or a failure naming `what` once `limitMs` has passed: a test fails instead of hanging. */
export async function within<T>(work: Promise<T>, what: string, limitMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting for: ${what} (${limitMs} ms)`)), limitMs);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
