/**
 * The `drills` configuration: the plan's test schedule (each test type with its frequency) and where
 * drill reports are written. Validated with the rest of the configuration (src/config/schema.ts).
 */
import { z } from 'zod';
import { durationSchema } from '../config/duration.js';

export const drillsConfigSchema = z
  .object({
    /** How often each test type is due (the plan: chaos weekly, drills quarterly, full DR semi-annually, tabletop monthly). */
    schedule: z
      .object({
        chaos: durationSchema.prefault('7d'),
        drill: durationSchema.prefault('91d'),
        dr: durationSchema.prefault('182d'),
        tabletop: durationSchema.prefault('30d'),
      })
      .strict()
      .prefault({}),
    /** Directory for drill reports (result.json, report.md, report.html per drill). */
    reports: z.string().min(1).default('./.continuum/drills'),
  })
  .strict();

export type DrillsConfig = z.output<typeof drillsConfigSchema>;
export const TEST_TYPES = ['chaos', 'drill', 'dr', 'tabletop'] as const;
export type TestType = (typeof TEST_TYPES)[number];
