import net from 'node:net';
import { ImapFlow } from 'imapflow';
import { Pop3Client, Pop3Error } from './pop3-client';
import type { MailProtocol, MailSecurity } from './mailboxes.schema';

/** Where and how to sign in: a mailbox row or the form being tested. */
export type ServerAccess = {
  protocol: MailProtocol;
  host: string;
  port: number;
  security: MailSecurity;
  username: string;
  password: string;
  folder: string;
  moveTo?: string | null;
};

export const serverLimits = {
  connectTimeoutMs: 20_000,
  greetingTimeoutMs: 15_000,
  socketTimeoutMs: 90_000,
  /** Larger messages are left on the server (and named in the mailbox's last error). */
  maxMessageBytes: 150 * 1024 * 1024,
} as const;

/** What went wrong, in terms an admin can act on (the locale key `mailboxes.problem.<problem>`). */
export type ServerProblem =
  | 'refused' // nothing answered at host:port, or the connection was cut
  | 'dns' // the host name does not resolve
  | 'timeout'
  | 'tls' // encryption could not be set up (no TLS there, a certificate not trusted, STARTTLS not offered)
  | 'protocol' // something answered, but not an IMAP / POP3 server
  | 'auth' // the user name or password was refused
  | 'folder' // the folder does not exist or cannot be opened
  | 'move_folder' // the folder to move imported mail to does not exist
  | 'other';

export type ServerFailure = {
  problem: ServerProblem;
  /**
   * The mail server's own words (its NO / -ERR text), printable ASCII only, at most 200
   * characters; only from a peer that greeted as a mail server. Nothing a non-mail server
   * sent is ever kept or shown: the button must not become a way to read any host:port.
   */
  serverText: string | null;
};

/** Printable ASCII, spaces collapsed, at most 200 characters; null when nothing is left. */
export function sanitizeServerText(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  const clean = text
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  return clean === '' ? null : clean;
}

type ErrorLike = {
  code?: unknown;
  message?: unknown;
  authenticationFailed?: unknown;
  tlsFailed?: unknown;
  responseText?: unknown;
  serverResponseCode?: unknown;
  responseStatus?: unknown;
};

const refusedCodes = [
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
];
const dnsCodes = ['ENOTFOUND', 'EAI_AGAIN', 'ENODATA', 'EAI_FAIL'];
const timeoutCodes = ['ETIMEDOUT', 'CONNECT_TIMEOUT', 'ETIMEOUT', 'ESOCKETTIMEDOUT'];
const tlsCodes = [
  'EPROTO',
  'UPGRADE_TIMEOUT',
  'ClosedAfterConnectTLS',
  'STARTTLS_INJECTION',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
];
const protocolCodes = ['InvalidResponse', 'UnexpectedTag', 'MissingTag', 'LineTooLarge', 'GREETING_TIMEOUT'];

