import type { Command } from 'commander';
import type { MaintenanceView } from '../maintenance/view.js';
import { apiTarget, callApi, DEFAULT_API_URL } from './api-client.js';
import { print, printJson } from './output.js';

interface ApiFlags {
  url?: string;
  token?: string;
  json?: boolean;
}

function withApi(cmd: Command): Command {
  return cmd
    .option('--url <url>', `the node to talk to (env CONTINUUM_URL; default ${DEFAULT_API_URL})`)
    .option('--token <token>', 'an API token (env CONTINUUM_TOKEN)')
    .option('--json', 'print JSON');
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function line(m: MaintenanceView): string {
  return `${m.id}  ${m.status.padEnd(11)} ${m.scheduledFor} -> ${m.scheduledUntil}  ${m.title}  [${m.components.join(', ')}]`;
}

/** An ISO 8601 time, or a duration from now such as +2h or +72h. */
export function parseWhen(value: string, now = Date.now()): string {
  const rel = /^\+(\d+(?:\.\d+)?)(m|h|d)$/.exec(value.trim());
  if (rel) return new Date(now + Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd']).toISOString();
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/\d{4}-\d{2}-\d{2}T/.test(value)) throw new Error(`"${value}" is not a time: give ISO 8601 (2025-06-02T22:00:00Z) or +30m, +2h, +3d from now`);
  return new Date(t).toISOString();
}

export function registerMaintenance(program: Command): void {
  const m = program
    .command('maintenance')
    .summary('schedule and run maintenance windows shown on the status page')
    .description(
      "Talks to a node's admin API (--url, --token or CONTINUUM_URL, CONTINUUM_TOKEN).\n" +
        'A window shows on the status page once scheduled (the plan: 72 hours notice).\n' +
        'In progress or verifying, its components show "under maintenance".\n' +
        'It starts and completes by itself at its times, unless scheduled --manual.\n' +
        'Subscribers of its components (and routes listing the maintenance template) are notified when\n' +
        'it is scheduled, 24 h and 1 h before it starts, when it starts, completes or is cancelled\n' +
        '(maintenance.notices); scheduling under 72 h ahead warns that it is short notice.\n\n' +
        'Statuses: scheduled -> in_progress -> verifying -> completed.\n' +
        'cancel takes a window off the page.',
    );

  withApi(
    m
      .command('schedule')
      .description('schedule a window')
      .requiredOption('--title <title>', 'what the maintenance is, in one line')
      .requiredOption('--component <id>', 'an affected component (repeatable)', collect)
      .requiredOption('--start <time>', 'ISO 8601, or +72h from now')
      .requiredOption('--end <time>', 'ISO 8601, or +74h from now')
      .option('--body <text>', 'what will happen and what users may notice')
      .option('--manual', 'do not start or complete it automatically'),
  ).action(async (f: ApiFlags & { title: string; component: string[]; start: string; end: string; body?: string; manual?: boolean }) => {
    const body = {
      title: f.title,
      components: f.component,
      scheduledFor: parseWhen(f.start),
      scheduledUntil: parseWhen(f.end),
      ...(f.body ? { body: f.body } : {}),
      ...(f.manual ? { autoStart: false, autoComplete: false } : {}),
    };
    const { maintenance, warnings = [] } = await callApi<{ maintenance: MaintenanceView; warnings?: string[] }>(apiTarget(f), 'POST', '/v1/maintenance', body);
    if (f.json) printJson({ maintenance, warnings });
    else print([`scheduled ${line(maintenance)}`, ...warnings.map((w) => `warning: ${w}`)].join('\n'));
  });

  withApi(m.command('list').description('list windows, latest first')).action(async (f: ApiFlags) => {
    const { maintenance } = await callApi<{ maintenance: MaintenanceView[] }>(apiTarget(f), 'GET', '/v1/maintenance');
    if (f.json) printJson({ maintenance });
    else print(maintenance.length ? maintenance.map(line).join('\n') : 'no maintenance windows');
  });

  withApi(m.command('show').description('one window with its updates').argument('<id>')).action(async (id: string, f: ApiFlags) => {
    const { maintenance: w } = await callApi<{ maintenance: MaintenanceView }>(apiTarget(f), 'GET', `/v1/maintenance/${encodeURIComponent(id)}`);
    if (f.json) printJson({ maintenance: w });
    else print([line(w), ...w.updates.map((u) => `  ${u.at}  ${u.status.padEnd(11)} ${u.body}`), `  notices sent: ${w.notices.join(', ') || 'none yet'}`].join('\n'));
  });

  for (const [name, what] of [
    ['start', 'start a window now'],
    ['verify', 'move a window to verifying'],
    ['complete', 'complete a window'],
    ['cancel', 'cancel a window (it leaves the status page)'],
  ] as const) {
    withApi(m.command(name).description(what).argument('<id>').option('--message <text>', 'a public update to go with it')).action(async (id: string, f: ApiFlags & { message?: string }) => {
      const { maintenance: w } = await callApi<{ maintenance: MaintenanceView }>(apiTarget(f), 'POST', `/v1/maintenance/${encodeURIComponent(id)}/${name}`, f.message ? { message: f.message } : {});
      if (f.json) printJson({ maintenance: w });
      else print(`${name}: ${line(w)}`);
    });
  }

  withApi(m.command('update').description('post an update to a window').argument('<id>').requiredOption('--message <text>', 'the update')).action(async (id: string, f: ApiFlags & { message: string }) => {
    const { maintenance: w } = await callApi<{ maintenance: MaintenanceView }>(apiTarget(f), 'POST', `/v1/maintenance/${encodeURIComponent(id)}/updates`, { message: f.message });
    if (f.json) printJson({ maintenance: w });
    else print(`updated ${line(w)}`);
  });
}
