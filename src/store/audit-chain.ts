/**
 * The audit log's hash chain, shared by every adapter (which chains entries as it appends them) and by
 * the verifier (which recomputes the chain). An entry's hash covers its canonical content and the hash
 * of the entry before it, so editing an entry breaks its own hash and deleting one breaks the link of
 * the entry after it.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { AuditEntry, NewAuditEntry } from './control-port.js';

export const GENESIS_HASH = '0'.repeat(64);

export function auditEntryHash(position: number, prevHash: string, e: NewAuditEntry): string {
  const content = canonicalJson({
    position,
    prevHash,
    at: e.at,
    actor: e.actor,
    role: e.role,
    action: e.action,
    target: e.target,
    details: e.details,
  });
  return createHash('sha256').update(content).digest('hex');
}

/** The entry that follows `last` (or starts the chain). */
export function chainEntry(last: { position: number; hash: string } | null, e: NewAuditEntry): AuditEntry {
  const position = (last?.position ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  return { ...e, details: e.details, position, prevHash, hash: auditEntryHash(position, prevHash, e) };
}
