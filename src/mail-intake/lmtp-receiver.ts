import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../logger';
import { importRawMail, type IntakeDeps } from './intake.service';
import type { LmtpListen } from '../config/lmtp-address';
import { lmtpUser, unknownRecipient } from './lmtp-address';
import { InputTooLargeError, pipeInputCap, readCapped } from './pipe-input';

/**
 * The resident receiver for mail servers: LMTP (RFC 2033) inside the running Tessera, on a Unix
 * socket or a loopback port (`server.lmtp`, TESSERA_LMTP). Postfix (`lmtp:unix:` / `lmtp:inet:`)
 * and Exim (the `lmtp` transport) keep one connection and hand over message after message, so
 * mail costs an import, not a Node process start (the pipe's ~0.7 s of CPU per mail).
 *
 * The answers mirror the pipe's exit codes, per recipient as LMTP wants: 250 when the mail is
 * taken care of (stored, refused on purpose, a duplicate, kept aside), 451 when the database or
 * the disk cannot take it now or the receiver is busy (the MTA keeps the mail and tries again),
 * 552 for a message larger than "Largest incoming e-mail" (`intake.maxMailMb`; the MTA returns
 * it to the sender). Each recipient is imported with its envelope address, as a pipe run with
 * `--recipient` would be; the second and later ones of one mail are duplicates by the
 * Message-ID, so one mail to two of our addresses is still one ticket.
 *
 * Who may hand over mail: on a Unix socket, whoever the file's permissions let in (`socketMode`,
 * 0660 by default: the owner and the group, set after listening whatever the umask). On a
 * loopback port every local user can connect, so the mail server must sign in first (AUTH PLAIN
 * as `tessera` with the password `lmtpSecretOf(signing secret)`); mail that skipped the mail
 * server's checks (SPF, DMARC, its Authentication-Results) is refused with 530 otherwise.
 */
export type LmtpReceiver = {
  close(): Promise<void>;
  address(): string;
  /** False once the socket file at the path is no longer ours (deleted, or another process's). */
  owns(): boolean;
};

export type LmtpOptions = {
  /** The sign-in password for a loopback port (required there); unused on a socket. */
  secret?: string | null;
  /** The socket file's permissions (default 0o660). */
  socketMode?: number;
  /** Connections at once (default 4); more are answered 421 by smtp-server. */
  maxClients?: number;
  /** Imports at once (default 2); a mail beyond them is answered 451 (try again later). */
  maxImports?: number;
  /** How long closing waits for an idle mail server connection before cutting it (default 2000 ms). */
  closeTimeoutMs?: number;
};

