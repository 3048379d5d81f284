/**
 * Maintenance on one node: the service, and the loop that starts and completes windows at their
 * scheduled times (every node runs it; each transition is appended once, see MaintenanceService.tick).
 */
import type { AuditLog } from '../access/audit-log.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { repeat } from '../core/repeat.js';
import type { Logger } from '../log/index.js';
import type { ControlEventStore } from '../store/control-port.js';
import type { MaintenanceConfig } from './config.js';
import { MaintenanceService } from './service.js';

export { MaintenanceService } from './service.js';

export class MaintenanceModule {
  readonly service: MaintenanceService;
  private loop: { stop(): void } | null = null;

  constructor(private readonly d: { config: MaintenanceConfig; events: ControlEventStore; audit: AuditLog; clock: Clock; random: Random; log: Logger; nodeId: string }) {
    this.service = new MaintenanceService(d);
  }

  start(): void {
    if (!this.d.config.autoTransitions || this.loop) return;
    const actor = { id: `maintenance:${this.d.nodeId}`, role: 'system' as const };
    this.loop = repeat(this.d.config.interval, () => this.service.tick(actor), (err) => this.d.log.warn({ err }, 'maintenance auto transitions failed; retried next interval'));
  }

  stop(): void {
    this.loop?.stop();
    this.loop = null;
  }
}
