import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, envName, loadConfig, parseConfig, parseDuration } from '../../src/config/index.js';

describe('configuration', () => {
  it('has defaults for everything: 127.0.0.1:8080 and the SQLite file', () => {
    const c = parseConfig({});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8080);
    assert.equal(c.store, 'sqlite:./.continuum/continuum.db');
    assert.equal(c.sessions.idleTtl, 24 * 3_600_000);
    assert.equal(c.sessions.durable, true);
  });

  it('file < environment < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-config-'));
    const file = join(dir, 'continuum.yaml');
    writeFileSync(file, 'port: 7001\nregion: eu-west\nsessions:\n  idleTtl: 2h\n  maxLive: 50\n');
    const fromFile = loadConfig({ file, env: {} });
    assert.equal(fromFile.port, 7001);
    assert.equal(fromFile.sessions.idleTtl, 2 * 3_600_000);
    const fromEnv = loadConfig({ file, env: { CONTINUUM_PORT: '7002', CONTINUUM_SESSIONS_IDLE_TTL: '30m' } });
    assert.equal(fromEnv.port, 7002);
    assert.equal(fromEnv.sessions.idleTtl, 30 * 60_000);
    assert.equal(fromEnv.sessions.maxLive, 50, 'untouched file keys survive the merge');
    const fromFlags = loadConfig({ file, env: { CONTINUUM_PORT: '7002' }, flags: { port: '7003', region: undefined } });
    assert.equal(fromFlags.port, 7003);
    assert.equal(fromFlags.region, 'eu-west');
  });

  it('environment lists and tokens', () => {
    const c = loadConfig({
      file: undefined,
      env: {
        CONTINUUM_MCP_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
        CONTINUUM_MCP_TOKENS: '[{"token":"0123456789abcdef0123","principal":"ci"}]',
        CONTINUUM_SESSIONS_DURABLE: 'false',
      },
    });
    assert.deepEqual(c.mcp.allowedOrigins, ['https://a.example', 'https://b.example']);
    assert.equal(c.mcp.tokens[0].principal, 'ci');
    assert.equal(c.sessions.durable, false);
  });

  it('rejects bad values naming each key, its variable and what is wrong', () => {
    assert.throws(
      () => parseConfig({ port: 'eighty', store: 'mysql://x', sessions: { idleTtl: 'soon' }, mcp: { tokens: [{ token: 'short', principal: 'p' }] }, colour: 'red' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.message;
        for (const part of ['port:', 'CONTINUUM_PORT', 'store:', 'sqlite:', 'sessions.idleTtl:', '"soon" is not a duration', 'mcp.tokens.0.token', 'at least 16', 'colour']) {
          assert.ok(text.includes(part), `message names ${part}:\n${text}`);
        }
        return true;
      },
    );
  });

  it('rejects a file that is not YAML or not a mapping, and a missing named file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-config-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'port: [1,\n');
    assert.throws(() => loadConfig({ file: bad, env: {} }), /not valid YAML/);
    writeFileSync(bad, '- 1\n- 2\n');
    assert.throws(() => loadConfig({ file: bad, env: {} }), /mapping/);
    assert.throws(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} }), /does not exist/);
  });

  it('durations and variable names', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('7d'), 7 * 86_400_000);
    assert.equal(parseDuration(250), 250);
    assert.equal(parseDuration('-1s'), null);
    assert.equal(parseDuration('1 fortnight'), null);
    assert.equal(envName('sessions.liveIdle'), 'CONTINUUM_SESSIONS_LIVE_IDLE');
    assert.equal(envName('mcp.maxBodyBytes'), 'CONTINUUM_MCP_MAX_BODY_BYTES');
  });
});
