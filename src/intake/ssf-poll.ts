/**
 * OpenID Shared Signals poll delivery (RFC 8936): the service asks the transmitter for SETs,
 * verifies each, accepts it durably, and acknowledges it in the next request. A SET that fails
 * verification or shape is reported back in `setErrs` (and not acknowledged); an infrastructure
 * failure leaves it unacknowledged, so the transmitter delivers it again.
 */
import type { IntakeConfig } from '../../schemas/intake.js';
import { resolveSecret } from '../config.js';
import { coerceError, isTourniquetError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Operations } from '../ops/port.js';
import { authenticate } from './authenticate.js';

type PollConfig = NonNullable<NonNullable<IntakeConfig['ssf']>['poll']>;

interface PollResponse {
  sets?: Record<string, string>;
  moreAvailable?: boolean;
}

export interface SsfPoller {
  /** One poll round (exposed for tests and for a manual trigger). */
  pollOnce(): Promise<{ received: number; accepted: number; rejected: number; moreAvailable: boolean }>;
  stop(): Promise<void>;
}

export function startSsfPoller(
  intake: IntakeConfig,
  ops: Operations,
  logger: Logger,
  opts: { autostart?: boolean } = {},
): SsfPoller {
  const cfg = intake.ssf!.poll as PollConfig;
  const token = resolveSecret(cfg.token);
  let ack: string[] = [];
  let setErrs: Record<string, { err: string; description: string }> = {};
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function pollOnce() {
    const res = await fetch(cfg.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({
        maxEvents: cfg.maxEvents,
        returnImmediately: true,
        ack,
        ...(Object.keys(setErrs).length ? { setErrs } : {}),
      }),
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`SSF poll answered HTTP ${res.status}`);
    // What we sent has been received: start the next round's lists empty.
    ack = [];
    setErrs = {};
    const body = (await res.json()) as PollResponse;
    const sets = Object.entries(body.sets ?? {});
    let accepted = 0;
    for (const [jti, set] of sets) {
      try {
        const claims = await authenticate('ssf', Buffer.from(set), {}, intake);
        await ops.ingestSource('ssf', claims as object);
        ack.push(jti);
        accepted++;
      } catch (e) {
        if (isTourniquetError(e) && !e.retriable) {
          const err =
            (e.details as { err?: string } | undefined)?.err ??
            (e.code === 'INVALID_INPUT' ? 'invalid_request' : 'authentication_failed');
          setErrs[jti] = { err, description: e.code };
        } else {
          logger.warn(
            { jti, code: isTourniquetError(e) ? e.code : 'INTERNAL' },
            'SET not accepted; the transmitter will redeliver it',
          );
        }
      }
    }
    return {
      received: sets.length,
      accepted,
      rejected: Object.keys(setErrs).length,
      moreAvailable: body.moreAvailable === true,
    };
  }

  const loop = () => {
    if (stopped) return;
    running = pollOnce()
      .then((r) => (timer = setTimeout(loop, r.moreAvailable ? 0 : cfg.intervalMs)))
      .catch((e: unknown) => {
        const err = coerceError(e);
        logger.warn({ code: err.code, error: err.message.slice(0, 200) }, 'SSF poll failed');
        timer = setTimeout(loop, cfg.intervalMs);
      });
  };
  if (opts.autostart !== false) loop();

  return {
    pollOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
