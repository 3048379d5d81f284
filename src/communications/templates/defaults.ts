/**
 * The plan's templates (Communication Plan: alert templates, customer e-mail, social updates), as
 * Handlebars sources. Each template has parts: `subject` (e-mail subject, Slack header), `text`
 * (the message), `short` (SMS, PagerDuty summary, social post) and `html` (e-mail). A deployment
 * overrides any part with a file (see engine.ts). Values come from NoticeData (data.ts).
 */
import type { TemplateName } from '../config.js';

export const PARTS = ['subject', 'text', 'short', 'html'] as const;
export type Part = (typeof PARTS)[number];

const drill = '{{#if drill}}[DRILL] {{/if}}';

/** An HTML e-mail: a heading, then label/value rows. Values are HTML-escaped by the engine. */
function htmlRows(heading: string, rows: [string, string][], footer = ''): string {
  const tr = rows.map(([label, value]) => `<tr><th align="left" style="padding:2px 12px 2px 0">${label}</th><td>${value}</td></tr>`).join('');
  return `<!doctype html><html><body style="font-family:sans-serif"><h2>${heading}</h2><table>${tr}</table>${footer}</body></html>`;
}

const INITIAL_ROWS: [string, string][] = [
  ['Severity', '{{incident.severity}} ({{incident.severityTitle}})'],
  ['Affected Systems', '{{affected}}'],
  ['Status', '{{currentStatus}}'],
  ['Estimated Time', '{{eta}}'],
];
const UPDATE_ROWS: [string, string][] = [
  ['Previous Status', '{{previousStatus}}'],
  ['Current Status', '{{currentStatus}}'],
  ['Action Taken', '{{actionTaken}}'],
  ['Next Steps', '{{nextSteps}}'],
  ['ETA', '{{eta}}'],
];
const RESOLUTION_ROWS: [string, string][] = [
  ['Resolution Time', '{{duration}}'],
  ['Root Cause', '{{rootCause}}'],
  ['Prevention', '{{prevention}}'],
  ['Post-mortem', '<a href="{{postmortemUrl}}">{{postmortemUrl}}</a>'],
];
const lines = (rows: [string, string][]) => rows.map(([l, v]) => `${l}: ${v.replace(/<a href="([^"]+)">.*<\/a>/, '$1')}`).join('\n');

