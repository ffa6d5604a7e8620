/** One secret, one fingerprint: every scanner's rendering of a value normalises to the same bytes. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { classifyToken } from '../../../handlers/classify/index.js';
import { normaliseSecret } from '../../../handlers/classify/normalise.js';
import { fingerprinter } from '../../../src/crypto/fingerprint.js';

const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
const pem = `-----BEGIN PRIVATE KEY-----\n${body}\n${body}\n-----END PRIVATE KEY-----`;

it('CRLF, a trailing newline and a PEM key flattened with \\n are one value', () => {
  const fp = fingerprinter(randomBytes(32));
  const renderings = [
    pem,
    `${pem}\n`,
    pem.replace(/\n/g, '\r\n'),
    `${pem.replace(/\n/g, '\r\n')}\r\n`,
    pem.replace(/\n/g, '\\n'),
  ];
  for (const r of renderings) assert.equal(normaliseSecret(r), pem);
  assert.equal(new Set(renderings.map(fp)).size, 1);
  assert.equal(classifyToken(`${pem}\r\n`).tokenType, 'crypto.private_key');
});

it('a value is otherwise untouched: inner spaces and a literal \\n outside a PEM block stay', () => {
  assert.equal(normaliseSecret('  ghp_abc  '), 'ghp_abc');
  assert.equal(normaliseSecret('pass\\nword'), 'pass\\nword');
  assert.equal(normaliseSecret('a b'), 'a b');
});
