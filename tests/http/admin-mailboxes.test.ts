import net from 'node:net';
import request from 'supertest';
import { decryptTotpSecret } from '../../src/staff/totp';
import { describeWithDovecot, startDovecot, type DovecotServer } from '../helpers/dovecot';
import {
  adminCredentials,
  csrfFrom,
  signedInAgent,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';

/**
 * /admin/mailboxes through the HTTP stack: administrators only, validated input (hostile
 * values refused or escaped), the password stored encrypted and never shown, and "Test
 * connection" reporting a classified result against a real Dovecot, never a peer's raw bytes.
 */
let t: InstalledApp;
useInstalledApp((a) => (t = a), { freshRateLimits: true });

let admin: request.Agent;
let token: string;
beforeAll(async () => {
  admin = await signedInAgent(t, adminCredentials);
  token = csrfFrom((await admin.get('/admin/mailboxes/new').expect(200)).text);
});

const valid = (over: Record<string, unknown> = {}) => ({
  _csrf: token,
  intent: 'save',
  name: 'Support inbox',
  protocol: 'imap',
  host: 'imap.example.test',
  port: '993',
  security: 'tls',
  username: 'support@example.test',
  password: 'mailbox secret 1',
  address: '',
  folder: 'INBOX',
  after_import: 'mark_seen',
  move_to: '',
  category_id: '',
  priority_id: '',
  active: '1',
  ...over,
});

const post = (path: string, body: Record<string, unknown>) => admin.post(path).type('form').send(body);

test('only administrators reach the mailboxes (a settings manager would receive the stored password)', async () => {
  const sam = await signedInAgent(t, staffCredentials);
  await sam.get('/admin/mailboxes').expect(403);
  await sam.get('/admin/mailboxes/new').expect(403);
  const samToken = csrfFrom((await sam.get('/admin/profile').expect(200)).text);
  await sam
    .post('/admin/mailboxes')
    .type('form')
    .send({ ...valid(), _csrf: samToken })
    .expect(403);
  expect(
    await t
      .db('mailboxes')
      .count<{ n: number }[]>({ n: '*' })
      .then((r) => Number(r[0]!.n)),
  ).toBe(0);
  await request(t.app).get('/admin/mailboxes').expect(303);
  const manage = await admin.get('/admin/manage').expect(200);
  expect(manage.text).toContain('href="/admin/mailboxes"');
});

test('a mailbox is added with its password encrypted, listed, edited without retyping the password, and deleted', async () => {
  const res = await post('/admin/mailboxes', valid());
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/admin/mailboxes?done=saved');
  const row = await t.db('mailboxes').where({ name: 'Support inbox' }).first();
  expect(row.password_encrypted).toMatch(/^v1\./);
  expect(row.password_encrypted).not.toContain('mailbox secret');
  expect(decryptTotpSecret(t.config.secrets.signing, row.password_encrypted)).toBe('mailbox secret 1');
  const list = await admin.get('/admin/mailboxes').expect(200);
  expect(list.text).toContain('Support inbox');
  expect(list.text).toContain('imap.example.test:993');
  const edit = await admin.get(`/admin/mailboxes/${row.id}`).expect(200);
  expect(edit.text).not.toContain('mailbox secret');
  await post(
    `/admin/mailboxes/${row.id}`,
    valid({ password: '', name: 'Renamed inbox', after_import: 'delete' }),
  ).expect(303);
  const changed = await t.db('mailboxes').where({ id: row.id }).first();
  expect(changed).toMatchObject({
    name: 'Renamed inbox',
    after_import: 'delete',
    password_encrypted: row.password_encrypted,
  });
  const audit = await t.db('audit_log').where({ action: 'mailbox.changed' }).first();
  expect(audit.details).not.toContain('mailbox secret');
  await post(`/admin/mailboxes/${row.id}/delete`, { _csrf: token }).expect(303);
  expect(await t.db('mailboxes').where({ id: row.id }).first()).toBeUndefined();
  await admin.get(`/admin/mailboxes/${row.id}`).expect(404);
  await admin.get('/admin/mailboxes/abc').expect(404);
});

test('hostile and broken input is refused with the error summary, values kept (never the password)', async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ host: 'imap.example.test\r\nA01 LOGOUT' }, 'host'],
    [{ folder: 'INBOX\r\nA1 DELETE INBOX' }, 'folder'],
    [{ username: 'me\nPASS x' }, 'username'],
    [{ port: '99999999' }, 'port'],
    [{ port: '0' }, 'port'],
    [{ port: '70000' }, 'port'],
    [{ host: '' }, 'host'],
    [{ name: '' }, 'name'],
    [{ protocol: 'smtp' }, 'protocol'],
    [{ protocol: 'pop3', after_import: 'mark_seen' }, 'after_import'],
    [{ after_import: 'move', move_to: '' }, 'move_to'],
    [{ after_import: 'move', move_to: 'INBOX' }, 'move_to'],
    [{ address: 'not an address' }, 'address'],
    [{ category_id: '999999' }, 'category_id'],
    [{ name: 'x'.repeat(101) }, 'name'],
  ];
  for (const [over, field] of cases) {
    const res = await post('/admin/mailboxes', valid(over));
    expect(`${field}:${res.status}`).toBe(`${field}:400`);
    expect(res.text).toContain('class="error-summary"');
    expect(res.text).toContain(`href="#${field}"`);
    expect(res.text).not.toContain('mailbox secret 1');
  }
  // A field that should be a string and arrives as a list.
  const list = await admin
    .post('/admin/mailboxes')
    .type('form')
    .send(
      `_csrf=${encodeURIComponent(token)}&intent=save&name=A&name=B&protocol=imap&host=h&port=1&security=tls&username=u&password=p&after_import=keep`,
    );
  expect(list.status).toBe(400);
  expect(
    await t
      .db('mailboxes')
      .count<{ n: number }[]>({ n: '*' })
      .then((r) => Number(r[0]!.n)),
  ).toBe(0);
});

