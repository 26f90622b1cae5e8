import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load-config';
import { writeLocalConfig } from '../../src/config/write-local-config';
import { deliveryPolicy, mailLeasesOf } from '../../src/mail/delivery-policy';
import { tempDir } from '../helpers/test-db';

test('defaults load and are not installed', () => {
  const config = loadConfig({ TESSERA_CONFIG_DIR: tempDir() });
  expect(config.installed).toBe(false);
  expect(config.database.client).toBe('sqlite');
  expect(config.server.port).toBe(3000);
});

test('local.json overrides defaults and environment variables override both', () => {
  const dir = tempDir();
  writeLocalConfig(dir, { server: { port: 4000 }, database: { client: 'mysql', host: 'db.local' } });
  expect(fs.statSync(path.join(dir, 'local.json')).mode & 0o777).toBe(0o600);
  const fromFile = loadConfig({ TESSERA_CONFIG_DIR: dir });
  expect(fromFile.server.port).toBe(4000);
  expect(fromFile.database.host).toBe('db.local');
  expect(fromFile.database.database).toBe('tessera'); // untouched default kept
  const fromEnv = loadConfig({
    TESSERA_CONFIG_DIR: dir,
    PORT: '5000',
    TESSERA_DB_HOST: 'other',
    TESSERA_DB_SSL: 'yes',
  });
  expect(fromEnv.server.port).toBe(5000);
  expect(fromEnv.database.host).toBe('other');
  expect(fromEnv.database.ssl).toBe(true);
});

test('attachments live in the data folder unless a folder of their own is given', () => {
  expect(loadConfig({ TESSERA_CONFIG_DIR: tempDir() }).paths).toEqual({
    data: 'data',
    attachments: path.join('data', 'attachments'),
  });
  expect(loadConfig({ TESSERA_CONFIG_DIR: tempDir(), TESSERA_DATA_DIR: '/srv/tessera' }).paths.attachments).toBe(
    path.join('/srv/tessera', 'attachments'),
  );
  expect(
    loadConfig({
      TESSERA_CONFIG_DIR: tempDir(),
      TESSERA_DATA_DIR: '/srv/tessera',
      TESSERA_ATTACHMENTS_DIR: '/mnt/files',
    }).paths.attachments,
  ).toBe('/mnt/files');
  const dir = tempDir();
  writeLocalConfig(dir, { paths: { data: '/var/lib/tessera', attachments: '/var/lib/tessera-files' } });
  expect(loadConfig({ TESSERA_CONFIG_DIR: dir }).paths).toEqual({
    data: '/var/lib/tessera',
    attachments: '/var/lib/tessera-files',
  });
});

test('a bad value is refused with a message naming the key and the variable', () => {
  expect(() => loadConfig({ TESSERA_CONFIG_DIR: tempDir(), PORT: 'eighty' })).toThrow(/server\.port \(from PORT\)/);
  expect(() => loadConfig({ TESSERA_CONFIG_DIR: tempDir(), TESSERA_DB_CLIENT: 'oracle' })).toThrow(
    /database\.client \(from TESSERA_DB_CLIENT\)/,
  );
  const dir = tempDir();
  writeLocalConfig(dir, { session: { idleMinutes: 'long' }, surprise: 1 });
  expect(() => loadConfig({ TESSERA_CONFIG_DIR: dir })).toThrow(ConfigError);
  expect(() => loadConfig({ TESSERA_CONFIG_DIR: dir })).toThrow(/session\.idleMinutes/);
});

test('an installed config needs real secrets', () => {
  expect(() => loadConfig({ TESSERA_CONFIG_DIR: tempDir(), TESSERA_INSTALLED: 'true' })).toThrow(/secrets\.session/);
  const ok = loadConfig({
    TESSERA_CONFIG_DIR: tempDir(),
    TESSERA_INSTALLED: '1',
    TESSERA_SESSION_SECRET: 'x'.repeat(32),
    TESSERA_SIGNING_SECRET: 'y'.repeat(32),
  });
  expect(ok.installed).toBe(true);
});

test('a local.json that is not JSON is reported by file name', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'local.json'), '{ "installed": tru');
  expect(() => loadConfig({ TESSERA_CONFIG_DIR: dir })).toThrow(/local\.json is not valid JSON/);
});

