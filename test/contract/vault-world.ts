/**
 * Shared setup of the Vault contract tests, on the REAL OpenBao dev server of this test process
 * (test/support/openbao.ts): token families (parent → child → grandchild), leases from the PKI
 * engine (a role with `generate_lease=true`), KV v2 secrets, namespaces — and what the server says
 * about each afterwards, asked directly, not through the adapter under test.
 */
import assert from 'node:assert/strict';
import type { ProviderTask } from '../../src/providers/port.js';
import type { OpenBao } from '../support/openbao.js';

let seq = 0;
export const signal = () => AbortSignal.timeout(30_000);
/** A name no other test in this process uses (paths, roles, namespaces). */
export const fresh = (prefix: string): string => `${prefix}${++seq}`;

export function task(
  over: Partial<ProviderTask> & Pick<ProviderTask, 'credentialKind' | 'action'>,
): ProviderTask {
  seq += 1;
  return { taskId: `task-${seq}`, credentialId: `cred-${seq}`, ...over };
}

export interface VaultToken {
  token: string;
  accessor: string;
}

export interface World {
  bao: OpenBao;
  /** A token (child of root unless `parent`), allowed to create children of its own. */
  token(opts?: { parent?: VaultToken; namespace?: string; type?: 'service' | 'batch' }): Promise<VaultToken>;
  /** Whether the server still knows the accessor (lookup-accessor as root). */
  accessorAlive(accessor: string, namespace?: string): Promise<boolean>;
  /** `n` leases (PKI certificates) under `pki/issue/<role>/`; the role is created on first use. */
  leases(role: string, n: number): Promise<string[]>;
  leaseAlive(leaseId: string): Promise<boolean>;
  writeKv(path: string, versions: number, mount?: string, namespace?: string): Promise<void>;
  /** A namespace at the root of the server (created once per name). */
  namespace(name: string): Promise<string>;
}

let ready: Promise<World> | undefined;

/** Mounts PKI with a root CA and a token-issuing policy, once per process. */
export function world(bao: OpenBao): Promise<World> {
  ready ??= build(bao);
  return ready;
}

async function build(bao: OpenBao): Promise<World> {
  await bao.ok('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
  // EC keys: a root CA and each certificate in milliseconds (RSA takes seconds on 2 cores).
  await bao.ok('POST', 'pki/root/generate/internal', {
    common_name: 'tourniquet.test',
    ttl: '8760h',
    key_type: 'ec',
    key_bits: 256,
  });
  const issuer = { policy: 'path "auth/token/create" { capabilities = ["create", "update"] }' };
  await bao.ok('PUT', 'sys/policies/acl/issuer', issuer);
  const roles = new Set<string>();
  const namespaces = new Set<string>();

  return {
    bao,
    async token(opts = {}) {
      const ns = opts.namespace === undefined ? {} : { namespace: opts.namespace };
      if (opts.namespace) await bao.ok('PUT', 'sys/policies/acl/issuer', issuer, ns);
      const body = { policies: ['issuer'], ...(opts.type ? { type: opts.type } : {}) };
      const out = await bao.ok('POST', 'auth/token/create', body, {
        ...ns,
        ...(opts.parent ? { token: opts.parent.token } : {}),
      });
      const auth = out.auth as { client_token: string; accessor: string };
      return { token: auth.client_token, accessor: auth.accessor };
    },
    async accessorAlive(accessor, namespace) {
      const res = await bao.api(
        'POST',
        'auth/token/lookup-accessor',
        { accessor },
        namespace ? { namespace } : {},
      );
      assert.ok(res.status === 200 || res.status === 400, `lookup-accessor answered ${res.status}`);
      return res.status === 200;
    },
    async leases(role, n) {
      if (!roles.has(role)) {
        await bao.ok('POST', `pki/roles/${role}`, {
          allowed_domains: 'tourniquet.test',
          allow_subdomains: true,
          generate_lease: true,
          max_ttl: '72h',
          key_type: 'ec',
          key_bits: 256,
        });
        roles.add(role);
      }
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const out = await bao.ok('POST', `pki/issue/${role}`, {
          common_name: 'a.tourniquet.test',
          ttl: '1h',
        });
        assert.ok(typeof out.lease_id === 'string' && out.lease_id, 'the role generates leases');
        ids.push(out.lease_id);
      }
      return ids;
    },
    async leaseAlive(leaseId) {
      const res = await bao.api('PUT', 'sys/leases/lookup', { lease_id: leaseId });
      assert.ok(res.status === 200 || res.status === 400, `lease lookup answered ${res.status}`);
      return res.status === 200;
    },
    async writeKv(path, versions, mount = 'secret', namespace) {
      for (let i = 0; i < versions; i++)
        await bao.ok(
          'POST',
          `${mount}/data/${path}`,
          { data: { password: `v${i}` } },
          namespace ? { namespace } : {},
        );
    },
    async namespace(name) {
      if (!namespaces.has(name)) {
        await bao.ok('POST', `sys/namespaces/${name}`);
        namespaces.add(name);
      }
      return name;
    },
  };
}
