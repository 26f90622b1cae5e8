import fs from 'node:fs';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../logger';
import { importRawMail, type IntakeDeps } from './intake.service';
import { unknownRecipient, type LmtpListen } from './lmtp-address';
import { pipeInputCap } from './pipe-input';

/**
 * The resident receiver for mail servers: LMTP (RFC 2033) inside the running Tessera, on a Unix
 * socket or a loopback port (`server.lmtp`, TESSERA_LMTP). Postfix (`lmtp:unix:` / `lmtp:inet:`)
 * and Exim (the `lmtp` transport) keep one connection and hand over message after message, so
 * mail costs an import, not a Node process start (the pipe's ~0.7 s of CPU per mail).
 *
 * The answers mirror the pipe's exit codes, per recipient as LMTP wants: 250 when the mail is
 * taken care of (stored, refused on purpose, a duplicate, kept aside), 451 when the database or
 * the disk cannot take it now (the MTA keeps the mail and tries again), 552 only for a message
 * larger than any setting allows (the pipe's read cap). Each recipient is imported with its envelope address, as a
 * pipe run with `--recipient` would be; the second and later ones of one mail are duplicates by
 * the Message-ID, so one mail to two of our addresses is still one ticket.
 *
 * No authentication: like the pipe, it is reachable only by whoever may run programs on this
 * machine (the configuration accepts a socket path or a loopback address only), and what it
 * takes goes through every check of the import (loops, bans, floods, threading by sender).
 */
export type LmtpReceiver = { close(): Promise<void>; address(): string };

class TryLater extends Error {
  readonly responseCode = 451;
}

export async function startLmtpReceiver(deps: IntakeDeps & { logger: Logger }, listen: LmtpListen): Promise<LmtpReceiver> {
  const server = new SMTPServer({
    lmtp: true,
    banner: 'Tessera',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    size: pipeInputCap,
    rejectOversized: true,
    logger: false,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      receive(deps, stream, session).then(
        (answers) => callback(null, answers as unknown as string),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
  server.on('error', (err) => deps.logger.error({ err }, 'the LMTP receiver failed'));
  if ('path' in listen && fs.existsSync(listen.path)) {
    // A socket left by a process that died: listen() would fail with EADDRINUSE.
    if (fs.statSync(listen.path).isSocket()) fs.rmSync(listen.path);
  }
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    if ('path' in listen) server.listen(listen.path, () => resolve());
    else server.listen(listen.port, listen.host, () => resolve());
  });
  const bound = server.server.address();
  const where = typeof bound === 'string' ? bound : bound ? `${bound.address}:${bound.port}` : '';
  deps.logger.info({ lmtp: where }, 'receiving mail by LMTP');
  return {
    address: () => where,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The message's bytes; past the limit the rest is read and dropped (smtp-server then answers 552 itself). */
function collect(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= pipeInputCap) chunks.push(chunk);
    });
    stream.once('error', reject);
    stream.once('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** One answer per recipient: 250 with the outcome, or 451 (the MTA keeps the mail). */
async function receive(deps: IntakeDeps & { logger: Logger }, stream: SMTPServerDataStream, session: SMTPServerSession): Promise<Array<string | Error>> {
  const raw = await collect(stream);
  if (stream.sizeExceeded) return []; // answered 552 by smtp-server (rejectOversized)
  const answers: Array<string | Error> = [];
  for (const rcpt of session.envelope.rcptTo) {
    try {
      const address = rcpt.address.toLowerCase();
      const result = await importRawMail(deps, raw, { source: 'lmtp', mailboxId: null, recipient: address === unknownRecipient ? null : address });
      answers.push(`2.0.0 ${result.outcome}${result.reason ? ` (${result.reason})` : ''}`);
    } catch (err) {
      deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'an LMTP mail could not be imported; the mail server keeps it');
      answers.push(new TryLater('4.3.0 not stored now, try again later'));
    }
  }
  return answers;
}

/**
 * The receiver as the web process runs it: one that cannot listen yet (the socket's folder
 * missing, the port taken by a process still stopping) tries again every `retryMs` instead of
 * staying off until a restart. The MTA keeps the mail meanwhile.
 */
export function keepLmtpReceiver(deps: IntakeDeps & { logger: Logger }, listen: LmtpListen, retryMs = 30_000): { close(): Promise<void> } {
  let receiver: LmtpReceiver | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let starting: Promise<void> | null = null;
  const attempt = () => {
    timer = null;
    starting = startLmtpReceiver(deps, listen).then(
      async (r) => {
        if (closed) await r.close();
        else receiver = r;
      },
      (err: unknown) => {
        deps.logger.error({ err, lmtp: listen }, 'the LMTP receiver could not listen; trying again, mail waits at the mail server');
        if (!closed) {
          timer = setTimeout(attempt, retryMs);
          timer.unref();
        }
      },
    );
  };
  attempt();
  return {
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await starting;
      await receiver?.close();
    },
  };
}
