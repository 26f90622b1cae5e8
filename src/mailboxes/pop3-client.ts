import net from 'node:net';
import tls from 'node:tls';

/**
 * A small POP3 client (RFC 1939 with STLS from RFC 2595): exactly what fetching needs — sign
 * in, UIDL, LIST, RETR, DELE, QUIT — over TLS, STARTTLS or plain TCP.
 *
 * Why our own and not a package: the maintained one (node-pop3 0.11) decodes every message as
 * UTF-8 (the raw bytes of 8-bit mail in windows-1251 or ISO-8859-2 would be changed, and with
 * them the message's hash and its text), does not undo dot-stuffing, finds the end of a
 * message only when "CRLF.CRLF" arrives within one TCP packet (a message split there never
 * ends), and has no STLS. The others on the registry are unmaintained. The protocol part we
 * need is a line reader and seven commands.
 */
export type Pop3Security = 'tls' | 'starttls' | 'none';

export type Pop3ErrorKind =
  | 'protocol' // the peer does not speak POP3 (no "+OK" greeting, or a reply we cannot read)
  | 'refused' // the server answered -ERR (text in serverText)
  | 'closed' // the connection ended
  | 'timeout'
  | 'too_big';

export class Pop3Error extends Error {
  constructor(
    readonly kind: Pop3ErrorKind,
    message: string,
    /** What the server said after -ERR, for a server that greeted as a POP3 server. */
    readonly serverText: string | null = null,
    readonly command: string | null = null,
  ) {
    super(message);
    this.name = 'Pop3Error';
  }
}

const CRLF = Buffer.from('\r\n');
const maxLineBytes = 8192;

export type Pop3Options = {
  host: string;
  port: number;
  security: Pop3Security;
  timeoutMs: number;
  /** The largest message RETR accepts; larger ones throw `too_big` (the connection stays usable). */
  maxMessageBytes: number;
};

export class Pop3Client {
  private socket: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private ended: Error | null = null;
  private wake: (() => void) | null = null;
  /** The capabilities the server listed (CAPA), upper-cased. */
  capabilities = new Set<string>();

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  static async connect(opts: Pop3Options): Promise<Pop3Client> {
    const socket = await open(opts);
    const client = new Pop3Client(socket);
    try {
      await client.greeting();
      if (opts.security === 'starttls') {
        await client.command('STLS');
        await client.upgrade(opts);
      }
      await client.readCapabilities();
      return client;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  private attach(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.wake?.();
    });
    const end = (err: Error) => {
      if (!this.ended) this.ended = err;
      this.wake?.();
    };
    socket.on('error', (err) => end(err));
    socket.on('close', () => end(new Pop3Error('closed', 'The server closed the connection')));
    socket.on('timeout', () => {
      end(new Pop3Error('timeout', 'The server did not answer in time'));
      socket.destroy();
    });
  }

