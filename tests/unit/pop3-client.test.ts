import net from 'node:net';
import { Pop3Client, Pop3Error } from '../../src/mailboxes/pop3-client';
import { classifyServerError, sanitizeServerText } from '../../src/mailboxes/mail-servers';
import { describeLastError } from '../../src/web/admin/mailbox-test.view';

/**
 * The POP3 client against a scripted server that sends its answers one byte per TCP write, so
 * every line and the final "CRLF.CRLF" arrive split across packets: the reason we have our own
 * client (docs/decisions.md, "mailboxes and fetching").
 */
const message = Buffer.concat([
  Buffer.from('Subject: split\r\nContent-Type: text/plain; charset=windows-1251\r\n\r\n'),
  Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2, 0x0d, 0x0a]),
  Buffer.from('.\r\n..two dots\r\nend\r\n'),
]);
const stuffed = Buffer.from(message.toString('latin1').replace(/^\./gm, '..'), 'latin1');

async function scriptedServer(answers: Record<string, Buffer | string>, greeting = '+OK ready\r\n') {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    const dribble = async (data: Buffer | string) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1');
      for (const b of bytes) {
        if (socket.destroyed) return;
        socket.write(Buffer.from([b]));
        await new Promise((r) => setImmediate(r));
      }
    };
    void dribble(greeting);
    let buffered = '';
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      let at: number;
      while ((at = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, at);
        buffered = buffered.slice(at + 2);
        const key = Object.keys(answers).find((k) => line.startsWith(k));
        void dribble(key ? answers[key]! : '-ERR unknown\r\n').then(() => {
          if (line === 'QUIT') socket.end();
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const opts = (port: number) => ({
  host: '127.0.0.1',
  port,
  security: 'none' as const,
  timeoutMs: 5000,
  maxMessageBytes: 1024 * 1024,
});

test('answers split into single bytes: lists, retrieves byte for byte with dot-stuffing undone', async () => {
  const server = await scriptedServer({
    CAPA: '+OK\r\nUSER\r\nUIDL\r\n.\r\n',
    USER: '+OK\r\n',
    PASS: '+OK signed in\r\n',
    UIDL: '+OK\r\n1 AbC-1\r\n2 abc-1\r\n.\r\n',
    LIST: `+OK\r\n1 ${message.length}\r\n2 10\r\n.\r\n`,
    'RETR 1': Buffer.concat([Buffer.from('+OK\r\n'), stuffed, Buffer.from('.\r\n')]),
    QUIT: '+OK bye\r\n',
  });
  try {
    const client = await Pop3Client.connect(opts(server.port));
    await client.login('u', 'p');
    expect(await client.list()).toEqual([
      { number: 1, uidl: 'AbC-1', size: message.length },
      { number: 2, uidl: 'abc-1', size: 10 },
    ]);
    expect((await client.retrieve(1, 1024 * 1024)).equals(message)).toBe(true);
    await client.quit();
  } finally {
    await server.close();
  }
});

test('a refused password and a peer that is not a POP3 server are classified, the text sanitized', async () => {
  const server = await scriptedServer({
    CAPA: '-ERR no\r\n',
    USER: '+OK\r\n',
    PASS: '-ERR [AUTH] <b>bad</b>\u0007 password\r\n',
  });
  try {
    const client = await Pop3Client.connect(opts(server.port));
    const err = await client.login('u', 'p').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Pop3Error);
    expect(classifyServerError(err)).toEqual({ problem: 'auth', serverText: '[AUTH] <b>bad</b> password' });
    client.close();
  } finally {
    await server.close();
  }
  const ssh = await scriptedServer({}, 'SSH-2.0-OpenSSH_9.2 secret\r\n');
  try {
    const err = await Pop3Client.connect(opts(ssh.port)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(classifyServerError(err)).toEqual({ problem: 'protocol', serverText: null });
  } finally {
    await ssh.close();
  }
});

test('a message larger than the limit is refused, the connection stays usable', async () => {
  const server = await scriptedServer({
    CAPA: '-ERR\r\n',
    'RETR 1': Buffer.concat([Buffer.from('+OK\r\n'), stuffed, Buffer.from('.\r\n')]),
    NOOP: '+OK\r\n',
  });
  try {
    const client = await Pop3Client.connect(opts(server.port));
    await expect(client.retrieve(1, 20)).rejects.toMatchObject({ kind: 'too_big' });
    await expect(client.command('NOOP')).resolves.toBe('');
    client.close();
  } finally {
    await server.close();
  }
});

test('server text: printable ASCII only, at most 200 characters; stored errors read back', () => {
  expect(sanitizeServerText('a\r\nb\u0000c\u001b[31m' + 'x'.repeat(300))!.length).toBe(200);
  expect(sanitizeServerText('\u0001\u0002')).toBeNull();
  expect(describeLastError('auth: Authentication failed.')).toEqual({
    problem: 'mailboxes.problem.auth',
    detail: 'Authentication failed.',
  });
  expect(describeLastError('weird')).toEqual({ problem: 'mailboxes.problem.other', detail: null });
  expect(describeLastError(null)).toBeNull();
  expect(classifyServerError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).problem).toBe('refused');
  expect(classifyServerError(Object.assign(new Error('x'), { code: 'ENOTFOUND' })).problem).toBe('dns');
  expect(classifyServerError(Object.assign(new Error('x'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).problem).toBe(
    'tls',
  );
});
