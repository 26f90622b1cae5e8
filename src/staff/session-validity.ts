/**
 * Ending an account's sessions without finding them: sessions live in the `sessions` table as
 * opaque JSON, so instead each signed-in session remembers the account's `sessions_valid_after`
 * as it was at sign-in, and a session whose remembered value is older than the account's is over
 * (checked whenever the session's staff member is loaded). Ending the sessions moves the
 * account's value forward — strictly, so it works within one millisecond and with a frozen test
 * clock — and the session that asked may carry the new value to stay signed in.
 */
export function sessionStillValid(accountValidAfter: number | null, rememberedAtSignIn: number | null): boolean {
  if (accountValidAfter === null) return true;
  return rememberedAtSignIn !== null && rememberedAtSignIn >= accountValidAfter;
}
