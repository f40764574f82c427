import express, { Router } from 'express';
import { z } from 'zod';
import { html, sendPage } from '../platform/html';
import { hasUnsafeText } from '../platform/text';
import { withRedis } from '../platform/redis';
import { ackPostRetryAfter, confirmAck, lookupAck, type AckDeps, type AckView } from './acknowledge';

const NOTE_TOO_LONG = 'The note must be at most 500 characters.';
const NOTE_UNSAFE = 'The note must not contain control characters, direction-changing or invisible characters.';

/**
 * The note is one paragraph: the textarea's line breaks become spaces; then the one text rule
 * (platform/text.ts) applies, as to every free text the service stores and shows.
 */
const formSchema = z.object({
  csrf: z.string().max(100).optional(),
  inSchoolToday: z.literal('yes').optional(),
  note: z
    .string()
    .transform((v) => v.replace(/\r\n|\r|\n/g, ' ').trim())
    .pipe(z.string().max(500, NOTE_TOO_LONG).refine((v) => !hasUnsafeText(v), NOTE_UNSAFE))
    .optional()
    .transform((v) => (v ? v : undefined)),
});

const NOT_FOUND = html`<h1>Link not recognised</h1><p>This acknowledgement link is not valid. Check that the whole link was copied from the email.</p>`;
const EXPIRED = html`<h1>Link expired</h1><p>Acknowledgement links last 14 days. If you still need to tell police something, call 101 quoting the reference in the email.</p>`;

function formPage(view: AckView, token: string, error?: string) {
  return html`
<h1>Confirm receipt of an Operation Endeavor alert</h1>
${error ? html`<div class="error-summary" role="alert"><h2>There is a problem</h2><p>${error}</p></div>` : ''}
<dl class="summary">
  <dt>Alert reference</dt><dd>${view.policeReference}</dd>
  <dt>For</dt><dd>${view.organisationName}</dd>
</dl>
${view.answeredAt
    ? html`<p class="panel">Your answer was received at ${new Date(view.answeredAt).toUTCString()} and passed on. To add anything, call 101 quoting the reference, or 999 if the child is in danger.</p>`
    : view.acknowledgedAt
      ? html`<p class="panel">Receipt was already confirmed at ${new Date(view.acknowledgedAt).toUTCString()}. You can still send police a note, once.</p>`
      : ''}
<p>Confirm that you have read the alert email. The details of the child are in that email; they are not shown here.</p>
<form method="post" action="/ack/${token}">
  <input type="hidden" name="csrf" value="${view.csrfToken}">
  ${view.answeredAt ? '' : answerFields}
  <p><button class="button" type="submit">Confirm receipt</button></p>
</form>`;
}

const answerFields = html`<div class="checkbox"><input type="checkbox" id="inSchoolToday" name="inSchoolToday" value="yes"><label for="inSchoolToday">The child is in school today</label></div>
  <label for="note">A short note for police (optional)</label>
  <p class="hint" id="note-hint">At most 500 characters. For anything urgent call 999; otherwise 101 quoting the reference.</p>
  <textarea id="note" name="note" maxlength="500" aria-describedby="note-hint"></textarea>`;

const TOO_MANY = html`<h1>Too many attempts</h1><p>This link has been used too often. Please wait a while and try again, or call 101 quoting the reference in the email.</p>`;
const ALREADY_ANSWERED = html`<p class="panel">Your answer was already received and passed on. This one was not kept or sent again. To add anything, call 101 quoting the reference, or 999 if the child is in danger.</p>`;

/** SPEC §7: GET shows and changes nothing; a plain HTML form POST confirms receipt. */
export function ackRouter(deps: AckDeps): Router {
  const router = Router();

  router.get('/ack/:token', async (req, res) => {
    const token = String(req.params.token);
    const found = await withRedis(() => lookupAck(deps, token));
    if (!found.ok) return sendPage(res, found.status, found.status === 410 ? 'Link expired' : 'Link not recognised', found.status === 410 ? EXPIRED : NOT_FOUND);
    sendPage(res, 200, 'Confirm receipt', formPage(found.view, token));
  });

  router.post('/ack/:token', async (req, res, next) => {
    // Counted before the body is read or the link checked: guessing and flooding cost the same.
    const retryAfter = await withRedis(() => ackPostRetryAfter(deps, String(req.params.token), req.ip ?? req.socket.remoteAddress ?? 'unknown'));
    if (retryAfter === 0) return next();
    res.set('Retry-After', String(retryAfter));
    sendPage(res, 429, 'Too many attempts', TOO_MANY);
  });

  router.post('/ack/:token', express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 }), async (req, res) => {
    const token = String(req.params.token);
    const form = formSchema.safeParse(req.body ?? {});
    if (!form.success) {
      const found = await withRedis(() => lookupAck(deps, token));
      if (!found.ok) return sendPage(res, found.status, 'Link not recognised', found.status === 410 ? EXPIRED : NOT_FOUND);
      const problem = form.error.issues.find((i) => i.path[0] === 'note')?.message ?? 'The form could not be read. Please try again.';
      return sendPage(res, 400, 'Confirm receipt', formPage(found.view, token, problem));
    }
    const result = await withRedis(() => confirmAck(deps, token, form.data.inSchoolToday ? { ...form.data, inSchoolToday: true } : { ...form.data, inSchoolToday: undefined }));
    if (!result.ok) {
      if (result.status === 403) return sendPage(res, 403, 'Form expired', html`<h1>Please try again</h1><p>This form could not be checked. Open the link from the email again and confirm receipt.</p>`);
      return sendPage(res, result.status, 'Link not recognised', result.status === 410 ? EXPIRED : NOT_FOUND);
    }
    sendPage(
      res,
      200,
      'Receipt confirmed',
      html`<div class="panel" role="status"><h1>Receipt confirmed</h1><p>Thank you. Reference ${result.view.policeReference}, ${result.view.organisationName}.</p></div>
${result.answer === 'already' ? ALREADY_ANSWERED : result.answer === 'kept' ? html`<p>Your answer has been received and will be passed on.</p>` : ''}
<p>If you learn anything that may help find the child, call 101 quoting the reference, or 999 if the child is in danger.</p>`,
    );
  });

  return router;
}
