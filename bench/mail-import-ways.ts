import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { systemClock } from '../src/clock';
import { fetchDueMailboxes } from '../src/jobs/mail-fetch';
import { importRawMail, type MailOrigin } from '../src/mail-intake/intake.service';
import { fromRoot } from '../src/paths';
import type { DovecotServer } from '../tests/helpers/dovecot';
import type { Run } from './mail-import-setup';

// The ways in that call the import directly or through the fetch job (bench/mail-import.ts).
const root = fromRoot();

/** Every message through importRawMail, one after another (as the pipe and a single fetcher do). */
export async function viaFunction(run: Run, messages: Buffer[]): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  for (const raw of messages) {
    const r = await importRawMail(run.services, raw, { source: 'pipe', mailboxId: null });
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  }
  return outcomes;
}

/** The statements one new-ticket mail costs (knex `query` events, BEGIN/SAVEPOINT/COMMIT included). */
export async function printStatementsOfOneMail(run: Run, raw: Buffer): Promise<void> {
  const seen: string[] = [];
  const note = (q: { sql: string }) => seen.push(q.sql.replace(/\s+/g, ' ').slice(0, 160));
  run.db.on('query', note);
  const r = await importRawMail(run.services, raw, { source: 'pipe', mailboxId: null });
  run.db.off('query', note);
  console.log(`${r.outcome}: ${seen.length} statements`);
  for (const sql of seen) console.log(`  ${sql}`);
}

/** Every message delivered to a Dovecot mailbox first, then fetched by the fetch job until all are in. */
export async function viaImap(run: Run, messages: Buffer[], dc: DovecotServer): Promise<Record<string, number>> {
  const deps = {
    db: run.db,
    clock: systemClock,
    logger: run.services.logger,
    signingSecret: run.config.secrets.signing,
    importMail: (raw: Buffer, origin: MailOrigin) => importRawMail(run.services, raw, origin),
  };
  let imported = 0;
  for (let rounds = 0; imported < messages.length && rounds < 1000; rounds++) {
    await run.db('mailboxes').update({ next_fetch_at: 0 }); // due at once: the bench does not wait for the interval
    imported += (await fetchDueMailboxes(deps, { budgetMs: 600_000 })).imported;
  }
  return { imported, leftOnServer: dc.files().filter((f) => !/:2,[A-Z]*S/.test(f)).length };
}

/** Every message through bin/tessera-mail-pipe, a process each, as an MTA alias runs it. */
export async function viaPipe(_run: Run, messages: Buffer[], configDir: string): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  for (const raw of messages) {
    const child = spawnSync(path.join(root, 'bin', 'tessera-mail-pipe'), {
      input: raw,
      env: { ...process.env, TESSERA_CONFIG_DIR: configDir },
    });
    const key = `exit${child.status}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  return outcomes;
}
