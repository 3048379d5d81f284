/**
 * Row <-> record mapping for nodes, leases and lease history, shared by the SQL adapters (same column
 * names, JSON as TEXT, BIGINT through Number() as in rows.ts).
 */
import type { JsonObject, Lease, NodeRecord } from './port.js';

export interface NodeRow {
  id: string;
  region: string;
  url: string;
  started_at: number | string;
  last_heartbeat: number | string;
  state: string;
}

export interface LeaseRow {
  name: string;
  holder: string;
  epoch: number | string;
  expires_at: number | string;
}

export interface LeaseHistoryRow {
  epoch: number | string;
  holder: string;
  record: string;
  at: number | string;
}

export function nodeFromRow(row: NodeRow): NodeRecord {
  return {
    id: row.id,
    region: row.region,
    url: row.url,
    startedAt: Number(row.started_at),
    lastHeartbeat: Number(row.last_heartbeat),
    state: JSON.parse(row.state) as JsonObject,
  };
}

export function leaseFromRow(row: LeaseRow): Lease {
  return { name: row.name, holder: row.holder, epoch: Number(row.epoch), expiresAt: Number(row.expires_at) };
}

export function historyFromRow(row: LeaseHistoryRow): { epoch: number; holder: string; record: JsonObject; at: number } {
  return { epoch: Number(row.epoch), holder: row.holder, record: JSON.parse(row.record) as JsonObject, at: Number(row.at) };
}