/** Reads an imapflow, POP3, TLS or socket error into a problem an admin can act on. */
export function classifyServerError(err: unknown): ServerFailure {
  if (err instanceof Pop3Error) {
    if (err.kind === 'protocol') return { problem: 'protocol', serverText: null };
    if (err.kind === 'timeout') return { problem: 'timeout', serverText: null };
    if (err.kind === 'closed') return { problem: 'refused', serverText: null };
    const text = sanitizeServerText(err.serverText);
    if (err.command === 'STLS') return { problem: 'tls', serverText: text };
    if (err.command === 'PASS' || err.command?.startsWith('USER ')) return { problem: 'auth', serverText: text };
    return { problem: 'other', serverText: text };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorLike;
  const code = String(e.code ?? '');
  if (e.authenticationFailed === true) return { problem: 'auth', serverText: sanitizeServerText(e.responseText) };
  if (e.tlsFailed === true) return { problem: 'tls', serverText: null }; // e.g. STARTTLS required but not offered
  if (dnsCodes.includes(code)) return { problem: 'dns', serverText: null };
  if (tlsCodes.includes(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /CERT/.test(code))
    return { problem: 'tls', serverText: null };
  if (timeoutCodes.includes(code)) return { problem: 'timeout', serverText: null };
  if (refusedCodes.includes(code)) return { problem: 'refused', serverText: null };
  if (protocolCodes.includes(code) || code.startsWith('ParserError')) return { problem: 'protocol', serverText: null };
  if (code === 'MissingServerExtension' && /STARTTLS/i.test(String(e.message ?? '')))
    return { problem: 'tls', serverText: null };
  return { problem: 'other', serverText: e.responseStatus ? sanitizeServerText(e.responseText) : null };
}

/** A one-line description for the log and `mailboxes.last_error` (never peer bytes of a non-mail server). */
export function describeFailure(f: ServerFailure, what?: string): string {
  return [what, f.problem, f.serverText ? `server said: ${f.serverText}` : null].filter(Boolean).join(': ');
}

/** Shorter waits for "Test connection": an admin is looking at the page. */
const testTimeouts = { greetingTimeoutMs: 10_000, socketTimeoutMs: 20_000 };
type Timeouts = { greetingTimeoutMs: number; socketTimeoutMs: number };

/**
 * `idleRestartMs`: for the IDLE listener, IDLE is ended and started again this often (below the
 * socket timeout, and well below the 29 minutes after which servers may drop an IDLE session).
 */
export function imapClient(access: ServerAccess, timeouts: Timeouts = serverLimits, idleRestartMs?: number): ImapFlow {
  return new ImapFlow({
    ...(idleRestartMs ? { maxIdleTime: idleRestartMs } : {}),
    host: access.host,
    port: access.port,
    secure: access.security === 'tls',
    doSTARTTLS: access.security === 'starttls' ? true : access.security === 'none' ? false : undefined,
    servername: net.isIP(access.host) ? undefined : access.host,
    auth: { user: access.username, pass: access.password },
    logger: false,
    connectionTimeout: serverLimits.connectTimeoutMs,
    greetingTimeout: timeouts.greetingTimeoutMs,
    socketTimeout: timeouts.socketTimeoutMs,
    disableAutoIdle: true,
    maxLiteralSize: serverLimits.maxMessageBytes,
    maxResponseSize: serverLimits.maxMessageBytes + 1024 * 1024,
  });
}

export async function pop3Session(access: ServerAccess, timeouts: Timeouts = serverLimits): Promise<Pop3Client> {
  const client = await Pop3Client.connect({
    host: access.host,
    port: access.port,
    security: access.security,
    timeoutMs: timeouts.greetingTimeoutMs,
    maxMessageBytes: serverLimits.maxMessageBytes,
  });
  try {
    await client.login(access.username, access.password);
    return client;
  } catch (err) {
    client.close();
    throw err;
  }
}

/** The outcome of "Test connection": signed in, the folder opened, how many messages wait. */
export type ConnectionTest =
  | { ok: true; messages: number; moveFolderMissing: boolean }
  | ({ ok: false } & ServerFailure);

export async function testConnection(access: ServerAccess): Promise<ConnectionTest> {
  return access.protocol === 'imap' ? testImap(access) : testPop3(access);
}

async function testImap(access: ServerAccess): Promise<ConnectionTest> {
  const client = imapClient(access, testTimeouts);
  client.on('error', () => undefined); // reported through the awaited calls
  try {
    await client.connect();
  } catch (err) {
    return { ok: false, ...classifyServerError(err) };
  }
  try {
    const status = await client.status(access.folder, { messages: true }).catch((err: unknown) => ({ failed: err }));
    if (!status || 'failed' in status) {
      const f = status
        ? classifyServerError((status as { failed: unknown }).failed)
        : { problem: 'other' as const, serverText: null };
      return { ok: false, problem: f.problem === 'other' ? 'folder' : f.problem, serverText: f.serverText };
    }
    let moveFolderMissing = false;
    if (access.moveTo) moveFolderMissing = !(await client.status(access.moveTo, { messages: true }).catch(() => false));
    return { ok: true, messages: Number(status.messages ?? 0), moveFolderMissing };
  } finally {
    await client.logout().catch(() => client.close());
  }
}

async function testPop3(access: ServerAccess): Promise<ConnectionTest> {
  let client: Pop3Client;
  try {
    client = await pop3Session(access, testTimeouts);
  } catch (err) {
    return { ok: false, ...classifyServerError(err) };
  }
  try {
    const list = await client.list();
    return { ok: true, messages: list.length, moveFolderMissing: false };
  } catch (err) {
    return { ok: false, ...classifyServerError(err) };
  } finally {
    await client.quit().catch(() => undefined);
  }
}
