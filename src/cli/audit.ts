import { CommanderError, type Command } from 'commander';
import { addStoreOptions, withAccess, type StoreFlags } from './local-store.js';
import { output, print, printJson } from './output.js';

export function registerAudit(program: Command): void {
  const audit = program
    .command('audit')
    .summary('read and verify the audit log')
    .description(
      'Every operator action (tokens created and revoked; incidents declared, acknowledged, updated, resolved...) is an\n' +
        'entry in an append-only, hash-chained audit log: each entry holds the hash of the one before and of its own content,\n' +
        'so an edited or deleted entry breaks the chain. These commands read the store directly.',
    );
  addStoreOptions(
    audit
      .command('list')
      .description('print audit entries, oldest first')
      .option('--after <position>', 'start after this position', '0')
      .option('--limit <n>', 'at most this many entries', '1000'),
  ).action((flags: StoreFlags & { after: string; limit: string }) =>
    withAccess(flags, async ({ audit: log }) => {
      const entries = await log.list(Number(flags.after), Number(flags.limit));
      if (flags.json) return void printJson({ entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) });
      print(
        entries.length
          ? entries.map((e) => `${String(e.position).padStart(6)}  ${new Date(e.at).toISOString()}  ${e.actor} (${e.role})  ${e.action}  ${e.target}  ${JSON.stringify(e.details)}`).join('\n')
          : 'the audit log is empty',
      );
    }),
  );
  addStoreOptions(audit.command('verify').description('recompute the hash chain; exits 1 naming the first bad entry')).action((flags: StoreFlags) =>
    withAccess(flags, async ({ audit: log }) => {
      const verdict = await log.verify();
      if (flags.json) printJson(verdict);
      if (verdict.ok) {
        if (!flags.json) print(`audit log intact: ${verdict.checked} entries, head ${verdict.head}`);
        return;
      }
      const message = `audit log TAMPERED at entry ${verdict.position}: ${verdict.problem} (${verdict.checked} entries before it verified)`;
      output.err(`continuum: ${message}\n`);
      throw new CommanderError(1, 'continuum.auditTampered', message);
    }),
  );
}
