import { systemClock } from '../clock';
import { loadConfig } from '../config/load-config';
import { createKnex } from '../db/knex-factory';
import { createI18n } from '../i18n/i18n';
import { createLogger } from '../logger';
import { importRawMail } from '../mail-intake/intake.service';
import { EmptyInputError, exitCodeFor, exitCodes, pipeOptions, readCapped } from '../mail-intake/pipe-input';
import { resolveFromRoot } from '../paths';
import { createServices } from '../web/app-services';

/**
 * `npm run mail:pipe` (and bin/tessera-mail-pipe): imports the one e-mail on stdin, for an MTA
 * alias or a hosting panel's "pipe to a program". The exit code tells the MTA what to do (see
 * exitCodeFor): 0 done, 75 try again later, 65 return to sender. One line on stderr says why.
 * `--recipient ADDRESS` gives the envelope recipient (pipeOptions).
 */
async function main(): Promise<number> {
  let raw: Buffer;
  let recipient: string | null;
  try {
    ({ recipient } = pipeOptions(process.argv.slice(2)));
    raw = await readCapped(process.stdin);
    if (raw.length === 0) throw new EmptyInputError('no message on standard input');
  } catch (err) {
    console.error(`tessera mail pipe: ${err instanceof Error ? err.message : String(err)}`);
    return exitCodeFor(err instanceof Error ? err : new Error(String(err)));
  }
  const config = loadConfig();
  if (!config.installed) {
    console.error('tessera mail pipe: Tessera is not installed yet; the mail server will try again later.');
    return exitCodes.tempFail;
  }
  const db = createKnex(config.database, resolveFromRoot(config.paths.data), { poolMax: 2 });
  try {
    const logger = createLogger(config.log.level);
    const services = createServices({ config, db, logger, i18n: createI18n(), clock: systemClock });
    const result = await importRawMail(services, raw, { source: 'pipe', mailboxId: null, recipient });
    console.log(`tessera mail pipe: ${result.outcome}${result.reason ? ` (${result.reason})` : ''}${result.ticketId ? ` ticket ${result.ticketId}` : ''}`);
    return exitCodeFor(result);
  } catch (err) {
    console.error(`tessera mail pipe: ${err instanceof Error ? err.message : String(err)}; the mail server will try again later.`);
    return exitCodeFor(err instanceof Error ? err : new Error(String(err)));
  } finally {
    await db.destroy().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  () => process.exit(exitCodes.tempFail),
);
