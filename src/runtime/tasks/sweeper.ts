/**
 * Singleton work of the leader: tasks whose node died are failed explicitly (never left working), and
 * tasks past their ttl are deleted.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { Store } from '../../store/port.js';

/** The key of a node's heartbeat state that carries its task owner id. */
export const TASK_OWNER_STATE = 'taskOwner';

export const ORPHAN_MESSAGE = 'The Continuum node running this task died (its heartbeat stopped) before the task finished; the work did not complete';

export interface TaskSweeperOptions {
  store: Store;
  clock: Clock;
  /** This process's task owner id (taskOwnerId). */
  ownerId: string;
  log: Logger;
  /** Whether this node runs the sweep now (the leader does). */
  isLeader: () => boolean;
  /** Nodes are checked (absent: no cluster, only this node runs tasks, orphans are never looked for). */
  failAfterMs?: number;
  everyMs: number;
}

export class TaskSweeper {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly o: TaskSweeperOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.o.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running || !this.o.isLeader()) return;
    this.running = true;
    try {
      await this.sweep();
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'task sweep failed');
    } finally {
      this.running = false;
    }
  }

  /** Fails the tasks of nodes whose heartbeat is older than failAfter (or gone), deletes expired tasks. */
  async sweep(): Promise<void> {
    const { store } = this.o;
    if (this.o.failAfterMs !== undefined) {
      const now = await store.now();
      // A node's tasks are owned by its process (state.taskOwner): a process that died and came back under
      // the same node id no longer owns the tasks it was running.
      const alive = (await store.nodes.list())
        .filter((n) => now - n.lastHeartbeat <= this.o.failAfterMs!)
        .map((n) => (typeof n.state[TASK_OWNER_STATE] === 'string' ? (n.state[TASK_OWNER_STATE] as string) : n.id));
      const failed = await store.tasks.failOrphans([...alive, this.o.ownerId], ORPHAN_MESSAGE, this.o.clock.now());
      for (const t of failed) this.o.log.warn({ taskId: t.id, sessionId: t.sessionId, owner: t.ownerNode }, 'failed a task whose node died');
    }
    const gone = await store.tasks.deleteExpiredTasks(this.o.clock.now());
    if (gone) this.o.log.info({ count: gone }, 'deleted expired tasks');
  }
}
