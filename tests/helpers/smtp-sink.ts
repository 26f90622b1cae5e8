import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export type ReceivedMail = { raw: string; parsed: ParsedMail; from: string; to: string[] };

/** A reply the sink gives to RCPT TO for an address, e.g. { code: 550, message: '5.1.1 No such user' }. */
export type Refusal = { code: number; message: string };

export type SmtpSink = {
  host: string;
  port: number;
  received: ReceivedMail[];
  /** Resolves once `count` messages have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** How RCPT TO answers from now on; null accepts every recipient. */
  refuseRecipients(rule: ((address: string) => Refusal | null) | null): void;
  /**
   * From now on the sink keeps each message (it counts in `received` at once) but holds its
   * reply to DATA until the returned function is called: the moment between the server having
   * the mail and the sender hearing so, where a crash leaves the sender not knowing.
   */
  holdReplies(): () => void;
  close(): Promise<void>;
};

/**
 * A real SMTP server on loopback that keeps what it receives: outbound mail tests go through
 * nodemailer and the network exactly as production does. Plain SMTP (no STARTTLS), optional
 * AUTH with one user. Listens on `port` (0: any free port).
 */
export async function startSmtpSink(
  opts: { port?: number; auth?: { user: string; pass: string } } = {},
): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  let refuse: ((address: string) => Refusal | null) | null = null;
  let held: Promise<void> | null = null;

  const server = new SMTPServer({
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !opts.auth,
    logger: false,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass)
        return cb(null, { user: auth.username });
      cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(address: SMTPServerAddress, _session, cb) {
      const refusal = refuse?.(address.address);
      if (refusal) return cb(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (parsed) => {
            received.push({
              raw,
              parsed,
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            });
            for (const wake of waiters.splice(0)) wake();
            const reply = `2.0.0 Ok: queued as sink-${received.length}`;
            void (held ?? Promise.resolve()).then(() => cb(null, reply));
          },
          (err: Error) => cb(err),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  const waitFor = (count: number, timeoutMs = 10_000) =>
    new Promise<ReceivedMail[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${count} mails, got ${received.length}`)), timeoutMs);
      const check = () => {
        if (received.length >= count) {
          clearTimeout(timer);
          resolve(received);
        } else {
          waiters.push(check);
        }
      };
      check();
    });

  return {
    host: '127.0.0.1',
    port,
    received,
    waitFor,
    refuseRecipients: (rule) => {
      refuse = rule;
    },
    holdReplies: () => {
      let release: () => void = () => undefined;
      held = new Promise<void>((resolve) => (release = resolve));
      return () => {
        held = null;
        release();
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on (found by listening briefly), for "server down" tests. */
export async function unusedPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise<number>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
