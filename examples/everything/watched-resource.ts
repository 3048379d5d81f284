/**
 * The subscribable resource's state. It lives at module level on purpose:
 * every server instance in this process (one per session, possibly evicted
 * and recreated by the host) reads and watches the same content and version.
 */

export const WATCHED_RESOURCE_URI = 'test://watched-resource';

/** While anyone is subscribed, the content changes on its own this often. */
const AUTO_UPDATE_INTERVAL_MS = 10_000;

export interface WatchedResourceSnapshot {
  version: number;
  updatedAt: string;
  text: string;
}

type ChangeListener = (snapshot: WatchedResourceSnapshot) => void;

let current = snapshot(0, 'Watched resource content');
const listeners = new Set<ChangeListener>();
let autoUpdateTimer: NodeJS.Timeout | undefined;

function snapshot(version: number, note: string): WatchedResourceSnapshot {
  const updatedAt = new Date().toISOString();
  return { version, updatedAt, text: `${note} (version ${version}, updated ${updatedAt})` };
}

export function readWatchedResource(): WatchedResourceSnapshot {
  return current;
}

/** Replaces the content, bumps the version and tells every watcher. */
export function updateWatchedResource(note = 'Watched resource content'): WatchedResourceSnapshot {
  current = snapshot(current.version + 1, note);
  for (const listener of listeners) {
    try {
      listener(current);
    } catch {
      // A broken watcher (e.g. a closed instance) must not starve the rest.
    }
  }
  return current;
}

/**
 * Registers a watcher; returns the function that removes it.
 *
 * The auto-update timer only runs while at least one watcher exists, so an
 * idle process has no timer at all, and it is unref'd so it never keeps the
 * process alive on its own.
 */
export function watchResource(listener: ChangeListener): () => void {
  listeners.add(listener);
  if (autoUpdateTimer === undefined) {
    autoUpdateTimer = setInterval(() => updateWatchedResource('Automatic update'), AUTO_UPDATE_INTERVAL_MS);
    autoUpdateTimer.unref();
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && autoUpdateTimer !== undefined) {
      clearInterval(autoUpdateTimer);
      autoUpdateTimer = undefined;
    }
  };
}
