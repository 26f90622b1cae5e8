/**
 * Every error status the API answers, with the codes each carries: the OpenAPI document
 * describes the responses from this list, and docs/api.md says the same. A new error code is a
 * line here (and its test case in tests/http/api-contract.test.ts).
 */
export const apiErrorStatuses = {
  '400': 'Invalid input: `validation_failed` with a problem per field in `error.fields` (unknown fields are refused), `entity_parse_failed` for a body that is not JSON, `invalid_idempotency_key` for a malformed Idempotency-Key.',
  '401': '`unauthorized` (no token) or `invalid_token` (a wrong, expired or revoked token, or a deactivated account).',
  '403': '`forbidden`: the role of the token\u2019s owner does not include this action (`submission_refused` for a banned customer address); `two_factor_required`: two-factor sign-in is required for all staff and the token\u2019s owner has not set it up.',
  '404': '`not_found`: no such ticket, customer or file, or one in a category the token\u2019s owner may not see (the same answer).',
  '409': '`merged`: the ticket was merged into another and is no longer changed; `idempotency_key_in_progress`: the first request with this Idempotency-Key still runs (see Retry-After).',
  '413': '`entity_too_large`: a JSON body over 1 MB, or a file over the attachment limits.',
  '415': '`unsupported_media_type`: the body is neither JSON nor (for messages with files) multipart/form-data.',
  '422': '`idempotency_key_reused`: this Idempotency-Key came before with a different request.',
  '429': '`too_many_requests`: too many failed token attempts from this address (or customer submissions or lookups); see Retry-After.',
} as const;
export type ApiErrorStatus = keyof typeof apiErrorStatuses;
