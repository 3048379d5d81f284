import type Database from 'better-sqlite3';
import type { ApiTokenRecord, TokenStore } from '../control-port.js';
import { tokenFromRow, type TokenRow } from '../control-rows.js';

function prepare(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO continuum_api_tokens (id, name, role, secret_hash, created_at, created_by, revoked_at, revoked_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const byHash = db.prepare<[string], TokenRow>(`SELECT * FROM continuum_api_tokens WHERE secret_hash = ?`);
  const byId = db.prepare<[string], TokenRow>(`SELECT * FROM continuum_api_tokens WHERE id = ?`);
  const all = db.prepare<[], TokenRow>(`SELECT * FROM continuum_api_tokens ORDER BY created_at, id`);
  const revoke = db.prepare<[number, string, string]>(
    `UPDATE continuum_api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`,
  );
  return {
    byHash,
    byId,
    all,
    create: db.transaction((t: ApiTokenRecord) =>
      void insert.run(t.id, t.name, t.role, t.secretHash, t.createdAt, t.createdBy, t.revokedAt, t.revokedBy),
    ),
    revoke: db.transaction((id: string, at: number, by: string) => {
      revoke.run(at, by, id);
      return byId.get(id);
    }),
  };
}

export class SqliteTokenStore implements TokenStore {
  #statements?: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {}

  /** Prepared on first use: the tables exist only once migrate() ran. */
  private get s(): ReturnType<typeof prepare> {
    return (this.#statements ??= prepare(this.db));
  }

  async createToken(token: ApiTokenRecord): Promise<void> {
    this.s.create.immediate(token);
  }

  async findTokenByHash(secretHash: string): Promise<ApiTokenRecord | null> {
    const row = this.s.byHash.get(secretHash);
    return row ? tokenFromRow(row) : null;
  }

  async getToken(id: string): Promise<ApiTokenRecord | null> {
    const row = this.s.byId.get(id);
    return row ? tokenFromRow(row) : null;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    return this.s.all.all().map(tokenFromRow);
  }

  async revokeToken(id: string, at: number, by: string): Promise<ApiTokenRecord | null> {
    const row = this.s.revoke.immediate(id, at, by);
    return row ? tokenFromRow(row) : null;
  }
}
