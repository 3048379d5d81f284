/**
 * Session load with a recorded history (Jepsen's habit, facts.md section 7): every operation is logged
 * when invoked and when it completes, as ok (acknowledged to the client), fail (refused: nothing was
 * acknowledged) or info (outcome unknown: the request died in flight). After a fault, the history is
 * checked against what the database holds.
 */
import { MCP_HEADERS, initializeBody } from '../../support/in-process.js';

export interface Op {
  kind: 'create' | 'set-level';
  /** Session id (create: known once acknowledged). */
  session: string | null;
  level?: string;
  invokedAt: number;
  completedAt: number;
  outcome: 'ok' | 'fail' | 'info';
  status?: number;
}

const LEVELS = ['debug', 'info', 'notice', 'warning', 'error'];

export class SessionLoad {
  readonly history: Op[] = [];
  private stopped = false;
  private workers: Promise<void>[] = [];

  /** `urls`: the nodes' MCP URLs; each worker round-robins over them (a balancer would). */
  constructor(private readonly urls: string[]) {}

  start(workers: number): void {
    for (let w = 0; w < workers; w++) this.workers.push(this.worker(w));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }

  /** Sessions whose creation was acknowledged. */
  acknowledgedSessions(): string[] {
    return this.history.filter((o) => o.kind === 'create' && o.outcome === 'ok').map((o) => o.session!);
  }

  /** The last acknowledged level per session, for sessions with no later unknown or refused level change. */
  expectedLevels(): Map<string, string> {
    const out = new Map<string, string>();
    const tainted = new Set<string>();
    for (const o of [...this.history].sort((a, b) => a.completedAt - b.completedAt)) {
      if (o.kind !== 'set-level' || !o.session) continue;
      if (o.outcome === 'ok') out.set(o.session, o.level!);
      else tainted.add(o.session);
    }
    for (const s of tainted) out.delete(s);
    return out;
  }

  /** Time from `t` to the first write acknowledged after it (ms), or null. */
  firstOkAfter(t: number): number | null {
    const ok = this.history.filter((o) => o.outcome === 'ok' && o.invokedAt >= t).map((o) => o.completedAt);
    return ok.length ? Math.min(...ok) - t : null;
  }

  private async worker(w: number): Promise<void> {
    let n = 0;
    const mine: string[] = [];
    while (!this.stopped) {
      const url = this.urls[(w + n++) % this.urls.length];
      if (mine.length > 0 && n % 2 === 0) {
        const session = mine[n % mine.length];
        const level = LEVELS[n % LEVELS.length];
        await this.record({ kind: 'set-level', session, level }, () =>
          fetch(url, {
            method: 'POST',
            headers: { ...MCP_HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
            body: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'logging/setLevel', params: { level } }),
            signal: AbortSignal.timeout(15_000),
          }),
        );
      } else {
        const op = await this.record({ kind: 'create', session: null }, () =>
          fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(initializeBody(n)), signal: AbortSignal.timeout(15_000) }),
        );
        if (op.outcome === 'ok' && op.session) mine.push(op.session);
      }
      // A refused request (503 while no primary) is retried after a short pause, as a client would.
      const last = this.history[this.history.length - 1];
      if (last?.outcome !== 'ok') await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async record(op: Pick<Op, 'kind' | 'session' | 'level'>, send: () => Promise<Response>): Promise<Op> {
    const invokedAt = Date.now();
    let entry: Op;
    try {
      const res = await send();
      const text = await res.text();
      const ok = res.status === 200 && !/"error"\s*:/.test(text);
      const session = op.kind === 'create' ? res.headers.get('mcp-session-id') : op.session;
      // A 5xx or a JSON-RPC error means the server refused before acknowledging; nothing was promised.
      entry = { ...op, session, invokedAt, completedAt: Date.now(), outcome: ok ? 'ok' : 'fail', status: res.status };
    } catch {
      entry = { ...op, invokedAt, completedAt: Date.now(), outcome: 'info' };
    }
    this.history.push(entry);
    return entry;
  }
}
