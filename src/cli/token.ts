import { Option, type Command } from 'commander';
import { ROLES, type Role } from '../access/roles.js';
import type { TokenView } from '../access/tokens.js';
import { addStoreOptions, cliActor, withAccess, type StoreFlags } from './local-store.js';
import { print, printJson } from './output.js';

const line = (t: TokenView): string =>
  `${t.id}  ${t.name.padEnd(20)} ${t.role.padEnd(9)} created ${t.createdAt} by ${t.createdBy}${t.revokedAt ? `  REVOKED ${t.revokedAt} by ${t.revokedBy}` : ''}`;

export function registerToken(program: Command): void {
  const token = program
    .command('token')
    .summary('create, list and revoke admin API tokens')
    .description(
      'API tokens authenticate calls to the admin API (/api) and the incident CLI. Roles nest:\n' +
        '  viewer     reads incidents, the team and the status\n' +
        '  responder  also declares, acknowledges, updates and resolves incidents, and feeds signals (Alertmanager)\n' +
        '  admin      also manages tokens and reads the audit log\n' +
        'These commands work on the store directly (--store or the configuration): reaching the store is the root of trust.\n' +
        'Every create and revoke is recorded in the audit log.',
    );
  addStoreOptions(
    token
      .command('create')
      .description('create a token and print its secret, once (only its SHA-256 is stored)')
      .requiredOption('--name <name>', 'a name for the token (unique among active tokens), e.g. alertmanager or alice')
      .addOption(new Option('--role <role>', 'viewer, responder or admin').choices(ROLES).makeOptionMandatory()),
  ).action((flags: StoreFlags & { name: string; role: Role }) =>
    withAccess(flags, async ({ tokens }) => {
      const { token: t, secret } = await tokens.create(flags.name, flags.role, cliActor());
      if (flags.json) printJson({ token: t, secret });
      else print(`created ${t.id} "${t.name}" (${t.role}). The secret is shown once; store it now:\n${secret}`);
    }),
  );
  addStoreOptions(token.command('list').description('list tokens (never their secrets)')).action((flags: StoreFlags) =>
    withAccess(flags, async ({ tokens }) => {
      const all = await tokens.list();
      if (flags.json) printJson({ tokens: all });
      else print(all.length ? all.map(line).join('\n') : 'no tokens (create one with continuum token create --name NAME --role ROLE)');
    }),
  );
  addStoreOptions(token.command('revoke').description('revoke a token by id or active name').argument('<token>', 'token id (tok_...) or name')).action(
    (idOrName: string, flags: StoreFlags) =>
      withAccess(flags, async ({ tokens }) => {
        const t = await tokens.revoke(idOrName, cliActor());
        if (flags.json) printJson({ token: t });
        else print(`revoked ${line(t)}`);
      }),
  );
}
