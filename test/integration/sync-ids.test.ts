/**
 * Ids of credentials a sync creates (src/discovery/sync.ts): two kinds that share a provider id
 * (a GitHub PAT grant and an SSO authorization are numbered apart) get two records, and a record an
 * operator typed under the id a sync would pick is never overwritten; a second sync finds each
 * record again under the id it got.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Credential } from '../../schemas/credential.js';
import type { Discoverer, DiscoveryEvent } from '../../src/discovery/port.js';
import { syncInventory } from '../../src/discovery/sync.js';
import { createStore } from '../../src/store/sql-store.js';
import { storeAdapters } from '../support/store-adapters.js';

const PAT = 'github.fine_grained_pat';
const SSO = 'github.saml_authorization';

/** What a GitHub org lists: the input of the sync, not a stand-in for anything it asserts on. */
const listing: Discoverer = {
  instance: 'gh',
  kinds: [PAT, SSO],
  async *discover(): AsyncIterable<DiscoveryEvent> {
    for (const kind of [PAT, SSO])
      for (const providerId of ['acme:7', 'acme:8'])
        yield { type: 'credential', credential: { kind, providerId, ownerIdentity: 'alice' } };
    // Listed twice, as a shifting page boundary can: still one record.
    yield { type: 'credential', credential: { kind: SSO, providerId: 'acme:8', ownerIdentity: 'alice' } };
    yield { type: 'complete', kinds: [PAT, SSO] };
  },
};

test('synced credentials that share a provider id, or an id an operator used, keep apart', async (t) => {
  const opened = await storeAdapters[0]!.open(t);
  assert.ok(opened);
  const store = await createStore(opened.db, { auditKey: randomBytes(32) });
  try {
    const typed = Credential.parse({
      id: 'gh:acme:7',
      provider: 'gh',
      kind: 'github.org_member',
      providerId: 'acme:alice',
      owner: 'alice@example.com',
    });
    await store.upsertCredentials([typed]);
    const deps = { store, clock: () => new Date() };
    const call = <T>(_what: string, fn: (s: AbortSignal) => Promise<T>) => fn(new AbortController().signal);

    const first = await syncInventory(listing, call, deps);
    assert.equal(first.created, 4);
    const all = await store.listCredentials();
    assert.equal(all.length, 5, 'four discovered records and the typed one');
    assert.equal(new Set(all.map((c) => c.id)).size, 5);
    const kept = all.find((c) => c.id === typed.id);
    assert.equal(kept?.kind, typed.kind, "the operator's record is not overwritten");
    assert.equal(kept?.providerId, typed.providerId);
    for (const kind of [PAT, SSO])
      for (const providerId of ['acme:7', 'acme:8'])
        assert.equal(all.filter((c) => c.kind === kind && c.providerId === providerId).length, 1);

    const second = await syncInventory(listing, call, deps);
    assert.deepEqual([second.created, second.updated, second.unchanged], [0, 0, 4]);
  } finally {
    await store.close().catch(() => undefined);
    await opened.cleanup();
  }
});
