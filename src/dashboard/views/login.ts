import { html } from '../../platform/html';

export type LoginForm = { email?: string; error?: string; sso?: boolean };

/** The sign-in form (SPEC §8); on failure an error summary that links to the first field. */
export function loginView(form: LoginForm = {}) {
  return html`
<h1>Sign in to the dashboard</h1>
${
  form.error
    ? html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
  <h2 id="error-summary-title">There is a problem</h2>
  <ul><li><a href="#email">${form.error}</a></li></ul>
</div>`
    : ''
}
<p>For the MASH team and administrators of Operation Endeavor.</p>
${form.sso ? html`<p><a class="button" href="/auth/oidc/login">Sign in with the council account</a></p>
<h2>Or sign in with a password</h2>` : ''}
<form method="post" action="/login" novalidate>
  <label for="email">Email address</label>
  <input type="email" id="email" name="email" autocomplete="username" spellcheck="false" required value="${form.email ?? ''}"${form.error ? html` aria-invalid="true"` : ''}>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required${form.error ? html` aria-invalid="true"` : ''}>
  <label for="code">One-time code <span class="hint" id="code-hint">(6 digits from your authenticator app, or a recovery code; leave empty if you have not set one up)</span></label>
  <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" spellcheck="false" aria-describedby="code-hint">
  <p><button class="button" type="submit">Sign in</button></p>
</form>`;
}
