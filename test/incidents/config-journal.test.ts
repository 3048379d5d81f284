/** The incidents configuration (validated team, sample data kept out of the defaults) and the local journal. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/index.js';
import { IncidentJournal } from '../../src/incidents/journal.js';
import { onCall, ResponseTeam } from '../../src/incidents/team.js';

describe('incidents configuration', () => {
  it('defaults carry the plan roles and teams but no people or contacts', () => {
    const c = parseConfig({});
    assert.deepEqual(Object.keys(c.incidents.team.roles), ['incident-commander', 'technical-lead', 'sre-manager', 'dba-lead', 'network-engineer']);
    assert.deepEqual(Object.keys(c.incidents.team.extendedTeams), ['cloud-operations', 'security', 'communications', 'legal']);
    assert.deepEqual(c.incidents.team.people, {});
    assert.ok(!JSON.stringify(c).includes('555-0123'), 'the plan sample contacts are not defaults');
    const roles = new ResponseTeam(c.incidents.team).assignmentsFor('P0', 0);
    assert.ok(roles.every((r) => r.assignee === null && r.contact === null));
  });

  it('the example with the plan sample team validates', () => {
    const c = loadConfig({ file: 'examples/incident-response/continuum.yaml', env: {} });
    const team = new ResponseTeam(c.incidents.team);
    const ic = team.assign('incident-commander', undefined, Date.parse('2025-03-01T00:00:00Z'));
    assert.deepEqual(ic.contact, { name: 'John Doe', phone: '+1-555-0123' });
    assert.equal(team.assign('legal', undefined, 0).contact?.email, 'legal@company.com');
  });

  it('names every bad reference in the team', () => {
    assert.throws(
      () =>
        parseConfig({
          incidents: {
            team: {
              people: { ann: { name: 'Ann' } },
              roles: { 'incident-commander': { assignee: 'bob' }, scribe: { title: 'Scribe', assignee: 'ann' }, 'technical-lead': { rotation: { members: ['ann', 'zed'], start: '2025-01-01T00:00:00Z', every: '1d' } } },
              assignments: { P1: ['incident-commander', 'ghost'] },
            },
          },
        }),
      (err: ConfigError) => {
        const text = err.problems.join('\n');
        assert.match(text, /incidents\.team\.roles\.incident-commander\.assignee: "bob" is not in incidents\.team\.people/);
        assert.match(text, /rotation\.members\.1: "zed" is not in incidents\.team\.people/);
        assert.match(text, /incidents\.team\.assignments\.P1\.1: "ghost" is neither a role nor an extended team/);
        return true;
      },
    );
    assert.throws(() => parseConfig({ incidents: { team: { roles: { scribe: {} } } } }), /incidents\.team\.roles\.scribe\.title: "scribe" is not one of the plan's; give it a title/);
    assert.throws(() => parseConfig({ incidents: { debriefWithin: '36h' } }), /within 24h/);
    assert.throws(
      () => parseConfig({ incidents: { team: { people: { a: { name: 'A' } }, roles: { 'dba-lead': { rotation: { members: ['a'], start: '2025-01-01T00:00:00Z', every: '0s' } } } } } }),
      /rotation\.every: every must be longer than 0/,
    );
  });

  it('rotations hand over at each period from their start', () => {
    const r = { members: ['a', 'b', 'c'], start: 1_000, every: 100 };
    assert.deepEqual([0, 1_000, 1_099, 1_100, 1_250, 1_300].map((t) => onCall(r, t)), ['a', 'a', 'a', 'b', 'c', 'a']);
  });
});

describe('incident journal', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'continuum-journal-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const signal = (id: string) => ({ t: 'signal' as const, id, at: 1, node: 'n', signal: { kind: 'k', key: id, source: 's', summary: 's', labels: {}, components: [], at: 1 }, classified: { severity: 'P3' as const, title: 't' } });

  it('keeps unreconciled signals and their pages across a reopen', () => {
    const path = join(dir, 'a', 'journal.jsonl');
    const j = new IncidentJournal(path);
    j.append(signal('s1'));
    j.append(signal('s2'));
    j.append({ t: 'page', id: 's1', at: 2, page: { dedupKey: 'd' } as never, results: [{ receiver: 'pd', ok: true }] });
    j.append({ t: 'reconciled', id: 's2', at: 3, outcome: 'opened', incident: 'INC-1' });
    j.close();
    const again = new IncidentJournal(path);
    assert.deepEqual(again.pending().map((s) => s.id), ['s1']);
    assert.equal(again.pagesOf('s1').length, 1);
    again.append({ t: 'reconciled', id: 's1', at: 4, outcome: 'opened', incident: 'INC-2' });
    again.compact();
    again.close();
    assert.equal(readFileSync(path, 'utf8'), '');
  });

  it('does not empty a file another process appended to meanwhile', () => {
    const path = join(dir, 'shared.jsonl');
    const a = new IncidentJournal(path);
    const b = new IncidentJournal(path);
    a.append(signal('a1'));
    b.append(signal('b1'));
    a.append({ t: 'reconciled', id: 'a1', at: 2, outcome: 'opened', incident: 'INC-1' });
    a.compact();
    a.close();
    b.close();
    assert.deepEqual(new IncidentJournal(path).pending().map((s) => s.id), ['b1']);
  });

  it('survives a record torn by a crash, and refuses a corrupt line in the middle', () => {
    const path = join(dir, 'torn.jsonl');
    writeFileSync(path, JSON.stringify(signal('s1')) + '\n' + '{"t":"sig');
    const j = new IncidentJournal(path);
    assert.deepEqual(j.pending().map((s) => s.id), ['s1']);
    j.append(signal('s2'));
    j.close();
    assert.deepEqual(new IncidentJournal(path).pending().map((s) => s.id), ['s1', 's2']);
    appendFileSync(path, 'garbage\n' + JSON.stringify(signal('s3')) + '\n');
    assert.throws(() => new IncidentJournal(path), /is not JSON/);
  });
});