test('a script in the name is stored as typed and shown escaped', async () => {
  await post('/admin/mailboxes', valid({ name: '<script>alert(1)</script>' })).expect(303);
  const page = await admin.get('/admin/mailboxes').expect(200);
  expect(page.text).not.toContain('<script>alert(1)</script>');
  expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  await t.db('mailboxes').del();
});

test('without the CSRF token nothing is saved (403)', async () => {
  await admin
    .post('/admin/mailboxes')
    .type('form')
    .send({ ...valid(), _csrf: undefined })
    .expect(403);
  await admin
    .post('/admin/mailboxes')
    .type('form')
    .send({ ...valid(), _csrf: 'forged' })
    .expect(403);
  expect(
    await t
      .db('mailboxes')
      .count<{ n: number }[]>({ n: '*' })
      .then((r) => Number(r[0]!.n)),
  ).toBe(0);
});

test('the stored password is only tested against the stored server and user', async () => {
  await post('/admin/mailboxes', valid()).expect(303);
  const row = await t.db('mailboxes').first();
  const res = await post(
    `/admin/mailboxes/${row.id}`,
    valid({ intent: 'test', password: '', host: 'attacker.example.test' }),
  );
  expect(res.status).toBe(400);
  expect(res.text).toContain('the saved one is only sent to the saved server and user');
  await t.db('mailboxes').del();
});

