import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/index.js';

describe('openStore', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'continuum-open-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens sqlite::memory:', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      assert.equal(store.kind, 'sqlite');
      await store.migrate();
      assert.equal(await store.sessions.countSessions(), 0);
    } finally {
      await store.close();
    }
  });

  it('opens an absolute sqlite path', async () => {
    const file = join(dir, 'abs.db');
    const store = await openStore(`sqlite:${file}`);
    try {
      assert.equal(store.description, `sqlite:${file}`);
    } finally {
      await store.close();
    }
  });

  it('opens a relative sqlite path against the working directory', async () => {
    const file = join(dir, 'rel', 'x.db');
    const store = await openStore(`sqlite:./${relative(process.cwd(), file)}`);
    try {
      assert.equal(store.description, `sqlite:${file}`);
    } finally {
      await store.close();
    }
  });

  it('opens postgres:// and postgresql:// URLs without connecting', async () => {
    for (const url of ['postgres://u:pw@127.0.0.1:1/db', 'postgresql://u@h1:5432,h2:5433/db']) {
      const store = await openStore(url);
      try {
        assert.equal(store.kind, 'postgres');
        assert.ok(!store.description.includes('pw'), store.description);
      } finally {
        await store.close();
      }
    }
  });

  it('rejects other URLs, naming the forms it accepts', async () => {
    for (const url of ['mysql://u@h/db', './file.db', 'sqlite:', 'sqlite://host/file.db', '']) {
      await assert.rejects(openStore(url), (err: Error) => {
        assert.match(err.message, /sqlite:\.\/relative\/file\.db/);
        assert.match(err.message, /postgres:\/\//);
        return true;
      });
    }
  });

  it('keeps a password out of the error message', async () => {
    await assert.rejects(openStore('mysql://u:hunter2@h/db'), (err: Error) => !err.message.includes('hunter2'));
  });
});
