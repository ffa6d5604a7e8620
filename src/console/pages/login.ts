/** Sign-in: the operator pastes an operator token (or the admin token); it is never echoed back. */
import { html } from '../html.js';
import { page } from '../layout.js';

export function loginPage(error?: { code: string; message: string }) {
  return page({
    title: 'Sign in',
    body: html`${error ? html`<p role="alert" class="error"><code data-error-code="${error.code}">${error.code}</code> ${error.message}</p>` : ''}
      <form method="post" action="/console/login" class="login">
        <label for="token">Operator token</label>
        <input id="token" name="token" type="password" autocomplete="off" required spellcheck="false" />
        <p class="hint" id="token-hint">
          Paste the token from <code>tourniquet operator add</code> (or the service's admin token). It is
          checked, not stored.
        </p>
        <button type="submit">Sign in</button>
      </form>`,
  });
}
