/**
 * The page shell every console page shares: one stylesheet and one script, both served by the
 * console itself (the CSP allows nothing else), a skip link, the navigation and the sign-out form.
 */
import { html, type Html } from './html.js';
import type { Session } from './session.js';

const NAV = [
  ['/console', 'Timeline'],
  ['/console/approvals', 'Approvals'],
  ['/console/dead-letters', 'Dead letters'],
  ['/console/replay', 'Replay'],
  ['/console/inventory', 'Inventory'],
  ['/console/health', 'Health'],
] as const;

/** The hidden synchronizer-token field every state-changing form carries. */
export const csrfField = (s: Session) => html`<input type="hidden" name="csrf" value="${s.csrf}" />`;

export function page(opts: {
  title: string;
  session?: Session | undefined;
  current?: string;
  body: Html;
}): Html {
  const s = opts.session;
  const header = s
    ? html`<header>
        <nav aria-label="Console">
          <ul>
            ${NAV.map(
              ([href, label]) =>
                html`<li>
                  <a href="${href}" ${opts.current === href ? html` aria-current="page"` : ''}>${label}</a>
                </li>`,
            )}
          </ul>
        </nav>
        <form method="post" action="/console/logout" class="signout">
          ${csrfField(s)}
          <span>Signed in as <strong>${s.who.name}</strong> (${s.who.role})</span>
          <button type="submit">Sign out</button>
        </form>
      </header>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${opts.title} · tourniquet</title>
        <link rel="stylesheet" href="/console/static/console.css" />
        <script src="/console/static/console.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        ${header}
        <main id="main">
          <h1>${opts.title}</h1>
          ${opts.body}
        </main>
      </body>
    </html>`;
}

/** An error page: the code is machine-readable (`data-error-code`), the message is for people. */
export function errorPage(status: number, code: string, message: string, session?: Session): Html {
  return page({
    title: status === 403 ? 'Refused' : status === 401 ? 'Sign-in needed' : 'Something went wrong',
    session,
    body: html`<p role="alert" class="error"><code data-error-code="${code}">${code}</code> ${message}</p>
      <p><a href="/console">Back to the timeline</a></p>`,
  });
}

/** A time for people: ISO in UTC, to the second. */
export const when = (iso: string | null | undefined) =>
  iso ? html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z')}</time>` : html`—`;

/** A table's caption and column headers: every console table says what it is and what each column holds. */
export const tableHead = (caption: Html | string, columns: readonly string[]) =>
  html`<caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        ${columns.map((c) => html`<th scope="col">${c}</th>`)}
      </tr>
    </thead>`;
