import { Router, type Request, type Response, type NextFunction } from 'express';
import type { StaffPassport } from '../auth/passport';
import { z } from 'zod';
import type { AppDeps } from '../app-deps';
import { localPathOr } from '../safe-redirect';
import { TooManyRequestsError } from '../../errors';
import { passwordAccepted } from '../auth/sign-in';
import { sessionCookieNameFor } from '../middleware/session';

const loginForm = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1000),
  next: z.string().max(2000).optional(),
});

type LoginView = { email: string; next: string; signedOut?: boolean };

function renderLogin(res: Response, status: number, values: LoginView, error?: string) {
  res.status(status).render('admin/login', {
    title: res.locals.t('login.title'),
    values,
    signedOut: values.signedOut ?? false,
    error: error ?? null,
  });
}

/** /admin/login and /admin/logout. Sign-in regenerates the session id (passport does). */
export function loginRoutes(deps: AppDeps, passport: StaffPassport): Router {
  const router = Router();

  router.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, localPathOr(req.query.next, '/admin'));
    renderLogin(res, 200, {
      email: '',
      next: localPathOr(req.query.next, ''),
      signedOut: req.query.signed_out === '1',
    });
  });

  router.post('/login', (req: Request, res: Response, next: NextFunction) => {
    const parsed = loginForm.safeParse(req.body);
    const email = typeof req.body?.email === 'string' ? req.body.email.slice(0, 254) : '';
    const target = localPathOr(parsed.success ? parsed.data.next : undefined, '/admin');
    const values = { email, next: target === '/admin' ? '' : target };
    if (!parsed.success) return renderLogin(res, 400, values, 'login.missing');

    passport.authenticate('local', (err: unknown, user: Express.User | false) => {
      if (err instanceof TooManyRequestsError) {
        res.set('Retry-After', String(err.retryAfterSeconds));
        return renderLogin(res, 429, values, 'login.throttled');
      }
      if (err) return next(err);
      if (!user) return renderLogin(res, 401, values, 'login.invalid');
      // With two-factor sign-in on, the code page comes before the session is signed in.
      passwordAccepted(deps, req, res, next, user, target).catch(next);
    })(req, res, next);
  });

  router.post('/logout', (req, res, next) => {
    req.logOut((err) => {
      if (err) return next(err);
      req.session.destroy((destroyErr) => {
        if (destroyErr) return next(destroyErr);
        res.clearCookie(sessionCookieNameFor(req), { path: '/', secure: req.secure, httpOnly: true, sameSite: 'lax' });
        res.redirect(303, '/admin/login?signed_out=1');
      });
    });
  });

  return router;
}
