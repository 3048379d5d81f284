import { z } from 'zod';
import { durationSchema } from '../config/duration.js';

/** Comma-separated (as from an environment variable) or a list. */
const urlList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.string().regex(/^https?:\/\//, 'must be an http(s):// URL (a Patroni REST API)')),
);

/** The `database` key: replication monitoring and failover (src/database). */
export const databaseConfigSchema = z
  .object({
    /** Lag above this (what a failover now would lose) is a signal for the incident system. */
    rpoTarget: durationSchema.prefault('1s'),
    /** How often the leader writes the replication heartbeat row on the primary. */
    heartbeat: durationSchema.prefault('1s'),
    /** How often each node asks every database host what it is (readiness, metrics, failover). */
    probeEvery: durationSchema.prefault('1s'),
    failover: z
      .object({
        /**
         * manual: only `continuum db failover` promotes. auto (plain streaming replication): the
         * cluster's leader runs the runbook once a quorum of nodes agrees no primary answers.
         * patroni: Patroni decides; Continuum follows and can ask it for a switchover.
         */
        mode: z.enum(['manual', 'auto', 'patroni']).default('manual'),
        /** How long "no primary" must last before the leader starts the runbook. */
        confirmAfter: durationSchema.prefault('2s'),
        /** Shell command that fences the old primary (CONTINUUM_FENCE_HOST=host:port). */
        fenceCommand: z.string().min(1).optional(),
        /** Shell command run after a promotion (CONTINUUM_NEW_PRIMARY=host:port), e.g. to update DNS. */
        repointCommand: z.string().min(1).optional(),
      })
      .prefault({}),
    patroni: z
      .object({
        /** Patroni REST API base URLs, one per member (http://db1:8008,...). */
        urls: urlList.default([]),
      })
      .prefault({}),
  })
  .strict();

export type DatabaseConfig = z.output<typeof databaseConfigSchema>;

/** CONTINUUM_DATABASE_* variables (the matching keys, for src/config/env.ts). */
export const DATABASE_ENV_KEYS = [
  'database.rpoTarget',
  'database.heartbeat',
  'database.probeEvery',
  'database.failover.mode',
  'database.failover.confirmAfter',
  'database.failover.fenceCommand',
  'database.failover.repointCommand',
  'database.patroni.urls',
] as const;
