import type { z } from 'zod';
import type { FieldError } from './problem';

const joinPath = (path: readonly PropertyKey[]) => path.map(String).join('.');

/**
 * zod issues as the `errors` of a 422 problem: one entry per field, named by its dotted path.
 * zod's messages describe the rule, never the rejected value, so nothing personal is echoed.
 */
export function fieldErrors(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: joinPath([...path, key]), message: 'is not a known field' }));
    }
    if (issue.code === 'invalid_type' && issue.path.length === 0 && prefix.length === 0) {
      return [{ path: '', message: 'the body must be a JSON object' }];
    }
    return [{ path: joinPath(path), message: issue.message }];
  });
}
