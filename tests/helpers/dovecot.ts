import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './wait-for';

/**
 * A real IMAP and POP3 server on loopback for the mail-fetching tests: Debian's Dovecot
 * (packages dovecot-imapd and dovecot-pop3d; `.ci/run` installs them), started per test file
 * with its own configuration in a temporary folder, one passwd-file user and Maildir storage,
 * plain IMAP and POP3 on free loopback ports (no TLS: the tests about TLS failures connect with
 * TLS to these plain ports).
 *
 * Run as root (CI, this machine), the server's processes run as `nobody` (spawn's uid/gid), so
 * the test server never holds root; run as another user it runs as that user. It runs in the
 * foreground (-F) in a process group of its own: stop() ends that group and waits, so no
 * process is left behind. stop() and start() again keep the ports and the mail: "server down,
 * then back".
 */
export type DovecotServer = {
  host: string;
  imapPort: number;
  pop3Port: number;
  user: string;
  password: string;
  /** Puts a message into the user's folder (Maildir `new/`, as a local delivery agent would). */
  deliver(raw: string | Buffer, folder?: string): string;
  /** Creates a folder (Maildir++ `.Name`), e.g. for "move after import". */
  createFolder(folder: string): void;
  /** Messages in a folder: new, seen or not. */
  count(folder?: string): number;
  /** The Maildir file names of a folder with their flags (`:2,S` is seen). */
  files(folder?: string): string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
};

const dovecotBinary = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].find((p) => fs.existsSync(p)) ?? null;

/** Null when Dovecot can be started here; otherwise why not (the tests say so when skipped). */
export function dovecotMissing(): string | null {
  if (!dovecotBinary) return 'Dovecot is not installed (apt-get install dovecot-imapd dovecot-pop3d; .ci/run does it)';
  if (!fs.existsSync('/usr/lib/dovecot/pop3') || !fs.existsSync('/usr/lib/dovecot/imap'))
    return 'dovecot-imapd or dovecot-pop3d is missing';
  return null;
}

