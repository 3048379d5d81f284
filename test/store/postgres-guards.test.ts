/**
 * The process-wide guards for postgres.js's known crashes: only the exact failure shape is ignored
 * (a TypeError thrown by its `nextWrite` timer after the socket is gone); anything else still ends the
 * process as Node would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const guards = fileURLToPath(new URL('../../src/store/postgres/floating-rejections.ts', import.meta.url));

describe('postgres.js crash guards', () => {
  const dir = mkdtempSync(join(tmpdir(), 'continuum-pg-guard-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // A module at the path postgres.js's connection code lives at, failing the way its nextWrite does.
  mkdirSync(join(dir, 'node_modules', 'postgres', 'src'), { recursive: true });
  writeFileSync(
    join(dir, 'node_modules', 'postgres', 'src', 'connection.js'),
    'let socket = null;\nexport function nextWrite() { return socket.write(Buffer.alloc(1)); }\n',
  );

  const run = (body: string) => {
    const file = join(dir, `case-${Math.random().toString(36).slice(2)}.mts`);
    writeFileSync(file, `import { guardPostgresJsNextWriteCrash } from ${JSON.stringify(guards)};\nimport { nextWrite } from './node_modules/postgres/src/connection.js';\nguardPostgresJsNextWriteCrash();\nvoid nextWrite;\n${body}\n`);
    return spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 30_000 });
  };

  it('a nextWrite on a torn-down socket is a warning, and the process goes on', () => {
    const r = run("setImmediate(nextWrite);\nsetTimeout(() => console.log('still running'), 50);");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /still running/);
    assert.match(r.stderr, /postgres\.js wrote to a connection already closed \(ignored\)/);
  });

  // The real shape: Node's own socket error, as postgres.js's unawaited connection promise rejects with it
  // when a dead server refuses the connection (a closed port here).
  const refused = (registered: boolean) =>
    run(
      `import { createServer, connect } from 'node:net';\n` +
        `import { guardPostgresJsFloatingRejections, registerPostgresPorts } from ${JSON.stringify(guards)};\n` +
        `guardPostgresJsFloatingRejections();\n` +
        `const srv = createServer().listen(0, '127.0.0.1', () => {\n` +
        `  const port = srv.address().port;\n` +
        `  srv.close(() => {\n` +
        `    if (${registered}) registerPostgresPorts([port]);\n` +
        `    void new Promise((_, reject) => connect(port, '127.0.0.1').once('error', reject));\n` +
        `    setTimeout(() => console.log('still running'), 200);\n` +
        `  });\n` +
        `});`,
    );

  it('a refused connection to a database port that nobody awaited is a warning, and the process goes on', () => {
    const r = refused(true);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /still running/);
    assert.match(r.stderr, /postgres\.js connection failure nobody awaited \(ignored\): connect ECONNREFUSED/);
  });

  it('the same refusal on a port that is not a database of this process still ends it', () => {
    const r = refused(false);
    assert.notEqual(r.status, 0);
    assert.doesNotMatch(r.stdout, /still running/);
    assert.match(r.stderr, /ECONNREFUSED/);
  });

  it('any other uncaught exception still ends the process with code 1', () => {
    const r = run("setImmediate(() => { throw new TypeError('ours'); });\nsetTimeout(() => console.log('still running'), 50);");
    assert.equal(r.status, 1);
    assert.doesNotMatch(r.stdout, /still running/);
    assert.match(r.stderr, /TypeError: ours/);
  });
});
