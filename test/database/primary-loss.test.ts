/**
 * The primary dies under session load (kill -9 of the postmaster and every backend, like a lost
 * machine). Two Continuum node processes are given every database host; the failover runbook promotes
 * the standby; the nodes find the new primary by themselves; a recorded history of acknowledged
 * session writes is checked against the new primary. Synchronous mode: nothing acknowledged is lost.
 * Asynchronous mode: what is lost is measured and reported (test diagnostics), not hidden.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import { runFailover } from '../../src/database/failover.js';
import { startReplicatedCluster, type ReplicatedCluster } from '../../src/database/local/replicated-cluster.js';
import { startCluster, stopCluster, type ClusterNode } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { MCP_HEADERS } from '../support/in-process.js';
import { SessionLoad } from './support/session-load.js';

const ENV = { CONTINUUM_DATABASE_PROBE_EVERY: '200ms', CONTINUUM_DATABASE_HEARTBEAT: '200ms' };

async function readyz(node: ClusterNode): Promise<{ status: number; body: { database?: { state: string } } }> {
  // A node that died says so with what it wrote, rather than as a bare "fetch failed".
  const child = node.proc?.child;
  if (child && (child.exitCode !== null || child.signalCode !== null)) {
    throw new Error(`${node.id} exited (${child.exitCode ?? child.signalCode}):\n${node.proc!.stderr().slice(-4000)}`);
  }
  const res = await fetch(node.url.replace('/mcp', '/readyz'), { signal: AbortSignal.timeout(2000) }).catch((err: Error) => {
    throw new Error(`${node.id} /readyz: ${err.message} (${(err.cause as Error | undefined)?.message ?? 'no cause'})`);
  });
  return { status: res.status, body: (await res.json()) as { database?: { state: string } } };
}

for (const sync of [true, false]) {
  describe(`primary lost under session load (${sync ? 'synchronous' : 'asynchronous'} replication)`, () => {
    let db: ReplicatedCluster;
    let nodes: ClusterNode[];
    before(async () => {
      db = await startReplicatedCluster({ sync });
      nodes = await startCluster(2, db.multiHostUrl, { env: ENV });
    });
    after(async () => {
      await stopCluster(nodes ?? []);
      await db?.stop();
    });

    it('promotes the standby, the nodes follow it, sessions keep working, and acknowledged writes are checked', async (t) => {
      const load = new SessionLoad(nodes.map((n) => n.url));
      load.start(4);
      await eventually(async () => assert.ok(load.acknowledgedSessions().length >= 20, 'load running'), 15_000);
      const survivor = load.acknowledgedSessions()[0];

      await db.killPrimary();
      const killedAt = Date.now();
      after(() => load.stop());

      // Every node reports the lost primary in /readyz (what an operator, the incident detector and the
      // leader's automatic failover act on) but stays ready: the database is shared, and a balancer that
      // took every node out would turn held requests into 503s for everyone.
      await eventually(async () => {
        for (const n of nodes) {
          const r = await readyz(n);
          assert.equal(r.body.database?.state, 'no-primary');
          assert.equal(r.status, 200);
        }
      }, 10_000, 50);
      const report = await runFailover({ url: db.multiHostUrl });
      t.diagnostic(report.steps.map((s) => `${s.name} ${s.ms} ms: ${s.detail}`).join('\n'));
      assert.equal(report.outcome, 'promoted', report.reason);
      assert.equal(report.to, `127.0.0.1:${db.hosts[1].port}`);

      // The nodes find the new primary by themselves.
      await eventually(async () => {
        for (const n of nodes) assert.equal((await readyz(n)).body.database?.state, 'primary');
      }, 15_000, 50);
      await eventually(async () => assert.ok(load.firstOkAfter(killedAt) !== null, 'a write succeeds after the kill'), 15_000);
      const outageMs = load.firstOkAfter(killedAt)!;
      await new Promise((r) => setTimeout(r, 500)); // some writes on the new primary too
      await load.stop();

      // A session created before the kill still works, on either node.
      for (const n of nodes) {
        const res = await fetch(n.url, {
          method: 'POST',
          headers: { ...MCP_HEADERS, 'mcp-session-id': survivor, 'mcp-protocol-version': '2025-11-25' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: { text: 'still here' } } }),
        });
        assert.equal(res.status, 200);
        assert.match(await res.text(), /still here/);
      }

      // The history against the new primary.
      const sql = postgres(db.standbyUrl, { max: 1, onnotice: () => {} });
      try {
        const acked = load.acknowledgedSessions();
        const rows = await sql<{ id: string; log_level: string | null }[]>`SELECT id, log_level FROM continuum_sessions WHERE id = ANY(${acked}::text[])`;
        const present = new Map(rows.map((r) => [r.id, r.log_level]));
        const lostSessions = acked.filter((id) => !present.has(id));
        const levels = load.expectedLevels();
        const lostLevels = [...levels].filter(([id, level]) => present.has(id) && present.get(id) !== level);
        const ops = load.history.length;
        const unknown = load.history.filter((o) => o.outcome === 'info').length;
        t.diagnostic(
          `${sync ? 'sync' : 'async'}: ${ops} operations, ${acked.length} acknowledged sessions, ${lostSessions.length} lost; ` +
            `${levels.size} acknowledged levels checked, ${lostLevels.length} lost; ${unknown} in doubt; ` +
            `write outage ${outageMs} ms (kill to first acknowledged write); runbook ${report.totalMs} ms`,
        );
        if (sync) {
          assert.deepEqual(lostSessions, [], 'synchronous mode: no acknowledged session is lost');
          assert.deepEqual(lostLevels, [], 'synchronous mode: no acknowledged level change is lost');
        } else {
          // Measured, not hidden: the count is reported above; it is bounded by the lag (here well under a second of writes).
          assert.ok(lostSessions.length < acked.length / 2, `async loss ${lostSessions.length} of ${acked.length}`);
        }
        assert.ok(outageMs < 15_000, `write outage ${outageMs} ms`);
      } finally {
        await sql.end();
      }
    });
  });
}
