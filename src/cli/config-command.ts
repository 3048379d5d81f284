import type { Command } from 'commander';
import { stringify } from 'yaml';
import { redactCommunications } from '../communications/config.js';
import { ENV_KEYS, envName } from '../config/index.js';
import { addNodeOptions, configFromFlags } from './options.js';

export function registerConfig(program: Command): void {
  addNodeOptions(
    program
      .command('config')
      .summary('validate and print the effective configuration')
      .description(
        'Merge continuum.yaml, CONTINUUM_* variables and flags (later wins), validate, and print the result.\n' +
          'Exits 2 with every bad key named when the configuration is invalid.\n\nEnvironment variables:\n' +
          ENV_KEYS.map((k) => `  ${envName(k).padEnd(34)} ${k}`).join('\n'),
      )
      .option('--json', 'print JSON instead of YAML'),
  ).action((flags: Parameters<typeof configFromFlags>[0] & { json?: boolean }) => {
    const config = configFromFlags(flags);
    const shown = { ...config, mcp: { ...config.mcp, tokens: config.mcp.tokens.map((t) => ({ principal: t.principal, token: '[redacted]' })) } };
    // Paging secrets: PagerDuty routing keys and webhook headers (often an Authorization).
    const receivers = config.incidents.paging.receivers.map((r) =>
      r.type === 'pagerduty' ? { ...r, routingKey: '[redacted]' } : { ...r, headers: Object.fromEntries(Object.keys(r.headers).map((k) => [k, '[redacted]'])) },
    );
    Object.assign(shown, { incidents: { ...config.incidents, paging: { ...config.incidents.paging, receivers } }, communications: redactCommunications(config.communications) });
    process.stdout.write(flags.json ? JSON.stringify(shown, null, 2) + '\n' : stringify(shown));
  });
}
