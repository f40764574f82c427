import { Html, html } from '../../platform/html';
import type { UserView } from '../../access/user-admin';

const csrf = (token: string) => html`<input type="hidden" name="csrf" value="${token}">`;

const errorSummary = (error: string | undefined, field: string) =>
  error
    ? html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
  <h2 id="error-summary-title">There is a problem</h2>
  <ul><li><a href="#${field}">${error}</a></li></ul>
</div>`
    : '';

/** Setting up TOTP: the QR code (an SVG drawn by the server), the secret as text for typing in, and the first code. */
export function totpSetupView(page: { qrSvg: string; secret: string; csrfToken: string; error?: string; required: boolean }) {
  const grouped = page.secret.replace(/(.{4})/g, '$1 ').trim();
  return html`
<h1>Set up your one-time codes</h1>
${errorSummary(page.error, 'code')}
${page.required ? html`<p>Signing in here needs a password and a code from an authenticator app. Set up the app before you continue.</p>` : ''}
<ol>
  <li>Open an authenticator app on your phone (for example Microsoft Authenticator or Google Authenticator).</li>
  <li>Scan this QR code with it:
    <div class="qr">${new Html(page.qrSvg)}</div>
    <p>Or type this key into the app instead: <code class="secret">${grouped}</code></p>
  </li>
  <li>Enter the 6-digit code that the app shows.</li>
</ol>
<form method="post" action="/account/totp" novalidate>
  ${csrf(page.csrfToken)}
  <label for="code">Code from the app</label>
  <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" spellcheck="false" required${page.error ? html` aria-invalid="true"` : ''}>
  <p><button class="button" type="submit">Confirm</button></p>
</form>`;
}

/** Shown once: the recovery codes, each good for one sign-in without the app. */
export function recoveryCodesView(codes: readonly string[]) {
  return html`
<h1>One-time codes are set up</h1>
<div class="panel" role="status">
  <h2 class="panel-title">Your recovery codes</h2>
  <p>Each code signs you in once if you lose your phone. Keep them somewhere safe: they are shown only this once.</p>
  <ul class="recovery-codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
</div>
<p><a class="button" href="/dashboard">Continue to the dashboard</a></p>`;
}

/** The signed-in user's own account: change password, TOTP status. */
export function accountView(page: { user: UserView; csrfToken: string; error?: string; changed?: boolean }) {
  return html`
<h1>Your account</h1>
${page.changed ? html`<div class="panel" role="status"><p>Your password has been changed. Your other sessions have been signed out.</p></div>` : ''}
<dl>
  <dt>Name</dt><dd>${page.user.name}</dd>
  <dt>Email address</dt><dd>${page.user.email}</dd>
  <dt>Role</dt><dd>${page.user.role}</dd>
  <dt>One-time codes</dt><dd>${page.user.totp ? 'set up' : html`not set up – <a href="/account/totp">set them up</a>`}</dd>
</dl>
${
  page.user.password
    ? html`<h2>Change your password</h2>
${errorSummary(page.error, 'current-password')}
<form method="post" action="/account/password" novalidate>
  ${csrf(page.csrfToken)}
  <label for="current-password">Current password</label>
  <input type="password" id="current-password" name="currentPassword" autocomplete="current-password" required${page.error ? html` aria-invalid="true"` : ''}>
  <label for="new-password">New password <span class="hint" id="new-password-hint">(at least 12 characters; a few words are easier to remember)</span></label>
  <input type="password" id="new-password" name="newPassword" autocomplete="new-password" required minlength="12" aria-describedby="new-password-hint">
  <p><button class="button" type="submit">Change password</button></p>
</form>`
    : html`<p>You sign in with the council account; there is no password to change here.</p>`
}`;
}

export type UsersPage = { users: readonly UserView[]; csrfToken: string; selfId: string; error?: string; notice?: string; form?: { email?: string; name?: string; role?: string } };

/** Admins: who may sign in, with role and active per user, and the form to add someone. */
export function usersView(page: UsersPage) {
  const row = (u: UserView) => html`<tr>
  <th scope="row">${u.name}${u.id === page.selfId ? ' (you)' : ''}</th><td>${u.email}</td>
  <td>${
    u.totp
      ? html`yes <form class="user-change" method="post" action="/dashboard/users/${u.id}">
    ${csrf(page.csrfToken)}<input type="hidden" name="resetTotp" value="true">
    <button class="button secondary small" type="submit">Reset<span class="visually-hidden"> the one-time codes of ${u.name}</span></button>
  </form>`
      : 'no'
  }</td>
  <td><form class="user-change" method="post" action="/dashboard/users/${u.id}">
    ${csrf(page.csrfToken)}
    <label class="visually-hidden" for="role-${u.id}">Role of ${u.name}</label>
    <select id="role-${u.id}" name="role">${['mash', 'admin'].map((r) => html`<option value="${r}"${u.role === r ? html` selected` : ''}>${r}</option>`)}</select>
    <label class="visually-hidden" for="active-${u.id}">Status of ${u.name}</label>
    <select id="active-${u.id}" name="active"><option value="true"${u.active ? html` selected` : ''}>active</option><option value="false"${u.active ? '' : html` selected`}>deactivated</option></select>
    <button class="button secondary small" type="submit">Save<span class="visually-hidden"> ${u.name}</span></button>
  </form></td>
</tr>`;
  return html`
<h1>Users</h1>
${page.notice ? html`<div class="panel" role="status"><p>${page.notice}</p></div>` : ''}
${errorSummary(page.error, 'email')}
<p>People who may sign in to the dashboard. Deactivating someone signs them out everywhere at once.
Resetting someone’s one-time codes (a lost phone) signs them out too; they set the codes up again at their next sign-in.</p>
<table>
  <caption class="visually-hidden">Users</caption>
  <thead><tr><th scope="col">Name</th><th scope="col">Email address</th><th scope="col">One-time codes</th><th scope="col">Role and status</th></tr></thead>
  <tbody>${page.users.map(row)}</tbody>
</table>
<h2>Add a user</h2>
<form method="post" action="/dashboard/users" novalidate>
  ${csrf(page.csrfToken)}
  <label for="email">Email address</label>
  <input type="email" id="email" name="email" autocomplete="off" spellcheck="false" required value="${page.form?.email ?? ''}">
  <label for="name">Name</label>
  <input type="text" id="name" name="name" autocomplete="off" required value="${page.form?.name ?? ''}">
  <label for="role">Role</label>
  <select id="role" name="role">${['mash', 'admin'].map((r) => html`<option value="${r}"${page.form?.role === r ? html` selected` : ''}>${r}</option>`)}</select>
  <label for="password">First password <span class="hint" id="password-hint">(at least 12 characters; leave empty for someone who signs in with the council account)</span></label>
  <input type="password" id="password" name="password" autocomplete="new-password" aria-describedby="password-hint">
  <p><button class="button" type="submit">Add user</button></p>
</form>`;
}

/** Single sign-on refused: the same plain page whatever the reason. */
export function notAllowedView() {
  return html`
<h1>Not allowed</h1>
<p>This council account may not sign in to the Operation Endeavor dashboard. Ask an administrator to add you, then try again.</p>
<p><a href="/login">Back to sign in</a></p>`;
}