/** A TCP server that is no mail server: it greets like SSH and sends bytes nobody should see. */
async function fakeServer(
  onLine: (line: string, socket: net.Socket) => void,
  greeting: string,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.write(greeting);
    let buffered = '';
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      let at: number;
      while ((at = buffered.indexOf('\r\n')) >= 0) {
        onLine(buffered.slice(0, at), socket);
        buffered = buffered.slice(at + 2);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const notAMailServer = () =>
  fakeServer(() => undefined, 'SSH-2.0-OpenSSH_9.2 SECRET-BANNER-7731\r\n\u0000\u0001\u00ff binary SECRET-BANNER-7731');

/** An IMAP server whose refusal carries markup and control characters. */
const hostileImapServer = () =>
  fakeServer((line, socket) => {
    const [tag, command] = line.split(' ');
    if (/^CAPABILITY$/i.test(command ?? '')) socket.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
    else if (/^(LOGIN|AUTHENTICATE)$/i.test(command ?? ''))
      socket.write(`${tag} NO [AUTHENTICATIONFAILED] <img src=x onerror=alert(1)>\u001b[31m bad \u0007login\r\n`);
    else socket.write(`${tag} BAD unknown\r\n`);
  }, '* OK hostile ready\r\n');

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describeWithDovecot('Test connection against Dovecot', () => {
  let dc: DovecotServer;
  beforeAll(async () => {
    dc = await startDovecot();
    dc.deliver('From: a@example.org\r\nSubject: one\r\nMessage-ID: <t1@example.org>\r\n\r\nx\r\n');
    dc.deliver('From: a@example.org\r\nSubject: two\r\nMessage-ID: <t2@example.org>\r\n\r\nx\r\n');
  });
  afterAll(async () => dc?.close());

  const form = (over: Record<string, unknown>) =>
    valid({
      intent: 'test',
      host: dc.host,
      port: String(dc.imapPort),
      security: 'none',
      username: dc.user,
      password: dc.password,
      ...over,
    });
  const resultOf = (html: string) =>
    /<div class="alert[^"]*"[^>]*id="test-result">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';

  test("IMAP and POP3: connected, with the folder's message count; nothing is saved", async () => {
    const imap = await post('/admin/mailboxes', form({})).expect(200);
    expect(resultOf(imap.text)).toContain(
      `Connected to 127.0.0.1:${dc.imapPort} and signed in as ${dc.user}. The folder INBOX holds 2 messages.`,
    );
    expect(imap.text).not.toContain(dc.password);
    const pop3 = await post(
      '/admin/mailboxes',
      form({ protocol: 'pop3', port: String(dc.pop3Port), after_import: 'keep' }),
    ).expect(200);
    expect(resultOf(pop3.text)).toContain('The mailbox holds 2 messages.');
    expect(
      await t
        .db('mailboxes')
        .count<{ n: number }[]>({ n: '*' })
        .then((r) => Number(r[0]!.n)),
    ).toBe(0);
  });

  test("a wrong password: authentication failed, with the server's reply", async () => {
    for (const over of [{}, { protocol: 'pop3', port: String(dc.pop3Port), after_import: 'keep' }]) {
      const res = await post('/admin/mailboxes', form({ ...over, password: 'wrong password' })).expect(200);
      const text = resultOf(res.text);
      expect(text).toContain('The server refused the user name or password.');
      expect(text).toMatch(/The mail server said: <code>[^<]*Authentication failed/);
    }
  });

  test('a folder that does not exist, and a move target that does not', async () => {
    const missing = await post('/admin/mailboxes', form({ folder: 'Nowhere' })).expect(200);
    expect(resultOf(missing.text)).toContain('The folder could not be opened.');
    const move = await post('/admin/mailboxes', form({ after_import: 'move', move_to: 'Archive' })).expect(200);
    expect(resultOf(move.text)).toContain('The folder Archive to move imported mail to does not exist');
  });

  test('refused, TLS failed, and a server that is not a mail server (its bytes never shown)', async () => {
    const refused = await post('/admin/mailboxes', form({ port: String(await closedPort()) })).expect(200);
    expect(resultOf(refused.text)).toContain('Nothing accepted the connection');
    const tls = await post('/admin/mailboxes', form({ security: 'tls' })).expect(200);
    expect(resultOf(tls.text)).toContain('The encrypted connection could not be set up.');
    const starttlsImap = await post('/admin/mailboxes', form({ security: 'starttls' })).expect(200);
    expect(resultOf(starttlsImap.text)).toContain('The encrypted connection could not be set up.');
    const starttlsPop = await post(
      '/admin/mailboxes',
      form({ protocol: 'pop3', port: String(dc.pop3Port), after_import: 'keep', security: 'starttls' }),
    ).expect(200);
    expect(resultOf(starttlsPop.text)).toContain('The encrypted connection could not be set up.');
    const peer = await notAMailServer();
    try {
      for (const protocol of ['imap', 'pop3']) {
        const res = await post(
          '/admin/mailboxes',
          form({ protocol, port: String(peer.port), after_import: 'keep' }),
        ).expect(200);
        expect(res.text).not.toContain('SECRET-BANNER');
        expect(res.text).not.toContain('OpenSSH');
        expect(resultOf(res.text)).toContain('it is not an IMAP or POP3 server');
      }
    } finally {
      await peer.close();
    }
    const hostile = await hostileImapServer();
    try {
      const res = await post('/admin/mailboxes', form({ port: String(hostile.port) })).expect(200);
      const text = resultOf(res.text);
      expect(text).toContain('The server refused the user name or password.');
      expect(text).not.toContain('<img');
      expect(text).not.toMatch(/[\u0000-\u0008\u001b]/);
      expect(text).toContain('&lt;img src=x onerror=alert(1)&gt; [31m bad login');
    } finally {
      await hostile.close();
    }
  });
});
