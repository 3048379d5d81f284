import type { SessionPatch, SessionRecord, SessionStore } from '../port.js';
import { sessionFromRow, sessionToParams, type SessionRow } from '../rows.js';
import type { PostgresPool } from './pool.js';

export class PostgresSessionStore implements SessionStore {
  constructor(private readonly pool: PostgresPool) {}

  async createSession(session: SessionRecord): Promise<void> {
    const [id, protocolVersion, init, clientInfo, principal, logLevel, subs, createdBy, createdAt, lastActiveAt, version] =
      sessionToParams(session);
    // A retry after an in-doubt failure could hit our own first insert and report a duplicate id.
    await this.pool.run(
      'if-not-committed',
      (sql) => sql`
        INSERT INTO continuum_sessions (id, protocol_version, initialize_request, client_info, principal,
          log_level, subscriptions, created_by, created_at, last_active_at, version)
        VALUES (${id}, ${protocolVersion}, ${init}, ${clientInfo}, ${principal},
          ${logLevel}, ${subs}, ${createdBy}, ${createdAt}, ${lastActiveAt}, ${version})`,
    );
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const rows = await this.pool.run('idempotent', (sql) => sql<SessionRow[]>`
      SELECT * FROM continuum_sessions WHERE id = ${id}`);
    return rows.length > 0 ? sessionFromRow(rows[0]) : null;
  }

  async updateSession(id: string, patch: SessionPatch): Promise<SessionRecord | null> {
    const hasLevel = patch.logLevel !== undefined;
    const hasSubs = patch.subscriptions !== undefined;
    const level = hasLevel ? patch.logLevel ?? null : null;
    const subs = hasSubs ? JSON.stringify(patch.subscriptions) : null;
    // Not retried when in doubt: a second run would bump the version twice.
    const rows = await this.pool.run('if-not-committed', (sql) => sql<SessionRow[]>`
      UPDATE continuum_sessions
         SET log_level = CASE WHEN ${hasLevel}::boolean THEN ${level}::text ELSE log_level END,
             subscriptions = CASE WHEN ${hasSubs}::boolean THEN ${subs}::text ELSE subscriptions END,
             version = version + 1
       WHERE id = ${id}
       RETURNING *`);
    return rows.length > 0 ? sessionFromRow(rows[0]) : null;
  }

  async touchSessions(ids: string[], at: number): Promise<void> {
    if (ids.length === 0) return;
    // Sorted so concurrent touches of overlapping sets tend to lock rows in the same order; a deadlock
    // that still happens (40P01) is retried. GREATEST: a late touch never moves activity back.
    const sorted = [...new Set(ids)].sort();
    await this.pool.run('idempotent', (sql) => sql`
      UPDATE continuum_sessions
         SET last_active_at = GREATEST(last_active_at, ${at}::bigint)
       WHERE id = ANY(${sorted}::text[])`);
  }

  async deleteSession(id: string): Promise<boolean> {
    // Retried even when in doubt: deleting twice leaves the same state. The cost is that a retry after
    // a committed first attempt reports false.
    const result = await this.pool.run('idempotent', (sql) => sql`
      DELETE FROM continuum_sessions WHERE id = ${id}`);
    return result.count > 0;
  }

  async expireSessions(before: number): Promise<string[]> {
    // Not retried when in doubt: a committed first attempt would make the retry return no ids, and
    // callers use the ids to clean up after the expired sessions.
    const rows = await this.pool.run('if-not-committed', (sql) => sql<{ id: string }[]>`
      DELETE FROM continuum_sessions WHERE last_active_at < ${before}::bigint RETURNING id`);
    return rows.map((r) => r.id);
  }

  async countSessions(): Promise<number> {
    const [row] = await this.pool.run('idempotent', (sql) => sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM continuum_sessions`);
    return row.n;
  }
}
