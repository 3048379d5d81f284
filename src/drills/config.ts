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
    /**
     * Scheduled chaos drills: the cluster's leader runs `experiment` (a built-in scenario's name or an
     * experiment file, usually one whose target is a deployment) whenever the chaos test type is due by
     * `schedule.chaos`. Unset experiment: nothing runs by itself (run `continuum drill` from cron instead).
     */
    auto: z
      .object({
        experiment: z.string().min(1).optional(),
        /** --scale for the scheduled run (1 = the experiment as written). */
        scale: z.coerce.number().positive().default(1),
        /** How often the leader checks whether the chaos drill is due. */
        checkEvery: durationSchema.prefault('1m'),
        /** A scheduled drill still running after this is stopped (SIGINT, so it tears down); a slot
         * claimed by a node that died is claimed again after this long. */
        timeout: durationSchema.prefault('1h'),
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
