/**
 * A help desk as it runs scaled out: several web processes (the real entry point, src/server.ts)
 * on loopback ports behind nginx terminating HTTPS, one MariaDB or PostgreSQL database, and
 * `npm run cron` when asked. Shared by tests/scale/ and bench/scale.ts.
 *
 * Addresses: nginx connects to the processes from 127.0.0.2 (proxy_bind), the one address the
 * processes trust (TESSERA_TRUST_PROXY); a test's client connects to nginx from an address of its
 * own (127.0.0.5 …), so "the client address the app sees" differs from the proxy's.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { fromRoot } from '../src/paths';

const run = promisify(execFile);
export const proxyAddress = '127.0.0.2';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns true; never a fixed sleep standing in for a condition. */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 120_000,
  everyMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export type AppProcess = { port: number; child: ChildProcess; log: string };

/** Environment of every process of the desk: its config folder, data folder, trusted proxy, short job timing. */
export type DeskEnv = Record<string, string>;

/** Starts `node --import tsx src/server.ts` and waits for /readyz. */
export async function startApp(env: DeskEnv, logDir: string): Promise<AppProcess> {
  const port = await freePort();
  const log = path.join(logDir, `app-${port}.log`);
  const out = fs.openSync(log, 'a');
  // `node --import tsx`, not the tsx command: that one runs the script in a second process, and
  // SIGKILL must reach the process that sends.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: fromRoot(),
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  let last = '';
  try {
    await until(
      `the app on port ${port} to be ready`,
      async () => {
        if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}`);
        return fetch(`http://127.0.0.1:${port}/readyz`).then(
          async (r) => {
            last = `${r.status} ${await r.text()}`;
            return r.ok;
          },
          () => false,
        );
      },
      180_000,
      250,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(
      `${(err as Error).message}; last /readyz: ${last}; log:\n${fs.readFileSync(log, 'utf8').slice(-3000)}`,
    );
  }
  return { port, child, log };
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** `npm run cron` (the script itself, without npm in between); resolves with its exit code and output. */
export function runCron(env: DeskEnv): { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/cron.ts'], {
    cwd: fromRoot(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, out })),
  );
  return { child, done };
}

/** A self-signed certificate for 127.0.0.1 / localhost, made with openssl. */
export async function selfSignedCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}

export const nginxBinary = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p)) ?? null;

/**
 * The configuration the README documents, with test paths: HTTPS termination, the forwarding
 * headers, round robin over the processes, a failed process taken out of rotation.
 */
export function nginxConfig(opts: {
  prefix: string;
  port: number;
  cert: { cert: string; key: string };
  upstreams: number[];
}): string {
  const temp = (name: string) => path.join(opts.prefix, name);
  return `
worker_processes 1;
daemon off;
pid ${temp('nginx.pid')};
error_log ${temp('error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${temp('client_body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  client_max_body_size 30m;

  upstream tessera {
${opts.upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n')}
    keepalive 16;
  }

  server {
    listen 127.0.0.1:${opts.port} ssl;
    ssl_certificate ${opts.cert.cert};
    ssl_certificate_key ${opts.cert.key};

    location / {
      proxy_pass http://tessera;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_bind ${proxyAddress};
      # Which process answered (for the tests; leave it out in production).
      add_header X-Tessera-Upstream $upstream_addr always;
    }
  }
}
`;
}

export type Nginx = { port: number; child: ChildProcess; stop(): Promise<void> };

export async function startNginx(dir: string, upstreams: number[]): Promise<Nginx> {
  if (!nginxBinary) throw new Error('nginx is not installed (Debian package nginx; .ci/run installs it)');
  const prefix = path.join(dir, 'nginx');
  fs.mkdirSync(prefix, { recursive: true });
  const cert = await selfSignedCertificate(dir);
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(conf, nginxConfig({ prefix, port, cert, upstreams }));
  const child = spawn(nginxBinary, ['-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  await until(
    'nginx to listen',
    async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${err}`);
      return new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.end();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
    },
    30_000,
    100,
  );
  return { port, child, stop: () => stopProcess(child, 'SIGQUIT') };
}
