import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AppConfig, DatabaseConfig } from '../config/config.schema';
import { loadConfig, readLocalConfig, type Env } from '../config/load-config';
import { writeLocalConfig } from '../config/write-local-config';
import { createKnex } from '../db/knex-factory';
import { dropTesseraSchema, migrateLatest } from '../db/migrate';
import { withTransaction } from '../db/transaction';
import { ConflictError, ValidationError } from '../errors';
import { resolveFromRoot } from '../paths';
import { hashPassword, passwordProblem, verifyPassword } from '../staff/password';
import { findStaffByEmail } from '../staff/staff.repo';
import { readSetting } from '../settings/settings.repo';
import { existingState } from '../db/introspect';
import { createInitialData } from './initial-data';
import type { Settings } from '../settings/settings.schema';
import type { AdminInput, BasicsInput } from './setup.schema';

/** `mail`: the sending settings of the wizard's e-mail step, when it was not skipped. */
export type InstallPlan = {
  database: DatabaseConfig;
  basics: BasicsInput;
  admin: AdminInput;
  mail?: Partial<Settings>;
};
export type InstallContext = { env: Env; configDir: string; version: string; now(): number };

type Secrets = { session: string; signing: string };
const newSecret = () => crypto.randomBytes(48).toString('base64url');

function dataDirOf(config: AppConfig): string {
  return resolveFromRoot(config.paths.data);
}

/**
 * What local.json keeps: where the database is, generated secrets, and that we are installed;
 * anything the owner had put there already (a port, say) stays.
 */
function localConfigFor(
  ctx: InstallContext,
  config: AppConfig,
  database: DatabaseConfig,
  secrets: Secrets,
): Record<string, unknown> {
  return {
    ...readLocalConfig(ctx.configDir),
    installed: true,
    database,
    paths: config.paths,
    secrets,
  };
}

/**
 * Installs Tessera into an empty database: migrations, initial data and the first admin, then
 * config/local.json. A failure midway undoes the migrations, so running it again starts clean;
 * local.json is written last, so the help desk never points at a half-made database.
 */
export async function installFresh(ctx: InstallContext, plan: InstallPlan): Promise<void> {
  const problem = passwordProblem(plan.admin.password, [plan.admin.name, plan.admin.email, plan.basics.name]);
  if (problem)
    throw new ValidationError('The administrator password is too weak.', { password: `password.${problem}` });

  const config = loadConfig(ctx.env);
  if (config.installed) throw new ConflictError('already_installed', 'Tessera is already installed.');
  const passwordHash = await hashPassword(plan.admin.password);
  const db = createKnex(plan.database, dataDirOf(config), { poolMax: 2 });
  try {
    const existing = await existingState(db);
    if (existing.state === 'installed')
      throw new ConflictError('database_in_use', 'This database already holds a Tessera help desk.');
    if (existing.state === 'conflict')
      throw new ConflictError('table_clash', `The database already has a table named ${existing.clash}.`);
    if (existing.state === 'partial') await dropTesseraSchema(db);
    const secrets = { session: newSecret(), signing: newSecret() };
    try {
      await migrateLatest(db);
      await withTransaction(db, (trx) =>
        createInitialData(
          trx,
          {
            basics: plan.basics,
            admin: { ...plan.admin, passwordHash },
            version: ctx.version,
            secrets,
            mail: plan.mail,
          },
          ctx.now(),
        ),
      );
    } catch (err) {
      // Undo everything, so the next attempt starts from an empty database; if even that fails,
      // both errors are reported rather than the second hiding the first.
      await dropTesseraSchema(db).catch((cleanupErr: unknown) => {
        throw new AggregateError([err, cleanupErr], 'The installation failed and could not be fully undone.');
      });
      throw err;
    }
    fs.mkdirSync(resolveFromRoot(config.paths.attachments), { recursive: true });
    writeLocalConfig(ctx.configDir, localConfigFor(ctx, config, plan.database, secrets));
  } finally {
    await db.destroy();
  }
}

/**
 * Connects this installation to a database that already holds Tessera (a second server, or a
 * reinstall of the code), after an admin of that help desk signs in; applies pending migrations.
 */
export async function attachExisting(
  ctx: InstallContext,
  input: { database: DatabaseConfig; email: string; password: string },
): Promise<{ applied: string[] }> {
  const config = loadConfig(ctx.env);
  if (config.installed) throw new ConflictError('already_installed', 'Tessera is already installed.');
  const db = createKnex(input.database, dataDirOf(config), { poolMax: 2 });
  try {
    const existing = await existingState(db);
    if (existing.state !== 'installed')
      throw new ConflictError('not_installed_database', 'This database does not hold a finished Tessera install.');
    const admin = await findStaffByEmail(db, input.email);
    const ok = admin?.is_admin && admin.is_active && (await verifyPassword(admin.password_hash, input.password));
    if (!ok)
      throw new ValidationError('Not an administrator of this help desk.', {
        password: 'install.existing.badCredentials',
      });
    const applied = await migrateLatest(db);
    // Every server of one help desk signs sessions, forms and links with the same secrets.
    const stored = (await readSetting(db, 'install.secrets')) as Secrets | undefined;
    const secrets = stored?.session && stored.signing ? stored : { session: newSecret(), signing: newSecret() };
    writeLocalConfig(ctx.configDir, localConfigFor(ctx, config, input.database, secrets));
    return { applied };
  } finally {
    await db.destroy();
  }
}
