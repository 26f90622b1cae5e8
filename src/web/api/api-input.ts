import type { z } from 'zod';
import { ValidationError } from '../../errors';

/** A problem with what the client sent, named by the client's own field names. */
export class ApiInputError extends ValidationError {}

const localeKey = /^[a-z][A-Za-z]*\.[A-Za-z.]+$/;

/** One issue as a locale key (with its values after "|"), as the error handler expects. */
function problemOf(issue: z.core.$ZodIssue): string {
  if (localeKey.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'apiErrors.required'
        : `apiErrors.type|${JSON.stringify({ expected: issue.expected })}`;
    case 'too_big':
      return `apiErrors.tooBig|${JSON.stringify({ maximum: Number(issue.maximum) })}`;
    case 'too_small':
      return `apiErrors.tooSmall|${JSON.stringify({ minimum: Number(issue.minimum) })}`;
    case 'invalid_value':
      return `apiErrors.oneOf|${JSON.stringify({ values: issue.values.map(String).join(', ') })}`;
    default:
      return 'apiErrors.invalid';
  }
}

/**
 * Validates an API input (query, path or body) with its zod schema: a 400 with a problem per
 * field ("status", "tag.2"; an unknown field is reported under its own name), never a crash.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) fields[[...issue.path, k].join('.')] ??= 'apiErrors.unknownField';
      continue;
    }
    fields[issue.path.map(String).join('.') || 'body'] ??= problemOf(issue);
  }
  throw new ApiInputError('Some fields are not valid.', fields);
}
