/**
 * Retries `check` until it passes or `timeoutMs` runs out, then rethrows its last failure. For effects
 * that cross processes with no event to wait on (a bus hint reaching another node, a health check).
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
