import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { base62, classifyToken, crc32, isAwsAccessKeyId } from '../../../handlers/classify/index.js';
import { makeGitHubToken, randomBody } from '../sources/fixtures.js';

/**
 * Builds fake values at run time so no live-looking token is committed outside test/fixtures
 * (prefixes are split for the same reason).
 */
const XOX = ['xo', 'x'].join('');
const fake = {
  slack: (prefix: string) => `${prefix}2384710932-2384710933-${randomBody('slack', 24)}`,
  awsId: (prefix: string) => `${prefix}${'IOSFODNN7EXAMPLE'}`,
  body: (n: number, seed = 'x') => randomBody(seed, n),
};

function classOf(value: string): [string, string | null] {
  const c = classifyToken(value);
  return [c.tokenType, c.providerType];
}

describe('crc32 and base62', () => {
  it('matches node:zlib on the standard check value and on random strings', () => {
    assert.equal(crc32('123456789'), 0xcbf43926);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 64 }), (s) => crc32(s) === zlibCrc32(s)),
      { numRuns: 300 },
    );
  });

  it('encodes base62 most significant digit first, padded', () => {
    assert.equal(base62(0, 6), '000000');
    assert.equal(base62(61), 'z');
    assert.equal(base62(62), '10');
    assert.equal(base62(0xffffffff, 6), '4gfFC3');
  });
});

describe('classifyToken: GitHub', () => {
  it('recognises every prefixed type and validates the checksum of generated tokens', () => {
    const types: Record<string, string> = {
      ghp: 'github.pat_classic',
      gho: 'github.oauth_token',
      ghu: 'github.user_to_server_token',
      ghs: 'github.installation_token',
      ghr: 'github.refresh_token',
    };
    for (const [prefix, tokenType] of Object.entries(types)) {
      const token = makeGitHubToken(prefix, `classify-${prefix}`);
      assert.deepEqual(classifyToken(token), {
        tokenType,
        providerType: 'github',
        checksumValid: true,
        credential: true,
      });
    }
  });

  it('a one-character change anywhere in the body fails the checksum', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), fc.nat(35), fc.nat(61), (seed, pos, sub) => {
        const token = makeGitHubToken('ghp', seed);
        const body = token.slice(4);
        const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
        let replacement = alphabet[sub] as string;
        if (replacement === body[pos]) replacement = alphabet[(sub + 1) % 62] as string;
        const mutated = `ghp_${body.slice(0, pos)}${replacement}${body.slice(pos + 1)}`;
        const c = classifyToken(mutated);
        return c.tokenType === 'github.pat_classic' && c.checksumValid === false;
      }),
      { numRuns: 300 },
    );
  });

  it('fine-grained PATs (22 + _ + 59) are recognised, without a checksum claim', () => {
    const pat = `github_pat_${fake.body(22, 'a')}_${fake.body(59, 'b')}`;
    assert.deepEqual(classifyToken(pat), {
      tokenType: 'github.fine_grained_pat',
      providerType: 'github',
      credential: true,
    });
    assert.equal(classifyToken(`ghp_${fake.body(20)}`).tokenType, 'unknown');
  });
});

