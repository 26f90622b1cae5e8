/**
 * Where the LMTP receiver listens (`server.lmtp`): a Unix socket path, or host:port. Apart from
 * the receiver so that the pipe's fast path loads nothing else.
 */
export type LmtpListen = { path: string } | { host: string; port: number };

export function lmtpListenOf(value: string): LmtpListen {
  if (value.startsWith('/')) return { path: value };
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) };
}

/**
 * The RCPT TO of a pipe run that was not told its envelope recipient (`--recipient`): the
 * reserved `.invalid` domain, never a real address; the receiver imports it without one.
 */
export const unknownRecipient = 'unknown-recipient@tessera.invalid';