  private async upgrade(opts: Pop3Options) {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('timeout');
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ socket: plain, servername: net.isIP(opts.host) ? undefined : opts.host }, () =>
        resolve(s),
      );
      s.once('error', reject);
    });
    secure.setTimeout(opts.timeoutMs);
    this.socket = secure;
    this.buffer = Buffer.alloc(0);
    this.attach(secure);
  }

  private async more(): Promise<void> {
    if (this.ended) throw this.ended;
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
    // Data that arrived with the end is still read before the end is reported.
  }

  private async readLine(limit = maxLineBytes): Promise<Buffer> {
    for (;;) {
      const at = this.buffer.indexOf(CRLF);
      if (at >= 0) {
        const line = this.buffer.subarray(0, at);
        this.buffer = this.buffer.subarray(at + 2);
        return line;
      }
      if (this.buffer.length > limit) throw new Pop3Error('protocol', 'A line from the server is too long');
      if (this.ended) throw this.ended;
      await this.more();
    }
  }

  private status(line: Buffer, command: string | null): string {
    const text = line.toString('latin1');
    if (text.startsWith('+OK')) return text.slice(3).trim();
    if (text.startsWith('-ERR'))
      throw new Pop3Error(
        'refused',
        `The server refused ${command ?? 'the connection'}`,
        text.slice(4).trim(),
        command,
      );
    throw new Pop3Error('protocol', 'The server does not answer as a POP3 server', null, command);
  }

  private async greeting() {
    this.status(await this.readLine(), null);
  }

  /** Sends one command and returns the text after +OK; -ERR throws with the server's text. */
  async command(line: string): Promise<string> {
    if (/[\r\n]/.test(line)) throw new Pop3Error('protocol', 'A command may not contain a line break');
    const name = line.split(' ')[0]!.toUpperCase();
    this.socket.write(`${line}\r\n`);
    return this.status(await this.readLine(), name === 'PASS' ? 'PASS' : line);
  }

  /** A multi-line answer: the lines up to the lone ".", dot-stuffing undone, bytes untouched. */
  private async multiline(line: string, maxBytes: number): Promise<Buffer> {
    await this.command(line);
    const parts: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    for (;;) {
      const row = await this.readLine(Math.max(maxBytes, maxLineBytes) + 2);
      if (row.length === 1 && row[0] === 0x2e) break;
      const data = row[0] === 0x2e ? row.subarray(1) : row;
      size += data.length + 2;
      if (size > maxBytes) tooBig = true;
      else parts.push(data, CRLF);
    }
    if (tooBig) throw new Pop3Error('too_big', `The message is larger than ${maxBytes} bytes`);
    return Buffer.concat(parts);
  }

  private async readCapabilities() {
    try {
      const list = await this.multiline('CAPA', 64 * 1024);
      this.capabilities = new Set(
        list
          .toString('latin1')
          .split('\r\n')
          .filter(Boolean)
          .map((l) => l.split(' ')[0]!.toUpperCase()),
      );
    } catch (err) {
      if (!(err instanceof Pop3Error) || err.kind !== 'refused') throw err;
    }
  }

  async login(user: string, password: string): Promise<void> {
    if (/[\r\n]/.test(user) || /[\r\n]/.test(password))
      throw new Pop3Error('protocol', 'A user name or password may not contain a line break');
    await this.command(`USER ${user}`);
    await this.command(`PASS ${password}`);
  }

  /** Messages on the server: number, unique id and size. */
  async list(): Promise<Array<{ number: number; uidl: string; size: number }>> {
    const ids = new Map<number, string>();
    for (const row of (await this.multiline('UIDL', 64 * 1024 * 1024)).toString('latin1').split('\r\n')) {
      const m = /^(\d+) (\S{1,70})$/.exec(row);
      if (m) ids.set(Number(m[1]), m[2]!);
    }
    const out: Array<{ number: number; uidl: string; size: number }> = [];
    for (const row of (await this.multiline('LIST', 64 * 1024 * 1024)).toString('latin1').split('\r\n')) {
      const m = /^(\d+) (\d+)/.exec(row);
      const uidl = m ? ids.get(Number(m[1])) : undefined;
      if (m && uidl) out.push({ number: Number(m[1]), uidl, size: Number(m[2]) });
    }
    return out;
  }

  async retrieve(number: number, maxBytes: number): Promise<Buffer> {
    return this.multiline(`RETR ${number}`, maxBytes);
  }

  async delete(number: number): Promise<void> {
    await this.command(`DELE ${number}`);
  }

  /** Ends the session: the server removes the messages marked for deletion only now. */
  async quit(): Promise<void> {
    try {
      await this.command('QUIT');
    } finally {
      this.close();
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

function open(opts: Pop3Options): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    const socket =
      opts.security === 'tls'
        ? tls.connect(
            { host: opts.host, port: opts.port, servername: net.isIP(opts.host) ? undefined : opts.host },
            () => ready(),
          )
        : net.connect({ host: opts.host, port: opts.port }, () => ready());
    const ready = () => {
      socket.off('error', onError);
      resolve(socket);
    };
    socket.setTimeout(opts.timeoutMs, () => {
      socket.destroy();
      reject(new Pop3Error('timeout', 'The server did not answer in time'));
    });
    socket.once('error', onError);
  });
}
