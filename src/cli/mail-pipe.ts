import type * as ImportHere from './mail-pipe-import';
import type * as LoadConfig from '../config/load-config';
import { lmtpSecretOf } from '../mail-intake/lmtp-address';
import { handOver } from '../mail-intake/lmtp-handover';
import { EmptyInputError, exitCodeFor, exitCodes, pipeOptions, readCapped } from '../mail-intake/pipe-input';

/**
 * `npm run mail:pipe` (and bin/tessera-mail-pipe): imports the one e-mail on stdin, for an MTA
 * alias or a hosting panel's "pipe to a program". The exit code tells the MTA what to do (see
 * exitCodeFor): 0 done, 75 try again later, 65 return to sender. One line on stderr says why.
 * `--recipient ADDRESS` gives the envelope recipient (pipeOptions).
 *
 * With `--lmtp SOCKET|HOST:PORT` the mail is first handed to the running help desk's LMTP
 * receiver: this process then loads no configuration, database driver or parser (a few tens of
 * ms of CPU instead of ~0.7 s). Only when nobody listens there does it import the mail itself,
 * as without the option; the MTA gets 75 when that fails too, so nothing is lost. A loopback
 * port wants the sign-in, whose password derives from the signing secret: only then is the
 * configuration read (a socket's permissions do the job, and its path stays the fastest).
 */
async function main(): Promise<number> {
  let raw: Buffer;
  let recipient: string | null;
  let lmtp: string | null;
  try {
    ({ recipient, lmtp } = pipeOptions(process.argv.slice(2)));
    raw = await readCapped(process.stdin);
    if (raw.length === 0) throw new EmptyInputError('no message on standard input');
  } catch (err) {
    console.error(`tessera mail pipe: ${err instanceof Error ? err.message : String(err)}`);
    return exitCodeFor(err instanceof Error ? err : new Error(String(err)));
  }
  const secret = lmtp && !lmtp.startsWith('/') ? signInSecret() : null;
  // Without the password a port would refuse the sign-in: the local import below says what is wrong.
  if (lmtp && (lmtp.startsWith('/') || secret !== null)) {
    const handed = await handOver(lmtp, raw, recipient, secret);
    if (handed !== 'unreachable') {
      console.log(`tessera mail pipe: handed to the help desk (${handed})`);
      return handed === 'accepted' ? exitCodes.ok : handed === 'refused' ? exitCodes.dataError : exitCodes.tempFail;
    }
  }
  // Loaded only now (require, not import): the fast path above must not pay for knex, the
  // parser and the services.
  const { importHere } = require('./mail-pipe-import') as typeof ImportHere;
  return importHere(raw, recipient);
}

/** The LMTP password from the configuration; null when it cannot be read (the local import says why). */
function signInSecret(): string | null {
  try {
    const { loadConfig } = require('../config/load-config') as typeof LoadConfig;
    return lmtpSecretOf(loadConfig().secrets.signing);
  } catch {
    return null;
  }
}

main().then(
  (code) => process.exit(code),
  () => process.exit(exitCodes.tempFail),
);
