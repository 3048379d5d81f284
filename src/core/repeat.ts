/**
 * Runs `fn` every `intervalMs`, never overlapping itself: the next run is scheduled once this one has
 * settled. A failed run is reported to `onError` and the loop goes on. The timer does not keep the
 * process alive.
 */
export function repeat(intervalMs: number, fn: () => Promise<unknown>, onError: (err: Error) => void): { stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const schedule = (): void => {
    timer = setTimeout(() => {
      fn()
        .catch(onError)
        .finally(() => {
          if (!stopped) schedule();
        });
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
