import type { Express, Router } from 'express';

type Layer = {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
};

const joinPath = (prefix: string, path: string) => (prefix + (path === '/' ? '' : path)).replace(/\/{2,}/g, '/') || '/';

/**
 * Every route an Express app (or router) registers, with the paths it is mounted under, as
 * "METHOD /full/path/{param}" — unlike routesOf (tests/helpers/api-routes.ts), which lists one
 * router's own paths. A route or mount whose path is not a plain string (a RegExp, an array)
 * is reported as an error, so a walk never silently drops part of the app.
 */
export function appRoutes(appOrRouter: Express | Router): string[] {
  const out = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        if (typeof layer.route.path !== 'string')
          throw new Error(`route path is not a string under ${prefix}: ${String(layer.route.path)}`);
        const path = joinPath(prefix, layer.route.path).replace(/:(\w+)/g, '{$1}');
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all') out.add(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle?.stack) {
        if (typeof layer.rawPath !== 'string')
          throw new Error(`mount path is not a string under ${prefix}: ${String(layer.rawPath)}`);
        walk(layer.handle.stack, joinPath(prefix, layer.rawPath));
      }
    }
  };
  const root = appOrRouter as { router?: { stack: Layer[] }; stack?: Layer[] };
  walk(root.router?.stack ?? root.stack ?? [], '');
  return [...out].sort();
}

/** The state-changing routes among them (what a CSRF token must guard). */
export const stateChanging = (routes: string[]) => routes.filter((r) => /^(POST|PUT|PATCH|DELETE) /.test(r));
