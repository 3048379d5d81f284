import type { Command } from 'commander';
import { CONTROL_CHANNEL, LEADER_LEASE } from '../cluster/index.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/port.js';
import { configFromFlags } from './options.js';

interface ClusterRow {
  id: string;
  region: string;
  url: string;
  health: 'healthy' | 'down';
  lastHeartbeatAgeMs: number;
  leader: boolean;
  draining: boolean;
  partition: string;
  startedAt: string;
}

async function withStore<T>(flags: { store?: string; config?: string }, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = configFromFlags(flags);
  const store = await openStore(config.store);
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Every registered node with its health judged by the store's clock. */
export async function clusterRows(store: Store, failAfterMs: number): Promise<{ rows: ClusterRow[]; leader: { holder: string; epoch: number } | null }> {
  const [nodes, now, lease] = await Promise.all([store.nodes.list(), store.now(), store.leases.get(LEADER_LEASE)]);
  const leaderLive = lease && lease.expiresAt > now ? lease : null;
  const rows = nodes.map((n) => {
    const age = Math.max(0, now - n.lastHeartbeat);
    return {
      id: n.id,
      region: n.region,
      url: n.url,
      health: age <= failAfterMs ? ('healthy' as const) : ('down' as const),
      lastHeartbeatAgeMs: age,
      leader: leaderLive?.holder === n.id,
      draining: n.state.draining === true,
      partition: `${String(n.state.partition ?? 'none')}/${String(n.state.side ?? 'whole')}`,
      startedAt: new Date(n.startedAt).toISOString(),
    };
  });
  return { rows, leader: leaderLive ? { holder: leaderLive.holder, epoch: leaderLive.epoch } : null };
}

function table(rows: ClusterRow[]): string {
  const head = ['NODE', 'REGION', 'HEALTH', 'LAST BEAT', 'ROLE', 'PARTITION', 'URL'];
  const body = rows.map((r) => [
    r.id,
    r.region,
    r.draining ? 'draining' : r.health,
    `${(r.lastHeartbeatAgeMs / 1000).toFixed(1)}s ago`,
    r.leader ? 'leader' : '-',
    r.partition,
    r.url,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function registerCluster(program: Command): void {
  const cluster = program.command('cluster').summary('inspect the nodes sharing a store');
  cluster
    .command('status')
    .description('List the nodes registered in the store: region, health (by the store\'s clock), last heartbeat, leader, partition state.')
    .option('-c, --config <file>', 'YAML configuration file')
    .option('--store <url>', 'the store the nodes share (default from config)')
    .option('--json', 'print JSON')
    .action(async (flags: { store?: string; config?: string; json?: boolean }) => {
      const config = configFromFlags(flags);
      const { rows, leader } = await withStore(flags, (store) => clusterRows(store, config.cluster.failAfter));
      if (flags.json) {
        process.stdout.write(JSON.stringify({ nodes: rows, leader }, null, 2) + '\n');
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('no nodes registered in this store (start one with: continuum up)\n');
        return;
      }
      const healthy = rows.filter((r) => r.health === 'healthy').length;
      process.stdout.write(`${table(rows)}\n\n${healthy} of ${rows.length} nodes healthy; leader: ${leader ? `${leader.holder} (epoch ${leader.epoch})` : 'none'}\n`);
    });

  program
    .command('drain')
    .argument('<node>', 'id of the node to drain (see continuum cluster status)')
    .description('Ask a node to drain and exit: readiness goes false, streams close with a retry hint, in-flight requests finish.')
    .option('-c, --config <file>', 'YAML configuration file')
    .option('--store <url>', 'the store the nodes share (default from config)')
    .action(async (nodeId: string, flags: { store?: string; config?: string }) => {
      await withStore(flags, async (store) => {
        const nodes = await store.nodes.list();
        if (!nodes.some((n) => n.id === nodeId)) {
          throw new Error(`no node ${nodeId} in this store; registered: ${nodes.map((n) => n.id).join(', ') || 'none'}`);
        }
        await store.bus.publish(CONTROL_CHANNEL, { k: 'drain', target: nodeId });
      });
      process.stdout.write(`asked ${nodeId} to drain\n`);
    });
}
