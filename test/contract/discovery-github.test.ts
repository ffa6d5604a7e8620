/**
 * The GitHub discoverer against the FAKE GitHub (test/fakes/github.ts) over real HTTP with the real
 * Octokit client: the shared conformance suite, then what each listing finds, pagination by Link
 * header, a refused listing next to complete ones, a listing that fails half way, a next link that
 * leaves the API, and that every discovered kind + providerId is what the revoking adapter acts on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GithubProviderConfigInput } from '../../schemas/providers/github.js';
import { createGithubDiscoverer } from '../../src/discovery/github.js';
import type { DiscoveredCredential, Discoverer, DiscoveryEvent } from '../../src/discovery/port.js';
import { createGithubProvider } from '../../src/providers/github.js';
import { FakeGithub, githubFaults, ROUTES } from '../fakes/github.js';
import {
  collect,
  directCall,
  discoveryConformance,
  credentials,
  completed,
  byId,
} from './discovery-suite.js';
import { signal, taskOf } from './github-world.js';

const ORG = 'acme';

async function estate() {
  const fake = new FakeGithub();
  const baseUrl = await fake.start();
  const adminToken = fake.mintToken({ login: 'root', admin: true });
  const appToken = fake.mintToken({ prefix: 'ghs_', login: 'tourniquet[bot]' });
  fake.addMember(ORG, 'root', 'active', 'admin');
  fake.addMember(ORG, 'mona');
  fake.addMember(ORG, 'invited', 'pending');
  fake.addOutsideCollaborator(ORG, 'contractor');
  const ids = {
    pat: fake.addPatGrant(ORG, 'mona', {
      repositorySelection: 'subset',
      permissions: { organization: { members: 'read' }, repository: { contents: 'write' }, other: {} },
      expiresAt: '2031-01-01T00:00:00Z',
      lastUsedAt: '2025-06-01T12:00:00Z',
    }),
    samlPat: fake.addSamlAuthorization(ORG, 'mona', {
      scopes: ['repo', 'read:org'],
      accessedAt: '2025-05-01T00:00:00Z',
      expiresAt: '2030-01-01T00:00:00Z',
    }),
    samlKey: fake.addSamlAuthorization(ORG, 'mona', { type: 'SSH key' }),
    writeKey: fake.addDeployKey(ORG, 'api', { readOnly: false, lastUsed: '2025-04-01T00:00:00Z' }),
    readKey: fake.addDeployKey(ORG, 'web'),
  };
  fake.addRepo(ORG, 'empty');
  const cfg = (overrides: Partial<GithubProviderConfigInput> = {}): GithubProviderConfigInput => ({
    type: 'github',
    name: 'gh',
    org: ORG,
    baseUrl,
    auth: { token: adminToken, appToken },
    timeoutMs: 5_000,
    propagationMs: 0,
    ...overrides,
  });
  const discoverer = (overrides: Partial<GithubProviderConfigInput> = {}): Discoverer => {
    const d = createGithubDiscoverer(cfg(overrides));
    assert.ok(d, 'an org instance has a discoverer');
    return d;
  };
  return { fake, baseUrl, adminToken, appToken, ids, cfg, discoverer };
}

const ALL_KINDS = [
  'github.deploy_key',
  'github.fine_grained_pat',
  'github.org_member',
  'github.outside_collaborator',
  'github.saml_authorization',
];

discoveryConformance('github', async () => {
  const e = await estate();
  // An account that is no member and no admin, and a classic PAT where the App token should be.
  const outsider = e.fake.mintToken({ login: 'outsider' });
  return {
    type: 'github',
    discoverer: e.discoverer(),
    refused: e.discoverer({ auth: { token: outsider, appToken: e.fake.mintToken({ login: 'outsider' }) } }),
    secrets: [e.adminToken, e.appToken, outsider],
    close: () => e.fake.close(),
  };
});

describe('github discoverer', () => {
  let e: Awaited<ReturnType<typeof estate>>;
  before(async () => {
    e = await estate();
  });
  after(() => e.fake.close());

  it('lists members with their role, collaborators, PAT grants, SSO authorizations and deploy keys', async () => {
    const events = await collect(e.discoverer(), directCall({ calls: 0 }));
    assert.deepEqual(completed(events), ALL_KINDS);
    const identities = events.flatMap((x) => (x.type === 'identity' ? [x.identity] : []));
    assert.deepEqual(identities.map((i) => `${i.identity}:${i.role}`).sort(), [
      'contractor:outside_collaborator',
      'mona:member',
      'root:admin',
    ]);
    assert.equal(byId(events, 'github.org_member', 'acme:root')?.labels?.role, 'admin');
    assert.equal(byId(events, 'github.org_member', 'acme:mona')?.ownerIdentity, 'mona');
    assert.equal(byId(events, 'github.org_member', 'acme:invited'), undefined, 'an invitation is no member');
    assert.ok(byId(events, 'github.outside_collaborator', 'acme:contractor'));

    const pat = byId(events, 'github.fine_grained_pat', `acme:${e.ids.pat}`);
    assert.equal(pat?.ownerIdentity, 'mona');
    assert.deepEqual(pat?.scopes, ['organization:members:read', 'repository:contents:write']);
    assert.equal(pat?.expiresAt, '2031-01-01T00:00:00.000Z');
    assert.equal(pat?.lastUsedAt, '2025-06-01T12:00:00.000Z');
    assert.equal(pat?.issuedAt, '2025-01-01T00:00:00.000Z');
    assert.equal(pat?.labels?.repositorySelection, 'subset');
    assert.equal(pat?.status, 'active');

    const sso = byId(events, 'github.saml_authorization', `acme:${e.ids.samlPat}`);
    assert.equal(sso?.ownerIdentity, 'mona');
    assert.deepEqual(sso?.scopes, ['repo', 'read:org']);
    assert.equal(sso?.lastUsedAt, '2025-05-01T00:00:00.000Z');
    assert.equal(sso?.expiresAt, '2030-01-01T00:00:00.000Z');
    assert.equal(sso?.labels?.credentialType, 'personal access token');
    const key = byId(events, 'github.saml_authorization', `acme:${e.ids.samlKey}`);
    assert.equal(key?.labels?.credentialType, 'SSH key');
    assert.match(key?.labels?.fingerprint ?? '', /^SHA256:/);

    const write = byId(events, 'github.deploy_key', `acme/api:${e.ids.writeKey}`);
    assert.deepEqual(write?.scopes, ['contents:read', 'contents:write']);
    assert.equal(write?.lastUsedAt, '2025-04-01T00:00:00.000Z');
    assert.deepEqual(byId(events, 'github.deploy_key', `acme/web:${e.ids.readKey}`)?.scopes, [
      'contents:read',
    ]);
    assert.equal(credentials(events).filter((c) => c.kind === 'github.deploy_key').length, 2);
  });

  it('pages through every list by its Link header, one DiscoveryCall a page', async () => {
    const big = await estate();
    try {
      for (let i = 0; i < 230; i++) big.fake.addMember(ORG, `user-${i}`);
      for (let i = 0; i < 105; i++) big.fake.addDeployKey(ORG, 'many');
      const before = big.fake.calls(ROUTES.memberList);
      const keysBefore = big.fake.calls(ROUTES.deployKeyList);
      const counter = { calls: 0 };
      const events = await collect(big.discoverer(), directCall(counter));
      // owners (1 page) + all 232 members (3 pages of 100)
      assert.equal(big.fake.calls(ROUTES.memberList) - before, 4);
      // api, web, empty: one page each; many: two
      assert.equal(big.fake.calls(ROUTES.deployKeyList) - keysBefore, 5);
      const members = credentials(events).filter((c) => c.kind === 'github.org_member');
      assert.equal(members.length, 232);
      assert.equal(new Set(members.map((c) => c.providerId)).size, 232, 'no login twice');
      assert.equal(credentials(events).filter((c) => c.providerId.startsWith('acme/many:')).length, 105);
      assert.deepEqual(completed(events), ALL_KINDS);
      assert.ok(counter.calls >= 4 + 5 + 1);
    } finally {
      await big.fake.close();
    }
  });

  it('a refused listing (no admin:org for SSO authorizations) is refused; the others complete', async () => {
    const scoped = e.fake.mintToken({ login: 'root', admin: true, scopes: ['read:org', 'repo'] });
    const events = await collect(
      e.discoverer({ auth: { token: scoped, appToken: e.appToken } }),
      directCall({ calls: 0 }),
    );
    const refused = events.filter((x) => x.type === 'refused');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.type === 'refused' && refused[0].code, 'PROVIDER_FORBIDDEN');
    assert.match(refused[0]?.type === 'refused' ? refused[0].permission : '', /admin:org/);
    assert.deepEqual(
      completed(events),
      ALL_KINDS.filter((k) => k !== 'github.saml_authorization'),
    );
    assert.equal(credentials(events).filter((c) => c.kind === 'github.saml_authorization').length, 0);
  });

  it('a listing that fails half way throws and completes nothing after it', async () => {
    e.fake.inject(ROUTES.deployKeyList, githubFaults.serverError(502));
    const events: DiscoveryEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const x of e.discoverer().discover(directCall({ calls: 0 }), signal())) events.push(x);
      })(),
      { code: 'PROVIDER_UNAVAILABLE' },
    );
    assert.ok(!completed(events).includes('github.deploy_key'));
    assert.ok(completed(events).includes('github.org_member'));
  });

  it('will not follow a next link outside the configured API', async () => {
    e.fake.inject(ROUTES.collaboratorList, {
      reply: () => ({
        status: 200,
        headers: { link: '<https://evil.example/orgs/acme/outside_collaborators?page=2>; rel="next"' },
        body: [],
      }),
    });
    await assert.rejects(collect(e.discoverer(), directCall({ calls: 0 })), { code: 'PROVIDER_REJECTED' });
  });

  it('declares only what its tokens can list, and nothing without an org', async () => {
    assert.equal(createGithubDiscoverer({ ...e.cfg(), org: undefined }), null);
    const noApp = e.discoverer({ auth: { token: e.adminToken } });
    assert.ok(!noApp.kinds.includes('github.fine_grained_pat'));
    const appOnly = e.discoverer({ auth: { appToken: e.appToken } });
    assert.deepEqual(appOnly.kinds, ['github.fine_grained_pat']);
    const served = e.discoverer({ credentialKinds: ['github.deploy_key', 'github.pat_classic'] });
    assert.deepEqual(served.kinds, ['github.deploy_key']);
    assert.equal(createGithubDiscoverer({ ...e.cfg(), auth: {} }), null);
  });

  it('every discovered credential is one the revoking adapter revokes by its kind and providerId', async () => {
    const provider = createGithubProvider(e.cfg());
    const found = credentials(await collect(e.discoverer(), directCall({ calls: 0 })));
    const pick = (kind: string, id: string): DiscoveredCredential => {
      const c = found.find((x) => x.kind === kind && x.providerId === id);
      assert.ok(c, `${kind} ${id} discovered`);
      return c;
    };
    const targets = [
      pick('github.org_member', 'acme:mona'),
      pick('github.outside_collaborator', 'acme:contractor'),
      pick('github.fine_grained_pat', `acme:${e.ids.pat}`),
      pick('github.saml_authorization', `acme:${e.ids.samlPat}`),
      pick('github.deploy_key', `acme/api:${e.ids.writeKey}`),
    ];
    for (const c of found) assert.ok(provider.capabilities.actions[c.kind]?.includes('revoke'), c.kind);
    for (const c of targets) {
      const task = taskOf({ action: 'revoke', credentialKind: c.kind, providerId: c.providerId });
      assert.equal((await provider.execute(task, signal())).outcome, 'revoked', c.kind);
      assert.equal((await provider.verify(task, signal())).liveness, 'dead', c.kind);
    }
    assert.equal(e.fake.isMember(ORG, 'mona'), false);
    assert.equal(e.fake.isOutsideCollaborator(ORG, 'contractor'), false);
    assert.equal(e.fake.hasPatGrant(ORG, e.ids.pat), false);
    assert.equal(e.fake.hasSamlAuthorization(ORG, e.ids.samlPat), false);
    assert.equal(e.fake.hasDeployKey(ORG, 'api', e.ids.writeKey), false);
    // The next listing no longer shows them.
    const after = await collect(e.discoverer(), directCall({ calls: 0 }));
    for (const c of targets) assert.equal(byId(after, c.kind, c.providerId), undefined, c.kind);
  });
});