export const DEFAULT_TEMPLATES: Record<TemplateName, Record<Part, string>> = {
  initial: {
    subject: `${drill}🚨 INCIDENT ALERT: [{{incident.severity}}] {{incident.title}}`,
    text: `${drill}🚨 INCIDENT ALERT: {{incident.title}}\n${lines(INITIAL_ROWS)}{{#if escalation}}\nEscalated to: {{escalation}}{{/if}}\nIncident: {{incident.id}}`,
    short: `${drill}🚨 {{incident.severity}} {{incident.id}}: {{incident.title}} ({{currentStatus}}){{#if escalation}} - escalated to {{escalation}}{{/if}}`,
    html: htmlRows(`${drill}🚨 INCIDENT ALERT: {{incident.title}}`, [...INITIAL_ROWS, ['Incident', '{{incident.id}}']]),
  },
  update: {
    subject: `${drill}🔄 INCIDENT UPDATE: [{{incident.severity}}] {{incident.title}}`,
    text: `${drill}🔄 INCIDENT UPDATE: {{incident.title}}\n${lines(UPDATE_ROWS)}\nIncident: {{incident.id}}`,
    short: `${drill}🔄 {{incident.id}} {{incident.title}}: {{previousStatus}} -> {{currentStatus}}. {{actionTaken}}`,
    html: htmlRows(`${drill}🔄 INCIDENT UPDATE: {{incident.title}}`, [...UPDATE_ROWS, ['Incident', '{{incident.id}}']]),
  },
  resolution: {
    subject: `${drill}✅ INCIDENT RESOLVED: [{{incident.severity}}] {{incident.title}}`,
    text: `${drill}✅ INCIDENT RESOLVED: {{incident.title}}\n${lines(RESOLUTION_ROWS)}\nIncident: {{incident.id}}`,
    short: `${drill}✅ RESOLVED {{incident.id}}: {{incident.title}} after {{duration}}`,
    html: htmlRows(`${drill}✅ INCIDENT RESOLVED: {{incident.title}}`, [...RESOLUTION_ROWS, ['Incident', '{{incident.id}}']]),
  },
  customer: {
    subject: 'Service Incident - {{product}} Service Disruption',
    text:
      'Dear Valued Customer,\n\n' +
      '{{#if resolved}}The service disruption affecting {{product}} has been resolved.{{else}}We are currently experiencing a service disruption affecting {{product}}. Our engineering team is actively working to resolve the issue.{{/if}}\n\n' +
      'Current Status: {{currentStatus}}\nAffected Services: {{affected}}\nEstimated Resolution: {{eta}}\n\n' +
      'We apologize for any inconvenience this may cause. For real-time updates, please visit our status page: {{statusPageUrl}}\n\n' +
      'Sincerely,\nThe {{product}} Team' +
      '{{#if unsubscribeUrl}}\n\nUnsubscribe: {{unsubscribeUrl}}{{/if}}',
    short: '{{product}}: {{currentStatus}} - {{incident.title}}. Affected: {{affected}}. {{statusPageUrl}}',
    html:
      '<!doctype html><html><body style="font-family:sans-serif"><p>Dear Valued Customer,</p>' +
      '<p>{{#if resolved}}The service disruption affecting {{product}} has been resolved.{{else}}We are currently experiencing a service disruption affecting {{product}}. Our engineering team is actively working to resolve the issue.{{/if}}</p>' +
      '<table><tr><th align="left">Current Status</th><td>{{currentStatus}}</td></tr><tr><th align="left">Affected Services</th><td>{{affected}}</td></tr>' +
      '<tr><th align="left">Estimated Resolution</th><td>{{eta}}</td></tr></table>' +
      '<p>We apologize for any inconvenience this may cause. For real-time updates, please visit our <a href="{{statusPageUrl}}">status page</a>.</p>' +
      '<p>Sincerely,<br>The {{product}} Team</p>' +
      '{{#if unsubscribeUrl}}<p style="font-size:small"><a href="{{unsubscribeUrl}}">Unsubscribe</a></p>{{/if}}</body></html>',
  },
  public: {
    subject: '{{product}} status: {{incident.title}}',
    text: '{{product}} - {{incident.title}}: {{currentStatus}}. Affected: {{affected}}. Updates every 15 minutes at {{statusPageUrl}}',
    short: '{{product}}: {{incident.title}} - {{currentStatus}}. Updates: {{statusPageUrl}}',
    html: '<p>{{product}} - {{incident.title}}: {{currentStatus}}. Affected: {{affected}}. <a href="{{statusPageUrl}}">Status page</a></p>',
  },
  reminder: {
    subject: `${drill}⏰ REMINDER: [{{incident.severity}}] {{incident.title}}`,
    text: `${drill}⏰ REMINDER: {{incident.title}} ({{incident.id}})\n{{reminder}}\nCurrent Status: {{currentStatus}}\nLast action: {{actionTaken}}`,
    short: `${drill}⏰ {{incident.id}}: {{reminder}}`,
    html: htmlRows(`${drill}⏰ REMINDER: {{incident.title}}`, [['Incident', '{{incident.id}}'], ['Reminder', '{{reminder}}'], ['Current Status', '{{currentStatus}}']]),
  },
  // Maintenance notices (the plan: 72 hours notice, then a post-maintenance notification). Values come
  // from MaintenanceNoticeData (maintenance-notices.ts).
  maintenance: {
    subject: '{{headline}}: {{title}}',
    text:
      '{{headline}}: {{title}}\n' +
      'When: {{start}} to {{end}}\nAffected: {{affected}}\nStatus: {{status}}\n{{message}}' +
      '{{#if shortNotice}}\nAnnounced at short notice (less than {{minNoticeHours}} hours ahead).{{/if}}' +
      '\nDetails: {{statusPageUrl}}\nMaintenance: {{id}}' +
      '{{#if unsubscribeUrl}}\n\nUnsubscribe: {{unsubscribeUrl}}{{/if}}',
    short: '{{product}}: {{headline}} - {{title}} ({{start}} to {{end}}). {{statusPageUrl}}',
    html: htmlRows(
      '{{headline}}: {{title}}',
      [
        ['When', '{{start}} to {{end}}'],
        ['Affected', '{{affected}}'],
        ['Status', '{{status}}'],
        ['Details', '{{message}}'],
        ['Maintenance', '{{id}}'],
      ],
      '{{#if shortNotice}}<p>Announced at short notice (less than {{minNoticeHours}} hours ahead).</p>{{/if}}<p><a href="{{statusPageUrl}}">Status page</a></p>' +
        '{{#if unsubscribeUrl}}<p style="font-size:small"><a href="{{unsubscribeUrl}}">Unsubscribe</a></p>{{/if}}',
    ),
  },
  confirm: {
    subject: 'Confirm your subscription to {{product}} status updates',
    text: 'Please confirm that you want {{product}} incident updates{{#if components}} for {{components}}{{/if}}:\n{{confirmUrl}}\n\nIf you did not ask for this, ignore this message.',
    short: 'Confirm {{product}} status updates: {{confirmUrl}}',
    html:
      '<!doctype html><html><body style="font-family:sans-serif"><p>Please confirm that you want {{product}} incident updates{{#if components}} for {{components}}{{/if}}:</p>' +
      '<p><a href="{{confirmUrl}}">Confirm subscription</a></p><p>If you did not ask for this, ignore this message.</p></body></html>',
  },
};
