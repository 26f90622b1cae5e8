import { systemClock } from '../clock';
import { loadConfig } from '../config/load-config';
import { createKnex } from '../db/knex-factory';
import { createI18n } from '../i18n/i18n';
import { createLogger } from '../logger';
import { importRawMail } from '../mail-intake/intake.service';
import { exitCodeFor, exitCodes } from '../mail-intake/pipe-input';
import { resolveFromRoot } from '../paths';
import { createServices } from '../web/app-services';

/** The pipe's import in its own process: the whole help desk's services (src/cli/mail-pipe.ts loads this only when needed). */
export async function importHere(raw: Buffer, recipient: string | null): Promise<number> {
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
    console.log(
      `tessera mail pipe: ${result.outcome}${result.reason ? ` (${result.reason})` : ''}${result.ticketId ? ` ticket ${result.ticketId}` : ''}`,
    );
    return exitCodeFor(result);
  } catch (err) {
    console.error(
      `tessera mail pipe: ${err instanceof Error ? err.message : String(err)}; the mail server will try again later.`,
    );
    return exitCodeFor(err instanceof Error ? err : new Error(String(err)));
  } finally {
    await db.destroy().catch(() => undefined);
  }
}