test('a cluster is a list of nodes: TESSERA_DB_HOSTS as host:port pairs, a bad entry named by its variable', () => {
  const dir = tempDir();
  expect(loadConfig({ TESSERA_CONFIG_DIR: dir }).database.hosts).toEqual([]);
  expect(
    loadConfig({ TESSERA_CONFIG_DIR: dir, TESSERA_DB_CLIENT: 'mysql', TESSERA_DB_HOSTS: 'db1:3306, db2,10.0.0.3:3307' })
      .database.hosts,
  ).toEqual([
    { host: 'db1', port: 3306 },
    { host: 'db2', port: null },
    { host: '10.0.0.3', port: 3307 },
  ]);
  expect(() =>
    loadConfig({ TESSERA_CONFIG_DIR: dir, TESSERA_DB_CLIENT: 'mysql', TESSERA_DB_HOSTS: 'db1:3306,db2:port' }),
  ).toThrow(/TESSERA_DB_HOSTS/);
  writeLocalConfig(dir, { database: { client: 'mysql', hosts: [{ host: 'db1', port: 70000 }] } });
  expect(() => loadConfig({ TESSERA_CONFIG_DIR: dir })).toThrow(/database\.hosts/);
});

test('job timing: production defaults, shortened from the environment, a send always ends inside its lease', () => {
  expect(loadConfig({ TESSERA_CONFIG_DIR: tempDir() }).jobs).toEqual({
    intervalMs: 10_000,
    mailClaimLeaseMs: 30_000,
    mailAttemptLeaseMs: 90_000,
  });
  const short = loadConfig({
    TESSERA_CONFIG_DIR: tempDir(),
    TESSERA_JOBS_INTERVAL_MS: '300',
    TESSERA_MAIL_CLAIM_LEASE_MS: '2000',
    TESSERA_MAIL_ATTEMPT_LEASE_MS: '15000',
  });
  expect(short.jobs).toEqual({ intervalMs: 300, mailClaimLeaseMs: 2000, mailAttemptLeaseMs: 15_000 });
  expect(mailLeasesOf(short.jobs)).toEqual({ claimMs: 2000, attemptMs: 15_000, sendTimeoutMs: 10_000 });
  expect(mailLeasesOf(undefined)).toEqual({
    claimMs: deliveryPolicy.claimLeaseMs,
    attemptMs: deliveryPolicy.attemptLeaseMs,
    sendTimeoutMs: deliveryPolicy.sendTimeoutMs,
  });
  expect(() =>
    loadConfig({
      TESSERA_CONFIG_DIR: tempDir(),
      TESSERA_MAIL_CLAIM_LEASE_MS: '20000',
      TESSERA_MAIL_ATTEMPT_LEASE_MS: '10000',
    }),
  ).toThrow(/jobs\.mailAttemptLeaseMs \(from TESSERA_MAIL_ATTEMPT_LEASE_MS\)/);
});

test('a node host carries no port; IPv6 addresses in brackets, also in TESSERA_DB_HOSTS', () => {
  const dir = tempDir();
  const mysql = { TESSERA_CONFIG_DIR: dir, TESSERA_DB_CLIENT: 'mysql' };
  expect(loadConfig({ ...mysql, TESSERA_DB_HOSTS: '[::1]:3306,[fd00::3],db3' }).database.hosts).toEqual([
    { host: '[::1]', port: 3306 },
    { host: '[fd00::3]', port: null },
    { host: 'db3', port: null },
  ]);
  // A bare IPv6 address in the variable is not a host:port pair.
  expect(() => loadConfig({ ...mysql, TESSERA_DB_HOSTS: '::1' })).toThrow(/TESSERA_DB_HOSTS/);
  for (const host of ['db1:3306', '::1', '::1:3306', '[db1]', '[::1]:3306', 'db 1']) {
    writeLocalConfig(dir, { database: { client: 'mysql', hosts: [{ host, port: null }] } });
    expect(() => loadConfig({ TESSERA_CONFIG_DIR: dir })).toThrow(/database\.hosts\.0\.host/);
  }
  writeLocalConfig(dir, {
    database: {
      client: 'mysql',
      hosts: [
        { host: '[fe80::1]', port: 3307 },
        { host: '10.0.0.2', port: null },
      ],
    },
  });
  expect(loadConfig({ TESSERA_CONFIG_DIR: dir }).database.hosts).toEqual([
    { host: '[fe80::1]', port: 3307 },
    { host: '10.0.0.2', port: null },
  ]);
});

test('a list of nodes with client sqlite is refused, not silently ignored', () => {
  const dir = tempDir();
  expect(() => loadConfig({ TESSERA_CONFIG_DIR: dir, TESSERA_DB_HOSTS: 'db1,db2' })).toThrow(
    /database\.hosts.*mysql or postgres/s,
  );
  writeLocalConfig(dir, { database: { client: 'sqlite', hosts: [{ host: 'db1', port: null }] } });
  expect(() => loadConfig({ TESSERA_CONFIG_DIR: dir })).toThrow(/database\.hosts/);
  // An empty list (TESSERA_DB_HOSTS="") is no list.
  expect(loadConfig({ TESSERA_CONFIG_DIR: tempDir(), TESSERA_DB_HOSTS: '' }).database.client).toBe('sqlite');
});
