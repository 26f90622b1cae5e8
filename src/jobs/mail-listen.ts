import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImapFlow } from 'imapflow';
import { imapClient, serverLimits } from '../mailboxes/mail-servers';
import {
  claimListening,
  markIdleMissing,
  markListening,
  releaseListening,
  renewListening,
  unlistenedMailboxIds,
  type ListenLease,
} from '../mailboxes/mailbox-listening.repo';
import { findMailbox } from '../mailboxes/mailboxes.repo';
import { mailboxAccess } from '../mailboxes/mailboxes.service';
import { fetchMailboxNow, type FetchDeps } from './mail-fetch';

/**
 * IMAP IDLE: new mail within seconds instead of at the next poll.
 *
 * - Each process runs one listener. It claims the listening of an IMAP mailbox with a lease in
 *   the database (`listen_until` / `listened_by`), so only one process listens to a mailbox,
 *   and renews the lease at every check while it keeps the connection. `listened_by` holds a
 *   token of that one claim (see claimToken): the process claims a mailbox again under a new one.
 * - New mail (EXISTS) runs `fetchMailboxNow`: the same claim of the fetch lease and the same run
 *   as polling, so a message is imported once whoever fetches. Polling goes on beside it (every
 *   30 s) and covers whatever the listener misses: a lost connection, a server without IDLE.
 * - A saved form drops the lease (`updateMailbox`), as do switching off and deleting: the
 *   renewal fails and the connection is closed; the next check listens with the new settings.
 * - A lost or refused connection is opened again after about 1 s, 2 s, 4 s ... up to a minute,
 *   each wait drawn between half and all of its step (so processes that lost one server do not
 *   come back in step); the steps start again only after a connection stayed up for a minute, so
 *   a server that accepts and drops at once is not hammered.
 * - A lease that could not be renewed (the UPDATE failed or found the lease taken) ends the
 *   listening at once: nothing keeps a connection on a lease the database does not confirm.
 *   Connections are closed beside the checks, so one slow close never delays another renewal.
 */
export const listenPolicy = {
  checkEveryMs: 5_000,
  leaseMs: 60_000,
  /** IDLE is started again this often (below the socket timeout and the servers' 29 minutes). */
  idleRestartMs: 60_000,
  firstBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  /** A connection that stayed up this long was healthy: the next reconnect starts at the first step again. */
  healthyAfterMs: 60_000,
  /** A woken fetch that finds a run of another process going tries again this soon. */
  busyRetryMs: 1_000,
  mailboxesPerProcess: 50,
};

export type ListenPolicy = typeof listenPolicy;
type Policy = ListenPolicy;

export type MailListener = {
  /** The mailboxes this process listens to (its connections may be reconnecting). */
  held(): number[];
  /** How often a mailbox's connection was opened again since this process began listening to it. */
  reconnects(id: number): number;
  /** Checks at once (tests; the timer does it every few seconds). */
  check(): Promise<void>;
  stop(): Promise<void>;
};

