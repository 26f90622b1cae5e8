import { parseArgs } from 'node:util';
import type { ImportResult } from './intake.service';
import { parseLmtpAddress } from '../config/lmtp-address';

/** sysexits.h codes every MTA understands. */
export const exitCodes = { ok: 0, dataError: 65, tempFail: 75, config: 78 } as const;

/** The most a pipe reads: the largest limit the settings allow (100 MB) and room for encoding. */
export const pipeInputCap = 140 * 1024 * 1024;

export class InputTooLargeError extends Error {}
/** A pipe command line we cannot follow: a configuration mistake, so the MTA keeps the mail (75) until it is fixed. */
export class PipeUsageError extends Error {}
export class EmptyInputError extends Error {}

/**
 * Reads one message from a stream, refusing more than `cap` bytes: a runaway or hostile sender
 * must not fill the memory of the process the MTA started (the pipe stops reading). With `drain`
 * (the LMTP receiver, whose connection goes on after this message) the rest is read and dropped
 * before the refusal, so the protocol stays in step.
 */
export async function readCapped(
  input: NodeJS.ReadableStream,
  cap = pipeInputCap,
  opts: { drain?: boolean } = {},
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size <= cap) chunks.push(buf);
    else if (!opts.drain) break;
  }
  if (size > cap)
    throw new InputTooLargeError(
      `the message is larger than ${cap >= 1024 * 1024 ? `${Math.floor(cap / 1024 / 1024)} MB` : `${cap} bytes`}`,
    );
  return Buffer.concat(chunks);
}

/**
 * The exit code for the MTA: 0 when the mail is taken care of (stored, refused on purpose, a
 * duplicate, or kept aside for staff), 75 when it should be delivered again later (database or
 * disk unavailable, or anything unexpected: in doubt the MTA keeps the mail), 65 when it can
 * never be stored (too large to even read, or empty), so the MTA returns it to the sender.
 */
export function exitCodeFor(outcome: ImportResult | Error): number {
  if (!(outcome instanceof Error)) return exitCodes.ok;
  if (outcome instanceof InputTooLargeError || outcome instanceof EmptyInputError) return exitCodes.dataError;
  return exitCodes.tempFail;
}

const envelopeAddress = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;

/**
 * The pipe's options: `--recipient ADDRESS`, the envelope recipient as the mail server knows it
 * (Postfix's `${original_recipient}` / $ORIGINAL_RECIPIENT, Exim's `$original_local_part@$original_domain`).
 * A staff answer by e-mail is recognised by it alone when given (see README).
 * `--lmtp SOCKET|HOST:PORT`: hand the mail to the running help desk's LMTP receiver first
 * (the `server.lmtp` it listens on), checked by the same parser as the configuration. Given on
 * the command line so that the socket's fast path loads nothing but the LMTP client (a loopback
 * port needs the sign-in's password, and so the configuration: see src/cli/mail-pipe.ts).
 */
export function pipeOptions(argv: readonly string[]): { recipient: string | null; lmtp: string | null } {
  let values: { recipient?: string; lmtp?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { recipient: { type: 'string' }, lmtp: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new PipeUsageError(err instanceof Error ? err.message : String(err));
  }
  const lmtp = (values.lmtp ?? '').trim() || null;
  const where = lmtp === null ? null : parseLmtpAddress(lmtp);
  if (typeof where === 'string') throw new PipeUsageError(`--lmtp ${JSON.stringify(lmtp!.slice(0, 80))}: ${where}`);
  const recipient = (values.recipient ?? '').trim().replace(/^<|>$/g, '').toLowerCase();
  if (!recipient) return { recipient: null, lmtp };
  if (recipient.length > 254 || !envelopeAddress.test(recipient))
    throw new PipeUsageError(`--recipient is not an e-mail address: ${JSON.stringify(recipient.slice(0, 80))}`);
  return { recipient, lmtp };
}
