import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/index.js';
import { VERSION } from '../version.js';
import { registerCluster } from './cluster.js';
import { registerDb } from './db.js';
import { registerAudit } from './audit.js';
import { registerConfig } from './config-command.js';
import { registerDrill } from './drill.js';
import { registerIncident } from './incident.js';
import { registerMaintenance } from './maintenance.js';
import { registerNotify } from './notify.js';
import { registerStdio } from './stdio.js';
import { registerToken } from './token.js';
import { registerUp } from './up.js';

export function buildProgram(): Command {
  const program = new Command('continuum')
    .version(VERSION)
    .description(
      'Continuum keeps MCP services running through failures.\n' +
        'It serves MCP servers written with the official TypeScript SDK with sessions that outlive the process,\n' +
        'and runs the business-continuity process around them.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerUp(program);
  registerStdio(program);
  registerConfig(program);
  registerIncident(program);
  registerNotify(program);
  registerMaintenance(program);
  registerToken(program);
  registerAudit(program);
  registerCluster(program);
  registerDb(program);
  registerDrill(program);
  return program;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) {
      process.stderr.write(`continuum: ${err.message}\nFix the keys above in continuum.yaml, the CONTINUUM_* variables or the flags (continuum config --help).\n`);
      return 2;
    }
    throw err;
  }
}
