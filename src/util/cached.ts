/** An async value computed at most once per `ttlMs`; concurrent callers share one computation. */
export function cachedFor<T>(ttlMs: number, compute: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  let at = 0;
  return () => {
    if (!value || Date.now() - at > ttlMs) {
      at = Date.now();
      // A failure is not kept: the next call computes again.
      value = compute().catch((e: unknown) => {
        value = undefined;
        throw e;
      });
    }
    return value;
  };
}
