import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { builtinNames, loadExperiment } from '../../src/drills/experiment/builtin.js';
import { ExperimentError, parseExperiment } from '../../src/drills/experiment/parse.js';
import { withinTolerance } from '../../src/drills/runner/tolerance.js';

const minimal = {
  title: 't',
  target: { local: { regions: [{ name: 'eu', nodes: 2 }] } },
  method: [{ type: 'action', name: 'kill', provider: { type: 'continuum', func: 'kill-node', arguments: { node: 'node-1' } }, pauses: { after: '5s' } }],
};

const problems = (text: string): string[] => {
  try {
    parseExperiment(text, 'x.yaml');
  } catch (err) {
    assert.ok(err instanceof ExperimentError, `not an ExperimentError: ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected the experiment to be rejected');
};

describe('drill experiment files', () => {
  it('every built-in scenario parses', () => {
    const names = builtinNames();
    for (const n of ['single-node-failure', 'region-failure', 'network-partition', 'gray-failure']) assert.ok(names.includes(n), `${n} is built in`);
    for (const n of names) {
      const { experiment } = loadExperiment(n);
      assert.ok(experiment.criteria.length > 0, `${n} has criteria`);
      assert.ok(experiment.method.length > 0);
    }
  });

  it('fills defaults and converts durations', () => {
    const e = parseExperiment(stringify(minimal));
    assert.equal(e.kind, 'drill');
    assert.equal(e.load.sessions, 100);
    assert.equal(e.method[0].pauses?.after, 5000);
    assert.deepEqual(e.method[0].provider, { type: 'continuum', func: 'kill-node', arguments: { node: 'node-1', signal: 'SIGKILL' } });
    assert.ok('local' in e.target && e.target.local.partition.short === 30_000);
  });

  it('names every problem by its path', () => {
    const structural = {
      ...minimal,
      criteria: [{ name: 'c', metric: 'failover_ms', plan: 'fast' }],
      method: [{ type: 'action', name: 'c', provider: { type: 'continuum', func: 'explode' } }],
    };
    let p = problems(stringify(structural));
    assert.ok(p.some((m) => m.startsWith('criteria.0.plan') && m.includes('not a comparison')), p.join('\n'));
    assert.ok(p.some((m) => m.startsWith('method.0.provider.func') && m.includes('kill-node')), p.join('\n'));
    // References to the topology are checked once the file's structure is sound.
    const references = {
      ...minimal,
      method: [
        { type: 'action', name: 'a', provider: { type: 'continuum', func: 'kill-node', arguments: { node: 'node-9' } } },
        { type: 'action', name: 'b', provider: { type: 'continuum', func: 'cut-region', arguments: { region: 'eu' } } },
        { type: 'action', name: 'c', provider: { type: 'continuum', func: 'kill-region', arguments: { region: 'mars' } } },
      ],
    };
    p = problems(stringify(references));
    assert.ok(p.some((m) => m.startsWith('method.0.provider.arguments.node') && m.includes('no node node-9')), p.join('\n'));
    assert.ok(p.some((m) => m.startsWith('method.1.provider.arguments.links') && m.includes('sqlite')), p.join('\n'));
    assert.ok(p.some((m) => m.startsWith('method.2.provider.arguments.region') && m.includes('no region mars')), p.join('\n'));
  });

  it('refuses harness-only functions against an existing deployment', () => {
    const p = problems(stringify({ ...minimal, target: { deployment: { url: 'https://mcp.example.com/mcp' } } }));
    assert.ok(p.some((m) => m.includes('needs the local harness')), p.join('\n'));
    const ok = parseExperiment(
      stringify({
        ...minimal,
        target: { deployment: { url: 'https://mcp.example.com/mcp' } },
        method: [{ type: 'action', name: 'hook', provider: { type: 'http', url: 'https://ops.example.com/inject', method: 'POST' } }],
      }),
    );
    assert.equal(ok.method[0].provider.type, 'http');
  });

  it('reports YAML syntax errors, non-mappings, duplicate keys and alias bombs as ExperimentError', () => {
    assert.ok(problems('title: [unclosed').length > 0);
    assert.ok(problems('- a\n- b').some((m) => m.includes('mapping')));
    assert.ok(problems('title: a\ntitle: b\n').length > 0);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]', 'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]'].join('\n');
    assert.ok(problems(bomb).length > 0);
  });

  it('fuzz: any text is either an experiment or an ExperimentError, never another exception', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.jsonValue().map((v) => stringify(v))), (text) => {
        try {
          parseExperiment(text);
        } catch (err) {
          assert.ok(err instanceof ExperimentError, String(err));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('fuzz: mutations of a valid experiment are accepted or rejected with named problems', () => {
    const valid = loadExperiment('network-partition').experiment;
    assert.ok(valid);
    const keys = ['title', 'kind', 'target', 'load', 'criteria', 'method', 'rollbacks', 'steady-state-hypothesis', 'version', 'tags'];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        const text = stringify({ ...minimal, [key]: value });
        try {
          parseExperiment(text);
        } catch (err) {
          assert.ok(err instanceof ExperimentError, String(err));
          assert.ok(err.problems.length > 0 && err.problems.every((p) => typeof p === 'string' && p.length > 0));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('tolerances: exact, one of, range, regex', () => {
    assert.equal(withinTolerance(3, 3), true);
    assert.equal(withinTolerance(2, 3), false);
    assert.equal(withinTolerance(200, [200, 204]), true);
    assert.equal(withinTolerance(0.0005, { type: 'range', range: [0, 0.001] }), true);
    assert.equal(withinTolerance('x', { type: 'range', range: [0, 1] }), false);
    assert.equal(withinTolerance(['none/whole/operate', 'short/minority/operate'], { type: 'regex', pattern: '^short/' }), true);
  });
});
