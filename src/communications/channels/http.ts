/** The HTTP channels: Slack incoming webhooks, PagerDuty Events API v2, Twilio-compatible SMS, webhooks. */
import type { Clock } from '../../core/clock.js';
import type { ChannelConfig } from '../config.js';
import { post, type Channel, type Delivery, type Envelope } from './channel.js';
import { signatureHeaders } from './signing.js';

type Of<T extends ChannelConfig['type']> = Extract<ChannelConfig, { type: T }>;

const json = (key: string): Record<string, string> => ({ 'content-type': 'application/json', 'idempotency-key': key });

/** Slack: the stored body ({text, blocks}) as it is; text is the fallback shown in notifications. */
export class SlackChannel implements Channel {
  readonly type = 'slack' as const;
  constructor(private readonly c: Of<'slack'>, readonly timeoutMs: number) {}
  get name(): string {
    return this.c.name;
  }
  send(e: Envelope): Promise<Delivery> {
    return post(this.c.url, JSON.stringify(e.content), json(e.idempotencyKey), this.timeoutMs);
  }
}

/** PagerDuty Events API v2: the stored event with the routing key added at send time. */
export class PagerDutyChannel implements Channel {
  readonly type = 'pagerduty' as const;
  constructor(private readonly c: Pick<Of<'pagerduty'>, 'name' | 'url' | 'routingKey'>, readonly timeoutMs: number) {}
  get name(): string {
    return this.c.name;
  }
  send(e: Envelope): Promise<Delivery> {
    return post(this.c.url, JSON.stringify({ routing_key: this.c.routingKey, ...e.content }), json(e.idempotencyKey), this.timeoutMs);
  }
}

/** SMS through a Twilio-compatible Messages API: form To, From, Body; basic auth. */
export class SmsChannel implements Channel {
  readonly type = 'sms' as const;
  constructor(private readonly c: Of<'sms'>, readonly timeoutMs: number) {}
  get name(): string {
    return this.c.name;
  }
  send(e: Envelope): Promise<Delivery> {
    const form = new URLSearchParams({ To: String(e.content.to), From: this.c.from, Body: String(e.content.body) });
    const auth = Buffer.from(`${this.c.accountSid}:${this.c.authToken}`).toString('base64');
    return post(this.c.url, form.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${auth}`,
      'idempotency-key': e.idempotencyKey,
      'i-twilio-idempotency-token': e.idempotencyKey,
    }, this.timeoutMs);
  }
}

/**
 * Generic webhook, signed per Standard Webhooks when secrets are configured. The stored content is
 * {body}; the URL is the channel's, or the recipient's for status-page subscribers.
 */
export class WebhookChannel implements Channel {
  readonly type = 'webhook' as const;
  constructor(
    private readonly c: Pick<Of<'webhook'>, 'name' | 'url' | 'secrets' | 'headers'> & { urlFromRecipient?: boolean },
    readonly timeoutMs: number,
    private readonly clock: Clock,
  ) {}
  get name(): string {
    return this.c.name;
  }
  send(e: Envelope): Promise<Delivery> {
    const body = JSON.stringify(e.content.body ?? e.content);
    const url = this.c.urlFromRecipient && e.recipient ? e.recipient : this.c.url;
    const signed = signatureHeaders(this.c.secrets, e.idempotencyKey, Math.floor(this.clock.now() / 1000), body);
    return post(url, body, { ...this.c.headers, ...json(e.idempotencyKey), ...signed }, this.timeoutMs);
  }
}
