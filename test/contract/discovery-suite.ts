/**
 * The discoverer conformance suite: every discoverer behind src/discovery/port.ts passes it, against
 * an emulator (moto, real OpenBao) or a fake at its real HTTP boundary.
 *
 *   discoveryConformance('aws_iam', async () => ({ type: 'aws', discoverer, refused, secrets }));
 *
 * `setup` runs once per test and returns undefined when its service is unavailable (it has already
 * called `unavailable(t, …)`: a skip locally, a failure with TOURNIQUET_REQUIRE_SERVICES=1). What the
 * suite checks:
 * - every credential event has a kind of the provider type (src/providers/kinds.ts) that the
 *   discoverer declares, and at least one credential is seen (the harness seeds some);
 * - no credential of a kind follows that kind's `complete` event;
 * - a refused list call becomes a `refused` event naming a permission, not a throw, and the refused
 *   kinds get no `complete` (a partial sync must not mark gone what it could not see);
 * - an aborted signal ends the stream without a `complete` event;
 * - no planted secret value appears in any event;
 * - every provider call goes through the given DiscoveryCall (the sync's budget and retries).
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Discoverer, DiscoveryCall, DiscoveryEvent } from '../../src/discovery/port.js';
import { isKnownKind } from '../../src/providers/kinds.js';

export interface DiscoveryHarness {
  /** The provider type in KINDS_BY_TYPE (`aws`, `vault`, `github`, `slack`). */
  type: string;
  /** A discoverer over a seeded estate. */
  discoverer: Discoverer;
  /** A discoverer of the same type whose list calls the provider refuses (403 / AccessDenied). */
  refused: Discoverer;
  /** Secret values the harness seeded (a key's secret, a token id): no event may carry them. */
  secrets: readonly string[];
  close?(): Promise<void>;
}

/** A DiscoveryCall with no budget and no retry: counts calls, classifies nothing. */
export function directCall(counter: { calls: number }): DiscoveryCall {
  return async (_what, fn) => {
    counter.calls += 1;
    return fn(AbortSignal.timeout(30_000));
  };
}

export async function collect(
  d: Discoverer,
  call: DiscoveryCall,
  signal: AbortSignal = new AbortController().signal,
): Promise<DiscoveryEvent[]> {
  const events: DiscoveryEvent[] = [];
  for await (const e of d.discover(call, signal)) events.push(e);
  return events;
}

export function discoveryConformance(
  name: string,
  setup: (t: TestContext) => Promise<DiscoveryHarness | undefined>,
): void {
  describe(`discovery conformance: ${name}`, () => {
    async function withHarness(t: TestContext, fn: (h: DiscoveryHarness) => Promise<void>) {
      const h = await setup(t);
      if (!h) return;
      try {
        await fn(h);
      } finally {
        await h.close?.();
      }
    }

    it('emits only known kinds it declares, and complete only after the last of a kind', async (t) => {
      await withHarness(t, async (h) => {
        const counter = { calls: 0 };
        const events = await collect(h.discoverer, directCall(counter));
        const creds = events.filter((e) => e.type === 'credential');
        assert.ok(creds.length > 0, 'the harness seeds credentials');
        assert.ok(counter.calls > 0, 'provider calls go through the DiscoveryCall');
        for (const k of h.discoverer.kinds) assert.ok(isKnownKind(k, h.type), `known kind ${k}`);
        const completed = new Set<string>();
        for (const e of events) {
          if (e.type === 'credential') {
            assert.ok(h.discoverer.kinds.includes(e.credential.kind), e.credential.kind);
            assert.ok(!completed.has(e.credential.kind), `${e.credential.kind} after its complete`);
            assert.ok(e.credential.providerId.length > 0);
          }
          if (e.type === 'complete') for (const k of e.kinds) completed.add(k);
        }
        assert.ok(completed.size > 0, 'a full listing completes its kinds');
        assert.ok(!events.some((e) => e.type === 'refused'));
      });
    });

    it('turns a refused list call into a refused event, not a throw, and completes nothing refused', async (t) => {
      await withHarness(t, async (h) => {
        const events = await collect(h.refused, directCall({ calls: 0 }));
        const refused = events.filter((e) => e.type === 'refused');
        assert.ok(refused.length > 0, 'a refused event');
        for (const r of refused) {
          assert.match(r.permission, /\S/);
          assert.match(r.code, /^PROVIDER_/);
        }
        const completed = events.flatMap((e) => (e.type === 'complete' ? e.kinds : []));
        assert.ok(
          h.refused.kinds.some((k) => !completed.includes(k)),
          'some kind stays incomplete after a refusal',
        );
      });
    });

    it('ends without complete when the signal is aborted', async (t) => {
      await withHarness(t, async (h) => {
        const ac = new AbortController();
        ac.abort();
        const seen: DiscoveryEvent[] = [];
        try {
          for await (const e of h.discoverer.discover(directCall({ calls: 0 }), ac.signal)) seen.push(e);
        } catch {
          // Throwing on abort is allowed; completing is not.
        }
        assert.ok(!seen.some((e) => e.type === 'complete'));
      });
    });

    it('never puts a seeded secret value in an event', async (t) => {
      await withHarness(t, async (h) => {
        assert.ok(h.secrets.length > 0, 'the harness plants secrets');
        const text = JSON.stringify(await collect(h.discoverer, directCall({ calls: 0 })));
        for (const s of h.secrets) assert.ok(!text.includes(s), 'a secret value in an event');
      });
    });
  });
}

/** What a discovery run said, by event type (for the discoverers' own tests). */
export const credentials = (events: readonly DiscoveryEvent[]) =>
  events.flatMap((e) => (e.type === 'credential' ? [e.credential] : []));
export const identities = (events: readonly DiscoveryEvent[]) =>
  events.flatMap((e) => (e.type === 'identity' ? [e.identity] : []));
export const completed = (events: readonly DiscoveryEvent[]) =>
  events.flatMap((e) => (e.type === 'complete' ? e.kinds : [])).sort();
export const refusals = (events: readonly DiscoveryEvent[]) =>
  events.flatMap((e) => (e.type === 'refused' ? [e] : []));
export const byId = (events: readonly DiscoveryEvent[], kind: string, providerId: string) =>
  credentials(events).find((c) => c.kind === kind && c.providerId === providerId);
