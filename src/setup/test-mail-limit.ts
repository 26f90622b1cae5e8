import { clientKey } from '../security/client-key';

/**
 * How many test mails the wizard sends before the install: each one makes the server connect to
 * a host and port the visitor chose, so an open installer must not become a free mail relay or
 * port prober. Counted per client address (the wizard cookie can be thrown away) and per wizard.
 * The project's limits live in the `rate_limits` table, which does not exist before the install,
 * so this one counts in memory, with the same fixed windows; several processes each keep their
 * own count, which multiplies the limit by a small number but never lifts it.
 */
export const testMailLimits = {
  perClient: { max: 10, windowMs: 60 * 60_000 },
  perWizard: { max: 5, windowMs: 15 * 60_000 },
};

type Window = { hits: number; resetAt: number };
const maxTracked = 10_000;

export function createTestMailLimit(limits = testMailLimits) {
  const windows = new Map<string, Window>();

  // Bounded memory: expired windows go first, then the oldest (a wizard's count, most likely;
  // the client's own count is what holds anyway).
  const forgetOld = (now: number) => {
    for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
    for (const k of windows.keys()) {
      if (windows.size < maxTracked) break;
      windows.delete(k);
    }
  };

  const hit = (bucket: string, limit: { max: number; windowMs: number }, now: number): Window => {
    let w = windows.get(bucket);
    if (!w || w.resetAt <= now) {
      if (windows.size >= maxTracked) forgetOld(now);
      w = { hits: 0, resetAt: now + limit.windowMs };
      windows.set(bucket, w);
    }
    w.hits += 1;
    return w;
  };

  /** Counts one test mail; returns the seconds to wait when over either limit, else null. */
  return function spendTestMail(ip: string | undefined, wizardId: string, now: number): number | null {
    const client = hit(`ip:${clientKey(ip)}`, limits.perClient, now);
    const wizard = hit(`wizard:${wizardId}`, limits.perWizard, now);
    const over = [
      client.hits > limits.perClient.max ? client : null,
      wizard.hits > limits.perWizard.max ? wizard : null,
    ].filter((w) => w !== null);
    if (over.length === 0) return null;
    return Math.max(1, Math.ceil((Math.max(...over.map((w) => w.resetAt)) - now) / 1000));
  };
}
