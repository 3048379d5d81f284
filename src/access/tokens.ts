import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { cryptoRandom, randomId, type Random } from '../core/random.js';
import type { ApiTokenRecord, TokenStore } from '../store/control-port.js';
import type { AuditLog } from './audit-log.js';
import type { Actor, Role } from './roles.js';

/** Secrets start with this so they are recognisable in a leaked file (and by secret scanners). */
export const TOKEN_PREFIX = 'ctm_';

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A token as shown to operators: never the secret, never its hash. */
export interface TokenView {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

export function viewToken(t: ApiTokenRecord): TokenView {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    createdAt: new Date(t.createdAt).toISOString(),
    createdBy: t.createdBy,
    revokedAt: t.revokedAt === null ? null : new Date(t.revokedAt).toISOString(),
    revokedBy: t.revokedBy,
  };
}

/** Bad token input; `status` is the HTTP status the admin API answers with. */
export class TokenError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

const NAME = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * API tokens. The secret (32 random bytes) is shown once, at creation; the store keeps only its SHA-256,
 * so a copy of the database grants nothing. A plain hash (no salt, no stretching) is enough because the
 * secret is random, not a password: it cannot be guessed from a dictionary.
 */
export class TokenService {
  constructor(
    private readonly store: TokenStore,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly random: Random = cryptoRandom,
  ) {}

  async create(name: string, role: Role, by: Actor): Promise<{ token: TokenView; secret: string }> {
    if (!NAME.test(name)) throw new TokenError(`token name "${name}" must be 1-64 letters, digits, . _ @ -`);
    const active = (await this.store.listTokens()).find((t) => t.name === name && t.revokedAt === null);
    if (active) throw new TokenError(`a token named "${name}" exists (${active.id}); revoke it first or pick another name`, 409);
    const secret = TOKEN_PREFIX + randomId(this.random, 32);
    const record: ApiTokenRecord = {
      id: `tok_${randomId(this.random, 9)}`,
      name,
      role,
      secretHash: hashSecret(secret),
      createdAt: this.clock.now(),
      createdBy: by.id,
      revokedAt: null,
      revokedBy: null,
    };
    await this.store.createToken(record);
    await this.audit.record(by, 'token.created', record.id, { name, role });
    return { token: viewToken(record), secret };
  }

  async list(): Promise<TokenView[]> {
    return (await this.store.listTokens()).map(viewToken);
  }

  /** Revokes by id or by the name of an active token. */
  async revoke(idOrName: string, by: Actor): Promise<TokenView> {
    const all = await this.store.listTokens();
    const target = all.find((t) => t.id === idOrName) ?? all.find((t) => t.name === idOrName && t.revokedAt === null);
    if (!target) throw new TokenError(`no token with id or active name "${idOrName}" (continuum token list shows them)`, 404);
    const revoked = await this.store.revokeToken(target.id, this.clock.now(), by.id);
    if (!revoked) throw new TokenError(`token ${target.id} disappeared while being revoked`);
    await this.audit.record(by, 'token.revoked', revoked.id, { name: revoked.name, role: revoked.role });
    return viewToken(revoked);
  }

  /** The active token a presented secret belongs to, or null (unknown or revoked). */
  async authenticate(secret: string): Promise<ApiTokenRecord | null> {
    if (!secret.startsWith(TOKEN_PREFIX)) return null;
    const t = await this.store.findTokenByHash(hashSecret(secret));
    return t && t.revokedAt === null ? t : null;
  }
}
