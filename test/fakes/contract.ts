/**
 * FAKE plumbing — a fake provider's contract with the provider's published API description, and the
 * record of every breach of it. A fake server asks its `Contract` about each request before the
 * handler runs and about each reply before it is sent; a breach is answered 500 with the problems in
 * the body AND recorded, so the test that caused it fails even when the adapter under test copes with
 * a 500 (it would retry, or report a provider error the test expected anyway):
 * - `FakeHttpServer.close()` (every test closes its fakes) rejects with the breaches, after closing;
 * - a breach nobody collected (a close() that was never awaited, or whose rejection was swallowed)
 *   sets the process exit code to 1 and is printed when the test process exits.
 * A test that sends a wrong request on purpose collects the breaches with `takeViolations()`.
 */
import { AssertionError } from 'node:assert';
import type { FakeReply, FakeRequest } from './http-fake.js';

export interface Contract {
  /** Fails fast when the fake registers a route the description does not have. */
  checkRoute(key: string): void;
  /** Problems with a request; `routeKey` is undefined when no route of the fake matched it. */
  request(req: FakeRequest, routeKey: string | undefined): string[];
  /** Problems with the reply the fake is about to send for `routeKey`. */
  response(req: FakeRequest, routeKey: string, reply: FakeReply): string[];
}

export interface Violation {
  fake: string;
  /** `METHOD /path` as received (no query string: it may carry tokens). */
  request: string;
  kind: 'request' | 'response';
  problems: string[];
}

const uncollected = new Set<Violation>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    if (uncollected.size === 0) return;
    process.stderr.write(
      `fake contract violations nobody collected (a fake was not closed, or its close() error was swallowed):\n${describe([...uncollected])}\n`,
    );
    process.exitCode = 1;
  });
}

/** The breaches one fake server has seen, until collected. */
export class ViolationLog {
  readonly #mine: Violation[] = [];

  record(v: Violation): void {
    installExitHook();
    this.#mine.push(v);
    uncollected.add(v);
  }

  /** Collects (and forgets) the breaches seen so far. */
  take(): Violation[] {
    const out = this.#mine.splice(0);
    for (const v of out) uncollected.delete(v);
    return out;
  }

  /**
   * Throws the uncollected breaches as one AssertionError (called by close()). They stay on record
   * until taken: swallowing this error does not make them go away at exit.
   */
  assertNone(label: string): void {
    const pending = [...this.#mine];
    if (pending.length === 0) return;
    throw new AssertionError({
      message: `${label} fake: ${pending.length} request(s)/response(s) broke the published API description:\n${describe(pending)}`,
    });
  }
}

function describe(list: Violation[]): string {
  return list
    .map((v) => `  ${v.fake} ${v.kind} ${v.request}:\n${v.problems.map((p) => `    - ${p}`).join('\n')}`)
    .join('\n');
}

/** The 500 a fake answers instead of a request or reply that breaks the description. */
export function violationReply(kind: Violation['kind'], problems: string[]): FakeReply {
  return {
    status: 500,
    body: {
      message: `fake contract violation: the ${kind} does not match the published API description`,
      fake_contract_violation: { kind, problems },
    },
  };
}
