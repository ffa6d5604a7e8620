/**
 * A synthetic estate for the sync benchmark (bench/sync-scale.ts): a `Discoverer` that lists N
 * GitHub PATs and their owners' accounts lazily, one event at a time (never an array of N), the
 * way a real discoverer pages through a provider. It makes no provider call: what is measured is
 * the sync and the store, not an API.
 *
 * `churn`: the second listing of a run that changed: every hundredth credential (i % 100 === 1)
 * shows a later last use and another scope, and every hundredth (i % 100 === 2) is no longer listed.
 */
import type { Person } from '../schemas/credential.js';
import type { Discoverer, DiscoveryEvent } from '../src/discovery/port.js';

export const SYNC_INSTANCE = 'gh-bench';
export const SYNC_KIND = 'github.pat_classic';
export type EstateVariant = 'same' | 'churn';

export const peopleCount = (n: number) => Math.max(1, Math.floor(n / 20));

/** The people the store knows before the first sync (their identities at the instance). */
export function* estatePeople(n: number): Generator<Person> {
  for (let j = 0; j < peopleCount(n); j++)
    yield { id: `p${j}@acme.example`, aliases: [], identities: { [SYNC_INSTANCE]: `gh-p${j}` } };
}

export function estateDiscoverer(n: number, variant: EstateVariant): Discoverer {
  const people = peopleCount(n);
  return {
    instance: SYNC_INSTANCE,
    kinds: [SYNC_KIND],
    async *discover(): AsyncIterable<DiscoveryEvent> {
      for (let j = 0; j < people; j++)
        yield {
          type: 'identity',
          identity: { identity: `gh-p${j}`, email: `p${j}@acme.example`, role: 'member' },
        };
      for (let i = 0; i < n; i++) {
        const changed = variant === 'churn' && i % 100 === 1;
        if (variant === 'churn' && i % 100 === 2) continue;
        yield {
          type: 'credential',
          credential: {
            kind: SYNC_KIND,
            providerId: String(i).padStart(7, '0'),
            ownerIdentity: `gh-p${i % people}`,
            scopes: changed ? ['repo', 'read:org', 'workflow'] : ['repo', 'read:org'],
            issuedAt: '2026-01-02T03:04:05.000Z',
            lastUsedAt: changed ? '2026-12-01T00:00:00.000Z' : '2026-11-01T00:00:00.000Z',
            status: 'active',
            labels: { team: `t${i % 50}` },
          },
        };
      }
      yield { type: 'complete', kinds: [SYNC_KIND] };
    },
  };
}
