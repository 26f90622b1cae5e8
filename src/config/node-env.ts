/**
 * Libraries that look at NODE_ENV (Express among them) behave as in production unless the
 * developer asked for development mode (`npm run dev`); see web/run-mode.ts. Called once at
 * start, before anything reads it.
 */
export function defaultToProduction(env: NodeJS.ProcessEnv = process.env): void {
  env.NODE_ENV ??= 'production';
}
