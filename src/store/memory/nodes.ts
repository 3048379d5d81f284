import type { JsonObject, NodeRecord, NodeRegistry } from '../port.js';

/** Nodes in process memory; store time is this process's Date.now() (the process is the store). */
export class MemoryNodeRegistry implements NodeRegistry {
  private readonly nodes = new Map<string, NodeRecord>();
  /** Last bootId each node published (kept across heartbeats that carry none, as the SQL adapters do). */
  private readonly bootIds = new Map<string, string>();

  async heartbeat(node: { id: string; region: string; url: string; state: JsonObject }): Promise<number> {
    const now = Date.now();
    const previous = this.nodes.get(node.id);
    const bootId = typeof node.state.bootId === 'string' ? node.state.bootId : undefined;
    // A new, different state.bootId means a new process under the same id: startedAt restarts.
    const restarted = bootId !== undefined && bootId !== this.bootIds.get(node.id);
    if (bootId !== undefined) this.bootIds.set(node.id, bootId);
    this.nodes.set(node.id, {
      id: node.id,
      region: node.region,
      url: node.url,
      startedAt: previous && !restarted ? previous.startedAt : now,
      lastHeartbeat: now,
      state: structuredClone(node.state),
    });
    return now;
  }

  async list(): Promise<NodeRecord[]> {
    return [...this.nodes.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((n) => structuredClone(n));
  }

  async remove(id: string): Promise<boolean> {
    this.bootIds.delete(id);
    return this.nodes.delete(id);
  }
}

