/** The console's CSRF check: the browser's Sec-Fetch-Site and Origin, then the synchronizer token. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { checkCsrf, checkOrigin, type CsrfInput } from '../../../src/console/csrf.js';
import { isTourniquetError } from '../../../src/errors.js';

const same: CsrfInput = {
  protocol: 'http',
  host: '127.0.0.1:7478',
  origin: 'http://127.0.0.1:7478',
  secFetchSite: 'same-origin',
};
const token = 'a'.repeat(43);

const refused = (f: () => void, why: string) =>
  assert.throws(
    f,
    (e) => isTourniquetError(e) && e.code === 'CSRF_REJECTED' && (e.details as { why: string }).why === why,
  );

it('accepts a same-origin post with the session token', () => {
  checkCsrf(same, token, token);
  checkCsrf({ ...same, origin: undefined, secFetchSite: undefined }, token, token);
});

it('a null Origin (what no-referrer pages send) passes only with Sec-Fetch-Site same-origin', () => {
  checkCsrf({ ...same, origin: 'null' }, token, token);
  refused(() => checkCsrf({ ...same, origin: 'null', secFetchSite: undefined }, token, token), 'origin');
});

it('refuses a cross-site or same-site request before looking at the token', () => {
  refused(() => checkCsrf({ ...same, secFetchSite: 'same-site' }, token, token), 'sec-fetch-site');
  refused(() => checkCsrf({ ...same, secFetchSite: 'cross-site' }, token, token), 'sec-fetch-site');
  refused(() => checkOrigin({ ...same, secFetchSite: 'cross-site' }), 'sec-fetch-site');
});

it('refuses an Origin of another host, another scheme, or garbage', () => {
  for (const origin of [
    'http://evil.example',
    'https://127.0.0.1:7478',
    'http://127.0.0.1:7479',
    'null',
    '::',
  ])
    refused(() => checkCsrf({ ...same, origin, secFetchSite: undefined }, token, token), 'origin');
  refused(() => checkOrigin({ ...same, host: undefined }), 'origin');
});

it('refuses a missing, empty, shorter or different token', () => {
  for (const given of [undefined, '', token.slice(1), 'b'.repeat(43)])
    refused(() => checkCsrf(same, token, given), 'token');
  refused(() => checkCsrf(same, '', ''), 'token');
});
