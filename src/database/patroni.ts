/**
 * Patroni-managed PostgreSQL (the production recommendation): Patroni, with etcd as its consensus
 * store, decides failovers; Continuum reads the topology from Patroni's REST API and can ask it for a
 * switchover (planned, to a healthy standby) or a failover (to a named candidate). Nodes still find
 * the primary themselves (a multi-host URL, or HAProxy's /primary checks: deploy/patroni/).
 *
 * REST endpoints used (Patroni 3.0): GET /cluster, POST /switchover {leader, candidate},
 * POST /failover {candidate}. GET /primary answers 200 only on the leader (what HAProxy checks).
 */

export interface PatroniMember {
  name: string;
  /** leader, replica, sync_standby, standby_leader. */
  role: string;
  /** running, streaming, stopped, starting... */
  state: string;
  host: string;
  port: number;
  apiUrl?: string;
  timeline?: number;
  /** Replication lag in bytes (replicas), as Patroni reports it ('unknown' becomes null). */
  lagBytes: number | null;
}

export interface PatroniTopology {
  scope: string | null;
  leader: string | null;
  members: PatroniMember[];
  /** The REST URL that answered. */
  source: string;
}

interface ClusterJson {
  scope?: string;
  members?: { name: string; role: string; state: string; host: string; port: number; api_url?: string; timeline?: number; lag?: number | string }[];
}

export class PatroniClient {
  constructor(
    private readonly urls: string[],
    private readonly timeoutMs = 3000,
  ) {
    if (urls.length === 0) throw new Error('no Patroni REST URL configured (database.patroni.urls, e.g. http://db1:8008,http://db2:8008)');
  }

  /** The cluster as the first member that answers sees it. */
  async topology(): Promise<PatroniTopology> {
    const errors: string[] = [];
    for (const base of this.urls) {
      try {
        const res = await fetch(new URL('/cluster', base), { signal: AbortSignal.timeout(this.timeoutMs) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const body = (await res.json()) as ClusterJson;
        const members = (body.members ?? []).map((m) => ({
          name: m.name,
          role: m.role,
          state: m.state,
          host: m.host,
          port: m.port,
          apiUrl: m.api_url,
          timeline: m.timeline,
          lagBytes: typeof m.lag === 'number' ? m.lag : null,
        }));
        const leader = members.find((m) => m.role === 'leader' || m.role === 'standby_leader')?.name ?? null;
        return { scope: body.scope ?? null, leader, members, source: base };
      } catch (err) {
        errors.push(`${base}: ${(err as Error).message}`);
      }
    }
    throw new Error(`no Patroni member answered: ${errors.join('; ')}`);
  }

  /** A planned switchover: Patroni demotes the leader cleanly and promotes the candidate (or the best replica). */
  async switchover(candidate?: string): Promise<string> {
    const t = await this.topology();
    if (!t.leader) throw new Error('Patroni reports no leader: a switchover needs one (use failover)');
    return this.post('/switchover', { leader: t.leader, ...(candidate ? { candidate } : {}) });
  }

  /** A failover to a named candidate (works without a healthy leader). */
  async failover(candidate: string): Promise<string> {
    return this.post('/failover', { candidate });
  }

  private async post(path: string, body: Record<string, string>): Promise<string> {
    const errors: string[] = [];
    for (const base of this.urls) {
      try {
        const res = await fetch(new URL(path, base), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await res.text();
        if (res.status >= 500 && errors.length < this.urls.length - 1) {
          errors.push(`${base}: HTTP ${res.status} ${text}`);
          continue;
        }
        if (!res.ok) throw new Error(`Patroni refused ${path} (HTTP ${res.status}): ${text.trim()}`);
        return text.trim();
      } catch (err) {
        if ((err as Error).message.startsWith('Patroni refused')) throw err;
        errors.push(`${base}: ${(err as Error).message}`);
      }
    }
    throw new Error(`no Patroni member accepted ${path}: ${errors.join('; ')}`);
  }
}
