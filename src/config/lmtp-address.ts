/**
 * Where the LMTP receiver listens (`server.lmtp`, the pipe's `--lmtp`): a Unix socket path, or a
 * loopback host:port. Apart from the receiver so that the pipe's fast path loads nothing else
 * (no zod: the config schema wraps this same parser, see config.schema.ts).
 */
export type LmtpListen = { path: string } | { host: string; port: number };

const loopbackV4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * The one parser of an LMTP address, used by the configuration, the pipe's options and the
 * receiver: an absolute socket path, or `127.x.y.z:PORT`, `localhost:PORT`, `[::1]:PORT`
 * (octets 0-255, port 0-65535; 0 lets the system choose, for tests). A string says what is wrong.
 */
export function parseLmtpAddress(value: string): LmtpListen | string {
  const wanted = 'a socket path (/run/tessera/lmtp.sock) or a loopback host:port (127.0.0.1:2424)';
  if (value.startsWith('/')) return value.length > 1 && !/[\0\n]/.test(value) ? { path: value } : wanted;
  const m = /^(.+):(\d{1,5})$/.exec(value);
  if (!m) return wanted;
  const port = Number(m[2]);
  if (port > 65_535) return `${wanted}: the port is above 65535`;
  const host = m[1]!;
  if (host === 'localhost' || host === '[::1]') return { host: host === '[::1]' ? '::1' : host, port };
  const v4 = loopbackV4.exec(host);
  if (v4?.slice(1).every((o) => Number(o) <= 255)) return { host, port };
  return `${wanted}: LMTP is taken on this machine only`;
}

export function lmtpListenOf(value: string): LmtpListen {
  const parsed = parseLmtpAddress(value);
  if (typeof parsed === 'string')
    throw new Error(`not an LMTP address (${JSON.stringify(value.slice(0, 80))}): ${parsed}`);
  return parsed;
}
