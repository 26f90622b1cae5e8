import type { Env } from '../config/load-config';

/**
 * Production unless the developer asks for development (NODE_ENV=development, as `npm run dev`
 * does): the README's `npm start`, the release's app.js and a hosting panel's runner set nothing,
 * and must get the fast server (templates compiled once and kept).
 */
export type RunMode = 'production' | 'development';

export function runModeOf(env: Env): RunMode {
  return env.NODE_ENV === 'development' ? 'development' : 'production';
}
