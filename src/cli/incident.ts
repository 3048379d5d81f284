import { Option, type Command } from 'commander';
import { MODES, OPEN_STATUSES, SEVERITIES } from '../incidents/model.js';
import type { IncidentView } from '../incidents/view.js';
import { apiTarget, callApi, DEFAULT_API_URL } from './api-client.js';
import { print, printJson } from './output.js';

interface ApiFlags {
  url?: string;
  token?: string;
  json?: boolean;
}

type TimelineItem = { version: number; at: string; actor: string; what: string; pinned: boolean };

function withApi(cmd: Command): Command {
  return cmd
    .option('--url <url>', `the node to talk to (env CONTINUUM_URL; default ${DEFAULT_API_URL})`)
    .option('--token <token>', 'an API token (env CONTINUUM_TOKEN)')
    .option('--json', 'print JSON');
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function summaryLine(i: IncidentView): string {
  const ack = i.acknowledgedAt ? 'acked' : 'UNACKED';
  return `${i.id}  ${i.severity}  ${i.status.padEnd(13)} ${i.mode === 'real' ? '' : `[${i.mode}] `}${i.title}  (${ack}, detected ${i.detectedAt})`;
}

function details(i: IncidentView, timeline?: TimelineItem[]): string {
  const lines = [
    `${i.id}: ${i.title}`,
    `  severity   ${i.severity} (${i.severityDefinition}; respond within ${i.responseTimeMinutes} min)`,
    `  status     ${i.status}${i.mode === 'real' ? '' : ` (${i.mode})`}`,
    `  components ${i.components.join(', ') || '-'}`,
    `  impact     ${i.impact || '-'}`,
    `  started    ${i.startedAt}   detected ${i.detectedAt}`,
    `  acked      ${i.acknowledgedAt ?? '-'}${i.acknowledgedBy ? ` by ${i.acknowledgedBy}` : ''}`,
    `  mitigated  ${i.mitigatedAt ?? '-'}   resolved ${i.resolvedAt ?? '-'}`,
    ...(i.debriefDueAt ? [`  debrief    due by ${i.debriefDueAt}`] : []),
    ...(i.escalation.level > 0 ? [`  escalated  level ${i.escalation.level} to ${i.escalation.target}`] : []),
    '  roles',
    ...i.roles.map((r) => `    ${r.title.padEnd(20)} ${r.assignee ?? 'unassigned'}${r.contact ? `  ${Object.values(r.contact).filter((v) => v !== r.contact?.name).join(' ')}` : ''}`),
  ];
  if (timeline) lines.push('  timeline', ...timeline.map((t) => `    ${String(t.version).padStart(3)}${t.pinned ? '*' : ' '} ${t.at}  ${t.what}  (${t.actor})`));
  return lines.join('\n');
}

export function registerIncident(program: Command): void {
  const incident = program
    .command('incident')
    .summary('declare and run incidents on a running node')
    .description(
      'Talks to a node\'s admin API (--url, --token or CONTINUUM_URL, CONTINUUM_TOKEN).\n' +
        'Severities (the continuity plan): P0 complete outage (respond < 15 min), P1 regional failure (< 30 min),\n' +
        'P2 degradation (< 1 h), P3 minor (< 2 h). Unacknowledged past the response time, an incident escalates.\n\n' +
        'Workflow: declare -> ack -> update (status identified, monitoring; messages) -> resolve (debrief due within 24 h).',
    );

  withApi(
    incident
      .command('declare')
      .description('declare an incident; response roles are assigned by severity and receivers are paged')
      .requiredOption('--title <title>', 'what is wrong, in one line')
      .addOption(new Option('--severity <severity>', 'P0, P1, P2 or P3').choices(SEVERITIES).makeOptionMandatory())
      .addOption(new Option('--mode <mode>', 'real, drill (pages say DRILL) or tabletop (no pages)').choices(MODES).default('real'))
      .option('--component <name>', 'an affected component (repeatable)', collect)
      .option('--impact <text>', 'who or what is affected')
      .option('--summary <text>', 'what is known so far'),
  ).action(async (f: ApiFlags & { title: string; severity: string; mode: string; component?: string[]; impact?: string; summary?: string }) => {
    const body = { title: f.title, severity: f.severity, mode: f.mode, components: f.component, impact: f.impact, summary: f.summary };
    const { incident: i } = await callApi<{ incident: IncidentView }>(apiTarget(f), 'POST', '/v1/incidents', body);
    if (f.json) printJson({ incident: i });
    else print(`declared ${summaryLine(i)}\n${details(i)}`);
  });

  withApi(incident.command('ack').description('acknowledge an incident (stops its escalation)').argument('<id>')).action(async (id: string, f: ApiFlags) => {
    const { incident: i } = await callApi<{ incident: IncidentView }>(apiTarget(f), 'POST', `/v1/incidents/${encodeURIComponent(id)}/ack`);
    if (f.json) printJson({ incident: i });
    else print(`acknowledged ${summaryLine(i)}`);
  });

  withApi(
    incident
      .command('update')
      .description('change status, severity or fields, or post a message')
      .argument('<id>')
      .addOption(new Option('--status <status>', 'new status').choices([...OPEN_STATUSES, 'postmortem']))
      .addOption(new Option('--severity <severity>', 'new severity').choices(SEVERITIES))
      .option('--message <text>', 'an update message')
      .option('--external', 'the message was posted externally (resets the update-cadence reminder)')
      .option('--title <title>', 'a new title')
      .option('--component <name>', 'affected components, replacing the list (repeatable)', collect)
      .option('--impact <text>', 'who or what is affected')
      .option('--summary <text>', 'what is known')
      .option('--mitigated', 'the impact is mitigated')
      .option('--failover', 'a failover completed (updates then due every 4 hours)'),
  ).action(async (id: string, f: ApiFlags & Record<string, unknown>) => {
    const body = Object.fromEntries(
      ['status', 'severity', 'message', 'external', 'title', 'impact', 'summary', 'mitigated', 'failover']
        .filter((k) => f[k] !== undefined)
        .map((k) => [k, f[k]]),
    );
    if (f.component) body.components = f.component;
    const { incident: i } = await callApi<{ incident: IncidentView }>(apiTarget(f), 'POST', `/v1/incidents/${encodeURIComponent(id)}/updates`, body);
    if (f.json) printJson({ incident: i });
    else print(`updated ${summaryLine(i)}`);
  });

  withApi(incident.command('resolve').description('resolve an incident; the debrief is scheduled within 24 h').argument('<id>').option('--message <text>', 'how it was resolved')).action(
    async (id: string, f: ApiFlags & { message?: string }) => {
      const { incident: i } = await callApi<{ incident: IncidentView }>(apiTarget(f), 'POST', `/v1/incidents/${encodeURIComponent(id)}/resolve`, f.message ? { message: f.message } : {});
      if (f.json) printJson({ incident: i });
      else print(`resolved ${summaryLine(i)}${i.debriefDueAt ? `\ndebrief due by ${i.debriefDueAt}` : ''}`);
    },
  );

  withApi(incident.command('list').description('list incidents, newest first').addOption(new Option('--status <which>', 'open, closed or all').choices(['open', 'closed', 'all']).default('open'))).action(
    async (f: ApiFlags & { status: string }) => {
      const { incidents } = await callApi<{ incidents: IncidentView[] }>(apiTarget(f), 'GET', `/v1/incidents?status=${f.status}`);
      if (f.json) printJson({ incidents });
      else print(incidents.length ? incidents.map(summaryLine).join('\n') : `no ${f.status === 'all' ? '' : `${f.status} `}incidents`);
    },
  );

  withApi(incident.command('show').description('one incident with its timeline (* marks pinned events)').argument('<id>')).action(async (id: string, f: ApiFlags) => {
    const r = await callApi<{ incident: IncidentView; timeline: TimelineItem[] }>(apiTarget(f), 'GET', `/v1/incidents/${encodeURIComponent(id)}`);
    if (f.json) printJson(r);
    else print(details(r.incident, r.timeline));
  });
}
