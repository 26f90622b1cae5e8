/**
 * When mail is tried again, when it is given up, and what a sending error means. Pure rules,
 * shared by the delivery job and the "send test e-mail" button.
 */
export const deliveryPolicy = {
  /** Attempts before a mail is marked failed: with the delays below, about 20 hours of trying. */
  maxAttempts: 12,
  firstRetryMs: 60_000,
  maxRetryMs: 6 * 3600_000,
  /**
   * Mails claimed at once: few, so that a worker that dies or loses its database holds little.
   * A backlog drains in several batches of one run (see drainDueMail).
   */
  batchSize: 5,
  /**
   * How long a claimed mail stays a worker's before its attempt starts: short, so the rest of a
   * batch whose worker died or lost its database is free again within seconds, not minutes.
   */
  claimLeaseMs: 30_000,
  /** A send that takes longer is abandoned (and retried), so it always ends inside its lease. */
  sendTimeoutMs: 60_000,
  /**
   * The hold on a mail from the moment its attempt is recorded until its outcome is: longer
   * than any send, so a live worker's mail is never taken over while the server may still be
   * taking it. Only after it ran out is a mail whose outcome never came sent again.
   */
  attemptLeaseMs: 90_000,
} as const;

export type MailLeases = { claimMs: number; attemptMs: number; sendTimeoutMs: number };

/**
 * The leases of this desk: the policy's, or shorter ones from `config.jobs`. A send is always
 * abandoned well inside its attempt's lease, so a live worker's mail is never taken over.
 */
export function mailLeasesOf(jobs: { mailClaimLeaseMs: number; mailAttemptLeaseMs: number } | undefined): MailLeases {
  const claimMs = jobs?.mailClaimLeaseMs ?? deliveryPolicy.claimLeaseMs;
  const attemptMs = jobs?.mailAttemptLeaseMs ?? deliveryPolicy.attemptLeaseMs;
  return { claimMs, attemptMs, sendTimeoutMs: Math.min(deliveryPolicy.sendTimeoutMs, Math.floor((attemptMs * 2) / 3)) };
}

/**
 * Delay after the n-th failed attempt: 1, 2, 4, 8 … minutes, at most 6 hours, with ±15 % jitter
 * so mail that failed together (a server outage) does not come back all at the same second.
 */
export function retryDelayMs(failedAttempts: number, random: () => number = Math.random): number {
  const base = deliveryPolicy.firstRetryMs * 2 ** Math.max(0, failedAttempts - 1);
  const jittered = Math.min(base, deliveryPolicy.maxRetryMs) * (0.85 + 0.3 * random());
  return Math.round(Math.min(jittered, deliveryPolicy.maxRetryMs));
}

/** What went wrong, in terms an admin can act on. */
export type SendProblem =
  | 'config' // sending is not set up
  | 'refused' // nothing answered at host:port
  | 'protocol' // something answered, but not an SMTP server (no 220 greeting)
  | 'dns' // the host name does not resolve
  | 'timeout' // the server did not answer in time
  | 'tls' // encryption could not be set up
  | 'auth' // sign-in refused or required
  | 'relay' // the server does not relay for us
  | 'sender' // our From address is refused
  | 'recipient' // the recipient is refused
  | 'message' // the message itself is refused
  | 'other';

export type SendFailure = {
  problem: SendProblem;
  /** Retrying the same mail can never succeed: fail it now instead of in 20 hours. */
  permanent: boolean;
  /** The whole server is the problem: the rest of a batch would fail the same way. */
  serverWide: boolean;
  /** For the log and `mail_outbox.last_error`. */
  description: string;
  /** The SMTP server's own words, when it said something. */
  response: string | null;
};

type ErrorLike = {
  code?: unknown;
  originalCode?: unknown;
  command?: unknown;
  responseCode?: unknown;
  response?: unknown;
  permanent?: unknown;
  message?: unknown;
};

const refusedCodes = ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNECTION'];
const dnsCodes = ['EDNS', 'ENOTFOUND', 'EAI_AGAIN', 'ENODATA'];
const authReplies = [530, 534, 535, 538];
const serverWideProblems: SendProblem[] = [
  'config',
  'refused',
  'protocol',
  'dns',
  'timeout',
  'tls',
  'auth',
  'relay',
  'sender',
];

function problemOf(e: ErrorLike, code: string, original: string, command: string, reply: number): SendProblem {
  if (code === 'ENOTCONFIGURED') return 'config';
  // nodemailer: "Invalid greeting" (an SSH, HTTP, database … server), or an answer it cannot read.
  if (code === 'EPROTOCOL') return 'protocol';
  if (code === 'EAUTH' || code === 'ENOAUTH' || authReplies.includes(reply)) return 'auth';
  if (code === 'ETLS' || code === 'EREQUIRETLS' || /CERT|SSL|TLS/.test(original)) return 'tls';
  if (dnsCodes.includes(code) || dnsCodes.includes(original)) return 'dns';
  if (code === 'ETIMEDOUT' || code === 'EABORT' || original === 'ETIMEDOUT') return 'timeout';
  if (command === 'MAIL FROM') return 'sender';
  if (command === 'RCPT TO') {
    // "Relaying denied" answers every recipient alike: our credentials, not the address.
    return /relay|authenticat/i.test(String(e.response ?? '')) ? 'relay' : 'recipient';
  }
  if (command === 'DATA') return 'message';
  if (refusedCodes.includes(original) || (code === 'ESOCKET' && !reply) || (code === 'ECONNECTION' && !reply))
    return 'refused';
  return 'other';
}

/** Reads a nodemailer error (or any error) into a decision: defer, fail, stop the batch. */
export function classifySendError(err: unknown): SendFailure {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  const code = String(e.code ?? '');
  const original = String(e.originalCode ?? '');
  const command = String(e.command ?? '');
  const reply = typeof e.responseCode === 'number' ? e.responseCode : 0;
  const problem = problemOf(e, code, original, command, reply);
  // What a peer that is not an SMTP server sent is not kept anywhere (it may be an SSH banner).
  const response =
    problem !== 'protocol' && typeof e.response === 'string' && e.response ? e.response.slice(0, 500) : null;
  const message =
    problem === 'protocol'
      ? 'The server is not an SMTP server: it did not greet with 220'
      : String(e.message ?? 'unknown error').slice(0, 1000);
  return {
    problem,
    permanent: (problem === 'recipient' || problem === 'message') && e.permanent === true,
    serverWide: serverWideProblems.includes(problem),
    description: [code || null, original && original !== code ? `(${original})` : null, message]
      .filter(Boolean)
      .join(' ')
      .slice(0, 1000),
    response,
  };
}

/**
 * An SMTP reply reduced to what can be shown without echoing the peer: its three-digit code and
 * enhanced status code (RFC 3463), when the text starts with them. Anything else is dropped.
 */
export type SmtpReply = { code: number; enhanced: string | null };

export function smtpReplyOf(response: string | null): SmtpReply | null {
  const m = /^([2-5]\d\d)[ -](?:([245]\.\d{1,3}\.\d{1,3})\b)?/.exec(response ?? '');
  return m ? { code: Number(m[1]), enhanced: m[2] ?? null } : null;
}