export function startMailListener(deps: FetchDeps, overrides: Partial<Policy> = {}): MailListener {
  const policy: Policy = { ...listenPolicy, ...overrides };
  const worker = `listen-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  const held = new Map<number, MailboxListening>();
  /** Connections being closed (and their woken fetches ending): stop() waits for every one. */
  const closing = new Set<Promise<void>>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let checking: Promise<void> | null = null;

  /**
   * Stops listening to a mailbox: closed beside the checks, the lease given back once closed.
   * Only this claim's lease is given back: a check may claim the mailbox again (a saved form
   * freed it) while this connection is still closing, and that new claim is not touched.
   */
  const drop = (id: number, l: MailboxListening) => {
    held.delete(id);
    const done: Promise<void> = l
      .close()
      .then(() => releaseListening(deps.db, id, l.lease.worker))
      .catch((err: unknown) =>
        deps.logger.warn({ err, mailbox: id }, 'could not give the IDLE lease back; it runs out by itself'),
      )
      .finally(() => closing.delete(done));
    closing.add(done);
  };

  const checkOnce = async () => {
    for (const [id, l] of [...held]) {
      if (l.ended) {
        drop(id, l);
        continue;
      }
      const lease = { worker: l.lease.worker, until: deps.clock.now() + policy.leaseMs };
      // Only a renewal the database confirmed extends the lease; a failed one ends the listening.
      const kept = await renewListening(deps.db, id, lease).catch((err: unknown) => {
        deps.logger.warn({ err, mailbox: id }, 'could not renew the IDLE lease; closing the connection');
        return false;
      });
      if (kept) l.lease = lease;
      else drop(id, l);
    }
    const room = policy.mailboxesPerProcess - held.size;
    if (stopped || room <= 0) return;
    const now = deps.clock.now();
    for (const id of await unlistenedMailboxIds(deps.db, now, room)) {
      const lease = { worker: claimToken(worker), until: now + policy.leaseMs };
      if (stopped || held.has(id) || !(await claimListening(deps.db, id, lease, now))) continue;
      held.set(id, new MailboxListening(deps, id, lease, policy));
    }
  };

  const check = (): Promise<void> => {
    checking ??= checkOnce()
      .catch((err: unknown) => deps.logger.error({ err }, 'the IDLE listener check failed; trying again'))
      .finally(() => (checking = null));
    return checking;
  };

  const schedule = () => {
    timer = setTimeout(() => {
      void check().finally(() => {
        if (!stopped) schedule();
      });
    }, policy.checkEveryMs);
    timer.unref();
  };

  void check();
  schedule();
  return {
    held: () => [...held.keys()],
    reconnects: (id) => held.get(id)?.reconnects ?? 0,
    check,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await checking;
      for (const [id, l] of [...held]) drop(id, l);
      await Promise.all([...closing]);
    },
  };
}

/**
 * The lease token of one claim: the process's name and a nonce of its own. Every write of a
 * listening (renewal, "connection up/down", release) names the claim it belongs to, so a closing
 * connection never clears or marks the lease of the one that replaced it.
 */
export function claimToken(worker: string): string {
  return `${worker}:${crypto.randomBytes(6).toString('hex')}`;
}

/** A wait of between half and all of `ms`: listeners that lost the same server spread out. */
export function jittered(ms: number, random: () => number = Math.random): number {
  return Math.round(ms / 2 + (random() * ms) / 2);
}

/** One mailbox's IDLE connection, opened again and again until closed. */
class MailboxListening {
  ended = false;
  /** Connections tried again after one ended or failed (tests watch that a dead server is not hammered). */
  reconnects = 0;
  private readonly stopping = new AbortController();
  private client: ImapFlow | null = null;
  private wakeups = 0;
  private fetching: Promise<void> | null = null;
  private readonly loop: Promise<void>;

  constructor(
    private readonly deps: FetchDeps,
    readonly id: number,
    public lease: ListenLease,
    private readonly policy: Policy,
  ) {
    this.loop = this.run();
  }

  async close(): Promise<void> {
    this.stopping.abort();
    this.client?.close();
    await this.loop;
    await this.fetching;
  }

  private get closing() {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    let backoff = this.policy.firstBackoffMs;
    while (!this.closing && !this.ended) {
      // Real time, not the app's clock: this measures a connection, not business time.
      const started = performance.now();
      try {
        await this.listenOnce();
      } catch (err) {
        if (!this.closing)
          this.deps.logger.warn(
            { mailbox: this.id, err: err instanceof Error ? err.message : String(err) },
            'the IDLE connection failed; polling covers the gap',
          );
      }
      if (this.closing || this.ended) break;
      if (performance.now() - started >= this.policy.healthyAfterMs) backoff = this.policy.firstBackoffMs;
      this.reconnects++;
      await sleep(jittered(backoff), undefined, { signal: this.stopping.signal, ref: false }).catch(() => undefined);
      backoff = Math.min(backoff * 2, this.policy.maxBackoffMs);
    }
  }

  /** One connection, from sign-in to its end; true when it got as far as listening. */
  private async listenOnce(): Promise<boolean> {
    const { db, clock, signingSecret } = this.deps;
    const box = await findMailbox(db, this.id);
    if (!box?.active || box.protocol !== 'imap') {
      this.ended = true;
      return false;
    }
    const access = mailboxAccess(box, signingSecret);
    const client = imapClient(access, serverLimits, this.policy.idleRestartMs);
    this.client = client;
    client.on('error', () => undefined); // a dropped connection ends idle() below
    client.on('exists', (e: { count: number; prevCount: number }) => {
      if (e.count > e.prevCount) this.wake();
    });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    try {
      if (this.closing) return false;
      await client.connect();
      if (this.closing) return false;
      if (!client.capabilities.has('IDLE')) {
        await markIdleMissing(db, this.id, this.lease.worker);
        this.ended = true;
        return false;
      }
      await client.mailboxOpen(access.folder, { readOnly: true });
      if (!(await markListening(db, this.id, this.lease.worker, clock.now()))) return false;
      this.wake(); // mail that came while nobody listened
      // idle() returns when IDLE ends (the connection closed); with the folder no longer
      // selected it would return at once, so that ends the connection too.
      while (!this.closing && client.usable && client.mailbox)
        await Promise.race([client.idle().catch(() => undefined), closed]);
      return true;
    } finally {
      this.client = null;
      client.close();
      await markListening(db, this.id, this.lease.worker, null).catch(() => undefined);
    }
  }

  /** New mail: one fetch run at a time, and one more if mail came during it. */
  private wake(): void {
    this.wakeups++;
    this.fetching ??= this.fetchWhileWoken().finally(() => (this.fetching = null));
  }

  private async fetchWhileWoken(): Promise<void> {
    while (this.wakeups > 0 && !this.closing) {
      this.wakeups = 0;
      try {
        const run = await fetchMailboxNow(this.deps, this.id, this.stopping.signal);
        if (run === 'busy') {
          // A run of another process (or this one's poll) holds the mailbox and may have listed
          // the folder before this mail came: try again once it is done.
          this.wakeups++;
          await sleep(this.policy.busyRetryMs, undefined, { signal: this.stopping.signal, ref: false }).catch(
            () => undefined,
          );
        }
      } catch (err) {
        this.deps.logger.error({ err, mailbox: this.id }, 'a fetch woken by IDLE failed; polling takes over');
      }
    }
  }
}
