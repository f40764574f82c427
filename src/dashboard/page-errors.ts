import type { ErrorRequestHandler } from 'express';
import { html, sendPage } from '../platform/html';
import { HttpProblem } from '../platform/problem';
import { RedisUnavailableError } from '../platform/redis';

/**
 * Errors of the dashboard's HTML pages as HTML pages (the JSON API answers problems). Anything
 * unexpected goes on to the app's problem middleware, which logs it.
 */
export const pageErrors: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent || req.path.endsWith('.json')) return next(err);
  const problem =
    err instanceof HttpProblem
      ? err
      : err instanceof RedisUnavailableError
        ? new HttpProblem(503, 'unavailable', 'Service unavailable', 'Storage is unreachable. Try again in a moment.')
        : (err as { type?: string }).type === 'entity.too.large'
          ? new HttpProblem(413, 'too-large', 'Too large', 'What was sent is too large.')
          : undefined;
  if (!problem) return next(err);
  if (problem.status === 503) res.set('Retry-After', '5');
  const title = problem.status === 403 ? 'Not allowed' : problem.status === 404 ? 'Page not found' : problem.title;
  sendPage(res, problem.status, title, html`<h1>${title}</h1><p>${problem.detail}</p><p><a href="/dashboard">Back to the board</a></p>`);
};
