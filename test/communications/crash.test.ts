/**
 * Killed between commit and send: a real `continuum up` process commits an incident's alert to the
 * outbox and starts sending it to a receiver that never answers that first request; the process is
 * killed (SIGKILL) with the send in flight and started again. The message is delivered again with
 * the same idempotency key, and the receiver, deduping on that key, has it exactly once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuditLog } from '../../src/access/audit-log.js';
import { TokenService } from '../../src/access/tokens.js';
import { systemClock } from '../../src/core/clock.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { startNode, type NodeProcess } from '../support/node-process.js';
import { freePort } from '../support/ports.js';
import { startHttpReceiver } from './receiver.js';

describe('outbox across a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'continuum-comms-crash-'));
  const nodes: NodeProcess[] = [];
  after(async () => {
    for (const n of nodes) await n.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('redelivers a message whose send was cut by kill -9, with the same key, once per key at the receiver', async () => {
    const receiver = await startHttpReceiver();
    receiver.hang(1); // the first delivery never gets an answer
    const db = join(dir, 'c.db');
    const store = new SqliteStore(db);
    await store.migrate();
    const { secret } = await new TokenService(store.tokens, new AuditLog(store.audit, systemClock), systemClock).create('ops', 'responder', { id: 'cli:test', role: 'admin' });
    await store.close();
    const config = join(dir, 'continuum.yaml');
    writeFileSync(
      config,
      [
        'incidents:',
        '  detection: { enabled: false }',
        '  timers: { enabled: false }',
        'communications:',
        '  channels:',
        `    - { type: webhook, name: hook, url: "${receiver.base}/hook", timeout: 60s }`,
        '  routes:',
        '    - { channel: hook }',
        '  outbox: { interval: 100ms }',
      ].join('\n'),
    );
    const port = await freePort();
    const args = ['--port', String(port), '--store', `sqlite:${db}`, '--node-id', 'comms-crash', '--config', config];
    try {
      let node = await startNode(args);
      nodes.push(node);
      const base = node.url.replace(/\/mcp$/, '');
      const res = await fetch(`${base}/api/v1/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'EU region down', severity: 'P2', components: ['gateway'] }),
      });
      assert.equal(res.status, 201);
      const { incident } = (await res.json()) as { incident: { id: string } };

      // The send is in flight (the receiver holds it); the message is committed and claimed.
      await receiver.until(() => receiver.hits.length === 1);
      const key = receiver.hits[0].key;
      assert.match(key ?? '', /^msg_/);
      assert.deepEqual(await node.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
      const peek = new SqliteStore(db);
      const m = await peek.outbox.findByKey(key!);
      await peek.close();
      assert.equal(m?.status, 'pending', 'committed before the send, not marked delivered');
      assert.equal(m?.claimedBy, 'comms-crash');
      assert.equal(receiver.accepted.length, 0);

      node = await startNode(args);
      nodes.push(node);
      await receiver.until(() => receiver.accepted.length === 1);
      assert.equal(receiver.accepted[0].key, key, 'redelivered with the same idempotency key');
      assert.equal((receiver.accepted[0].body as { incident: { id: string } }).incident.id, incident.id);
      assert.deepEqual(receiver.hits.map((h) => h.key), [key, key], 'sent twice (once cut by the crash), received once per key');

      // The outbox has it delivered; the restarted node's attempt is on the incident's timeline.
      const r2 = await fetch(`${base}/api/v1/incidents/${incident.id}`, { headers: { authorization: `Bearer ${secret}` } });
      const { timeline } = (await r2.json()) as { timeline: { what: string }[] };
      assert.ok(timeline.some((t) => /Paged \(attempt 1, initial\): hook ok/.test(t.what)), timeline.map((t) => t.what).join('\n'));
      const q = await fetch(`${base}/api/v1/communications/outbox`, { headers: { authorization: `Bearer ${secret}` } });
      const queue = (await q.json()) as { channels: { channel: string; status: string; count: number }[] };
      assert.deepEqual(queue.channels.map((c) => [c.channel, c.status, c.count]), [['hook', 'delivered', 1]]);
      await node.kill('SIGTERM');
    } finally {
      await receiver.close();
    }
  });
});
