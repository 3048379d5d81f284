import type { McpServer } from '@modelcontextprotocol/server';

/**
 * Everything one server instance starts (subscription listeners, timers of
 * in-flight tools) is registered here and torn down when that instance
 * closes.
 *
 * Why: a host such as Continuum may create one instance per session and
 * evict or recreate it at any time. Work tied to an instance must therefore
 * end with it; state that must survive instances lives at module level.
 */
export interface InstanceScope {
  /** Aborted when the instance closes; combine it with a request's own signal. */
  readonly signal: AbortSignal;
  /** Runs `cleanup` once when the instance closes. Returns a function that cancels the registration. */
  onClose(cleanup: () => void): () => void;
}

export function createInstanceScope(mcp: McpServer): InstanceScope {
  const controller = new AbortController();
  const cleanups = new Set<() => void>();

  // Chain instead of overwrite: the host serving this instance may have set
  // (or may later wrap) its own onclose handler.
  const previousOnClose = mcp.server.onclose;
  mcp.server.onclose = () => {
    controller.abort(new Error('server instance closed'));
    for (const cleanup of cleanups) {
      try {
        cleanup();
      } catch {
        // One failing cleanup must not keep the others from running.
      }
    }
    cleanups.clear();
    previousOnClose?.();
  };

  return {
    signal: controller.signal,
    onClose(cleanup) {
      if (controller.signal.aborted) {
        cleanup();
        return () => {};
      }
      cleanups.add(cleanup);
      return () => cleanups.delete(cleanup);
    },
  };
}
