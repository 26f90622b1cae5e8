/**
 * Every error status the API answers, with the codes each carries: the OpenAPI document
 * describes the responses from this list, and docs/api.md says the same. A new error code is a
 * line here (and its test case in tests/http/api-contract.test.ts). Every operation can answer
 * 503: the database may be down or the help desk being upgraded whatever the request.
 */
export const apiErrorStatuses = {
  '400':
    'Invalid input: `validation_failed` with a problem per field in `error.fields` (unknown fields are refused), `entity_parse_failed` for a body that is not JSON, `invalid_idempotency_key` for a malformed Idempotency-Key, `bad_address` for a path with a malformed percent-encoding.',
  '401': '`unauthorized` (no token) or `invalid_token` (a wrong, expired or revoked token, or a deactivated account).',
  '403':
    '`forbidden`: the role of the token\u2019s owner does not include this action (`submission_refused` for a banned customer address); `two_factor_required`: two-factor sign-in is required for all staff and the token\u2019s owner has not set it up.',
  '404':
    '`not_found`: no such ticket, customer, file or knowledge-base article or category, or one the caller may not see (a ticket in a category out of the token\u2019s owner\u2019s reach, a draft or private article, a staff-only category; the same answer), or the knowledge base is switched off.',
  '409':
    '`merged`: the ticket was merged into another and is no longer changed; `idempotency_key_in_progress`: the first request with this Idempotency-Key still runs (see Retry-After); `kb_article_changed`: the article was saved by someone else since the `updatedAt` sent; `kb_category_not_empty`: a category that still holds articles or sub-categories is not deleted.',
  '413': '`entity_too_large`: a JSON body over 1 MB, or a file over the attachment limits.',
  '415': '`unsupported_media_type`: the body is neither JSON nor (for messages with files) multipart/form-data.',
  '422': '`idempotency_key_reused`: this Idempotency-Key came before with a different request.',
  '429':
    '`too_many_requests`: too many failed token attempts from this address (or customer submissions or lookups, or knowledge-base reads without a token); see Retry-After.',
  '503':
    '`unavailable`: the database cannot be reached or does not answer in time; `upgrade_in_progress`: the help desk is being upgraded (migrations are pending); `upload_not_stored`: the server could not store a file sent with a message (nothing was saved). Retry after Retry-After.',
} as const;
export type ApiErrorStatus = keyof typeof apiErrorStatuses;

/**
 * Headers every answer of a status carries (the 409 of a running Idempotency-Key has a
 * Retry-After as well, a merged ticket's 409 has none, so 409 lists none).
 */
export const apiErrorHeaders: Partial<Record<ApiErrorStatus, Record<string, string>>> = {
  '401': { 'WWW-Authenticate': 'Bearer realm="tessera" (with error="invalid_token" for a token that is not valid).' },
  '429': { 'Retry-After': 'Seconds until the limit\u2019s window ends.' },
  '503': { 'Retry-After': 'Seconds to wait before trying again.' },
};
