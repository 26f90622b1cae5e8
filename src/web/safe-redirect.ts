/**
 * A redirect target from the request is used only when it is a path on this site. The checks
 * run on the path as the URL parser resolves it (dot segments, %2e, backslashes), so nothing
 * that a browser would read as another host ("//evil", "/\evil") gets through.
 */
export function localPathOr(target: unknown, fallback: string): string {
  if (typeof target !== 'string' || target.length === 0 || target.length > 2000) return fallback;
  // eslint-disable-next-line no-control-regex
  if (!target.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(target)) return fallback;
  try {
    const url = new URL(target, 'http://local.invalid');
    if (url.origin !== 'http://local.invalid') return fallback;
    const path = url.pathname;
    if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\') || /%2e|%2f|%5c/i.test(path))
      return fallback;
    return `${path}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}
