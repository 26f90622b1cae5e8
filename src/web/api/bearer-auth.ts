import type { RequestHandler } from 'express';
import type { Capability } from '../../staff/capabilities';
import { authenticateApiToken } from '../../api-tokens/api-tokens.service';
import { AppError } from '../../errors';
import { hasTwoFactor } from '../../staff/two-factor.service';
import { clientKey } from '../../security/client-key';
import { assertUnderFailureLimit, countFailure } from '../../security/failure-limit';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';

/** Failed token attempts allowed per client (IPv4 address or IPv6 /64) in a quarter of an hour. */
export const tokenFailureLimit = { max: 30, windowMs: 15 * 60_000 };

class UnauthorizedError extends AppError {
  constructor(code: 'unauthorized' | 'invalid_token', message: string) {
    super(401, code, message);
  }
}

/**
 * Reads `Authorization: Bearer <token>`. A valid token makes its staff member `req.user` (with
 * the capabilities of their role, read on every request); a request without the header goes on
 * anonymously (the customer endpoints need none); a wrong, expired or revoked token is a 401 at
 * once, counted against the client's failure limit (429 past it). A valid token is never held
 * back by that limit: others' failures from the same address must not lock its owner out.
 * When all staff must use two-factor sign-in, the token of someone without it is a 403.
 */
export function bearerAuth(services: Services): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    if (header === undefined) return next();
    const match = /^Bearer +(\S+) *$/i.exec(header);
    const found = match ? await authenticateApiToken(services, match[1]!) : null;
    if (!found) {
      const bucket = `api-token:${clientKey(req.ip)}`;
      await assertUnderFailureLimit(services.db, bucket, tokenFailureLimit.max, services.clock.now());
      await countFailure(services.db, bucket, tokenFailureLimit.windowMs, services.clock.now());
      res.set('WWW-Authenticate', 'Bearer realm="tessera", error="invalid_token"');
      return next(
        new UnauthorizedError(
          'invalid_token',
          'The API token is not valid: it is wrong, expired or revoked, or its account is deactivated.',
        ),
      );
    }
    // "Require two-factor sign-in for all staff" covers tokens too: a token must not be the way
    // around a rule its owner has not met yet (they set it up on the profile page, then it works).
    if (
      (await services.settings.get('security.requireTwoFactor')) &&
      !(await hasTwoFactor(services.db, found.staff.id))
    ) {
      return next(
        new AppError(
          403,
          'two_factor_required',
          'Two-factor sign-in is required for all staff: set it up on your profile page before using API tokens.',
        ),
      );
    }
    req.user = found.staff;
    res.locals.apiTokenId = found.token.id;
    res.locals.apiToken = {
      name: found.token.name,
      expiresAt: found.token.expiresAt === null ? null : new Date(found.token.expiresAt).toISOString(),
    };
    next();
  };
}

/** Staff endpoints: a valid Bearer token is required. */
export const requireToken: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  res.set('WWW-Authenticate', 'Bearer realm="tessera"');
  next(new UnauthorizedError('unauthorized', 'Send a staff API token: Authorization: Bearer <token>.'));
};

/** A staff endpoint: a valid token, then the capability the action needs (403 without it). */
export function requireTokenWith(capability: Capability): RequestHandler {
  const allowed = requireCapability(capability);
  return (req, res, next) => requireToken(req, res, (err?: unknown) => (err ? next(err) : allowed(req, res, next)));
}
