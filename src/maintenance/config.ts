/** The `maintenance` configuration: how often windows due to start or end are moved automatically. */
import { z } from 'zod';
import { durationSchema } from '../config/duration.js';

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1')]);

export const maintenanceConfigSchema = z
  .object({
    /** Start and complete windows at their scheduled times (those scheduled with auto transitions). */
    autoTransitions: bool.default(true),
    /** How often to check for windows whose time has come (and for notices due). */
    interval: durationSchema.prefault('15s'),
    /** Notices to status-page subscribers and to routes that list the `maintenance` template. */
    notices: z
      .object({
        enabled: bool.default(true),
        /** The plan's announcement lead: scheduling a window that starts sooner is flagged as short notice. */
        minNotice: durationSchema.prefault('72h'),
        /** Reminders this long before the start (each sent only if the window was announced before it). */
        reminders: z.array(durationSchema).prefault(['24h', '1h']),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type MaintenanceConfig = z.output<typeof maintenanceConfigSchema>;