describe('classifyToken: other providers', () => {
  it('Slack tokens and webhook URLs', () => {
    assert.deepEqual(classOf(fake.slack(`${XOX}b-`)), ['slack.bot_token', 'slack']);
    assert.deepEqual(classOf(fake.slack(`${XOX}p-`)), ['slack.user_token', 'slack']);
    assert.deepEqual(classOf(fake.slack(`${XOX}e.${XOX}b-1-`)), ['slack.rotating_bot_token', 'slack']);
    assert.deepEqual(classOf(fake.slack(`${XOX}e.${XOX}p-1-`)), ['slack.rotating_user_token', 'slack']);
    assert.deepEqual(classOf(fake.slack(`${XOX}e-1-`)), ['slack.refresh_token', 'slack']);
    assert.deepEqual(classOf(`xapp-1-A0123456789-${fake.body(30)}`), ['slack.app_token', 'slack']);
    assert.deepEqual(classOf(fake.slack(`${XOX}a-2-`)), ['slack.legacy_workspace_token', 'slack']);
    assert.deepEqual(classOf(fake.slack(`${XOX}r-`)), ['slack.legacy_refresh_token', 'slack']);
    assert.deepEqual(classOf(fake.slack(`${XOX}s-`)), ['slack.legacy_token', 'slack']);
    assert.deepEqual(classOf(fake.slack(`${XOX}c-`)), ['slack.client_session_token', 'slack']);
    assert.deepEqual(classOf(`https://hooks.slack.com/services/T0001/B0001/${fake.body(24)}`), [
      'slack.incoming_webhook_url',
      'slack',
    ]);
    assert.deepEqual(classOf(`https://hooks.slack.com/workflows/T0001/A0001/12345/${fake.body(24)}`), [
      'slack.workflow_webhook_url',
      'slack',
    ]);
  });

  it('AWS key ids are credentials; unique ids (AIDA, AROA, …) are recognised as not credentials', () => {
    assert.deepEqual(classifyToken(fake.awsId('AKIA')), {
      tokenType: 'aws.access_key',
      providerType: 'aws',
      credential: true,
    });
    assert.equal(classifyToken(fake.awsId('ASIA')).tokenType, 'aws.temporary_access_key');
    for (const prefix of ['AIDA', 'AROA', 'AGPA', 'ANPA', 'APKA', 'ASCA', 'AIPA']) {
      const c = classifyToken(fake.awsId(prefix));
      assert.match(c.tokenType, /^aws\.unique_id\./);
      assert.equal(c.credential, false);
      assert.equal(isAwsAccessKeyId(fake.awsId(prefix)), false);
    }
    assert.equal(isAwsAccessKeyId(fake.awsId('AKIA')), true);
    // Base32 only: 0, 1, 8, 9 never occur in key ids.
    assert.equal(classifyToken(`AKIA${'0'.repeat(16)}`).tokenType, 'unknown');
  });

  it('Vault/OpenBao tokens, with legacy prefixes guarded against ordinary text', () => {
    assert.deepEqual(classOf(`hvs.${fake.body(24)}`), ['vault.service_token', 'vault']);
    assert.deepEqual(classOf(`hvb.${fake.body(90)}`), ['vault.batch_token', 'vault']);
    assert.deepEqual(classOf(`hvr.${fake.body(24)}`), ['vault.recovery_token', 'vault']);
    assert.deepEqual(classOf('s.Hf3k9LmQ2xT7bN4pR8vW1yZ6'), ['vault.service_token', 'vault']);
    assert.deepEqual(classOf('r.Hf3k9LmQ2xT7bN4pR8vW1yZ6'), ['vault.recovery_token', 'vault']);
    // Minted in a namespace: the namespace id follows (5 characters on Vault Enterprise, 6 on OpenBao).
    assert.deepEqual(classOf('s.Hf3k9LmQ2xT7bN4pR8vW1yZ6.kvWq1'), ['vault.service_token', 'vault']);
    assert.deepEqual(classOf('s.Hf3k9LmQ2xT7bN4pR8vW1yZ6.kvWqx2'), ['vault.service_token', 'vault']);
    assert.deepEqual(classOf(`b.AAAAAQ${fake.body(90)}.kvWqx2`), ['vault.batch_token', 'vault']);
    assert.equal(classifyToken('s.Hf3k9LmQ2xT7bN4pR8vW1yZ6.kvWqxz9').tokenType, 'unknown');
    // 24 letters but no digits/mixed case: a word, not a token.
    assert.equal(classifyToken('s.internationalizationsss').tokenType, 'unknown');
    assert.equal(classifyToken('s.abc').tokenType, 'unknown');
  });

  it('GitLab, Stripe, OpenAI, Anthropic, npm, PyPI, Google, SendGrid, Twilio, Terraform', () => {
    const cases: Array<[string, string, string]> = [
      [`glpat-${fake.body(20)}`, 'gitlab.personal_access_token', 'gitlab'],
      [`gldt-${fake.body(20)}`, 'gitlab.deploy_token', 'gitlab'],
      [`glrt-${fake.body(20)}`, 'gitlab.runner_token', 'gitlab'],
      [`GR1348941${fake.body(20)}`, 'gitlab.runner_registration_token', 'gitlab'],
      [`sk_live_${fake.body(24)}`, 'stripe.secret_key', 'stripe'],
      [`rk_live_${fake.body(24)}`, 'stripe.restricted_key', 'stripe'],
      [`sk_test_${fake.body(24)}`, 'stripe.test_secret_key', 'stripe'],
      [`sk-proj-${fake.body(40)}T3BlbkFJ${fake.body(40)}`, 'openai.project_key', 'openai'],
      [`sk-svcacct-${fake.body(40)}T3BlbkFJ${fake.body(40)}`, 'openai.service_account_key', 'openai'],
      [`sk-admin-${fake.body(40)}T3BlbkFJ${fake.body(40)}`, 'openai.admin_key', 'openai'],
      [`sk-${fake.body(20)}T3BlbkFJ${fake.body(20)}`, 'openai.api_key', 'openai'],
      [`sk-ant-api03-${fake.body(93)}AA`, 'anthropic.api_key', 'anthropic'],
      [`sk-ant-admin01-${fake.body(93)}AA`, 'anthropic.admin_key', 'anthropic'],
      [`npm_${fake.body(36)}`, 'npm.access_token', 'npm'],
      [`pypi-AgEIcHlwaS5vcmc${fake.body(70)}`, 'pypi.api_token', 'pypi'],
      [`AIza${fake.body(35)}`, 'google.api_key', 'google'],
      [`SG.${fake.body(22)}.${fake.body(43)}`, 'sendgrid.api_key', 'sendgrid'],
      [`SK${'0123456789abcdef'.repeat(2)}`, 'twilio.api_key', 'twilio'],
      [`${fake.body(14)}.atlasv1.${fake.body(67)}`, 'terraform.api_token', 'terraform'],
    ];
    for (const [value, tokenType, providerType] of cases)
      assert.deepEqual(classOf(value), [tokenType, providerType], value.slice(0, 12));
    // Without the OpenAI marker an `sk-proj-` value is not claimed; a publishable key is no credential.
    assert.equal(classifyToken(`sk-proj-${fake.body(80)}`).tokenType, 'unknown');
    assert.equal(classifyToken(`pk_live_${fake.body(24)}`).credential, false);
  });

  it('unknown values are labelled, never dropped, and surrounding whitespace is ignored', () => {
    assert.deepEqual(classifyToken('correct horse battery staple'), {
      tokenType: 'unknown',
      providerType: null,
      credential: true,
    });
    assert.equal(classifyToken(`  ${fake.slack(`${XOX}b-`)}\n`).tokenType, 'slack.bot_token');
    assert.equal(classifyToken('').tokenType, 'unknown');
    assert.equal(classifyToken('x'.repeat(10_000)).tokenType, 'unknown');
  });

  it('never throws and always answers with a type, for any string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => typeof classifyToken(s).tokenType === 'string'),
      { numRuns: 500 },
    );
  });
});
