import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { configDirFrom, loadConfig, systemEnv } from '../config/load-config';
import { withInstallLock } from '../setup/install-lock';
import { installFresh } from '../setup/installer';
import { toDatabaseConfig } from '../setup/database-config';
import { probeDatabase } from '../setup/db-probe';
import { adminSchema, basicsSchema, databaseInputSchema } from '../setup/setup.schema';
import { generatePassword, passwordProblem } from '../staff/password';
import { appVersion, resolveFromRoot } from '../paths';
import { runCommand } from './command';

const usage = `Usage: npm run setup -- --admin-email you@example.com [options]

Installs Tessera without the browser wizard (same checks, same result).

Database (default: SQLite in the data folder):
  --db sqlite|mysql|postgres   --db-host HOST   --db-port PORT
  --db-name NAME   --db-user USER
  (the database password comes from TESSERA_DB_PASSWORD, so it is not seen in ps or the
  shell history; --db-password PASSWORD works too)
Help desk:
  --name "Acme Support"   --url https://help.example.com   --support-email help@example.com
  --timezone Europe/Bratislava   --language en|sk|ru|hu|lv
First administrator:
  --admin-email EMAIL (required)   --admin-name NAME   --admin-password PASSWORD
  (without --admin-password a strong one is generated and printed once)`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'sqlite' },
      'db-host': { type: 'string', default: '127.0.0.1' },
      'db-port': { type: 'string' },
      'db-name': { type: 'string', default: 'tessera' },
      'db-user': { type: 'string', default: '' },
      'db-password': { type: 'string' },
      name: { type: 'string', default: 'Help desk' },
      url: { type: 'string', default: 'http://localhost:3000' },
      'support-email': { type: 'string' },
      timezone: { type: 'string', default: 'UTC' },
      language: { type: 'string', default: 'en' },
      'admin-name': { type: 'string', default: 'Administrator' },
      'admin-email': { type: 'string' },
      'admin-password': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help || !values['admin-email']) {
    console.log(usage);
    return values.help ? 0 : 64;
  }
  const config = loadConfig();
  if (config.installed) {
    console.error('Tessera is already installed (config/local.json says so). Nothing was changed.');
    return 1;
  }
  const generated = values['admin-password'] ? undefined : generatePassword();
  const parse = <T>(schema: z.ZodType<T>, input: unknown, what: string): T => {
    const r = schema.safeParse(input);
    if (r.success) return r.data;
    throw new Error(`${what}: ${r.error.issues.map((i) => `${i.path.join('.') || 'value'} ${i.message}`).join('; ')}`);
  };
  const dbInput = parse(
    databaseInputSchema,
    values.db === 'sqlite'
      ? { client: 'sqlite' }
      : {
          client: values.db,
          host: values['db-host'],
          port: values['db-port'] ?? (values.db === 'mysql' ? 3306 : 5432),
          database: values['db-name'],
          user: values['db-user'],
          password: values['db-password'] ?? config.database.password,
        },
    'database options',
  );
  const basics = parse(
    basicsSchema,
    {
      name: values.name,
      url: values.url,
      email: values['support-email'] ?? values['admin-email'],
      timezone: values.timezone,
      language: values.language,
    },
    'help desk options',
  );
  const admin = parse(
    adminSchema,
    { name: values['admin-name'], email: values['admin-email'], password: values['admin-password'] ?? generated },
    'admin options',
  );
  const weak = passwordProblem(admin.password, [admin.name, admin.email, basics.name]);
  if (weak) throw new Error(`admin password: ${weak.replace('_', ' ')} (at least 12 characters, hard to guess)`);

  const database = toDatabaseConfig(dbInput, config.database);
  const probe = await probeDatabase(database, resolveFromRoot(config.paths.data));
  if (!probe.ok) throw new Error(`cannot use the database (${probe.errorKey.split('.').pop()}): ${probe.detail}`);
  if (probe.missing.length) throw new Error(`the database user lacks privileges: ${probe.missing.join(', ')}`);
  if (probe.existing === 'installed')
    throw new Error('the database already holds a Tessera help desk; use the browser wizard to connect to it');

  const configDir = configDirFrom(systemEnv);
  await withInstallLock(configDir, () =>
    installFresh(
      { env: systemEnv, configDir, version: appVersion, now: () => Date.now() },
      { database, basics, admin },
    ),
  );
  console.log(`Tessera is installed on ${probe.serverVersion}. Sign in at ${basics.url}/admin as ${admin.email}.`);
  if (generated) console.log(`Generated administrator password (shown once): ${generated}`);
  return 0;
}

runCommand('Setup failed', main);
