import crypto from 'node:crypto';
import { submissionKeyPattern } from '../idempotency/submission-once';

/** The one-time key a creating form sent back, when it has the shape of ours. */
export function sentSubmissionKey(value: unknown): string | null {
  return typeof value === 'string' && submissionKeyPattern.test(value) ? value : null;
}

/**
 * The key a creating form is shown with: a refused form comes back with the key it was sent
 * with (nothing was stored under it), any other showing gets a new one.
 */
export function formSubmissionKey(kept?: unknown): string {
  return sentSubmissionKey(kept) ?? crypto.randomBytes(16).toString('hex');
}
