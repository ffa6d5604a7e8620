/**
 * Skip policy for tests that need a real service (Kafka, PostgreSQL, moto). On a machine where the
 * service cannot exist, the test skips with a one-line reason; in CI (`TOURNIQUET_REQUIRE_SERVICES=1`,
 * set by .ci/run) the same situation is a failure, so CI can never pass by skipping.
 */
import type { TestContext } from 'node:test';

export const servicesRequired = process.env.TOURNIQUET_REQUIRE_SERVICES === '1';

/** Call when a needed service is unavailable: fails in CI, skips elsewhere. */
export function unavailable(t: TestContext, reason: string): void {
  if (servicesRequired) throw new Error(`required service unavailable in CI: ${reason}`);
  t.skip(reason);
}
