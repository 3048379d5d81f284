import { Option, type Command } from 'commander';
import { TEMPLATES } from '../communications/config.js';
import { apiTarget, callApi, DEFAULT_API_URL } from './api-client.js';
import { print, printJson } from './output.js';

interface ApiFlags {
  url?: string;
  token?: string;
  json?: boolean;
}

const CHANNELS = ['slack', 'pagerduty', 'email', 'sms', 'webhook'];

function withApi(cmd: Command): Command {
  return cmd
    .option('--url <url>', `the node to talk to (env CONTINUUM_URL; default ${DEFAULT_API_URL})`)
    .option('--token <token>', 'an API token (env CONTINUUM_TOKEN)')
    .option('--json', 'print JSON');
}

interface Rendered {
  subject: string;
  text: string;
  short: string;
  html?: string;
}

interface QueueView {
  channels: { channel: string; status: string; count: number; oldest: string }[];
  spool: { pending: number; path: string };
  pending: { seq: number; channel: string; incidentId: string | null; template: string; recipient: string | null; attempts: number; nextAttemptAt: string; lastError: string | null }[];
  dead: { seq: number; channel: string; incidentId: string | null; template: string; lastError: string | null }[];
}

export function registerNotify(program: Command): void {
  const notify = program
    .command('notify')
    .summary('incident communications: preview templates, send notices, watch the outbox')
    .description(
      "The continuity plan's communication plan: initial alert, update and resolution templates, the customer e-mail\n" +
        'for P0/P1 and short public posts, sent over Slack, PagerDuty, e-mail, SMS and signed webhooks as routed in\n' +
        'communications.routes. Every message is committed to a durable outbox before it is sent and delivered at\n' +
        'least once (retries with backoff, per-channel rate limits); receivers dedupe on its idempotency key.\n' +
        `Templates: ${TEMPLATES.join(', ')}. Channel types: ${CHANNELS.join(', ')}.`,
    );

  withApi(
    notify
      .command('preview')
      .description('render a template for an incident (or the maintenance template for a window) as it is now, for one channel type, without sending it')
      .argument('<template>', TEMPLATES.join(' | '))
      .option('--incident <id>', 'the incident (continuum incident list); every template but maintenance')
      .option('--maintenance <id>', 'the window (continuum maintenance list); the maintenance template')
      .addOption(new Option('--notice <kind>', 'which maintenance notice').choices(['announced', 'reminder', 'started', 'completed', 'cancelled']).default('announced'))
      .addOption(new Option('--channel <type>', 'channel type whose escaping and format to use').choices(CHANNELS).default('slack')),
  ).action(async (template: string, f: ApiFlags & { incident?: string; maintenance?: string; notice: string; channel: string }) => {
    if (!(TEMPLATES as readonly string[]).includes(template)) throw new Error(`unknown template "${template}"; choose one of ${TEMPLATES.join(', ')}`);
    if (template === 'maintenance' && !f.maintenance) throw new Error('the maintenance template renders a window: give --maintenance <id> (continuum maintenance list)');
    if (template !== 'maintenance' && !f.incident) throw new Error(`the ${template} template renders an incident: give --incident <id> (continuum incident list)`);
    const q = new URLSearchParams(template === 'maintenance' ? { template, maintenance: f.maintenance!, notice: f.notice, channel: f.channel } : { template, incident: f.incident!, channel: f.channel });
    const r = await callApi<{ rendered: Rendered; content: unknown }>(apiTarget(f), 'GET', `/v1/communications/preview?${q}`);
    if (f.json) return printJson(r);
    const lines = [`--- ${template} for ${f.channel} ---`, `subject: ${r.rendered.subject}`, '', r.rendered.text, '', `short: ${r.rendered.short}`];
    if (r.rendered.html) lines.push('', 'html:', r.rendered.html);
    print(lines.join('\n'));
  });

  withApi(
    notify
      .command('send')
      .description("send a notice with the plan's fields through the routed channels (update also reaches customers and the public for P0/P1)")
      .argument('<template>', 'initial | update | resolution')
      .requiredOption('--incident <id>', 'the incident')
      .option('--eta <text>', 'estimated time to resolution')
      .option('--next-steps <text>', 'what happens next')
      .option('--action <text>', 'action taken')
      .option('--root-cause <text>', 'root cause (resolution)')
      .option('--prevention <text>', 'prevention measures (resolution)'),
  ).action(async (template: string, f: ApiFlags & { incident: string; eta?: string; nextSteps?: string; action?: string; rootCause?: string; prevention?: string }) => {
    const body = Object.fromEntries(
      Object.entries({ template, eta: f.eta, nextSteps: f.nextSteps, actionTaken: f.action, rootCause: f.rootCause, prevention: f.prevention }).filter(([, v]) => v !== undefined),
    );
    const r = await callApi<{ results: { receiver: string; ok: boolean; error?: string }[] }>(apiTarget(f), 'POST', `/v1/incidents/${encodeURIComponent(f.incident)}/notify`, body);
    if (f.json) return printJson(r);
    print(r.results.length ? r.results.map((x) => `${x.receiver.padEnd(24)} ${x.ok ? 'delivered' : `not yet: ${x.error ?? 'failed'}`}`).join('\n') : 'no channel is routed for this notice (communications.routes)');
  });

  withApi(notify.command('status').description('the outbox: messages per channel and status, pending retries, given-up messages')).action(async (f: ApiFlags) => {
    const r = await callApi<QueueView>(apiTarget(f), 'GET', '/v1/communications/outbox');
    if (f.json) return printJson(r);
    const lines = ['channel                  status     count  oldest'];
    for (const c of r.channels) lines.push(`${c.channel.padEnd(24)} ${c.status.padEnd(10)} ${String(c.count).padStart(5)}  ${c.oldest}`);
    if (r.channels.length === 0) lines.push('(no messages yet)');
    lines.push(`local spool: ${r.spool.pending} message(s) waiting for the store (${r.spool.path})`);
    if (r.pending.length) {
      lines.push('', 'pending:');
      for (const m of r.pending) lines.push(`  #${m.seq} ${m.channel} ${m.template} ${m.incidentId ?? '-'} attempts ${m.attempts}, next ${m.nextAttemptAt}${m.lastError ? ` (last: ${m.lastError})` : ''}`);
    }
    if (r.dead.length) {
      lines.push('', 'given up:');
      for (const m of r.dead) lines.push(`  #${m.seq} ${m.channel} ${m.template} ${m.incidentId ?? '-'}: ${m.lastError ?? ''}`);
    }
    print(lines.join('\n'));
  });

  withApi(
    notify
      .command('subscribers')
      .description('list status-page subscribers (admin token)')
      .addOption(new Option('--status <status>', 'pending, active or unsubscribed').choices(['pending', 'active', 'unsubscribed'])),
  ).action(async (f: ApiFlags & { status?: string }) => {
    const r = await callApi<{ subscribers: { id: string; kind: string; address: string; components: string[]; status: string }[] }>(
      apiTarget(f),
      'GET',
      `/v1/subscriptions${f.status ? `?status=${f.status}` : ''}`,
    );
    if (f.json) return printJson(r);
    print(r.subscribers.length ? r.subscribers.map((s) => `${s.id}  ${s.kind.padEnd(7)} ${s.status.padEnd(12)} ${s.address}  ${s.components.join(',') || 'all components'}`).join('\n') : 'no subscribers');
  });
}
