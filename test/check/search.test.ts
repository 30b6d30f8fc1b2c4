// The search machinery: keys searched in turns (one hard key does not starve the others), the
// worker pool, the bounded cache that evicts instead of clearing, and the generated histories.
import { describe, expect, it } from 'vitest';
import {
  checkHistory,
  checkOperations,
  concurrentWrites,
  hardAndEasyKeys,
  makeModel,
  parseJsonHistory,
  type JsonHistory,
  type Operation,
} from '../../verify/check/index.js';

const kv = makeModel({ name: 'kv' });
const opsOf = (h: JsonHistory): Operation[] => parseJsonHistory(JSON.stringify(h), 'gen.json').ops;

/** Several generated keys in one history (process ids kept apart). */
function keys(parts: Array<{ key: string; writers: number; read?: number }>, process0 = 0): Operation[] {
  const all: JsonHistory = { model: 'kv', ops: [] };
  let p = process0;
  for (const x of parts) {
    const h = concurrentWrites(x.writers, { key: x.key, ...(x.read !== undefined ? { read: x.read } : {}), process0: p });
    p += x.writers + 1;
    all.ops.push(...h.ops);
  }
  return opsOf(all);
}

describe('keys are searched in turns', () => {
  // Two hopeless keys first (14 concurrent appends and an impossible read: 14! orders), then keys
  // that each need tens of thousands of steps. Searched one after another, the hopeless key would
  // take the whole time limit and leave the others 1,024 steps each: unknown.
  const hopeless = opsOf(hardAndEasyKeys({ hard: 2, appenders: 14, easy: 0, violation: false }));
  const moderate = (violation: boolean): Operation[] => {
    const parts: Array<{ key: string; writers: number; read?: number }> = [];
    for (let i = 0; i < 10; i++) parts.push({ key: `m${i}`, writers: 11, read: 0 });
    if (violation) parts.push({ key: 'bad', writers: 10 });
    return keys(parts, 100);
  };

  it('a violation on the last key is found although two hopeless keys come first', () => {
    const r = checkOperations(kv, [...hopeless, ...moderate(true)], { timeoutMs: 8000 });
    expect(r.verdict).toBe('not linearizable');
    expect(r.failing!.key).toBe('bad');
    expect(r.failing!.frontier[0]!.reason).toMatch(/read returned "never-written" but key holds "v9"/);
  });

  it('out of time: only the hopeless keys are left open, every other key was decided', () => {
    const r = checkOperations(kv, [...hopeless, ...moderate(false)], { timeoutMs: 3000 });
    expect(r.verdict).toBe('unknown');
    expect(r.unfinished!.sort()).toEqual(['hard0', 'hard1']);
    expect(r.searched).toBe(12);
  });
});

describe('the worker pool', () => {
  it('linearizable keys that need a real search: same verdict as one thread, two threads used', async () => {
    const ops = keys([0, 1, 2, 3].map((i) => ({ key: `k${i}`, writers: 14, read: 0 })));
    const one = checkOperations(kv, ops);
    expect(one.verdict).toBe('linearizable');
    const r = await checkHistory({ name: 'kv' }, ops, { workers: 2, warmupMs: 0, timeoutMs: 120_000 });
    expect(r.verdict).toBe('linearizable');
    expect(r.threads).toBe(2);
    expect(r.partitions).toBe(4);
    expect(r.steps).toBeGreaterThan(4 * 300_000);
  });

  it('stops at the first violation, wherever it is searched', async () => {
    const ops = keys([
      { key: 'a', writers: 14, read: 0 },
      { key: 'b', writers: 14, read: 0 },
      { key: 'bad', writers: 12 },
      { key: 'c', writers: 14, read: 0 },
    ]);
    const r = await checkHistory({ name: 'kv' }, ops, { workers: 2, warmupMs: 0, timeoutMs: 120_000 });
    expect(r.verdict).toBe('not linearizable');
    expect(r.failing!.key).toBe('bad');
    expect(r.failing!.frontier.map((f) => f.reason)).toContain('read returned "never-written" but key holds "v11"');
  });

  it('unknown at the time limit names the open keys', async () => {
    const ops = opsOf(hardAndEasyKeys({ hard: 3, appenders: 14, easy: 5, violation: false }));
    const r = await checkHistory({ name: 'kv' }, ops, { workers: 2, warmupMs: 0, timeoutMs: 2000 });
    expect(r.verdict).toBe('unknown');
    expect(r.unfinished!.sort()).toEqual(['hard0', 'hard1', 'hard2']);
    expect(r.failing!.key).toMatch(/^hard/);
  });
});

describe('the search cache', () => {
  it('a cache far too small evicts generations and stays exact', () => {
    const not = opsOf(concurrentWrites(13));
    const lin = opsOf(concurrentWrites(13, { read: 0 }));
    const big = checkOperations(kv, not);
    const small = checkOperations(kv, not, { cacheBytes: 1 << 20 });
    expect(big.verdict).toBe('not linearizable');
    expect(big.evictions).toBe(0);
    expect(small.verdict).toBe('not linearizable');
    expect(small.evictions).toBeGreaterThan(0);
    expect(small.steps).toBeGreaterThan(big.steps); // it had to explore some configurations again
    expect(checkOperations(kv, lin, { cacheBytes: 1 << 20 }).verdict).toBe('linearizable');
  });

  it('16 concurrent writes and a read of a value never written: not linearizable', () => {
    // 20 writes: verify/check/bench.ts, make bench-check (about 110 M steps)
    const r = checkOperations(kv, opsOf(concurrentWrites(16)));
    expect(r.verdict).toBe('not linearizable');
    expect(r.steps).toBeGreaterThan(4_000_000);
  });
});
