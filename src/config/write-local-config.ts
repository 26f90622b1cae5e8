import fs from 'node:fs';
import path from 'node:path';
import { localConfigPath } from './load-config';

/**
 * Writes config/local.json atomically with mode 0600: a temporary file renamed into place, so a
 * crash never leaves a half-written file that would break the next start.
 */
export function writeLocalConfig(configDir: string, values: Record<string, unknown>): string {
  fs.mkdirSync(configDir, { recursive: true });
  const target = localConfigPath(configDir);
  const temp = path.join(configDir, `.local.json.${process.pid}.${Date.now()}.tmp`);
  fs.writeFileSync(temp, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  fs.chmodSync(temp, 0o600);
  fs.renameSync(temp, target);
  return target;
}
