import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Strict-Transport-Security on every response to a secure request (HTTPS here, or at the proxy
 * the app trusts, X-Forwarded-Proto): the browser then refuses plain HTTP to this host for a
 * year, so the `__Host-` session cookie cannot be stripped by a downgrade. Never on plain HTTP
 * (browsers ignore it there, and a test install on http://localhost must stay reachable).
 * includeSubDomains is left out: other hosts of the owner's domain may not speak HTTPS.
 */
const hsts = helmet.strictTransportSecurity({ maxAge: 365 * 86_400, includeSubDomains: false });
const hstsWhenSecure: RequestHandler = (req, res, next) => (req.secure ? hsts(req, res, next) : next());

/** helmet with a strict CSP: only our own scripts, styles and images; no inline script. */
export function securityHeaders(): RequestHandler[] {
  return [
    hstsWhenSecure,
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      crossOriginEmbedderPolicy: false,
      referrerPolicy: { policy: 'same-origin' },
      strictTransportSecurity: false, // hstsWhenSecure: only when the request came over HTTPS
    }),
  ];
}
