/** The `maintenance` configuration: how often windows due to start or end are moved automatically. */
import { z } from 'zod';
import { durationSchema } from '../config/duration.js';

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1')]);

export const maintenanceConfigSchema = z
  .object({
    /** Start and complete windows at their scheduled times (those scheduled with auto transitions). */
    autoTransitions: bool.default(true),
    /** How often to check for windows whose time has come. */
    interval: durationSchema.prefault('15s'),
  })
  .strict();

export type MaintenanceConfig = z.output<typeof maintenanceConfigSchema>;
