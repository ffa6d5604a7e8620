/**
 * The production backend for the benchmark: Kafka from KAFKA_BROKERS and PostgreSQL from
 * TEST_DATABASE_URL, or a throwaway PostgreSQL cluster started the way the tests start one
 * (test/support/postgres.ts). Without KAFKA_BROKERS the Kafka + PostgreSQL rows are skipped with
 * the reason, never faked.
 */
import type { TestContext } from 'node:test';
import { createTopics, waitForBroker } from '../src/bus/kafka.js';
import { kafkaTopics } from '../test/support/kafka.js';
import { freshDatabase } from '../test/support/postgres.js';

export interface ProductionBackend {
  brokers: string[];
  /** A fresh, empty database per call. */
  database(): Promise<string>;
  /** Creates the six topics under a fresh prefix and returns the prefix. */
  topics(partitions: number): Promise<string>;
}

/**
 * freshDatabase() reports a missing service through a TestContext; outside the test runner this
 * stand-in turns that report into a reason we can print.
 */
function reasonCatcher(): { t: TestContext; reason(): string | undefined } {
  let reason: string | undefined;
  const t = { skip: (r?: string) => void (reason = r ?? 'unavailable') } as unknown as TestContext;
  return { t, reason: () => reason };
}

let counter = 0;

export async function productionBackend(): Promise<ProductionBackend | { reason: string }> {
  const raw = process.env.KAFKA_BROKERS?.trim();
  if (!raw) return { reason: 'KAFKA_BROKERS is not set' };
  const brokers = raw.split(',').map((b) => b.trim());
  const probe = reasonCatcher();
  const first = await freshDatabase(probe.t).catch((e: unknown) => {
    probe.t.skip(String(e));
    return null;
  });
  if (!first) return { reason: `no PostgreSQL: ${probe.reason() ?? 'unknown'}` };
  try {
    await waitForBroker(brokers, 30_000);
  } catch (e) {
    return { reason: `Kafka at ${raw} does not answer: ${(e as Error).message}` };
  }
  let spare: string | null = first;
  return {
    brokers,
    async database() {
      if (spare) {
        const url = spare;
        spare = null;
        return url;
      }
      const c = reasonCatcher();
      const url = await freshDatabase(c.t);
      if (!url) throw new Error(`PostgreSQL went away: ${c.reason() ?? 'unknown'}`);
      return url;
    },
    async topics(partitions) {
      const prefix = `tqbench-${process.pid}-${Date.now().toString(36)}-${++counter}`;
      // createTopics retries on its own and returns once every partition serves requests.
      await createTopics({ brokers }, kafkaTopics(prefix), partitions, { replicationFactor: 1 });
      return prefix;
    },
  };
}
