/**
 * Automatic failover for plain streaming replication (database.failover.mode = auto). The runbook
 * (failover.ts) starts only when all of these hold:
 *   - this node saw "no primary" (every host answered, none is a writable primary) for confirmAfter;
 *   - this node was the cluster's leader the last time it saw a primary. The leader lease lives in the
 *     database, so nobody can take it while there is no primary: the last leader stays the only one
 *     entitled to act, even after its own lease has run out;
 *   - a quorum of the cluster's members (counted per the partition policy: nodes or regions) report
 *     "no primary" too, asked over HTTP (/readyz carries each node's database view), since the store
 *     they would normally talk through is what failed. A node cut off from its peers is a minority
 *     and never promotes;
 *   - right before running, a fresh probe still finds no primary (the runbook is also told to refuse
 *     if one answers: two runbooks must never promote two standbys).
 * After a run (promoted, refused or failed) it waits for a primary to be seen again before it can
 * start another, so a refusal is not retried in a loop: an operator decides (`continuum db failover --force`).
 */
import type { Logger } from 'pino';
import { decide, type PartitionThresholds } from '../cluster/partition.js';
import type { DatabaseConfig } from './config.js';
import { runFailover, type FailoverReport, type FailoverStep } from './failover.js';
import type { DatabaseView } from './monitor.js';

export interface Member {
  id: string;
  region: string;
  /** The node's MCP URL (its /readyz is asked). */
  url: string;
}

export interface Vote {
  id: string;
  /** The peer's database state, or null when it did not answer. */
  state: string | null;
}

export interface AutoFailoverOptions {
  url: string;
  config: DatabaseConfig;
  self: { id: string; region: string };
  /** This node's leader lease, now. */
  isLeader: () => boolean;
  /** This node's latest database view (DatabaseMonitor.view). */
  view: () => DatabaseView;
  /** A fresh probe (DatabaseMonitor.tick). */
  probe: () => Promise<DatabaseView>;
  /** The cluster's members as last seen while the store answered (including this node). */
  members: () => Member[];
  quorumBy: PartitionThresholds['quorumBy'];
  log: Logger;
  /** Asks the peers; default: GET <peer>/readyz and read `database.state`. */
  askPeers?: (peers: Member[]) => Promise<Vote[]>;
  onStep?: (step: FailoverStep) => void;
  onReport?: (report: FailoverReport) => void;
  now?: () => number;
}

export type TriggerDecision = { run: true; reason: string } | { run: false; reason: string };

/** The pure decision, for tests and for the lead's wiring. */
export function shouldFailOver(input: {
  view: DatabaseView;
  wasLeaderAtLoss: boolean;
  armed: boolean;
  now: number;
  confirmAfterMs: number;
  members: Member[];
  self: { id: string; region: string };
  agreeing: string[];
  quorumBy: PartitionThresholds['quorumBy'];
}): TriggerDecision {
  const { view } = input;
  if (view.state !== 'no-primary') return { run: false, reason: `database state is ${view.state}` };
  if (!input.armed) return { run: false, reason: 'a failover already ran since the primary was last seen' };
  if (!input.wasLeaderAtLoss) return { run: false, reason: 'this node was not the leader when the primary was last seen' };
  const lost = input.now - (view.noPrimarySince ?? input.now);
  if (lost < input.confirmAfterMs) return { run: false, reason: `no primary for ${lost} ms, waiting ${input.confirmAfterMs} ms` };
  const members = input.members.some((m) => m.id === input.self.id) ? input.members : [...input.members, { ...input.self, url: '' }];
  const agreeing = new Set([input.self.id, ...input.agreeing]);
  // The partition policy's quorum count, applied to "who agrees the primary is gone".
  const d = decide({ storeReachable: false, members, reachable: [...agreeing], self: input.self.id }, Number.MAX_SAFE_INTEGER, { shortMs: 0, longMs: 0, quorumBy: input.quorumBy });
  if (d.side === 'minority') return { run: false, reason: `only ${agreeing.size} of ${members.length} members agree no primary answers: a minority never promotes` };
  return { run: true, reason: `${agreeing.size} of ${members.length} members agree no primary answers for ${lost} ms (${input.quorumBy} quorum)` };
}

export class AutoFailover {
  private wasLeaderAtLoss = false;
  private armed = true;
  private running?: Promise<FailoverReport | null>;
  private readonly now: () => number;
  last: { decision: TriggerDecision; report: FailoverReport | null } | null = null;

  constructor(private readonly o: AutoFailoverOptions) {
    this.now = o.now ?? (() => Date.now());
  }

  /** Call after each database view (DatabaseMonitor onView). Starts the runbook when the conditions hold. */
  observe(view: DatabaseView): Promise<FailoverReport | null> {
    if (view.state === 'primary') {
      this.wasLeaderAtLoss = this.o.isLeader();
      this.armed = true;
      return Promise.resolve(null);
    }
    if (this.running || view.state !== 'no-primary' || !this.armed || !this.wasLeaderAtLoss) return Promise.resolve(null);
    this.running = this.consider(view).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async consider(view: DatabaseView): Promise<FailoverReport | null> {
    const members = this.o.members();
    const peers = members.filter((m) => m.id !== this.o.self.id);
    const votes = await (this.o.askPeers ?? askPeersOverHttp)(peers);
    const decision = shouldFailOver({
      view,
      wasLeaderAtLoss: this.wasLeaderAtLoss,
      armed: this.armed,
      now: this.now(),
      confirmAfterMs: this.o.config.failover.confirmAfter,
      members,
      self: this.o.self,
      agreeing: votes.filter((v) => v.state === 'no-primary').map((v) => v.id),
      quorumBy: this.o.quorumBy,
    });
    if (!decision.run) {
      this.last = { decision, report: null };
      return null;
    }
    const fresh = await this.o.probe();
    if (fresh.state !== 'no-primary') {
      this.last = { decision: { run: false, reason: `a fresh probe finds ${fresh.state}` }, report: null };
      return null;
    }
    this.armed = false;
    this.o.log.warn({ reason: decision.reason }, 'database: starting the failover runbook');
    const report = await runFailover({
      url: this.o.url,
      requireNoPrimary: true,
      fenceCommand: this.o.config.failover.fenceCommand,
      repointCommand: this.o.config.failover.repointCommand,
      onStep: (s) => {
        this.o.log.warn({ step: s.name, ok: s.ok, ms: s.ms }, `failover: ${s.name}: ${s.detail}`);
        this.o.onStep?.(s);
      },
    });
    this.o.log.warn({ outcome: report.outcome, to: report.to, totalMs: report.totalMs, reason: report.reason }, `database failover ${report.outcome}`);
    this.last = { decision, report };
    this.o.onReport?.(report);
    return report;
  }
}

/** Each peer's database state from its /readyz (any status code: a not-ready node still answers). */
export async function askPeersOverHttp(peers: Member[], timeoutMs = 1000): Promise<Vote[]> {
  return Promise.all(
    peers.map(async (p) => {
      try {
        const u = new URL(p.url);
        u.pathname = '/readyz';
        const res = await fetch(u, { signal: AbortSignal.timeout(timeoutMs) });
        const body = (await res.json()) as { database?: { state?: string } };
        return { id: p.id, state: body.database?.state ?? null };
      } catch {
        return { id: p.id, state: null };
      }
    }),
  );
}
