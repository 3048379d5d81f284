/** Row <-> record mapping for the outbox and subscriber tables, shared by the SQL adapters. */
import type { JsonObject } from './port.js';
import type { NewOutboxMessage, OutboxMessage, OutboxStatus, SubscriberKind, SubscriberRecord, SubscriberStatus } from './outbox-port.js';

export const OUTBOX_COLUMNS =
  'seq, idempotency_key, channel, order_key, incident_id, template, recipient, content, status, attempts, next_attempt_at, last_error, created_at, delivered_at, claimed_by, claimed_until';

type Int = number | string;

export interface OutboxRow {
  seq: Int;
  idempotency_key: string;
  channel: string;
  order_key: string;
  incident_id: string | null;
  template: string;
  recipient: string | null;
  content: string;
  status: string;
  attempts: Int;
  next_attempt_at: Int;
  last_error: string | null;
  created_at: Int;
  delivered_at: Int | null;
  claimed_by: string | null;
  claimed_until: Int | null;
}

const num = (v: Int | null): number | null => (v === null ? null : Number(v));

export function outboxFromRow(r: OutboxRow): OutboxMessage {
  return {
    seq: Number(r.seq),
    idempotencyKey: r.idempotency_key,
    channel: r.channel,
    orderKey: r.order_key,
    incidentId: r.incident_id,
    template: r.template,
    recipient: r.recipient,
    content: JSON.parse(r.content) as JsonObject,
    status: r.status as OutboxStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    deliveredAt: num(r.delivered_at),
    claimedBy: r.claimed_by,
    claimedUntil: num(r.claimed_until),
  };
}

/** The insert values of a new message, defaults applied. */
export function newOutboxValues(m: NewOutboxMessage) {
  return {
    idempotency_key: m.idempotencyKey,
    channel: m.channel,
    order_key: m.orderKey,
    incident_id: m.incidentId,
    template: m.template,
    recipient: m.recipient,
    content: JSON.stringify(m.content),
    status: m.status ?? 'pending',
    attempts: m.attempts ?? 0,
    next_attempt_at: m.nextAttemptAt,
    last_error: m.lastError ?? null,
    created_at: m.createdAt,
    delivered_at: m.deliveredAt ?? null,
  };
}

export const SUBSCRIBER_COLUMNS = 'id, kind, address, components, status, confirm_hash, unsubscribe_token, created_at, updated_at';

export interface SubscriberRow {
  id: string;
  kind: string;
  address: string;
  components: string;
  status: string;
  confirm_hash: string | null;
  unsubscribe_token: string;
  created_at: Int;
  updated_at: Int;
}

export function subscriberFromRow(r: SubscriberRow): SubscriberRecord {
  return {
    id: r.id,
    kind: r.kind as SubscriberKind,
    address: r.address,
    components: JSON.parse(r.components) as string[],
    status: r.status as SubscriberStatus,
    confirmHash: r.confirm_hash,
    unsubscribeToken: r.unsubscribe_token,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function subscriberToRow(s: SubscriberRecord): SubscriberRow {
  return {
    id: s.id,
    kind: s.kind,
    address: s.address,
    components: JSON.stringify(s.components),
    status: s.status,
    confirm_hash: s.confirmHash,
    unsubscribe_token: s.unsubscribeToken,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

/** SQL: o is due, pending, not under a live claim, and the oldest pending message of its channel and
 * order key (delivery order per incident). Parameters: $now, $channels (the adapter's list condition). */
export const CLAIMABLE = `o.status = 'pending' AND $channels AND o.next_attempt_at <= $now AND (o.claimed_until IS NULL OR o.claimed_until <= $now)
  AND NOT EXISTS (SELECT 1 FROM continuum_outbox p WHERE p.status = 'pending' AND p.channel = o.channel AND p.order_key = o.order_key AND p.seq < o.seq)`;
