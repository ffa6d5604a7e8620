/** The console's one escaping function and the template tag that applies it to every value. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { esc, html } from '../../../src/console/html.js';

it('escapes the characters that end text, attributes or start markup', () => {
  assert.equal(
    esc(`<a href="x" onclick='y'>&\`</a>`),
    '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
  );
  assert.equal(esc(42), '42');
});

it('escapes every interpolated value, keeps nested fragments, joins arrays and drops empty values', () => {
  const evil = '"><script>alert(1)</script>';
  // prettier-ignore
  const out = html`<p title="${evil}">${evil}${html`<b>${'x&y'}</b>`}${['<i>', html`<br>`]}${null}${undefined}${false}</p>`;
  assert.equal(
    out.toString(),
    '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;<b>x&amp;y</b>&lt;i&gt;<br></p>',
  );
});

it('a string that looks like a fragment is still escaped: only the tag makes fragments', () => {
  const fake = { toString: () => '<b>' } as unknown as string;
  assert.equal(html`${fake}`.toString(), '&lt;b&gt;');
});
