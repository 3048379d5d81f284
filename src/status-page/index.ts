/**
 * The public status page of one node: reads the control event log into a StatusProjection every
 * `refreshEvery`, tells open pages when what they show changed, and answers its HTTP paths (handler).
 * Every node serves it; each reads the shared store on its own, so any node answers for the page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditLog } from '../access/audit-log.js';
import type { Clock } from '../core/clock.js';
import { repeat } from '../core/repeat.js';
import type { Logger } from '../log/index.js';
import type { ControlEventStore } from '../store/control-port.js';
import type { StatusPageConfig } from './config.js';
import { createStatusPageHandler, type SubscribeFn } from './handler.js';
import { LiveHub } from './live.js';
import { OverrideService } from './overrides.js';
import { StatusProjection } from './projection.js';

export type { SubscribeFn, SubscribeRequest } from './handler.js';

export interface StatusPageDeps {
  config: StatusPageConfig;
  events: ControlEventStore;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  subscribe?: SubscribeFn;
}

export class StatusPageService {
  readonly projection: StatusProjection;
  readonly overrides: OverrideService;
  readonly hub: LiveHub;
  /** Answers the page's paths; false for any other path (the router then goes on). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  private subscribeFn: SubscribeFn | undefined;
  private loop: { stop(): void } | null = null;
  private published = -1;

  readonly config: StatusPageConfig;

  constructor(private readonly d: StatusPageDeps) {
    this.config = d.config;
    this.subscribeFn = d.subscribe;
    this.projection = new StatusProjection(d.events, d.clock, Math.max(1000, d.config.refreshEvery * 2));
    this.overrides = new OverrideService({ events: d.events, audit: d.audit, clock: d.clock });
    this.hub = new LiveHub(() => String(this.projection.version));
    const disabled = async () => false;
    this.handler = d.config.enabled
      ? createStatusPageHandler({
          config: d.config,
          projection: this.projection,
          hub: this.hub,
          clock: d.clock,
          subscribe: () => this.subscribeFn,
          onSubscribeError: (err) => d.log.warn({ err }, 'status page subscription failed'),
        })
      : disabled;
  }

  /** Wires subscriptions to communications (the form appears once this is set). */
  setSubscribe(fn: SubscribeFn | undefined): void {
    this.subscribeFn = fn;
  }

  /** Reads the store once now, then every refreshEvery. */
  start(): void {
    if (!this.d.config.enabled || this.loop) return;
    void this.refresh();
    this.loop = repeat(this.d.config.refreshEvery, () => this.refresh(), (err) => this.d.log.warn({ err }, 'status page refresh failed'));
  }

  /** Reads what is new and tells open pages when anything they show changed. */
  async refresh(): Promise<void> {
    await this.projection.refresh();
    if (this.projection.version !== this.published) {
      this.published = this.projection.version;
      this.hub.publish(String(this.published));
    }
  }

  stop(): void {
    this.loop?.stop();
    this.loop = null;
    this.hub.close();
  }
}
