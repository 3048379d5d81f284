import type { Clock } from '../core/clock.js';
import type { AuditEntry, AuditStore } from '../store/control-port.js';
import type { JsonObject } from '../store/port.js';
import { AuditChainVerifier, type AuditVerdict } from './audit-verify.js';
import type { Actor } from './roles.js';

const PAGE = 1000;

/** Keys whose values never go into the audit log, wherever they appear in details. */
const SECRET_KEY = /secret|token$|password|authorization|routing_?key/i;

/**
 * The operator action log: who did what to which target, when. Append-only and hash-chained in the
 * store; `verify` recomputes the chain.
 */
export class AuditLog {
  constructor(
    private readonly store: AuditStore,
    private readonly clock: Clock,
  ) {}

  record(actor: Actor, action: string, target: string, details: JsonObject = {}): Promise<AuditEntry> {
    return this.store.appendAudit({ at: this.clock.now(), actor: actor.id, role: actor.role, action, target, details: withoutSecrets(details) });
  }

  /** Entries after a position, oldest first. */
  list(afterPosition = 0, limit = PAGE): Promise<AuditEntry[]> {
    return this.store.readAudit(afterPosition, limit);
  }

  async verify(): Promise<AuditVerdict> {
    const verifier = new AuditChainVerifier();
    let after = 0;
    for (;;) {
      const page = await this.store.readAudit(after, PAGE);
      if (page.length === 0 || !verifier.feed(page)) break;
      after = page[page.length - 1].position;
    }
    return verifier.verdict();
  }
}

/** A copy of details with secret-looking keys replaced: defence in depth, callers pass none. */
export function withoutSecrets(details: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(details)) {
    if (SECRET_KEY.test(k)) out[k] = '[redacted]';
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) out[k] = withoutSecrets(v);
    else out[k] = v;
  }
  return out;
}
