import type { IncomingMessage } from 'node:http';
import type { Actor } from '../access/roles.js';
import { hashSecret, type TokenService } from '../access/tokens.js';
import type { Clock } from '../core/clock.js';
import type { ApiTokenRecord } from '../store/control-port.js';
import { ApiError } from './errors.js';

/** How long a verified token is trusted without asking the store again (bounds revocation delay). */
const FRESH_MS = 30_000;

const HINT = 'send Authorization: Bearer <token>; an admin creates tokens with `continuum token create --name NAME --role viewer|responder|admin`';

/**
 * Bearer tokens against the store, with a short memory: a token verified recently keeps working while
 * the store is unreachable (detection webhooks must get through a database failover), and a revocation
 * takes effect within FRESH_MS.
 */
export class BearerAuth {
  private readonly seen = new Map<string, { token: ApiTokenRecord | null; at: number }>();

  constructor(
    private readonly tokens: TokenService,
    private readonly clock: Clock,
  ) {}

  async actorFor(req: IncomingMessage): Promise<Actor> {
    const header = req.headers.authorization;
    if (!header) throw this.unauthorized('no bearer token');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw this.unauthorized('the Authorization header is not "Bearer <token>"');
    const token = await this.lookup(m[1]);
    if (!token) throw this.unauthorized('the token is unknown or revoked');
    return { id: `token:${token.name}`, role: token.role };
  }

  private async lookup(secret: string): Promise<ApiTokenRecord | null> {
    const key = hashSecret(secret);
    const now = this.clock.now();
    const cached = this.seen.get(key);
    if (cached && now - cached.at < FRESH_MS) return cached.token;
    try {
      const token = await this.tokens.authenticate(secret);
      if (this.seen.size > 10_000) this.seen.clear();
      this.seen.set(key, { token, at: now });
      return token;
    } catch (err) {
      if (cached?.token) return cached.token;
      throw new ApiError(503, 'store_unavailable', `cannot verify the token: the store is unreachable (${(err as Error).message}); retry shortly`, {}, { 'retry-after': '2' });
    }
  }

  private unauthorized(why: string): ApiError {
    return new ApiError(401, 'unauthorized', `${why}: ${HINT}`, {}, { 'www-authenticate': 'Bearer realm="continuum"' });
  }
}
