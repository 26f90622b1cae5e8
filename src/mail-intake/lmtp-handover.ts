import net from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { lmtpListenOf } from '../config/lmtp-address';
import { lmtpUser, unknownRecipient } from './lmtp-address';

/**
 * The pipe's fast path: hands the mail to the running help desk's LMTP receiver (nodemailer's
 * SMTP client in LMTP mode), so the pipe process loads no database driver, parser or services.
 * - `accepted`: the help desk took care of it (exit 0);
 * - `later`: the help desk answered 4xx, e.g. its database is down (exit 75; the MTA retries);
 * - `refused`: 5xx, a mail that can never be stored (exit 65);
 * - `unreachable`: nobody listens (Tessera stopped, restarting): the pipe imports it itself.
 * On a loopback port the receiver wants the sign-in: `secret` is its password (lmtpSecretOf).
 */
export type Handover = 'accepted' | 'later' | 'refused' | 'unreachable';

export async function handOver(
  at: string,
  raw: Buffer,
  recipient: string | null,
  secret: string | null = null,
  timeoutMs = 60_000,
): Promise<Handover> {
  const where = lmtpListenOf(at);
  const socket = await new Promise<net.Socket | null>((resolve) => {
    const s = 'path' in where ? net.connect(where.path) : net.connect(where.port, where.host);
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(null));
  });
  if (!socket) return 'unreachable';
  const conn = new SMTPConnection({
    connection: socket,
    lmtp: true,
    ignoreTLS: true,
    name: 'tessera-pipe',
    socketTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      conn.once('error', reject);
      conn.connect(() => resolve());
    });
    if (secret !== null) {
      await new Promise<void>((resolve, reject) => {
        conn.login({ user: lmtpUser, pass: secret, method: 'PLAIN' }, (err) => (err ? reject(err) : resolve()));
      });
    }
    const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) => {
      conn.send({ from: '', to: [recipient ?? unknownRecipient] }, raw, (err, sent) =>
        err ? reject(err) : resolve(sent),
      );
    });
    if (info.accepted.length > 0) return 'accepted';
    return answerOf(info.rejectedErrors?.[0]?.responseCode);
  } catch (err) {
    const code = (err as SMTPConnection.SMTPError).responseCode;
    // No answer at all (the connection dropped mid-way): the mail may or may not be stored; the
    // MTA delivers it again and the Message-ID makes a second copy a duplicate.
    return code === undefined ? 'later' : answerOf(code);
  } finally {
    conn.quit();
    conn.close();
  }
}

/** A refused sign-in (530, 535) is a configuration mistake, never the mail's fault: the MTA keeps the mail. */
const answerOf = (code: number | undefined): Handover =>
  code !== undefined && code >= 500 && code !== 530 && code !== 535 ? 'refused' : 'later';
