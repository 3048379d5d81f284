/**
 * Renders templates with Handlebars (logic-less, maintained, precompiles; overrides are plain files a
 * deployment can review). Escaping follows the channel: HTML parts are HTML-escaped by Handlebars;
 * Slack parts get Slack's mrkdwn escaping (& < >) applied to every value; plain text (SMS, e-mail
 * text, PagerDuty, webhooks) is left as it is.
 *
 * Overrides: a directory of `<template>.<part>.hbs` (every channel) or `<template>.<channel
 * type>.<part>.hbs` (one channel type) files, e.g. `initial.slack.text.hbs`, `customer.html.hbs`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { TEMPLATES, type ChannelType, type TemplateName } from '../config.js';
import { DEFAULT_TEMPLATES, PARTS, type Part } from './defaults.js';

export interface Rendered {
  subject: string;
  text: string;
  short: string;
  /** E-mail only. */
  html?: string;
}

const OVERRIDE = /^([a-z]+)(?:\.(slack|pagerduty|email|sms|webhook))?\.(subject|text|short|html)\.hbs$/;

type Escaper = (s: string) => string;

/** Slack mrkdwn: only these three are control characters (https://api.slack.com/reference/surfaces/formatting). */
export const slackEscape: Escaper = (s) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function escapeValues(value: unknown, esc: Escaper): unknown {
  if (typeof value === 'string') return esc(value);
  if (Array.isArray(value)) return value.map((v) => escapeValues(v, esc));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeValues(v, esc)]));
  return value;
}

export class TemplateError extends Error {
  readonly status = 422;
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export class TemplateEngine {
  private readonly hb = Handlebars.create();
  /** Sources by `template.part` or `template.channel.part`. */
  private readonly sources = new Map<string, { source: string; from: string }>();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();

  /** @param dir override directory; its files are read (and checked) now, so a bad file stops startup. */
  constructor(dir?: string) {
    for (const t of TEMPLATES) for (const p of PARTS) this.sources.set(`${t}.${p}`, { source: DEFAULT_TEMPLATES[t][p], from: 'default' });
    if (dir) this.loadOverrides(dir);
  }

  /** Where each part of a template comes from (default or a file). */
  origin(template: TemplateName, channel: ChannelType, part: Part): string {
    return (this.sources.get(`${template}.${channel}.${part}`) ?? this.sources.get(`${template}.${part}`))!.from;
  }

  render(template: TemplateName, channel: ChannelType, data: Record<string, unknown>): Rendered {
    const plain = channel === 'slack' ? (escapeValues(data, slackEscape) as Record<string, unknown>) : data;
    const part = (p: Part, values: Record<string, unknown>) => this.compile(template, channel, p)(values).trim();
    const out: Rendered = { subject: part('subject', data), text: part('text', plain), short: part('short', data) };
    if (channel === 'email') out.html = part('html', data);
    return out;
  }

  private compile(template: TemplateName, channel: ChannelType, part: Part): Handlebars.TemplateDelegate {
    const specific = `${template}.${channel}.${part}`;
    const key = this.sources.has(specific) ? specific : `${template}.${part}`;
    const cacheKey = `${key}|${part === 'html' ? 'html' : 'raw'}`;
    let fn = this.compiled.get(cacheKey);
    if (!fn) {
      const { source, from } = this.sources.get(key)!;
      try {
        fn = this.hb.compile(source, { noEscape: part !== 'html', strict: false, knownHelpersOnly: false });
        fn({}); // surface syntax errors now, naming the file
      } catch (err) {
        throw new TemplateError(`template ${key} (${from}) does not compile: ${(err as Error).message}`);
      }
      this.compiled.set(cacheKey, fn);
    }
    return fn;
  }

  private loadOverrides(dir: string): void {
    if (!existsSync(dir)) throw new TemplateError(`communications.templates: directory ${dir} does not exist`);
    for (const file of readdirSync(dir)) {
      const m = OVERRIDE.exec(file);
      if (!m) continue;
      const [, template, channel, part] = m;
      if (!(TEMPLATES as readonly string[]).includes(template)) {
        throw new TemplateError(`template file ${file}: "${template}" is not a template (${TEMPLATES.join(', ')})`);
      }
      const path = join(dir, file);
      this.sources.set(channel ? `${template}.${channel}.${part}` : `${template}.${part}`, { source: readFileSync(path, 'utf8'), from: path });
    }
    // Compile every override once so a syntax error is reported at startup.
    for (const [key, { from }] of this.sources) {
      if (from === 'default') continue;
      const [template, a, b] = key.split('.');
      this.compile(template as TemplateName, (b ? a : 'webhook') as ChannelType, (b ?? a) as Part);
    }
  }
}
