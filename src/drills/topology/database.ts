import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { startReplicatedCluster, type ReplicatedCluster } from '../../database/local/replicated-cluster.js';
import { redactUrl } from '../../log/index.js';

/** The store of a drill topology, as the harness sees it. */
export interface DrillDatabase {
  /** Direct URL (the harness's own view, never cut). */
  url: string;
  description: string;
  /** Where a network store listens (each node reaches it through its own fault proxy); null for SQLite. */
  endpoint: { host: string; port: number } | null;
  /** The URL a node uses to reach the store through a proxy on this port. */
  urlVia(port: number): string;
  stop(): Promise<void>;
  /** Synchronous last resort on process exit. */
  killNow(): void;
  /** The private primary and standby (store: postgres-replicated): database faults act on it. */
  replicated?: ReplicatedCluster;
}

export async function startDrillDatabase(
  kind: 'sqlite' | 'postgres' | 'postgres-replicated',
  o: { dir: string; postgresAdminUrl: string; log: (l: string) => void },
): Promise<DrillDatabase> {
  if (kind === 'sqlite') {
    const url = `sqlite:${join(o.dir, 'drill.db')}`;
    return { url, description: 'SQLite (one shared file)', endpoint: null, urlVia: () => url, stop: async () => undefined, killNow: () => undefined };
  }
  if (kind === 'postgres-replicated') return startReplicated();
  return createThrowawayDatabase(o.postgresAdminUrl);
}

/** A fresh database on an existing PostgreSQL server, dropped (connections and all) when the drill ends. */
async function createThrowawayDatabase(adminUrl: string): Promise<DrillDatabase> {
  const name = `continuum_drill_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = (q: string) => withAdmin(adminUrl, (sql) => sql.unsafe(q));
  try {
    await admin(`CREATE DATABASE "${name}"`);
  } catch (err) {
    throw new Error(`could not create a drill database on ${redactUrl(adminUrl)}: ${(err as Error).message} (give an admin URL with --postgres)`, { cause: err });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    description: `PostgreSQL database ${name} on ${url.hostname}:${url.port || 5432}`,
    endpoint: { host: url.hostname, port: Number(url.port || 5432) },
    urlVia(port) {
      const via = new URL(url);
      via.hostname = '127.0.0.1';
      via.port = String(port);
      return via.toString();
    },
    async stop() {
      if (dropped) return;
      dropped = true;
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
    killNow: () => undefined,
  };
}

async function withAdmin<T>(url: string, op: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined, connect_timeout: 5 });
  try {
    return await op(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * A private PostgreSQL primary and a synchronous standby (streaming replication, data checksums), from
 * the database module's launcher. Nodes get the multi-host URL, so they follow the primary after a
 * promotion. (No store-link proxies here: a cut of the store link needs store: postgres.)
 */
async function startReplicated(): Promise<DrillDatabase> {
  const cluster = await startReplicatedCluster({ sync: true, settings: { max_connections: 200 } });
  return {
    url: cluster.multiHostUrl,
    description: `PostgreSQL primary ${cluster.hosts[0].port} + synchronous standby ${cluster.hosts[1].port} (streaming replication)`,
    endpoint: null,
    urlVia: () => cluster.multiHostUrl,
    stop: () => cluster.stop(),
    killNow() {
      for (const h of cluster.hosts) {
        try {
          const pid = Number(readFileSync(join(h.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
          if (pid > 0) process.kill(pid, 'SIGQUIT');
        } catch {
          // not running
        }
      }
    },
    replicated: cluster,
  };
}
