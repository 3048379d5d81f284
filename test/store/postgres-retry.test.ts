import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyFailure, withRetry } from '../../src/store/postgres/retry.js';

const failure = (code: string): Error => Object.assign(new Error(code), { code });

/** An operation that fails with the given codes, in order, then returns 'ok'. */
function failingThen(...codes: string[]): { op: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    op: async () => {
      const code = codes[calls++];
      if (code !== undefined) throw failure(code);
      return 'ok';
    },
    calls: () => calls,
  };
}

describe('postgres retry policy', () => {
  it('tells failures that prove no commit from in-doubt and permanent ones', () => {
    for (const code of ['ECONNREFUSED', 'CONNECT_TIMEOUT', '25006', '40P01', '57P03', '25P03']) {
      assert.equal(classifyFailure(failure(code)), 'not-committed', code);
    }
    for (const code of ['57P01', '08006', 'ECONNRESET', 'CONNECTION_CLOSED']) {
      assert.equal(classifyFailure(failure(code)), 'in-doubt', code);
    }
    for (const code of ['23505', '23503', '42P01']) {
      assert.equal(classifyFailure(failure(code)), 'permanent', code);
    }
    assert.equal(classifyFailure(new Error('no code')), 'permanent');
  });

  it('retries a write until it succeeds while failures prove nothing committed', async () => {
    const { op, calls } = failingThen('ECONNREFUSED', '25006', '57P03');
    assert.equal(await withRetry('if-not-committed', op), 'ok');
    assert.equal(calls(), 4);
  });

  it('does not retry a non-idempotent write whose outcome is in doubt', async () => {
    const { op, calls } = failingThen('CONNECTION_CLOSED');
    await assert.rejects(withRetry('if-not-committed', op), { code: 'CONNECTION_CLOSED' });
    assert.equal(calls(), 1);
  });

  it('retries an idempotent operation whose outcome is in doubt', async () => {
    const { op, calls } = failingThen('57P01', 'ECONNRESET', '08006');
    assert.equal(await withRetry('idempotent', op), 'ok');
    assert.equal(calls(), 4);
  });

  it('never retries a permanent error', async () => {
    const { op, calls } = failingThen('23505');
    await assert.rejects(withRetry('idempotent', op), { code: '23505' });
    assert.equal(calls(), 1);
  });

  it('gives up with the last error once the budget is spent', async () => {
    const { op, calls } = failingThen(...Array.from({ length: 1_000 }, () => 'ECONNREFUSED'));
    await assert.rejects(withRetry('idempotent', op, { budgetMs: 200 }), { code: 'ECONNREFUSED' });
    assert.ok(calls() > 1 && calls() < 1_000, `${calls()} attempts`);
  });

  it('stops retrying when told to', async () => {
    const { op, calls } = failingThen('ECONNREFUSED', 'ECONNREFUSED');
    await assert.rejects(withRetry('idempotent', op, { shouldStop: () => true }), { code: 'ECONNREFUSED' });
    assert.equal(calls(), 1);
  });

  it('reports each failure it retries', async () => {
    const seen: string[] = [];
    const { op } = failingThen('25006', 'ECONNREFUSED');
    await withRetry('idempotent', op, { onRetry: (err) => seen.push((err as { code: string }).code) });
    assert.deepEqual(seen, ['25006', 'ECONNREFUSED']);
  });
});
