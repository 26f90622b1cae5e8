import fs from 'node:fs';
import path from 'node:path';
import { fromRoot } from '../paths';
import { configSchema, type AppConfig } from './config.schema';
import { envOverrides, parseEnvValue } from './env-overrides';

export type Env = Record<string, string | undefined>;

/** The process environment; everything else receives it from here. */
export const systemEnv: Env = process.env;
type Tree = Record<string, unknown>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Where default.json and local.json live; TESSERA_CONFIG_DIR moves local.json elsewhere. */
export function configDirFrom(env: Env): string {
  return env.TESSERA_CONFIG_DIR ? path.resolve(env.TESSERA_CONFIG_DIR) : fromRoot('config');
}

export function localConfigPath(configDir: string): string {
  return path.join(configDir, 'local.json');
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isTree(prev) && isTree(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function setPath(tree: Tree, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = tree;
  for (const k of keys.slice(0, -1)) {
    if (!isTree(node[k])) node[k] = {};
    node = node[k] as Tree;
  }
  node[keys[keys.length - 1]!] = value;
}

function readJson(file: string, required: boolean): Tree {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`Cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isTree(parsed)) throw new Error('the top level must be an object');
    return parsed;
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Reads config/default.json, then local.json (written by the installer), then environment
 * variables, and validates the result. The only place in Tessera that reads the environment.
 */
export function loadConfig(env: Env = systemEnv): AppConfig {
  const configDir = configDirFrom(env);
  const defaults = readJson(fromRoot('config', 'default.json'), true);
  const merged = deepMerge(defaults, readJson(localConfigPath(configDir), false));
  const sourceOf = new Map<string, string>();
  for (const { env: name, key, parse } of envOverrides) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(merged, key, parseEnvValue(raw, parse));
    sourceOf.set(key, name);
  }
  // Files live beside the database unless a place of their own is given (TESSERA_DATA_DIR alone
  // must move everything).
  const paths = isTree(merged.paths) ? merged.paths : {};
  if (paths.attachments === undefined && typeof paths.data === 'string')
    merged.paths = { ...paths, attachments: path.join(paths.data, 'attachments') };
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const from = sourceOf.get(key);
      return `  ${key}${from ? ` (from ${from})` : ''}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** The installer's own file as it stands, or {} when there is none yet. */
export function readLocalConfig(configDir: string): Tree {
  return readJson(localConfigPath(configDir), false);
}
