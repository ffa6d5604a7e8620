/**
 * Runs `fn` every `ms`, one run at a time (a slow run delays the next instead of overlapping it);
 * `stop()` waits for the run in progress. The timer never keeps the process alive.
 */
export function runEvery(
  ms: number,
  fn: () => Promise<unknown>,
  onError: (e: unknown) => void,
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(fn).catch(onError);
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
