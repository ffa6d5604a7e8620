/**
 * Test helpers for source fixtures: loading (with GitHub tokens generated at run time, so no
 * checksum-valid token is ever committed), an independent GitHub token generator (node:zlib's CRC32
 * and a separate base62, so it checks the production code rather than mirroring it), and the
 * secret-confinement assertion shared by the normalizer tests.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { NormalizeResult } from '../../../schemas/sources/result.js';

const FIXTURES = new URL('../../fixtures/sources/', import.meta.url);
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62Fixed(n: number, width: number): string {
  let out = '';
  let v = BigInt(n);
  while (v > 0n) {
    out = ALPHABET[Number(v % 62n)] + out;
    v /= 62n;
  }
  return out.padStart(width, '0');
}

/** 30 base62 characters derived from `seed` (deterministic, so failures reproduce). */
export function randomBody(seed: string, length = 30): string {
  let out = '';
  let block = 0;
  while (out.length < length) {
    for (const byte of createHash('sha256').update(`${seed}:${block++}`).digest()) {
      if (out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** A GitHub-format token with a valid checksum: `<prefix>_` + 30 random + base62(CRC32(random)). */
export function makeGitHubToken(prefix = 'ghp', seed = 'tourniquet'): string {
  const random = randomBody(`${prefix}:${seed}`);
  return `${prefix}_${random}${base62Fixed(crc32(random), 6)}`;
}

/** Fake values that look like live tokens are kept in test/fixtures (the commit hook allows them there). */
export const FAKE = JSON.parse(readFileSync(new URL('fake-values.json', FIXTURES), 'utf8')) as Readonly<{
  awsKeyId: string;
  awsSecretPart: string;
  slackBotFromGitleaks: string;
  plantedSlack: string;
  plantedGitHub: string;
  /** Planted in the repository the real scanner outputs in fixtures/sources/scanners/ were made from. */
  scannerAwsKeyId: string;
  scannerAwsSecret: string;
  scannerSlack: string;
}>;

export const FIXTURE_TOKENS: Readonly<Record<string, string>> = {
  GITHUB_TOKEN_1: makeGitHubToken('ghp', 'fixture-1'),
  GITHUB_TOKEN_2: makeGitHubToken('ghs', 'fixture-2'),
};

export function fixtureText(name: string, replacements: Record<string, string> = FIXTURE_TOKENS): string {
  let text = readFileSync(new URL(name, FIXTURES), 'utf8');
  for (const [key, value] of Object.entries(replacements)) text = text.replaceAll(`{{${key}}}`, value);
  return text;
}

export function fixture(name: string, replacements?: Record<string, string>): unknown {
  return JSON.parse(fixtureText(name, replacements)) as unknown;
}

/** A deep, mutable copy of a fixture for per-test edits. */
export function fixtureObject(name: string): Record<string, unknown> {
  return fixture(name) as Record<string, unknown>;
}

/**
 * A planted secret may appear in a trigger's `subject.token` and nowhere else: not in ids, evidence,
 * ignored reasons, skipped issues or rejection issues.
 */
export function assertSecretsConfined(result: NormalizeResult, secrets: readonly string[]): void {
  let rest: unknown = result;
  if (result.ok) {
    rest = {
      ...result,
      triggers: result.triggers.map((t) =>
        t.kind === 'leak' ? { ...t, subject: { ...t.subject, token: undefined } } : t,
      ),
    };
  }
  const text = JSON.stringify(rest);
  for (const secret of secrets) assert.ok(!text.includes(secret), 'a planted secret escaped subject.token');
}

export function okResult(result: NormalizeResult): Extract<NormalizeResult, { ok: true }> {
  if (!result.ok) assert.fail(`expected ok, got ${result.code}: ${JSON.stringify(result.issues)}`);
  return result;
}

export function rejection(result: NormalizeResult): Extract<NormalizeResult, { ok: false }> {
  if (result.ok) assert.fail('expected a rejection, got ok');
  return result;
}

export function issuePaths(result: NormalizeResult): string[] {
  return rejection(result).issues.map((i) => i.path);
}
