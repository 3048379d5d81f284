import type { ApiTokenRecord, TokenStore } from '../control-port.js';
import { tokenFromRow, type TokenRow } from '../control-rows.js';
import type { PostgresPool } from './pool.js';

export class PostgresTokenStore implements TokenStore {
  constructor(private readonly pool: PostgresPool) {}

  async createToken(t: ApiTokenRecord): Promise<void> {
    // Not retried when in doubt: a retry could meet our own insert and report a duplicate.
    await this.pool.run('if-not-committed', (sql) => sql`
      INSERT INTO continuum_api_tokens (id, name, role, secret_hash, created_at, created_by, revoked_at, revoked_by)
      VALUES (${t.id}, ${t.name}, ${t.role}, ${t.secretHash}, ${t.createdAt}::bigint, ${t.createdBy},
              ${t.revokedAt}::bigint, ${t.revokedBy})`);
  }

  async findTokenByHash(secretHash: string): Promise<ApiTokenRecord | null> {
    const rows = await this.pool.run('idempotent', (sql) => sql<TokenRow[]>`
      SELECT * FROM continuum_api_tokens WHERE secret_hash = ${secretHash}`);
    return rows.length > 0 ? tokenFromRow(rows[0]) : null;
  }

  async getToken(id: string): Promise<ApiTokenRecord | null> {
    const rows = await this.pool.run('idempotent', (sql) => sql<TokenRow[]>`
      SELECT * FROM continuum_api_tokens WHERE id = ${id}`);
    return rows.length > 0 ? tokenFromRow(rows[0]) : null;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    const rows = await this.pool.run('idempotent', (sql) => sql<TokenRow[]>`
      SELECT * FROM continuum_api_tokens ORDER BY created_at, id`);
    return rows.map(tokenFromRow);
  }

  async revokeToken(id: string, at: number, by: string): Promise<ApiTokenRecord | null> {
    // coalesce keeps the first revocation, which also makes a retry harmless.
    const rows = await this.pool.run('idempotent', (sql) => sql<TokenRow[]>`
      UPDATE continuum_api_tokens
         SET revoked_at = coalesce(revoked_at, ${at}::bigint), revoked_by = coalesce(revoked_by, ${by})
       WHERE id = ${id}
      RETURNING *`);
    return rows.length > 0 ? tokenFromRow(rows[0]) : null;
  }
}
