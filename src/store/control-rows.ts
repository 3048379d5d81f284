/**
 * Row <-> record mapping for the control-plane tables, shared by the SQL adapters (same column names;
 * JSON kept as TEXT; integers through Number() because PostgreSQL returns BIGINT as a string).
 */
import type { JsonObject } from './port.js';
import type { ApiTokenRecord, AuditEntry, ControlEvent, TokenRole } from './control-port.js';

export interface TokenRow {
  id: string;
  name: string;
  role: string;
  secret_hash: string;
  created_at: number | string;
  created_by: string;
  revoked_at: number | string | null;
  revoked_by: string | null;
}

export function tokenFromRow(r: TokenRow): ApiTokenRecord {
  return {
    id: r.id,
    name: r.name,
    role: r.role as TokenRole,
    secretHash: r.secret_hash,
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    revokedBy: r.revoked_by,
  };
}

export interface AuditRow {
  position: number | string;
  at: number | string;
  actor: string;
  role: string;
  action: string;
  target: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export function auditFromRow(r: AuditRow): AuditEntry {
  return {
    position: Number(r.position),
    at: Number(r.at),
    actor: r.actor,
    role: r.role,
    action: r.action,
    target: r.target,
    details: JSON.parse(r.details) as JsonObject,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export interface ControlEventRow {
  seq: number | string;
  stream_id: string;
  version: number | string;
  type: string;
  data: string;
  actor: string;
  at: number | string;
  idempotency_key: string | null;
}

export const CONTROL_EVENT_COLUMNS = 'seq, stream_id, version, type, data, actor, at, idempotency_key';

export function controlEventFromRow(r: ControlEventRow): ControlEvent {
  return {
    seq: Number(r.seq),
    streamId: r.stream_id,
    version: Number(r.version),
    type: r.type,
    data: JSON.parse(r.data) as JsonObject,
    actor: r.actor,
    at: Number(r.at),
    idempotencyKey: r.idempotency_key,
  };
}
