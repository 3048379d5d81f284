/**
 * The `statusPage` configuration: where the public page is served, what it shows (components and
 * groups), and how it looks (name, logo, colours, time zone). Components named by incidents, overrides
 * or maintenance but not configured here appear on their own (name = id) unless `autoComponents` is off.
 */
import { z } from 'zod';
import { durationSchema } from '../config/duration.js';

/** Detection names components such as mcp, store, node:<id> and region:<name>, hence the colon. */
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'letters, digits, . _ : - (at most 64)');
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb');
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1')]);

const component = z
  .object({
    id,
    name: z.string().min(1).max(100),
    description: z.string().max(500).default(''),
    /** A group id from `groups`. */
    group: id.optional(),
  })
  .strict();

const group = z.object({ id, name: z.string().min(1).max(100), description: z.string().max(500).default('') }).strict();

const validTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const statusPageConfigSchema = z
  .object({
    enabled: bool.default(true),
    /** Base path of the page; the Statuspage API is under <path>api/v2/. */
    path: z
      .string()
      .regex(/^\/([A-Za-z0-9._~-]+\/)*$/, 'a path that starts and ends with /, e.g. / or /status/')
      .default('/')
      .refine((p) => !/^\/(mcp|api|healthz|readyz|metrics)\//.test(p), 'the path must not be under /mcp, /api, /healthz, /readyz or /metrics'),
    name: z.string().min(1).max(100).default('Continuum'),
    /** Public URL of the page (links in feeds and the API); default: the request's own origin. */
    url: z.url().optional(),
    /** Logo image URL (https: or a path on this host). */
    logo: z.string().max(2000).optional(),
    timeZone: z.string().default('UTC').refine(validTimeZone, 'an IANA time zone such as UTC or Europe/Berlin'),
    colours: z
      .object({
        brand: colour.default('#1f4f82'),
        operational: colour.default('#1e7b34'),
        degraded: colour.default('#8a5a00'),
        partial: colour.default('#b3470a'),
        major: colour.default('#b3261e'),
        maintenance: colour.default('#1d5fa8'),
      })
      .strict()
      .prefault({}),
    components: z.array(component).default([]),
    groups: z.array(group).default([]),
    autoComponents: bool.default(true),
    /** Days of history in the uptime bars. */
    historyDays: z.coerce.number().int().min(7).max(365).default(90),
    /** How often the node reads new events from the store (an update reaches the page within this). */
    refreshEvery: durationSchema.prefault('1s'),
    /** Cache-Control max-age of the page and the API. */
    maxAge: durationSchema.prefault('5s'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const groups = new Set(c.groups.map((g) => g.id));
    const seen = new Set<string>();
    c.components.forEach((x, i) => {
      if (x.group && !groups.has(x.group)) ctx.addIssue({ code: 'custom', path: ['components', i, 'group'], message: `"${x.group}" is not in statusPage.groups` });
      if (seen.has(x.id) || groups.has(x.id)) ctx.addIssue({ code: 'custom', path: ['components', i, 'id'], message: `"${x.id}" is used twice (component and group ids share one namespace)` });
      seen.add(x.id);
    });
  });

export type StatusPageConfig = z.output<typeof statusPageConfigSchema>;
