/**
 * Runs `fn` every `ms`, one run at a time (a tick that comes while a run is going is skipped);
 * `stop()` waits for the run in progress. The timer never keeps the process alive.
 */
export function runEvery(
  ms: number,
  fn: () => Promise<unknown>,
  onError: (e: unknown) => void,
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    // A run still going: this tick is skipped, not queued (a slow run must not build a backlog).
    if (stopped || busy) return;
    busy = true;
    running = running
      .then(fn)
      .catch(onError)
      .finally(() => (busy = false));
  }, ms);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
