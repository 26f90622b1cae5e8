import fs from 'node:fs';
import path from 'node:path';

export type CheckResult = {
  id: string;
  ok: boolean;
  /** A failed required check blocks the install; an optional one only warns. */
  required: boolean;
  /** Locale key and values for what was found, and for how to fix it. */
  detail: { key: string; vars?: Record<string, string | number> };
  fix?: { key: string; vars?: Record<string, string | number> };
};

export const minNode = { major: 20, minor: 11 };
const minFreeBytes = 200 * 1024 * 1024;

function checkNode(version = process.versions.node): CheckResult {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > minNode.major || (major === minNode.major && minor >= minNode.minor);
  return {
    id: 'node',
    ok,
    required: true,
    detail: { key: 'install.checks.node', vars: { version } },
    fix: ok ? undefined : { key: 'install.checks.nodeFix', vars: { min: `${minNode.major}.${minNode.minor}` } },
  };
}

/** Writable means we can create, write and remove a file there (creating the folder first). */
function checkWritable(id: string, dir: string): CheckResult {
  let ok = true;
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, 'ok');
    fs.rmSync(probe);
  } catch {
    ok = false;
  }
  return {
    id,
    ok,
    required: true,
    detail: { key: ok ? 'install.checks.writable' : 'install.checks.notWritable', vars: { dir } },
    fix: ok ? undefined : { key: 'install.checks.writableFix', vars: { dir } },
  };
}

function checkDisk(dir: string): CheckResult {
  let free = 0;
  try {
    const s = fs.statfsSync(fs.existsSync(dir) ? dir : path.dirname(dir));
    free = s.bavail * s.bsize;
  } catch {
    free = -1;
  }
  const ok = free < 0 || free >= minFreeBytes;
  const mb = free < 0 ? '?' : Math.floor(free / 1024 / 1024);
  return {
    id: 'disk',
    ok,
    required: false,
    detail: { key: 'install.checks.disk', vars: { free: mb } },
    fix: ok ? undefined : { key: 'install.checks.diskFix', vars: { min: minFreeBytes / 1024 / 1024 } },
  };
}

/** Which database drivers load here; SQLite needs a native module that may not have built. */
export function driverAvailability(): Record<'sqlite' | 'mysql' | 'postgres', boolean> {
  const loads = (fn: () => void) => {
    try {
      fn();
      return true;
    } catch {
      return false;
    }
  };
  return {
    sqlite: loads(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Sqlite = require('better-sqlite3') as new (f: string) => { close(): void };
      new Sqlite(':memory:').close();
    }),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mysql: loads(() => require('mysql2')),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    postgres: loads(() => require('pg')),
  };
}

function checkDrivers(): CheckResult[] {
  const drivers = driverAvailability();
  const anyDriver = Object.values(drivers).some(Boolean);
  return (Object.keys(drivers) as Array<keyof typeof drivers>).map((name) => ({
    id: `driver-${name}`,
    ok: drivers[name],
    required: !anyDriver,
    detail: {
      key: drivers[name] ? 'install.checks.driverLoads' : 'install.checks.driverMissing',
      vars: { driver: name },
    },
    fix: drivers[name] ? undefined : { key: `install.checks.driverFix.${name}` },
  }));
}

export function runServerChecks(dirs: { config: string; data: string; attachments: string }): CheckResult[] {
  return [
    checkNode(),
    checkWritable('config', dirs.config),
    checkWritable('data', dirs.data),
    checkWritable('attachments', dirs.attachments),
    checkDisk(dirs.data),
    ...checkDrivers(),
  ];
}

export function checksPass(results: CheckResult[]): boolean {
  return results.every((r) => r.ok || !r.required);
}
