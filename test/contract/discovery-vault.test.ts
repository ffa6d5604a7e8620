/**
 * The discoverer conformance suite for the Vault / OpenBao discoverer, against a real OpenBao dev
 * server; the refused case is a real token whose policy cannot list accessors. Without OpenBao the
 * tests skip locally and fail in CI.
 */
import { createVaultDiscoverer } from '../../src/discovery/vault.js';
import { getBao } from '../support/openbao.js';
import { discoveryConformance } from './discovery-suite.js';

discoveryConformance('vault', async (t) => {
  const bao = await getBao(t);
  if (!bao) return undefined;
  const seeded = await bao.ok('POST', 'auth/token/create', {
    policies: ['default'],
    meta: { username: 'disc-user' },
    ttl: '1h',
  });
  const weak = await bao.ok('POST', 'auth/token/create', { policies: ['default'], ttl: '1h' });
  const tokenOf = (r: Record<string, unknown>) => (r.auth as { client_token: string }).client_token;
  const conn = (token: string) => ({ type: 'vault' as const, name: 'bao', address: bao.url, token });
  return {
    type: 'vault',
    discoverer: createVaultDiscoverer(conn(bao.rootToken)),
    refused: createVaultDiscoverer(conn(tokenOf(weak))),
    secrets: [tokenOf(seeded), tokenOf(weak), bao.rootToken],
  };
});
