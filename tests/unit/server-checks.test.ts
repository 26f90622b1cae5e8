import path from 'node:path';
import { checksPass, runServerChecks } from '../../src/setup/server-checks';
import { tempDir } from '../helpers/test-db';

test('a healthy server passes, and missing folders are created', () => {
  const root = tempDir();
  const results = runServerChecks({
    config: path.join(root, 'config'),
    data: path.join(root, 'data'),
    attachments: path.join(root, 'data', 'files'),
  });
  expect(results.map((r) => r.id)).toEqual([
    'node',
    'config',
    'data',
    'attachments',
    'disk',
    'driver-sqlite',
    'driver-mysql',
    'driver-postgres',
  ]);
  expect(results.every((r) => r.ok)).toBe(true);
  expect(checksPass(results)).toBe(true);
});

test('an unwritable folder fails with a fix that names it', () => {
  const results = runServerChecks({ config: '/dev/null/config', data: tempDir(), attachments: tempDir() });
  const config = results.find((r) => r.id === 'config')!;
  expect(config.ok).toBe(false);
  expect(config.required).toBe(true);
  expect(config.fix?.vars?.dir).toBe('/dev/null/config');
  expect(checksPass(results)).toBe(false);
});
