/**
 * Status-page subscribers. E-mail subscriptions are double opt-in: the address gets a confirmation
 * link and receives nothing else until it is followed; every customer message carries a one-click
 * unsubscribe link (RFC 8058 List-Unsubscribe-Post as well). Webhook subscriptions are active at
 * once and get a signed `subscription.created` event with their unsubscribe link. Tokens are random;
 * the confirmation token is stored only as a SHA-256 hash, the unsubscribe token as it is (each
 * customer message carries it). The status page's subscribe form calls `subscribe`.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { randomId, type Random } from '../core/random.js';
import { SubscriberExists, type OutboxStore, type SubscriberRecord } from '../store/outbox-port.js';

export interface SubscribeRequest {
  kind: 'email' | 'webhook';
  address: string;
  components?: string[];
}

export class SubscriptionError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 410 | 422,
    message: string,
  ) {
    super(message);
    this.name = 'SubscriptionError';
  }
}

/** Sends the messages a subscription needs (implemented by Communications through the outbox). */
export interface SubscriptionMailer {
  confirmation(s: SubscriberRecord, confirmUrl: string, unsubscribeUrl: string): Promise<void>;
  webhookCreated(s: SubscriberRecord, unsubscribeUrl: string): Promise<void>;
}

export interface SubscriberLinks {
  confirm(token: string): string;
  unsubscribe(token: string): string;
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
const RESEND_AFTER_MS = 5 * 60_000;
const hash = (token: string): string => createHash('sha256').update(token).digest('hex');

export class SubscriberService {
  constructor(
    private readonly store: OutboxStore,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly links: SubscriberLinks,
    private readonly mailer: SubscriptionMailer,
    private readonly confirmWithinMs: number,
  ) {}

  /** Subscribes (or re-subscribes) an address; e-mail stays pending until confirmed. */
  async subscribe(req: SubscribeRequest): Promise<{ id: string; status: 'pending' | 'active' }> {
    const address = this.check(req);
    const components = [...new Set(req.components ?? [])].sort();
    const confirmToken = randomId(this.random);
    const unsubscribeToken = randomId(this.random);
    const now = this.clock.now();
    const status = req.kind === 'email' ? ('pending' as const) : ('active' as const);
    let record: SubscriberRecord | null = await this.store.findSubscriber(req.kind, address);
    // A pending address asked again within minutes gets no second confirmation: the public form must
    // not become a way to flood someone's mailbox.
    if (record?.status === 'pending' && now - record.updatedAt < RESEND_AFTER_MS) return { id: record.id, status: 'pending' };
    if (record?.status === 'active') {
      record = await this.store.updateSubscriber(record.id, { components, updatedAt: now });
      return { id: record!.id, status: 'active' };
    }
    const fields = { status, components, confirmHash: status === 'pending' ? hash(confirmToken) : null, unsubscribeToken };
    if (record) record = await this.store.updateSubscriber(record.id, { ...fields, updatedAt: now });
    else {
      record = { id: `sub_${randomId(this.random, 12)}`, kind: req.kind, address, createdAt: now, updatedAt: now, ...fields };
      try {
        await this.store.createSubscriber(record);
      } catch (err) {
        if (err instanceof SubscriberExists) return this.subscribe(req); // created concurrently: take that one
        throw err;
      }
    }
    const unsubscribeUrl = this.links.unsubscribe(unsubscribeToken);
    if (status === 'pending') await this.mailer.confirmation(record!, this.links.confirm(confirmToken), unsubscribeUrl);
    else await this.mailer.webhookCreated(record!, unsubscribeUrl);
    return { id: record!.id, status };
  }

  async confirm(token: string): Promise<SubscriberRecord> {
    const s = await this.store.findSubscriberByHash('confirm', hash(token));
    if (!s) throw new SubscriptionError(404, 'this confirmation link is not valid (already used, or replaced by a newer one); subscribe again');
    if (this.clock.now() - s.updatedAt > this.confirmWithinMs) {
      throw new SubscriptionError(410, 'this confirmation link has expired; subscribe again to get a new one');
    }
    return (await this.store.updateSubscriber(s.id, { status: 'active', confirmHash: null, updatedAt: this.clock.now() }))!;
  }

  /** Idempotent: a second click answers as the first did. */
  async unsubscribe(token: string): Promise<SubscriberRecord> {
    const s = await this.store.findSubscriberByHash('unsubscribe', token);
    if (!s) throw new SubscriptionError(404, 'this unsubscribe link is not valid');
    if (s.status === 'unsubscribed') return s;
    return (await this.store.updateSubscriber(s.id, { status: 'unsubscribed', confirmHash: null, updatedAt: this.clock.now() }))!;
  }

  list(status?: SubscriberRecord['status']): Promise<SubscriberRecord[]> {
    return this.store.listSubscribers(status ? { status } : {});
  }

  private check(req: SubscribeRequest): string {
    if (req.kind === 'email') {
      const a = req.address.trim().toLowerCase();
      if (a.length > 254 || !EMAIL.test(a)) throw new SubscriptionError(422, `"${req.address}" is not an e-mail address`);
      return a;
    }
    if (req.kind === 'webhook') {
      let url: URL;
      try {
        url = new URL(req.address);
      } catch {
        throw new SubscriptionError(422, `"${req.address}" is not a URL`);
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SubscriptionError(422, 'a webhook URL must be http(s)');
      if (url.username || url.password) throw new SubscriptionError(422, 'a webhook URL must not carry credentials');
      return url.toString();
    }
    throw new SubscriptionError(422, `kind must be email or webhook`);
  }
}
