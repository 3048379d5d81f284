/**
 * The communications sub-port of the store: the durable outbox (every message Continuum decides to
 * send is committed here before any attempt, then delivered at least once) and the status-page
 * subscribers. Store exposes it as `outbox`.
 */
import type { JsonObject } from './port.js';

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

/** A message as the communications module commits it. `content` is rendered and holds no secret: the
 * channel adds credentials (routing keys, tokens, signatures) at send time from the configuration. */
export interface NewOutboxMessage {
  /** Unique; receivers dedupe on it (webhook-id, Idempotency-Key, Message-ID). A second enqueue with a
   * key already stored is a no-op. */
  idempotencyKey: string;
  /** Configured channel name. */
  channel: string;
  /** Messages with one (channel, orderKey) are delivered one at a time, in enqueue order. */
  orderKey: string;
  incidentId: string | null;
  template: string;
  recipient: string | null;
  content: JsonObject;
  createdAt: number;
  /** Not before this time (normally createdAt). */
  nextAttemptAt: number;
  /** Initial status: 'pending', or 'delivered' when moved from a node's local spool after delivery. */
  status?: OutboxStatus;
  attempts?: number;
  deliveredAt?: number | null;
  lastError?: string | null;
}

export interface OutboxMessage extends Required<NewOutboxMessage> {
  /** Store-assigned, increasing in enqueue order. */
  seq: number;
  /** Node holding the message for an attempt, until claimedUntil. */
  claimedBy: string | null;
  claimedUntil: number | null;
}

export interface ClaimOptions {
  node: string;
  now: number;
  /** How long the claim holds (an attempt's timeout plus margin): a node that dies mid-send releases it
   * by letting it lapse. */
  leaseMs: number;
  limit: number;
  /** Only these channels' messages (so a rate-limited channel claims no more than it may send). */
  channels?: string[];
}

export interface AttemptOutcome {
  node: string;
  at: number;
  attempts: number;
  status: OutboxStatus;
  /** For 'pending': when to try again. */
  nextAttemptAt: number;
  error: string | null;
}

export interface OutboxStats {
  channel: string;
  status: OutboxStatus;
  count: number;
  /** Oldest createdAt among them. */
  oldest: number;
}

export type SubscriberKind = 'email' | 'webhook';
export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed';

export interface SubscriberRecord {
  id: string;
  kind: SubscriberKind;
  /** E-mail address or webhook URL, as given (addresses compared case-insensitively by the caller). */
  address: string;
  /** Empty: every component. */
  components: string[];
  status: SubscriberStatus;
  /** SHA-256 (hex) of the double opt-in token; null once confirmed. */
  confirmHash: string | null;
  /** The unsubscribe token itself: every customer message carries it in its link, and it allows nothing
   * but unsubscribing. */
  unsubscribeToken: string;
  createdAt: number;
  updatedAt: number;
}

export interface OutboxStore {
  /** Commits messages in one transaction; those whose idempotency key is stored already are skipped.
   * Returns the stored messages (new and existing) in the order given. */
  enqueue(messages: NewOutboxMessage[]): Promise<OutboxMessage[]>;
  /** Claims due pending messages for `node`: only the oldest pending message of each (channel,
   * orderKey) is eligible, and only when it is due and not claimed by a live claim. Seq order. */
  claimDue(opts: ClaimOptions): Promise<OutboxMessage[]>;
  /** Records an attempt; applied only while `node` holds the claim (else false: another node took it). */
  recordAttempt(seq: number, outcome: AttemptOutcome): Promise<boolean>;
  /** Drops every claim held by `node` (a restarted node takes its messages back at once). */
  releaseClaims(node: string): Promise<number>;
  get(seq: number): Promise<OutboxMessage | null>;
  findByKey(idempotencyKey: string): Promise<OutboxMessage | null>;
  /** Messages by status (all when omitted), oldest first, at most limit. */
  list(filter?: { status?: OutboxStatus; incidentId?: string; limit?: number }): Promise<OutboxMessage[]>;
  stats(): Promise<OutboxStats[]>;

  /** Inserts a subscriber; rejects (SubscriberExists) when one with this kind and address exists. */
  createSubscriber(s: SubscriberRecord): Promise<void>;
  getSubscriber(id: string): Promise<SubscriberRecord | null>;
  findSubscriber(kind: SubscriberKind, address: string): Promise<SubscriberRecord | null>;
  findSubscriberByHash(which: 'confirm' | 'unsubscribe', value: string): Promise<SubscriberRecord | null>;
  /** Replaces the mutable fields; returns the record afterwards, or null when it does not exist. */
  updateSubscriber(id: string, patch: Partial<Pick<SubscriberRecord, 'status' | 'components' | 'confirmHash' | 'unsubscribeToken'>> & { updatedAt: number }): Promise<SubscriberRecord | null>;
  listSubscribers(filter?: { status?: SubscriberStatus }): Promise<SubscriberRecord[]>;
}

export class SubscriberExists extends Error {
  constructor(readonly kind: SubscriberKind, readonly address: string) {
    super(`a ${kind} subscriber ${address} exists`);
    this.name = 'SubscriberExists';
  }
}
