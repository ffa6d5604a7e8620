/** Console sessions: cookie attributes, idle expiry, and what a session keeps. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { clearedCookie, cookieValue, sessionCookie, Sessions } from '../../../src/console/session.js';

it('the cookie is HttpOnly, SameSite=Strict, scoped to /console, and Secure only over TLS', () => {
  const plain = sessionCookie('abc', { secure: false }).split('; ');
  assert.deepEqual(plain, ['tourniquet_console=abc', 'Path=/console', 'HttpOnly', 'SameSite=Strict']);
  const tls = sessionCookie('abc', { secure: true }).split('; ');
  assert.ok(tls.includes('Secure'));
  const gone = clearedCookie({ secure: true }).split('; ');
  assert.ok(gone.includes('Max-Age=0') && gone.includes('HttpOnly') && gone.includes('Path=/console'));
});

it('reads its cookie among others', () => {
  assert.equal(cookieValue('a=1; tourniquet_console=xyz; b=2'), 'xyz');
  assert.equal(cookieValue('a=1'), undefined);
  assert.equal(cookieValue(undefined), undefined);
});

it('sessions have random ids and CSRF tokens, keep only the identity, and expire when idle', () => {
  let now = 0;
  const sessions = new Sessions(1000, () => now);
  const a = sessions.create({ name: 'ana', role: 'analyst' });
  const b = sessions.create({ name: 'ana', role: 'analyst' });
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.csrf, b.csrf);
  assert.ok(a.id.length >= 43 && a.csrf.length >= 43);
  assert.deepEqual(Object.keys(a).sort(), ['csrf', 'id', 'lastSeen', 'who']);
  now = 900;
  assert.equal(sessions.get(a.id)?.who.name, 'ana'); // touched: idle clock restarts
  now = 1800;
  assert.ok(sessions.get(a.id));
  assert.equal(sessions.get(b.id), null); // idle since 0
  let ended = 0;
  sessions.onEnd(a.id, () => ended++);
  now = 5000;
  assert.equal(sessions.alive(a.id), false);
  assert.equal(ended, 1);
  assert.equal(sessions.get('unknown'), null);
});
