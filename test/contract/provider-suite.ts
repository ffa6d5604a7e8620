/**
 * The provider conformance suite: every adapter behind src/providers/port.ts passes it, against a
 * fake (or emulator) at its real HTTP boundary.
 *
 *   providerConformance('github revoke_by_value', async ({ logger }) => ({ provider, ... }));
 *
 * `setup` runs once for the suite and builds the provider with the given logger (pino writing to
 * memory, level trace), so the suite can read every log line. What the suite checks:
 * - a live credential verifies alive; execute → `revoked`, the provider endpoint is called, and verify
 *   then says dead (polled within `propagationMs`);
 * - executing again → `already_revoked`, no error;
 * - a retriable fault → TourniquetError with retriable=true, and `retryAfterMs` when the fault carried
 *   one; a later attempt succeeds;
 * - a permanent fault → TourniquetError with retriable=false and a provider error code;
 * - an aborted signal → a retriable TourniquetError, nothing revoked;
 * - no secret (the planted one, nor any task secret) in any thrown error — message, stack, JSON, cause
 *   chain, util.inspect — or in any log line.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { Logger } from 'pino';
import { TourniquetError, type ErrorCode } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { Provider, ProviderTask } from '../../src/providers/port.js';

export interface ConformanceContext {
  /** Pass this logger to the provider: the suite reads what it writes. */
  logger: Logger;
}

export interface ConformanceHarness {
  provider: Provider;
  /** A credential that works right now at the fake, as a task the provider can execute. */
  makeLiveCredential(): Promise<ProviderTask>;
  /**
   * Makes the next revoke call fail in a way the provider must call retriable. Return the delay the
   * fault announced (Retry-After, reset time), if any, so the suite can check `retryAfterMs`.
   */
  injectRetriable(): void | { retryAfterMs?: number };
  /** Makes the next revoke call fail permanently (a validation error, a refusal). */
  injectPermanent(): void;
  /**
   * A secret the provider handles during the suite that must never surface: the adapter's own
   * configured credential, or a value the fake echoes back in its error bodies.
   */
  plantedSecret: string;
  /** Calls that reached the provider's revoke endpoint so far. */
  revokeCallCount(): number;
  /** How long a revocation may take to show in verify; the suite polls that long. Default 0. */
  propagationMs?: number;
  close?(): Promise<void>;
}

const PROVIDER_ERROR_CODES: readonly ErrorCode[] = [
  'PROVIDER_RATE_LIMITED',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_TIMEOUT',
  'PROVIDER_NETWORK',
  'PROVIDER_AUTH_FAILED',
  'PROVIDER_FORBIDDEN',
  'PROVIDER_REJECTED',
  'PROVIDER_UNSUPPORTED',
  'PROVIDER_MISCONFIGURED',
];

/** Tolerance on `retryAfterMs` for faults announced as epoch-second reset times. */
const RETRY_AFTER_TOLERANCE_MS = 2_000;

