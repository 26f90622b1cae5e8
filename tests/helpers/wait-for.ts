import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until `condition` holds, checking again and again: tests wait for what they expect to
 * happen, not for a guessed time. Gives up after `limitMs` (generous: it only bounds a hang).
 */
export async function waitFor(
  condition: () => Promise<boolean> | boolean,
  what: string,
  limitMs = 30_000,
): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > limitMs) throw new Error(`gave up waiting for: ${what}`);
    await sleep(20);
  }
}
