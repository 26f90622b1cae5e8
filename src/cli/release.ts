/**
 * `npm run release`: builds release/tessera-<version>.zip, the file an owner uploads to a hosting
 * panel. It holds compiled JavaScript only (no TypeScript is needed to run it), the files the
 * running code reads (views, public, install views, locales, default config), package.json with
 * scripts that run the compiled code, the lock file for `npm ci --omit=dev`, README and LICENSE,
 * and `app.js` at the top: the start file hosting panels and Passenger look for.
 *
 * The zip is written by yazl (pure JavaScript): building a release needs no `zip` program.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { fromRoot } from '../paths';

type PackageJson = { name: string; version: string; main?: string; scripts?: Record<string, string> } & Record<
  string,
  unknown
>;

/** Folders and files copied as they are; everything the compiled code reads from disk at run time. */
export const copiedAsIs = [
  'views',
  'public',
  'install/views',
  'src/i18n/locales',
  'config/default.json',
  'bin',
  'LICENSE',
  'README.md',
  'package-lock.json',
];

/** The release's npm scripts: the same commands as in development, on compiled JavaScript. */
export const releaseScripts: Record<string, string> = {
  start: 'node app.js',
  migrate: 'node dist/src/cli/migrate.js',
  setup: 'node dist/src/cli/setup.js',
  backup: 'node dist/src/cli/backup.js',
  restore: 'node dist/src/cli/restore.js',
  cron: 'node dist/src/cli/cron.js',
  'mail:pipe': 'node dist/src/cli/mail-pipe.js',
  'lmtp:secret': 'node dist/src/cli/lmtp-secret.js',
};

const startFile = `'use strict';
// Start file of the Tessera release: \`npm start\`, or the "application startup file" of a hosting
// panel's Node.js application (cPanel, Plesk, Phusion Passenger). It listens on PORT.
require('./dist/src/server.js');
`;

/** Package.json for the release: same dependencies (so the lock file still matches), run scripts only. */
export function releasePackageJson(pkg: PackageJson): PackageJson {
  return { ...pkg, main: 'app.js', scripts: releaseScripts };
}

function copy(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, filter: (src) => !/\.(ts|map)$/.test(src) });
}

function filesUnder(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full, base) : [path.relative(base, full)];
  });
}

/** Builds the staging folder and the zip; returns the zip's path. */
export async function buildRelease(outDir = fromRoot('release')): Promise<string> {
  const pkg = JSON.parse(fs.readFileSync(fromRoot('package.json'), 'utf8')) as PackageJson;
  const name = `tessera-${pkg.version}`;
  const stage = path.join(outDir, name);
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });

  execFileSync(
    process.execPath,
    [
      fromRoot('node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      fromRoot('tsconfig.json'),
      '--outDir',
      path.join(stage, 'dist'),
      '--sourceMap',
      'false',
    ],
    {
      stdio: 'inherit',
    },
  );
  // This builder needs TypeScript and yazl (development tools): it is not part of what it ships.
  fs.rmSync(path.join(stage, 'dist', 'src', 'cli', 'release.js'));
  for (const item of copiedAsIs) copy(fromRoot(item), path.join(stage, item));
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(releasePackageJson(pkg), null, 2) + '\n');
  fs.writeFileSync(path.join(stage, 'app.js'), startFile);

  const zipPath = path.join(outDir, `${name}.zip`);
  const zip = new yazl.ZipFile();
  for (const file of filesUnder(stage).sort()) {
    const mode = fs.statSync(path.join(stage, file)).mode;
    // Forward slashes inside the zip whatever the build machine; modes kept (bin/ is executable).
    zip.addFile(path.join(stage, file), file.split(path.sep).join('/'), { mode });
  }
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const out = fs.createWriteStream(zipPath);
    out.on('close', resolve).on('error', reject);
    zip.outputStream.on('error', reject).pipe(out);
  });
  return zipPath;
}

if (require.main === module) {
  buildRelease().then(
    (zip) => console.log(`release written to ${path.relative(process.cwd(), zip)}`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
