import 'express-session';

declare module 'express-session' {
  interface SessionData {
    /** Password accepted, code still to come: the session is not signed in yet. */
    pendingSignIn: { staffId: number; at: number; next: string };
    /** When the signed-in person last proved who they are (sign-in or "confirm access"). */
    authConfirmedAt: number;
    /** Two-factor sign-in is known to be on for this session's account (see two-factor-required.ts). */
    twoFactorOk: boolean;
  }
}
