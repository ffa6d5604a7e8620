/**
 * Shared setup of the GitHub contract tests: a started FAKE GitHub (test/fakes/github.ts) with an
 * admin token, an App installation token and an OAuth app, and a provider pointed at it.
 */
import type { GithubProviderConfigInput } from '../../schemas/providers/github.js';
import { createGithubProvider } from '../../src/providers/github.js';
import { FakeGithub } from '../fakes/github.js';

export { taskOf } from '../support/provider-task.js';
export const signal = () => AbortSignal.timeout(20_000);

export { rejected as rejects } from '../support/asserts.js';

/** A started fake with an admin token and an OAuth app, and a provider factory pointed at it. */
export async function world(overrides: Partial<GithubProviderConfigInput> = {}) {
  const fake = new FakeGithub();
  const baseUrl = await fake.start();
  const adminToken = fake.mintToken({ prefix: 'ghp_', login: 'admin', admin: true });
  const appToken = fake.mintToken({ prefix: 'ghs_', login: 'tourniquet[bot]' });
  fake.registerOAuthApp('Iv1.fakeclient', 'fake-client-secret-0123456789');
  const cfg: GithubProviderConfigInput = {
    type: 'github',
    name: 'github-test',
    baseUrl,
    auth: {
      token: adminToken,
      appToken,
      oauthApp: { clientId: 'Iv1.fakeclient', clientSecret: 'fake-client-secret-0123456789' },
    },
    timeoutMs: 2_000,
    propagationMs: 0,
    ...overrides,
  };
  return { fake, baseUrl, adminToken, appToken, cfg, provider: createGithubProvider(cfg) };
}

export type GithubWorld = Awaited<ReturnType<typeof world>>;
