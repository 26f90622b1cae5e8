import fs from 'node:fs';
import path from 'node:path';

/** The folder holding package.json, found from this file whether it runs from src/ or dist/src/. */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot(__dirname);

/** True when running compiled JavaScript from dist/ rather than TypeScript sources. */
export const runningCompiled = __filename.endsWith('.js');

/** Compiled output mirrors the source tree under dist/; code and migrations load from there. */
export const codeRoot = runningCompiled ? path.join(projectRoot, 'dist') : projectRoot;

export function fromRoot(...parts: string[]): string {
  return path.join(projectRoot, ...parts);
}

/** Resolves a configured path: absolute stays, relative is taken from the project root. */
export function resolveFromRoot(p: string): string {
  return path.isAbsolute(p) ? p : path.join(projectRoot, p);
}

export const appVersion: string = (
  JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }
).version;
