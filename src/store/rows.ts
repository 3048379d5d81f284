/**
 * Row <-> record mapping shared by the SQL adapters. Both engines use the same column names and keep
 * JSON as TEXT, so one mapping serves both. Integer columns go through Number() because PostgreSQL
 * returns BIGINT as a string (values stay far below 2^53: ms timestamps and event counters).
 */
import type { JsonObject, SessionRecord, StoredEvent } from './port.js';

export interface SessionRow {
  id: string;
  protocol_version: string;
  initialize_request: string;
  client_info: string | null;
  principal: string | null;
  log_level: string | null;
  subscriptions: string;
  created_by: string;
  created_at: number | string;
  last_active_at: number | string;
  version: number | string;
}

export interface EventRow {
  seq: number | string;
  session_id: string;
  stream_id: string;
  message: string;
  created_at: number | string;
}

/** Column list in the order sessionToParams produces values; keeps INSERTs and SELECTs in step. */
export const SESSION_COLUMNS = [
  'id',
  'protocol_version',
  'initialize_request',
  'client_info',
  'principal',
  'log_level',
  'subscriptions',
  'created_by',
  'created_at',
  'last_active_at',
  'version',
] as const;

export const EVENT_COLUMNS = ['seq', 'session_id', 'stream_id', 'message', 'created_at'] as const;

export function sessionToParams(s: SessionRecord): (string | number | null)[] {
  return [
    s.id,
    s.protocolVersion,
    JSON.stringify(s.initializeRequest),
    s.clientInfo === null ? null : JSON.stringify(s.clientInfo),
    s.principal,
    s.logLevel,
    JSON.stringify(s.subscriptions),
    s.createdBy,
    s.createdAt,
    s.lastActiveAt,
    s.version,
  ];
}

export function sessionFromRow(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    protocolVersion: row.protocol_version,
    initializeRequest: JSON.parse(row.initialize_request) as JsonObject,
    clientInfo: row.client_info === null ? null : (JSON.parse(row.client_info) as JsonObject),
    principal: row.principal,
    logLevel: row.log_level,
    subscriptions: JSON.parse(row.subscriptions) as string[],
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    lastActiveAt: Number(row.last_active_at),
    version: Number(row.version),
  };
}

export function eventFromRow(row: EventRow): StoredEvent {
  return {
    sessionId: row.session_id,
    streamId: row.stream_id,
    seq: Number(row.seq),
    message: JSON.parse(row.message) as JsonObject,
    createdAt: Number(row.created_at),
  };
}
