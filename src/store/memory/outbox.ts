import {
  SubscriberExists,
  type AttemptOutcome,
  type ClaimOptions,
  type NewOutboxMessage,
  type OutboxMessage,
  type OutboxStats,
  type OutboxStatus,
  type OutboxStore,
  type SubscriberKind,
  type SubscriberRecord,
  type SubscriberStatus,
} from '../outbox-port.js';

type Patch = Parameters<OutboxStore['updateSubscriber']>[1];

/** The outbox and subscribers in process memory (tests, sessions.durable=false). */
export class MemoryOutboxStore implements OutboxStore {
  private readonly messages: OutboxMessage[] = [];
  private readonly subscribers = new Map<string, SubscriberRecord>();
  private seq = 0;

  async enqueue(messages: NewOutboxMessage[]): Promise<OutboxMessage[]> {
    return messages.map((m) => {
      const existing = this.messages.find((x) => x.idempotencyKey === m.idempotencyKey);
      if (existing) return structuredClone(existing);
      const stored: OutboxMessage = {
        status: 'pending',
        attempts: 0,
        deliveredAt: null,
        lastError: null,
        ...structuredClone(m),
        seq: ++this.seq,
        claimedBy: null,
        claimedUntil: null,
      };
      this.messages.push(stored);
      return structuredClone(stored);
    });
  }

  async claimDue(o: ClaimOptions): Promise<OutboxMessage[]> {
    const heads = new Set<string>();
    const out: OutboxMessage[] = [];
    for (const m of this.messages) {
      if (m.status !== 'pending' || (o.channels !== undefined && !o.channels.includes(m.channel))) continue;
      const group = `${m.channel}\u0000${m.orderKey}`;
      if (heads.has(group)) continue;
      heads.add(group);
      if (out.length >= o.limit || m.nextAttemptAt > o.now || (m.claimedUntil !== null && m.claimedUntil > o.now)) continue;
      m.claimedBy = o.node;
      m.claimedUntil = o.now + o.leaseMs;
      out.push(structuredClone(m));
    }
    return out;
  }

  async recordAttempt(seq: number, o: AttemptOutcome): Promise<boolean> {
    const m = this.messages.find((x) => x.seq === seq);
    if (!m || m.claimedBy !== o.node) return false;
    Object.assign(m, { status: o.status, attempts: o.attempts, nextAttemptAt: o.nextAttemptAt, lastError: o.error, claimedBy: null, claimedUntil: null });
    if (o.status === 'delivered') m.deliveredAt = o.at;
    return true;
  }

  async releaseClaims(node: string): Promise<number> {
    let n = 0;
    for (const m of this.messages) {
      if (m.claimedBy !== node) continue;
      m.claimedBy = null;
      m.claimedUntil = null;
      n++;
    }
    return n;
  }

  async get(seq: number): Promise<OutboxMessage | null> {
    const m = this.messages.find((x) => x.seq === seq);
    return m ? structuredClone(m) : null;
  }

  async findByKey(key: string): Promise<OutboxMessage | null> {
    const m = this.messages.find((x) => x.idempotencyKey === key);
    return m ? structuredClone(m) : null;
  }

  async list(filter: { status?: OutboxStatus; incidentId?: string; limit?: number } = {}): Promise<OutboxMessage[]> {
    return this.messages
      .filter((m) => (!filter.status || m.status === filter.status) && (!filter.incidentId || m.incidentId === filter.incidentId))
      .slice(0, filter.limit ?? 1000)
      .map((m) => structuredClone(m));
  }

  async stats(): Promise<OutboxStats[]> {
    const groups = new Map<string, OutboxStats>();
    for (const m of this.messages) {
      const k = `${m.channel}\u0000${m.status}`;
      const g = groups.get(k) ?? { channel: m.channel, status: m.status, count: 0, oldest: m.createdAt };
      g.count++;
      g.oldest = Math.min(g.oldest, m.createdAt);
      groups.set(k, g);
    }
    return [...groups.values()].sort((a, b) => (a.channel === b.channel ? (a.status < b.status ? -1 : 1) : a.channel < b.channel ? -1 : 1));
  }

  async createSubscriber(s: SubscriberRecord): Promise<void> {
    if ([...this.subscribers.values()].some((x) => x.kind === s.kind && x.address === s.address)) throw new SubscriberExists(s.kind, s.address);
    if (this.subscribers.has(s.id)) throw new Error(`subscriber ${s.id} exists`);
    this.subscribers.set(s.id, structuredClone(s));
  }

  async getSubscriber(id: string): Promise<SubscriberRecord | null> {
    const s = this.subscribers.get(id);
    return s ? structuredClone(s) : null;
  }

  async findSubscriber(kind: SubscriberKind, address: string): Promise<SubscriberRecord | null> {
    const s = [...this.subscribers.values()].find((x) => x.kind === kind && x.address === address);
    return s ? structuredClone(s) : null;
  }

  async findSubscriberByHash(which: 'confirm' | 'unsubscribe', hash: string): Promise<SubscriberRecord | null> {
    const s = [...this.subscribers.values()].find((x) => (which === 'confirm' ? x.confirmHash : x.unsubscribeToken) === hash);
    return s ? structuredClone(s) : null;
  }

  async updateSubscriber(id: string, patch: Patch): Promise<SubscriberRecord | null> {
    const s = this.subscribers.get(id);
    if (!s) return null;
    Object.assign(s, structuredClone(patch));
    return structuredClone(s);
  }

  async listSubscribers(filter: { status?: SubscriberStatus } = {}): Promise<SubscriberRecord[]> {
    return [...this.subscribers.values()]
      .filter((s) => !filter.status || s.status === filter.status)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
      .map((s) => structuredClone(s));
  }
}
