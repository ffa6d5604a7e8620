/**
 * Contract tests of the Vault / OpenBao adapter against test/fakes/vault.ts (a FAKE server that
 * follows the documented API; see its header for why it is not a real OpenBao): the shared provider
 * conformance suite for each credential kind, then behaviour specific to Vault.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isTourniquetError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { Provider, ProviderTask } from '../../src/providers/port.js';
import { createVaultProvider } from '../../src/providers/vault.js';
import { startFakeVault, type FakeVault } from '../fakes/vault.js';
import { rejected } from '../support/asserts.js';
import { providerConformance } from './provider-suite.js';

const signal = new AbortController().signal;
let vault: FakeVault;
let n = 0;

function task(over: Partial<ProviderTask> & Pick<ProviderTask, 'credentialKind' | 'action'>): ProviderTask {
  n += 1;
  return { taskId: `task-${n}`, credentialId: `cred-${n}`, ...over };
}

function provider(over: Record<string, unknown> = {}, logLines?: string[]): Provider {
  return createVaultProvider(
    { type: 'vault', name: 'vault-test', address: vault.url, token: vault.rootToken, ...over },
    logLines ? { logger: createLogger('trace', { write: (l: string) => void logLines.push(l) }) } : {},
  );
}

async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${vault.url}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': vault.rootToken, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  assert.ok(res.ok, `${method} ${path} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

async function newAccessor(): Promise<string> {
  const out = await api('POST', 'auth/token/create', { policies: ['app'] });
  return (out.auth as { accessor: string }).accessor;
}

async function writeKv(path: string, versions: number): Promise<void> {
  for (let i = 0; i < versions; i++)
    await api('POST', `secret/data/${path}`, { data: { password: `v${i}` } });
}

before(async () => {
  vault = await startFakeVault();
});
after(async () => {
  await vault.close();
});

/** One conformance run per credential kind, each against its own fake whose root token is planted. */
function conformance(
  label: string,
  revokePath: RegExp,
  live: (
    fake: FakeVault,
    api: (m: string, p: string, b?: unknown) => Promise<Record<string, unknown>>,
  ) => Promise<ProviderTask>,
): void {
  providerConformance(`vault ${label}`, async ({ logger }) => {
    const fake = await startFakeVault({ rootToken: `hvs.PLANTED${Math.random().toString(36).slice(2)}` });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${fake.url}/v1/${path}`, {
        method,
        headers: { 'X-Vault-Token': fake.rootToken, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await res.json()) as Record<string, unknown>;
    };
    return {
      provider: createVaultProvider(
        { type: 'vault', name: 'vault', address: fake.url, token: fake.rootToken },
        { logger },
      ),
      makeLiveCredential: () => live(fake, call),
      injectRetriable: () => {
        fake.failNext(1, { status: 503, retryAfter: '4', path: revokePath });
        return { retryAfterMs: 4_000 };
      },
      // A refusal that echoes the caller's token, as a misbehaving proxy or plugin might.
      injectPermanent: () =>
        fake.failNext(1, {
          status: 403,
          errors: [`permission denied for ${fake.rootToken}`],
          path: revokePath,
        }),
      plantedSecret: fake.rootToken,
      revokeCallCount: () => fake.requests.filter((r) => revokePath.test(r.path)).length,
      close: () => fake.close(),
    };
  });
}

conformance('token (revoke-accessor)', /^\/v1\/auth\/token\/revoke-accessor$/, async (_fake, call) => {
  const out = await call('POST', 'auth/token/create', {});
  const accessor = (out.auth as { accessor: string }).accessor;
  return task({ credentialKind: 'vault.token', action: 'revoke', providerId: accessor });
});
conformance(
  'leaked service token by value (auth/token/revoke)',
  /^\/v1\/auth\/token\/revoke$/,
  async (_fake, call) => {
    const out = await call('POST', 'auth/token/create', {});
    const secret = (out.auth as { client_token: string }).client_token;
    return task({ credentialKind: 'vault.service_token', action: 'revoke_by_value', secret });
  },
);
conformance('lease (sys/leases/revoke)', /^\/v1\/sys\/leases\/revoke$/, async (fake) => {
  const id = `database/creds/app/c${++n}`;
  fake.addLease(id);
  return task({ credentialKind: 'vault.lease', action: 'revoke', providerId: id });
});
conformance(
  'lease prefix (sys/leases/revoke-prefix)',
  /^\/v1\/sys\/leases\/revoke-prefix\//,
  async (fake) => {
    const role = `database/creds/role${++n}`;
    fake.addLease(`${role}/x1`);
    fake.addLease(`${role}/x2`);
    return task({ credentialKind: 'vault.lease_prefix', action: 'revoke', providerId: role });
  },
);
conformance('kv soft delete (DELETE data)', /^\/v1\/secret\/data\//, async (_fake, call) => {
  const path = `apps/c${++n}`;
  await call('POST', `secret/data/${path}`, { data: { password: 'pw' } });
  return task({ credentialKind: 'vault.kv_secret', action: 'disable', providerId: path });
});
conformance('kv destroy (PUT destroy)', /^\/v1\/secret\/destroy\//, async (_fake, call) => {
  const path = `apps/c${++n}`;
  await call('POST', `secret/data/${path}`, { data: { password: 'pw1' } });
  await call('POST', `secret/data/${path}`, { data: { password: 'pw2' } });
  return task({ credentialKind: 'vault.kv_secret', action: 'delete', providerId: path });
});

describe('vault provider: behaviour', () => {
  it('declares its capabilities', () => {
    const p = provider();
    assert.equal(p.type, 'vault');
    assert.deepEqual(p.capabilities.actions['vault.token'], ['revoke']);
    assert.deepEqual(p.capabilities.actions['vault.kv_secret'], ['disable', 'delete']);
    assert.deepEqual(p.capabilities.reversible, ['disable']);
    assert.equal(p.capabilities.maxBatch, 1);
    assert.equal(p.capabilities.canVerify, true);
    assert.equal(p.needsSecret({ action: 'revoke', credentialKind: 'vault.token' }), false);
  });

  it('lease: revoke sends sync:true explicitly → dead; again → already_revoked', async () => {
    const p = provider();
    const leaseId = 'database/creds/app/l1';
    vault.addLease(leaseId);
    const t = task({ credentialKind: 'vault.lease', action: 'revoke', providerId: leaseId });
    assert.equal((await p.verify(t, signal)).liveness, 'alive');
    assert.equal((await p.execute(t, signal)).outcome, 'revoked');
    const revoke = vault.requests.filter((r) => r.path === '/v1/sys/leases/revoke').at(-1);
    assert.deepEqual(revoke?.body, { lease_id: leaseId, sync: true });
    assert.equal((await p.verify(t, signal)).liveness, 'dead');
    assert.equal((await p.execute(t, signal)).outcome, 'already_revoked');
  });

  it('lease prefix: revokes the role directory only, not a sibling sharing the string prefix', async () => {
    const p = provider();
    vault.addLease('aws/creds/deploy/a1');
    vault.addLease('aws/creds/deploy/a2');
    vault.addLease('aws/creds/deploy-prod/b1');
    const t = task({
      credentialKind: 'vault.lease_prefix',
      action: 'revoke',
      providerId: 'aws/creds/deploy',
    });
    const sibling = task({
      credentialKind: 'vault.lease',
      action: 'revoke',
      providerId: 'aws/creds/deploy-prod/b1',
    });
    assert.equal((await p.verify(t, signal)).liveness, 'alive');
    assert.equal((await p.execute(t, signal)).outcome, 'revoked');
    const revoke = vault.requests.filter((r) => r.path.startsWith('/v1/sys/leases/revoke-prefix/')).at(-1);
    assert.equal(revoke?.path, '/v1/sys/leases/revoke-prefix/aws/creds/deploy/');
    assert.deepEqual(revoke?.body, { sync: true });
    assert.equal((await p.verify(t, signal)).liveness, 'dead');
    assert.equal((await p.verify(sibling, signal)).liveness, 'alive');
    assert.equal((await p.execute(t, signal)).outcome, 'already_revoked');
  });

  it('kv soft delete (disable): latest version deleted → dead; again → already_revoked', async () => {
    const p = provider();
    await writeKv('apps/billing', 2);
    const t = task({ credentialKind: 'vault.kv_secret', action: 'disable', providerId: 'apps/billing' });
    assert.equal((await p.verify(t, signal)).liveness, 'alive');
    assert.equal((await p.execute(t, signal)).outcome, 'revoked');
    assert.equal((await p.verify(t, signal)).liveness, 'dead');
    assert.equal((await p.execute(t, signal)).outcome, 'already_revoked');
    const meta = (await api('GET', 'secret/metadata/apps/billing')).data as {
      versions: Record<string, { destroyed: boolean }>;
    };
    assert.equal(meta.versions['1']?.destroyed, false, 'soft delete keeps the data (undeletable)');
  });

  it('kv destroy (delete): every version destroyed → dead; again → already_revoked', async () => {
    const p = provider();
    await writeKv('apps/payments', 3);
    const t = task({ credentialKind: 'vault.kv_secret', action: 'delete', providerId: 'apps/payments' });
    const res = await p.execute(t, signal);
    assert.equal(res.outcome, 'revoked');
    assert.equal(res.details?.versions, '1,2,3');
    assert.equal((await p.verify(t, signal)).liveness, 'dead');
    assert.equal((await p.execute(t, signal)).outcome, 'already_revoked');
  });

  it('kv destroy narrowed by the versions label leaves other versions', async () => {
    const p = provider();
    await writeKv('apps/search', 2);
    const t = task({
      credentialKind: 'vault.kv_secret',
      action: 'delete',
      providerId: 'apps/search',
      labels: { versions: '1' },
    });
    assert.equal((await p.execute(t, signal)).outcome, 'revoked');
    assert.equal((await p.verify(t, signal)).liveness, 'dead');
    const all = task({ credentialKind: 'vault.kv_secret', action: 'delete', providerId: 'apps/search' });
    assert.equal((await p.verify(all, signal)).liveness, 'alive');
  });

  it('missing things are already revoked and verify dead', async () => {
    const p = provider();
    for (const t of [
      task({ credentialKind: 'vault.token', action: 'revoke', providerId: 'no-such-accessor' }),
      task({ credentialKind: 'vault.lease', action: 'revoke', providerId: 'nope/l0' }),
      task({ credentialKind: 'vault.lease_prefix', action: 'revoke', providerId: 'nope/' }),
      task({ credentialKind: 'vault.kv_secret', action: 'disable', providerId: 'never/written' }),
      task({ credentialKind: 'vault.kv_secret', action: 'delete', providerId: 'never/written' }),
    ]) {
      assert.equal((await p.execute(t, signal)).outcome, 'already_revoked', t.credentialKind);
      assert.equal((await p.verify(t, signal)).liveness, 'dead', t.credentialKind);
    }
  });

  it('rejects unsupported kinds, actions and missing ids as permanent errors', async () => {
    const p = provider();
    const e1 = await rejected(
      p.execute(task({ credentialKind: 'vault.token', action: 'rotate', providerId: 'x' }), signal),
    );
    assert.equal(e1.code, 'PROVIDER_UNSUPPORTED');
    assert.equal(e1.retriable, false);
    const e2 = await rejected(
      p.execute(task({ credentialKind: 'aws.access_key', action: 'revoke', providerId: 'x' }), signal),
    );
    assert.equal(e2.code, 'PROVIDER_UNSUPPORTED');
    const e3 = await rejected(p.execute(task({ credentialKind: 'vault.lease', action: 'revoke' }), signal));
    assert.equal(e3.code, 'INVALID_INPUT');
    assert.equal(e3.retriable, false);
  });
});

describe('vault provider: failure classification', () => {
  const lease = (): ProviderTask => {
    const id = `database/creds/ro/f${n}`;
    vault.addLease(id);
    return task({ credentialKind: 'vault.lease', action: 'revoke', providerId: id });
  };

  it('503 sealed with Retry-After is retriable and carries the delay; the retry then succeeds', async () => {
    const p = provider();
    const t = lease();
    vault.failNext(1, { status: 503, retryAfter: '2' });
    const e = await rejected(p.execute(t, signal));
    assert.equal(e.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(e.retriable, true);
    assert.equal(e.retryAfterMs, 2000);
    assert.equal((await p.execute(t, signal)).outcome, 'revoked');
  });

  it('429 is retriable (rate limited) with Retry-After', async () => {
    const p = provider();
    vault.failNext(1, { status: 429, retryAfter: '5' });
    const e = await rejected(p.execute(lease(), signal));
    assert.equal(e.code, 'PROVIDER_RATE_LIMITED');
    assert.equal(e.retriable, true);
    assert.equal(e.retryAfterMs, 5000);
  });

  it('500 is retriable', async () => {
    vault.failNext(1, { status: 500, errors: ['internal error'] });
    const e = await rejected(provider().execute(lease(), signal));
    assert.equal(e.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(e.retriable, true);
  });

  it('403 permission denied (wrong token) is permanent', async () => {
    const p = provider({ token: 'hvs.not-the-root-token' });
    const e = await rejected(p.execute(lease(), signal));
    assert.equal(e.code, 'PROVIDER_FORBIDDEN');
    assert.equal(e.retriable, false);
  });

  it('another 400 is permanent', async () => {
    vault.failNext(1, { status: 400, errors: ['something else is wrong'] });
    const e = await rejected(provider().execute(lease(), signal));
    assert.equal(e.code, 'PROVIDER_REJECTED');
    assert.equal(e.retriable, false);
  });

  it('an unknown KV mount (404 no handler) is a permanent misconfiguration', async () => {
    const t = task({
      credentialKind: 'vault.kv_secret',
      action: 'disable',
      providerId: 'x',
      labels: { mount: 'not-mounted' },
    });
    const e = await rejected(provider().execute(t, signal));
    assert.equal(e.code, 'PROVIDER_MISCONFIGURED');
    assert.equal(e.retriable, false);
  });

  it('a reset connection is a retriable network failure; silence is a retriable timeout', async () => {
    vault.failNext(1, { reset: true });
    const e1 = await rejected(provider().execute(lease(), signal));
    assert.equal(e1.code, 'PROVIDER_NETWORK');
    assert.equal(e1.retriable, true);
    vault.failNext(1, { hang: true });
    const e2 = await rejected(provider({ timeoutMs: 200 }).execute(lease(), signal));
    assert.equal(e2.code, 'PROVIDER_TIMEOUT');
    assert.equal(e2.retriable, true);
  });

  it('an unreachable server is a retriable network failure', async () => {
    const dead = await startFakeVault();
    const address = dead.url;
    await dead.close();
    const p = createVaultProvider({ type: 'vault', name: 'v', address, token: 't' });
    const e = await rejected(
      p.execute(task({ credentialKind: 'vault.lease', action: 'revoke', providerId: 'a/b' }), signal),
    );
    assert.equal(e.code, 'PROVIDER_NETWORK');
    assert.equal(e.retriable, true);
  });
});

describe('vault provider: configuration and secrets', () => {
  it('reads the token from an environment variable and sends the namespace header', async () => {
    const p = createVaultProvider(
      {
        type: 'vault',
        name: 'v',
        address: vault.url,
        token: { env: 'TEST_VAULT_TOKEN' },
        namespace: 'team-a',
      },
      { env: { TEST_VAULT_TOKEN: vault.rootToken } },
    );
    const t = task({ credentialKind: 'vault.token', action: 'revoke', providerId: await newAccessor() });
    assert.equal((await p.execute(t, signal)).outcome, 'revoked');
    assert.equal(vault.requests.at(-1)?.namespace, 'team-a');
  });

  it('refuses bad configuration and a missing token variable', () => {
    assert.throws(
      () => createVaultProvider({ type: 'vault', name: 'v', address: 'not a url', token: 't' }),
      (e: unknown) => isTourniquetError(e) && e.code === 'INVALID_CONFIG',
    );
    assert.throws(
      () =>
        createVaultProvider(
          { type: 'vault', name: 'v', address: vault.url, token: { env: 'UNSET_X' } },
          { env: {} },
        ),
      (e: unknown) => isTourniquetError(e) && e.code === 'INVALID_CONFIG',
    );
  });

  it('never lets the planted Vault token reach a result, an error or a log line', async () => {
    const planted = `hvs.PLANTED${'x'.repeat(20)}`;
    const own = await startFakeVault({ rootToken: planted });
    try {
      const lines: string[] = [];
      const p = createVaultProvider(
        { type: 'vault', name: 'v', address: own.url, token: planted },
        { logger: createLogger('trace', { write: (l: string) => void lines.push(l) }) },
      );
      own.addLease('db/creds/x/1');
      const seen: unknown[] = [];
      const t = task({ credentialKind: 'vault.lease', action: 'revoke', providerId: 'db/creds/x/1' });
      seen.push(await p.execute(t, signal), await p.verify(t, signal), await p.execute(t, signal));
      for (const fault of [
        { status: 503 },
        { status: 403, errors: [`bad token ${planted}`] },
        { reset: true as const },
      ]) {
        own.failNext(1, fault);
        const e = await rejected(p.execute(t, signal));
        seen.push({ message: e.message, details: e.details, code: e.code, stack: e.stack });
      }
      assert.ok(lines.length > 0, 'the adapter logged something to check');
      const blob = JSON.stringify(seen) + lines.join('\n');
      assert.ok(!blob.includes('PLANTED'), 'planted token leaked');
    } finally {
      await own.close();
    }
  });
});