export function providerConformance(
  name: string,
  setup: (ctx: ConformanceContext) => Promise<ConformanceHarness>,
): void {
  describe(`provider conformance: ${name}`, () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger('trace', sink);
    const secrets = new Set<string>();
    const thrown: unknown[] = [];
    let h: ConformanceHarness;

    const live = async (): Promise<ProviderTask> => {
      const task = await h.makeLiveCredential();
      if (task.secret) secrets.add(task.secret);
      return task;
    };
    const signal = () => AbortSignal.timeout(30_000);
    const expectError = async (p: Promise<unknown>): Promise<TourniquetError> => {
      const err = await p.then(
        () => assert.fail('expected the call to fail'),
        (e: unknown) => e,
      );
      thrown.push(err);
      assert.ok(
        err instanceof TourniquetError,
        `expected a TourniquetError, got ${inspect(err, { depth: 0 })}`,
      );
      return err;
    };
    const verifyDead = async (task: ProviderTask) => {
      const deadline = Date.now() + (h.propagationMs ?? 0);
      for (;;) {
        const result = await h.provider.verify(task, signal());
        if (result.liveness === 'dead' || Date.now() >= deadline) return result;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    before(async () => {
      h = await setup({ logger });
      secrets.add(h.plantedSecret);
    });
    after(async () => {
      await h?.close?.();
    });

    it('declares what it does, and what it needs, coherently', async () => {
      const task = await live();
      const caps = h.provider.capabilities;
      assert.ok(caps.maxBatch >= 1);
      assert.ok(
        caps.rateBudget.perSecond > 0 && caps.rateBudget.burst >= 1 && caps.rateBudget.concurrency >= 1,
      );
      assert.ok(caps.propagationMs >= 0);
      assert.ok(
        caps.actions[task.credentialKind]?.includes(task.action),
        'the live task is among the declared actions',
      );
      if (h.provider.needsSecret(task)) assert.ok(task.secret, 'a task that needs the secret carries it');
    });

    it('revokes a live credential, and verify then proves it dead', async () => {
      const task = await live();
      assert.equal(
        (await h.provider.verify(task, signal())).liveness,
        'alive',
        'a live credential verifies alive',
      );
      const before = h.revokeCallCount();
      const result = await h.provider.execute(task, signal());
      assert.equal(result.outcome, 'revoked');
      assert.equal(h.revokeCallCount(), before + 1, 'the revoke endpoint was called once');
      assert.equal((await verifyDead(task)).liveness, 'dead');
    });

    it('answers already_revoked, without error, when revoking again', async () => {
      const task = await live();
      assert.equal((await h.provider.execute(task, signal())).outcome, 'revoked');
      await verifyDead(task);
      assert.equal((await h.provider.execute(task, signal())).outcome, 'already_revoked');
    });

    it('classifies a retriable fault as retriable, with the announced delay, and a retry succeeds', async () => {
      const task = await live();
      const before = h.revokeCallCount();
      const announced = h.injectRetriable();
      const err = await expectError(h.provider.execute(task, signal()));
      assert.equal(err.retriable, true);
      assert.ok(PROVIDER_ERROR_CODES.includes(err.code), `provider error code, got ${err.code}`);
      assert.equal(h.revokeCallCount(), before + 1, 'the fault was met at the revoke endpoint');
      if (announced && announced.retryAfterMs !== undefined) {
        assert.ok(err.retryAfterMs !== undefined, 'retryAfterMs is set');
        assert.ok(
          Math.abs(err.retryAfterMs - announced.retryAfterMs) <= RETRY_AFTER_TOLERANCE_MS,
          `retryAfterMs ${err.retryAfterMs} ≈ ${announced.retryAfterMs}`,
        );
      }
      assert.equal((await h.provider.execute(task, signal())).outcome, 'revoked');
    });

    it('classifies a permanent fault as permanent, with a code', async () => {
      const task = await live();
      h.injectPermanent();
      const err = await expectError(h.provider.execute(task, signal()));
      assert.equal(err.retriable, false);
      assert.ok(PROVIDER_ERROR_CODES.includes(err.code), `provider error code, got ${err.code}`);
      assert.equal(
        (await h.provider.verify(task, signal())).liveness,
        'alive',
        'a refused revoke left it alive',
      );
    });

    it('gives up with a retriable error when the signal is already aborted, revoking nothing', async () => {
      const task = await live();
      const controller = new AbortController();
      controller.abort();
      const err = await expectError(h.provider.execute(task, controller.signal));
      assert.equal(err.retriable, true);
      assert.equal((await h.provider.verify(task, signal())).liveness, 'alive');
    });

    it('never lets a secret reach an error or a log line', () => {
      assert.ok(thrown.length >= 3, 'the suite collected the errors it provoked');
      assert.ok(lines.length > 0, 'the provider logged through the given logger');
      for (const err of thrown) {
        for (const text of renderings(err)) {
          for (const secret of secrets)
            assert.ok(!text.includes(secret), 'a secret appeared in a thrown error');
        }
      }
      const log = lines.join('');
      for (const secret of secrets) assert.ok(!log.includes(secret), 'a secret appeared in a log line');
    });
  });
}

/** Every way an error might be shown: message, stack, JSON, inspect, and the same for each cause. */
function renderings(err: unknown): string[] {
  const out = [inspect(err, { depth: Infinity, showHidden: true, getters: true })];
  let current: unknown = err;
  for (let depth = 0; depth < 10 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      out.push(
        current.message,
        current.stack ?? '',
        JSON.stringify(current),
        JSON.stringify(Object.assign({}, current)),
      );
      current = current.cause;
    } else {
      out.push(typeof current === 'string' ? current : (JSON.stringify(current) ?? ''));
      current = undefined;
    }
  }
  return out;
}
