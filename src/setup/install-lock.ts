import fs from 'node:fs';
import path from 'node:path';
import { ConflictError } from '../errors';

const staleAfterMs = 10 * 60_000;

/**
 * One install at a time: a lock file created exclusively in the config folder. A lock left by a
 * crashed run goes stale after ten minutes, so it never blocks a new attempt for long.
 */
export async function withInstallLock<T>(configDir: string, work: () => Promise<T>): Promise<T> {
  const lockFile = path.join(configDir, '.install.lock');
  fs.mkdirSync(configDir, { recursive: true });
  try {
    fs.writeFileSync(lockFile, JSON.stringify({ pid: process.pid, at: Date.now() }), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age = Date.now() - fs.statSync(lockFile).mtimeMs;
    if (age < staleAfterMs)
      throw new ConflictError(
        'install_running',
        'An installation is already running. Wait a moment and reload the page.',
      );
    fs.rmSync(lockFile, { force: true });
    return withInstallLock(configDir, work);
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}
