import type Database from 'better-sqlite3';
import type { SessionPatch, SessionRecord, SessionStore } from '../port.js';
import { SESSION_COLUMNS, sessionFromRow, sessionToParams, type SessionRow } from '../rows.js';

const COLUMNS = SESSION_COLUMNS.join(', ');

function prepare(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO continuum_sessions (${COLUMNS}) VALUES (${SESSION_COLUMNS.map(() => '?').join(', ')})`,
  );
  const select = db.prepare<[string], SessionRow>(`SELECT ${COLUMNS} FROM continuum_sessions WHERE id = ?`);
  // A patch field is applied only when its flag is 1, so absent fields keep their stored value while an
  // explicit null still clears logLevel.
  const update = db.prepare<[number, string | null, number, string | null, string], SessionRow>(
    `UPDATE continuum_sessions
        SET log_level = CASE WHEN ? THEN ? ELSE log_level END,
            subscriptions = CASE WHEN ? THEN ? ELSE subscriptions END,
            version = version + 1
      WHERE id = ?
      RETURNING ${COLUMNS}`,
  );
  // max(): a late, coalesced touch from another node must not move activity back in time.
  const touch = db.prepare<[number, string]>(
    `UPDATE continuum_sessions SET last_active_at = max(last_active_at, ?) WHERE id = ?`,
  );
  const remove = db.prepare<[string]>(`DELETE FROM continuum_sessions WHERE id = ?`);
  const expire = db
    .prepare<[number], string>(`DELETE FROM continuum_sessions WHERE last_active_at < ? RETURNING id`)
    .pluck();
  const count = db.prepare<[], number>(`SELECT count(*) FROM continuum_sessions`).pluck();

  // Every write runs in BEGIN IMMEDIATE: it takes the write lock up front, so a writer in another
  // process makes us wait (busy_timeout) instead of failing with SQLITE_BUSY on lock upgrade.
  return {
    select,
    count,
    create: db.transaction((params: unknown[]) => void insert.run(...params)),
    update: db.transaction((id: string, patch: SessionPatch) => {
      const hasLevel = patch.logLevel !== undefined;
      const hasSubs = patch.subscriptions !== undefined;
      return update.get(
        hasLevel ? 1 : 0,
        hasLevel ? patch.logLevel ?? null : null,
        hasSubs ? 1 : 0,
        hasSubs ? JSON.stringify(patch.subscriptions) : null,
        id,
      );
    }),
    touch: db.transaction((ids: string[], at: number) => {
      for (const id of ids) touch.run(at, id);
    }),
    remove: db.transaction((id: string) => remove.run(id).changes > 0),
    expire: db.transaction((before: number) => expire.all(before)),
  };
}

export class SqliteSessionStore implements SessionStore {
  #statements?: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {}

  /** Prepared on first use, not in the constructor: the tables exist only once migrate() ran. */
  private get s(): ReturnType<typeof prepare> {
    return (this.#statements ??= prepare(this.db));
  }

  async createSession(session: SessionRecord): Promise<void> {
    this.s.create.immediate(sessionToParams(session));
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const row = this.s.select.get(id);
    return row ? sessionFromRow(row) : null;
  }

  async updateSession(id: string, patch: SessionPatch): Promise<SessionRecord | null> {
    const row = this.s.update.immediate(id, patch);
    return row ? sessionFromRow(row) : null;
  }

  async touchSessions(ids: string[], at: number): Promise<void> {
    if (ids.length > 0) this.s.touch.immediate(ids, at);
  }

  async deleteSession(id: string): Promise<boolean> {
    return this.s.remove.immediate(id);
  }

  async expireSessions(before: number): Promise<string[]> {
    return this.s.expire.immediate(before);
  }

  async countSessions(): Promise<number> {
    return this.s.count.get() ?? 0;
  }
}
