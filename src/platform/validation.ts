import type { z } from 'zod';
import type { FieldError } from './problem';

const joinPath = (path: readonly PropertyKey[]) => path.map(String).join('.');

/** A caller's own wording for some issues (undefined: the usual mapping). */
export type IssueWording = (issue: z.core.$ZodIssue) => FieldError[] | undefined;

/**
 * zod issues as the `errors` of a 422 problem: one entry per field, named by its dotted path.
 * zod's messages describe the rule, never the rejected value, so nothing personal is echoed.
 * The one mapping for every body, query and event the service validates.
 */
export function fieldErrors(error: z.ZodError, wording?: IssueWording): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    const own = wording?.(issue);
    if (own) return own;
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: joinPath([...issue.path, key]), message: 'is not a known field' }));
    }
    if (issue.code === 'invalid_type' && issue.path.length === 0) {
      return [{ path: '', message: 'the body must be a JSON object' }];
    }
    return [{ path: joinPath(issue.path), message: issue.message }];
  });
}
