import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { AuditLog } from '../access/audit-log.js';
import type { Actor } from '../access/roles.js';
import { TokenService } from '../access/tokens.js';
import { loadConfig } from '../config/index.js';
import { systemClock } from '../core/clock.js';
import { openStore } from '../store/index.js';

/** Options of the commands that work on the store directly (whoever can reach the store is an admin). */
export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'YAML configuration file (default: ./continuum.yaml when present)')
    .option('--store <url>', 'sqlite:<file> or postgres://... (config: store, env CONTINUUM_STORE)')
    .option('--json', 'print JSON');
}

export interface StoreFlags {
  config?: string;
  store?: string;
  json?: boolean;
}

/** The operator at this terminal: the audit log names them. */
export function cliActor(): Actor {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep 'unknown'.
  }
  return { id: `cli:${user}`, role: 'admin' };
}

/** Opens and migrates the configured store, runs `work` with the access services, closes the store. */
export async function withAccess<T>(flags: StoreFlags, work: (a: { tokens: TokenService; audit: AuditLog }) => Promise<T>): Promise<T> {
  const config = loadConfig({ file: flags.config, flags: { store: flags.store } });
  const store = await openStore(config.store);
  try {
    await store.migrate();
    const audit = new AuditLog(store.audit, systemClock);
    return await work({ tokens: new TokenService(store.tokens, audit, systemClock), audit });
  } finally {
    await store.close();
  }
}

export { print, printJson } from './output.js';