class Answer extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function startLmtpReceiver(
  deps: IntakeDeps & { logger: Logger },
  listen: LmtpListen,
  opts: LmtpOptions = {},
): Promise<LmtpReceiver> {
  const onSocket = 'path' in listen;
  if (!onSocket && !opts.secret)
    throw new Error('an LMTP receiver on a port needs the sign-in password (the signing secret is not set)');
  const expected = digest(`${lmtpUser}\0${opts.secret ?? ''}`);
  const slots = { busy: 0, max: opts.maxImports ?? 2 };
  const server = new SMTPServer({
    lmtp: true,
    banner: 'Tessera',
    // A socket's permissions decide who may connect; a port needs the sign-in.
    authOptional: onSocket,
    disabledCommands: onSocket ? ['AUTH', 'STARTTLS'] : ['STARTTLS'],
    authMethods: ['PLAIN'],
    allowInsecureAuth: true, // loopback only: nothing on the wire to protect
    hideSTARTTLS: true,
    size: pipeInputCap,
    rejectOversized: true,
    maxClients: opts.maxClients ?? 4,
    // Idle connections hold one of those few places: a mail server reconnects, an idler is cut.
    socketTimeout: 20_000,
    closeTimeout: opts.closeTimeoutMs ?? 2000,
    logger: false,
    onAuth(auth, _session, callback) {
      const given = digest(`${auth.username ?? ''}\0${auth.password ?? ''}`);
      if (auth.method === 'PLAIN' && timingSafeEqual(given, expected)) return callback(null, { user: lmtpUser });
      deps.logger.warn(
        { user: String(auth.username ?? '').slice(0, 40) },
        'an LMTP sign-in with a wrong user name or password was refused',
      );
      return callback(new Answer(535, '5.7.8 authentication failed'));
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      receive(deps, slots, stream, session).then(
        (answers) => callback(null, answers as unknown as string),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
  server.on('error', (err) => deps.logger.error({ err }, 'the LMTP receiver failed'));
  let inode: number | null = null;
  if (onSocket) {
    inode = await listenOnSocket(server, listen.path, opts.socketMode ?? 0o660);
  } else {
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(listen.port, listen.host, () => resolve());
    });
  }
  const bound = server.server.address();
  const where = onSocket ? listen.path : bound && typeof bound !== 'string' ? `${bound.address}:${bound.port}` : '';
  deps.logger.info({ lmtp: where }, 'receiving mail by LMTP');
  const owns = () => !onSocket || inodeAt(listen.path) === inode;
  return {
    address: () => where,
    owns,
    close: async () => {
      const ours = owns();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Only our own socket file: a process started before this one stopped may listen there now.
      if (onSocket && ours) fs.rmSync(listen.path, { force: true });
    },
  };
}

const inodeAt = (path: string): number | null => {
  try {
    return fs.lstatSync(path).ino;
  } catch {
    return null;
  }
};

/** Whether a process answers on the socket at `path` (a live receiver, not a dead one's file). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Listens on a file of our own beside the path, sets its permissions (the umask must not decide
 * whether the mail server may connect), then renames it into place: the path never holds a socket
 * the mail server cannot use, and Node's own clean-up at close (which unlinks the name it
 * listened on) can never remove a socket another process has put at the path since. A socket
 * that answers at the path is another process's: EADDRINUSE, tried again later by the caller.
 * Returns the inode now at the path.
 */
async function listenOnSocket(server: SMTPServer, path: string, mode: number): Promise<number> {
  const existing = fs.lstatSync(path, { throwIfNoEntry: false });
  if (existing && !existing.isSocket())
    throw Object.assign(new Error(`${path} exists and is not a socket`), { code: 'EEXIST' });
  if (existing && (await answers(path)))
    throw Object.assign(new Error(`another process receives LMTP at ${path}`), { code: 'EADDRINUSE' });
  const own = `${path}.${process.pid}`;
  fs.rmSync(own, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(own, () => resolve());
  });
  try {
    fs.chmodSync(own, mode);
    fs.renameSync(own, path);
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
  return fs.lstatSync(path).ino;
}

/** Reads and drops the rest of a message this receiver will not take. */
const drain = (stream: SMTPServerDataStream) =>
  new Promise<void>((resolve) => {
    stream.once('end', () => resolve());
    stream.once('error', () => resolve());
    stream.resume();
  });

/** One answer per recipient: 250 with the outcome, 552 too big, or 451 (the MTA keeps the mail). */
async function receive(
  deps: IntakeDeps & { logger: Logger },
  slots: { busy: number; max: number },
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
): Promise<Array<string | Error>> {
  const each = (answer: string | Error) => session.envelope.rcptTo.map(() => answer);
  if (slots.busy >= slots.max) {
    await drain(stream);
    return each(new Answer(451, '4.3.2 the help desk is busy, try again later'));
  }
  slots.busy++;
  try {
    let cap: number;
    try {
      const settings = await deps.settings.all();
      cap = Math.min(settings['intake.maxMailMb'] * 1024 * 1024, pipeInputCap);
    } catch (err) {
      await drain(stream);
      throw err;
    }
    let raw: Buffer;
    try {
      raw = await readCapped(stream, cap, { drain: true });
    } catch (err) {
      if (err instanceof InputTooLargeError)
        return each(new Answer(552, `5.3.4 ${err.message}, the help desk's limit`));
      throw err;
    }
    if (stream.sizeExceeded) return []; // answered 552 by smtp-server (rejectOversized)
    const answers: Array<string | Error> = [];
    for (const rcpt of session.envelope.rcptTo) {
      try {
        const address = rcpt.address.toLowerCase();
        const result = await importRawMail(deps, raw, {
          source: 'lmtp',
          mailboxId: null,
          recipient: address === unknownRecipient ? null : address,
        });
        answers.push(`2.0.0 ${result.outcome}${result.reason ? ` (${result.reason})` : ''}`);
      } catch (err) {
        deps.logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'an LMTP mail could not be imported; the mail server keeps it',
        );
        answers.push(new Answer(451, '4.3.0 not stored now, try again later'));
      }
    }
    return answers;
  } catch (err) {
    deps.logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'an LMTP mail could not be taken; the mail server keeps it',
    );
    return each(new Answer(451, '4.3.0 not stored now, try again later'));
  } finally {
    slots.busy--;
  }
}

/**
 * The receiver as the web process runs it: one that cannot listen yet (the socket's folder
 * missing, the port taken by a process still stopping, another process's live socket at the
 * path) tries again every `retryMs` instead of staying off until a restart; one whose socket file
 * went away or was replaced (checked every `watchMs`) listens again. The MTA keeps the mail meanwhile.
 */
export function keepLmtpReceiver(
  deps: IntakeDeps & { logger: Logger },
  listen: LmtpListen,
  opts: LmtpOptions & { retryMs?: number; watchMs?: number } = {},
): { close(): Promise<void> } {
  const retryMs = opts.retryMs ?? 30_000;
  let receiver: LmtpReceiver | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let starting: Promise<void> | null = null;
  const attempt = () => {
    timer = null;
    starting = startLmtpReceiver(deps, listen, opts).then(
      async (r) => {
        if (closed) await r.close();
        else receiver = r;
      },
      (err: unknown) => {
        deps.logger.error(
          { err, lmtp: listen },
          'the LMTP receiver could not listen; trying again, mail waits at the mail server',
        );
        if (!closed) {
          timer = setTimeout(attempt, retryMs);
          timer.unref();
        }
      },
    );
  };
  const watch = setInterval(() => {
    const r = receiver;
    if (closed || !r || r.owns()) return;
    deps.logger.warn({ lmtp: listen }, 'the LMTP socket file was removed or replaced; listening again');
    receiver = null;
    starting = r.close().then(() => {
      if (!closed) attempt();
    });
  }, opts.watchMs ?? 30_000);
  watch.unref();
  attempt();
  return {
    close: async () => {
      closed = true;
      clearInterval(watch);
      if (timer) clearTimeout(timer);
      // A re-listen may start another attempt while we wait: wait for the last one.
      for (let s = starting; s; s = s === starting ? null : starting) await s;
      await receiver?.close();
    },
  };
}