/** `describe` when Dovecot is here, `describe.skip` with a clear message when it is not. */
export function describeWithDovecot(name: string, body: () => void): void {
  const missing = dovecotMissing();
  if (missing) {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED "${name}": ${missing}`);
    describe.skip(`${name} (skipped: ${missing})`, body);
  } else {
    describe(name, body);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function runAs(): { uid: number; gid: number; name: string; group: string } {
  const me = os.userInfo();
  if (me.uid !== 0) return { uid: me.uid, gid: me.gid, name: me.username, group: groupName(me.gid) };
  return { uid: 65534, gid: 65534, name: 'nobody', group: groupName(65534) };
}

function groupName(gid: number): string {
  const out = spawnSync('getent', ['group', String(gid)], { encoding: 'utf8' }).stdout ?? '';
  return out.split(':')[0] || String(gid);
}

function config(
  dir: string,
  ports: { imap: number; pop3: number },
  who: ReturnType<typeof runAs>,
  extra: string,
): string {
  return `# Tessera's test Dovecot: written by tests/helpers/dovecot.ts
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = tessera-test-${path.basename(dir)}
log_path = ${dir}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = ${who.name}
default_internal_user = ${who.name}
default_internal_group = ${who.group}
first_valid_uid = ${who.uid}
last_valid_uid = ${who.uid}
first_valid_gid = ${who.gid}
mail_location = maildir:${dir}/mail/%u
mail_privileged_group =
pop3_uidl_format = %08Xv%08Xu
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=${who.uid} gid=${who.gid} home=${dir}/home/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${ports.imap}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  chroot =
  inet_listener pop3 {
    address = 127.0.0.1
    port = ${ports.pop3}
  }
  inet_listener pop3s {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0600
  }
}
service auth {
  user = ${who.name}
}
service auth-worker {
  user = ${who.name}
}
service anvil {
  chroot =
}
service stats {
  chroot =
}
${extra}
`;
}

/** Whether an IMAP/POP3 server on `port` greets; false, never a hang, for one that closes at once. */
export const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('data', (d) => {
      socket.destroy();
      resolve(/^(\* OK|\+OK)/.test(d.toString('latin1')));
    });
    socket.once('error', () => resolve(false));
    // A server that is starting or stopping may accept and close without a greeting: no 'data',
    // no 'error', and the idle timeout is cleared with the socket, so only 'close' answers then.
    socket.once('close', () => resolve(false));
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
  });

/** `extraConfig`: lines added to dovecot.conf (e.g. an `imap_capability` without IDLE). */
export async function startDovecot(
  opts: { user?: string; password?: string; extraConfig?: string } = {},
): Promise<DovecotServer> {
  if (!dovecotBinary) throw new Error(dovecotMissing() ?? 'no dovecot');
  const who = runAs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h11-fetch-dovecot-'));
  const user = opts.user ?? 'support@example.test';
  const password = opts.password ?? `pw-${crypto.randomBytes(6).toString('hex')}`;
  const ports = { imap: await freePort(), pop3: await freePort() };
  for (const sub of ['run', 'state', 'mail', 'home']) fs.mkdirSync(path.join(dir, sub));
  fs.writeFileSync(path.join(dir, 'users'), `${user}:{PLAIN}${password}::::::\n`);
  fs.writeFileSync(path.join(dir, 'dovecot.conf'), config(dir, ports, who, opts.extraConfig ?? ''));
  const maildir = path.join(dir, 'mail', user);
  const folderDir = (folder = 'INBOX') => (folder === 'INBOX' ? maildir : path.join(maildir, `.${folder}`));
  const ensureMaildir = (root: string) => {
    for (const sub of ['', 'cur', 'new', 'tmp']) fs.mkdirSync(path.join(root, sub), { recursive: true });
  };
  ensureMaildir(maildir);
  const own = (p: string) => {
    if (process.getuid?.() === 0) spawnSync('chown', ['-R', `${who.uid}:${who.gid}`, p]);
  };
  own(dir);

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    if (child) return;
    const proc = spawn(dovecotBinary, ['-F', '-c', path.join(dir, 'dovecot.conf')], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      uid: who.uid,
      gid: who.gid,
    });
    // Neither the server nor its stderr keeps the test process alive (killOnExit ends the server).
    proc.unref();
    (proc.stderr as (NodeJS.ReadableStream & { unref?: () => void }) | null)?.unref?.();
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child = proc;
    // Whatever happens to the test (a crash, a timeout), the server goes with its process.
    const killOnExit = () => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    };
    process.once('exit', killOnExit);
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    proc.once('exit', () => process.off('exit', killOnExit));
    proc.once('exit', () => {
      if (child === proc) child = null;
    });
    try {
      await waitFor(
        async () => {
          if (!child) throw new Error(`dovecot exited: ${stderr}${readLog(dir)}`);
          return (await listening(ports.imap)) && (await listening(ports.pop3));
        },
        'dovecot listening',
        30_000,
      );
    } catch (err) {
      await stop();
      throw err;
    }
  };

  const stop = async () => {
    const proc = child;
    if (!proc || proc.pid === undefined) return;
    try {
      process.kill(-proc.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const killer = setTimeout(() => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5000);
    await exited;
    clearTimeout(killer);
    // The master's children end with it; wait until the ports are closed too.
    await waitFor(
      async () => !(await listening(ports.imap)) && !(await listening(ports.pop3)),
      'dovecot stopped',
      15_000,
    );
  };

  let sequence = 0;
  const server: DovecotServer = {
    host: '127.0.0.1',
    imapPort: ports.imap,
    pop3Port: ports.pop3,
    user,
    password,
    deliver(raw, folder = 'INBOX') {
      const root = folderDir(folder);
      const name = `${Date.now()}.M${++sequence}P${process.pid}R${crypto.randomBytes(4).toString('hex')}.tessera-test`;
      const tmp = path.join(root, 'tmp', name);
      fs.writeFileSync(tmp, typeof raw === 'string' ? raw.replace(/\r?\n/g, '\n') : raw);
      own(tmp);
      fs.renameSync(tmp, path.join(root, 'new', name));
      return name;
    },
    createFolder(folder) {
      const root = folderDir(folder);
      ensureMaildir(root);
      const subscriptions = path.join(maildir, 'subscriptions');
      fs.appendFileSync(subscriptions, `${folder}\n`);
      own(root);
      own(subscriptions);
    },
    count(folder = 'INBOX') {
      return server.files(folder).length;
    },
    files(folder = 'INBOX') {
      const root = folderDir(folder);
      const list = (sub: string) => (fs.existsSync(path.join(root, sub)) ? fs.readdirSync(path.join(root, sub)) : []);
      return [...list('new'), ...list('cur')];
    },
    start,
    stop,
    close: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await start();
  return server;
}

function readLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8').slice(-2000);
  } catch {
    return '';
  }
}
