import type Database from 'better-sqlite3';
import { historyFromRow, leaseFromRow, type LeaseHistoryRow, type LeaseRow } from '../cluster-rows.js';
import { checkTtl } from '../lease-rules.js';
import type { JsonObject, Lease, LeaseStore } from '../port.js';
import { prepareNow } from './clock.js';

function prepare(db: Database.Database) {
  const now = prepareNow(db);
  const select = db.prepare<[string], LeaseRow>(`SELECT name, holder, epoch, expires_at FROM continuum_leases WHERE name = ?`);
  const insert = db.prepare<[string, string, number, number]>(
    `INSERT INTO continuum_leases (name, holder, epoch, expires_at) VALUES (?, ?, ?, ?)`,
  );
  const take = db.prepare<[string, number, number, string]>(
    `UPDATE continuum_leases SET holder = ?, epoch = ?, expires_at = ? WHERE name = ?`,
  );
  const extend = db.prepare<[number, string, string, number, number], LeaseRow>(
    `UPDATE continuum_leases SET expires_at = ?
      WHERE name = ? AND holder = ? AND epoch = ? AND expires_at > ?
      RETURNING name, holder, epoch, expires_at`,
  );
  // min(): releasing a lease that has already lapsed must not move its expiry forward.
  const release = db.prepare<[number, string, string, number]>(
    `UPDATE continuum_leases SET expires_at = min(expires_at, ?) WHERE name = ? AND holder = ? AND epoch = ?`,
  );
  const append = db.prepare<[string, number, string, number, number]>(
    `INSERT INTO continuum_lease_history (name, epoch, holder, record, at)
     SELECT name, epoch, holder, ?, ? FROM continuum_leases WHERE name = ? AND epoch = ? AND expires_at > ?`,
  );
  const history = db.prepare<[string], LeaseHistoryRow>(
    `SELECT epoch, holder, record, at FROM continuum_lease_history WHERE name = ? ORDER BY id`,
  );

  // Each write runs in BEGIN IMMEDIATE: the write lock is held from before the lease is read and the
  // store time taken until commit, so the read-decide-write below is atomic across processes.
  return {
    select,
    history,
    acquire: db.transaction((name: string, holder: string, ttlMs: number): Lease | null => {
      const at = now.get() as number;
      const expiresAt = at + ttlMs;
      const row = select.get(name);
      if (!row) {
        insert.run(name, holder, 1, expiresAt);
        return { name, holder, epoch: 1, expiresAt };
      }
      const current = leaseFromRow(row);
      if (current.expiresAt > at) {
        if (current.holder !== holder) return null;
        take.run(holder, current.epoch, expiresAt, name);
        return { name, holder, epoch: current.epoch, expiresAt };
      }
      // Lapsed or released: a new epoch, even for the holder it lapsed from (see lease-rules.ts).
      take.run(holder, current.epoch + 1, expiresAt, name);
      return { name, holder, epoch: current.epoch + 1, expiresAt };
    }),
    renew: db.transaction((name: string, holder: string, epoch: number, ttlMs: number): Lease | null => {
      const at = now.get() as number;
      const row = extend.get(at + ttlMs, name, holder, epoch, at);
      return row ? leaseFromRow(row) : null;
    }),
    release: db.transaction((name: string, holder: string, epoch: number): void => {
      release.run(now.get() as number, name, holder, epoch);
    }),
    append: db.transaction((name: string, epoch: number, record: string): boolean => {
      const at = now.get() as number;
      return append.run(record, at, name, epoch, at).changes > 0;
    }),
  };
}

/**
 * Leases on the SQLite file, shared by every process that opens it. Store time is the writing
 * process's clock read inside the write transaction (see clock.ts).
 */
export class SqliteLeaseStore implements LeaseStore {
  #statements?: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {}

  /** Prepared on first use, not in the constructor: the tables exist only once migrate() ran. */
  private get s(): ReturnType<typeof prepare> {
    return (this.#statements ??= prepare(this.db));
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    checkTtl(ttlMs);
    return this.s.acquire.immediate(name, holder, ttlMs);
  }

  async renew(name: string, holder: string, epoch: number, ttlMs: number): Promise<Lease | null> {
    checkTtl(ttlMs);
    return this.s.renew.immediate(name, holder, epoch, ttlMs);
  }

  async release(name: string, holder: string, epoch: number): Promise<void> {
    this.s.release.immediate(name, holder, epoch);
  }

  async get(name: string): Promise<Lease | null> {
    const row = this.s.select.get(name);
    return row ? leaseFromRow(row) : null;
  }

  async fencedAppend(name: string, epoch: number, record: JsonObject): Promise<boolean> {
    return this.s.append.immediate(name, epoch, JSON.stringify(record));
  }

  async history(name: string): Promise<{ epoch: number; holder: string; record: JsonObject; at: number }[]> {
    return this.s.history.all(name).map(historyFromRow);
  }
}
