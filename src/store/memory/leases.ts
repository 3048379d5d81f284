import type { JsonObject, Lease, LeaseStore } from '../port.js';
import { checkTtl } from '../lease-rules.js';

interface HistoryEntry {
  epoch: number;
  holder: string;
  record: JsonObject;
  at: number;
}

/**
 * Leases in process memory; store time is this process's Date.now(). Each method runs without an await
 * between its read and its write, so it is atomic with respect to every other call on this store.
 */
export class MemoryLeaseStore implements LeaseStore {
  private readonly leases = new Map<string, Lease>();
  private readonly histories = new Map<string, HistoryEntry[]>();

  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    checkTtl(ttlMs);
    const now = Date.now();
    const current = this.leases.get(name);
    let next: Lease;
    if (!current) {
      next = { name, holder, epoch: 1, expiresAt: now + ttlMs };
    } else if (current.expiresAt > now) {
      if (current.holder !== holder) return null;
      next = { ...current, expiresAt: now + ttlMs };
    } else {
      // Lapsed: a new term even for the same holder, since someone else may have held it in between.
      next = { name, holder, epoch: current.epoch + 1, expiresAt: now + ttlMs };
    }
    this.leases.set(name, next);
    return { ...next };
  }

  async renew(name: string, holder: string, epoch: number, ttlMs: number): Promise<Lease | null> {
    checkTtl(ttlMs);
    const now = Date.now();
    const current = this.leases.get(name);
    if (!current || current.holder !== holder || current.epoch !== epoch || current.expiresAt <= now) return null;
    current.expiresAt = now + ttlMs;
    return { ...current };
  }

  async release(name: string, holder: string, epoch: number): Promise<void> {
    const current = this.leases.get(name);
    if (current && current.holder === holder && current.epoch === epoch) {
      current.expiresAt = Math.min(current.expiresAt, Date.now());
    }
  }

  async get(name: string): Promise<Lease | null> {
    const current = this.leases.get(name);
    return current ? { ...current } : null;
  }

  async fencedAppend(name: string, epoch: number, record: JsonObject): Promise<boolean> {
    const now = Date.now();
    const current = this.leases.get(name);
    if (!current || current.epoch !== epoch || current.expiresAt <= now) return false;
    const history = this.histories.get(name) ?? [];
    history.push({ epoch, holder: current.holder, record: structuredClone(record), at: now });
    this.histories.set(name, history);
    return true;
  }

  async history(name: string): Promise<{ epoch: number; holder: string; record: JsonObject; at: number }[]> {
    return structuredClone(this.histories.get(name) ?? []);
  }
}
