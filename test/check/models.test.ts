// Small hand-made histories with known answers, for both models.
import { describe, expect, it } from 'vitest';
import { cas, check, op, r, verdict, w } from './helpers.js';

const LIN = 'linearizable';
const NOT = 'not linearizable';

describe('register model', () => {
  it('empty history is linearizable', () => {
    expect(verdict('register', [])).toBe(LIN);
  });

  it('sequential history', () => {
    expect(verdict('register', [r(0, null, 0, 1), w(0, 1, 2, 3), r(1, 1, 4, 5), cas(0, 1, 2, 6, 7), r(1, 2, 8, 9)])).toBe(LIN);
  });

  it('initial value is nil', () => {
    expect(verdict('register', [r(0, 1, 0, 1)])).toBe(NOT);
  });

  it('concurrent overlapping writes: either order may be observed', () => {
    const writes = [w(0, 1, 0, 10), w(1, 2, 1, 9)];
    expect(verdict('register', [...writes, r(2, 1, 11, 12)])).toBe(LIN);
    expect(verdict('register', [...writes, r(2, 2, 11, 12)])).toBe(LIN);
    // a read inside the writes may see either, or nothing yet
    expect(verdict('register', [...writes, r(2, null, 2, 3)])).toBe(LIN);
    // but the order cannot flip back
    expect(
      verdict('register', [w(0, 1, 0, 100), w(1, 2, 0, 100), r(2, 1, 10, 20), r(2, 2, 30, 40), r(2, 1, 50, 60)]),
    ).toBe(NOT);
  });

  it('a read concurrent with a write may see the old or new value', () => {
    const base = [w(0, 1, 0, 1), w(0, 2, 10, 20)];
    expect(verdict('register', [...base, r(1, 1, 12, 14)])).toBe(LIN);
    expect(verdict('register', [...base, r(1, 2, 12, 14)])).toBe(LIN);
    expect(verdict('register', [...base, r(1, 2, 12, 14), r(2, 1, 15, 16)])).toBe(NOT);
  });

  it('stale read is not linearizable', () => {
    const res = check('register', [w(0, 1, 0, 1), w(0, 2, 2, 3), r(1, 1, 4, 5)]);
    expect(res.verdict).toBe(NOT);
    const f = res.failing!;
    expect(f.prefix.map((o) => o.value)).toEqual(['1', '2']);
    expect(f.stateAfterPrefix).toBe('2');
    expect(f.frontier).toHaveLength(1);
    expect(f.frontier[0]!.op.kind).toBe('read');
    expect(f.frontier[0]!.rejected).toBe(true);
    expect(f.frontier[0]!.reason).toMatch(/read returned 1 but register holds 2/);
  });

  it('cas success and failure', () => {
    expect(verdict('register', [w(0, 1, 0, 1), cas(1, 1, 2, 2, 3), r(0, 2, 4, 5)])).toBe(LIN);
    expect(verdict('register', [w(0, 1, 0, 1), cas(1, 2, 3, 2, 3, 'fail'), r(0, 1, 4, 5)])).toBe(LIN);
    // a failed cas whose expected value was certainly there
    expect(verdict('register', [w(0, 1, 0, 1), cas(1, 1, 3, 2, 3, 'fail')])).toBe(NOT);
    // a successful cas whose expected value was certainly not there
    expect(verdict('register', [w(0, 1, 0, 1), cas(1, 2, 3, 2, 3)])).toBe(NOT);
    // a failed cas has no effect
    expect(verdict('register', [w(0, 1, 0, 1), cas(1, 2, 3, 2, 3, 'fail'), r(0, 3, 4, 5)])).toBe(NOT);
    // concurrent cas: one of two competing cas from 1 succeeds, the other fails
    expect(
      verdict('register', [w(0, 1, 0, 1), cas(1, 1, 2, 2, 10), cas(2, 1, 3, 2, 10, 'fail'), r(0, 2, 11, 12)]),
    ).toBe(LIN);
    expect(verdict('register', [w(0, 1, 0, 1), cas(1, 1, 2, 2, 10), cas(2, 1, 3, 2, 10), r(0, 2, 11, 12)])).toBe(NOT);
  });

  it('an indeterminate write that must be assumed applied', () => {
    expect(verdict('register', [w(0, 1, 0, 1), w(1, 2, 2, 3, 'info'), r(0, 2, 10, 11)])).toBe(LIN);
    // ... also when it never completed at all
    expect(verdict('register', [w(0, 1, 0, 1), w(1, 2, 2, 3, 'pending'), r(0, 2, 10, 11)])).toBe(LIN);
    // ... even long after its invocation (its return time is +infinity)
    expect(verdict('register', [w(1, 2, 2, 3, 'info'), w(0, 1, 4, 5), r(0, 1, 6, 7), r(0, 2, 100, 101)])).toBe(LIN);
  });

  it('an indeterminate write that must be assumed not applied', () => {
    expect(verdict('register', [w(0, 1, 0, 1), w(1, 2, 2, 3, 'info'), r(0, 1, 10, 11)])).toBe(LIN);
    expect(verdict('register', [w(0, 1, 0, 1), w(1, 2, 2, 3, 'info'), r(0, 1, 10, 11), r(0, 1, 1000, 1001)])).toBe(LIN);
    // it can take effect only once: 2 then 1 again needs another write of 1
    expect(verdict('register', [w(0, 1, 0, 1), w(1, 2, 2, 3, 'info'), r(0, 2, 10, 11), r(0, 1, 12, 13)])).toBe(NOT);
    // and never before its invocation
    expect(verdict('register', [w(0, 1, 0, 1), r(0, 2, 2, 3), w(1, 2, 5, 6, 'info')])).toBe(NOT);
  });

  it('an indeterminate cas may or may not have succeeded', () => {
    const base = [w(0, 1, 0, 1), cas(1, 1, 2, 2, 3, 'info')];
    expect(verdict('register', [...base, r(0, 2, 10, 11)])).toBe(LIN);
    expect(verdict('register', [...base, r(0, 1, 10, 11)])).toBe(LIN);
    // its compare can only succeed against its expected value
    expect(verdict('register', [w(0, 1, 0, 1), cas(1, 5, 2, 2, 3, 'info'), r(0, 2, 10, 11)])).toBe(NOT);
  });

  it('indeterminate reads are dropped', () => {
    const res = check('register', [w(0, 1, 0, 1), op(1, 'read', 2, 3, { output: 7, status: 'info' }), r(0, 1, 4, 5)]);
    expect(res.verdict).toBe(LIN);
  });

  it('a call and a return at the same instant count as concurrent', () => {
    // w2 is invoked at 5, when w1 returns: the checker may order w2 before w1.
    expect(verdict('register', [w(0, 1, 0, 5), w(1, 2, 5, 10), r(2, 1, 11, 12)])).toBe(LIN);
    // strictly later invocation: ordered
    expect(verdict('register', [w(0, 1, 0, 5), w(1, 2, 6, 10), r(2, 1, 11, 12)])).toBe(NOT);
  });
});

describe('kv model', () => {
  const put = (p: number, key: string, v: string | null, call: number, ret: number, status: 'ok' | 'info' = 'ok') =>
    op(p, 'put', call, ret, { key, value: v, status });
  const get = (p: number, key: string, out: string | null, call: number, ret: number) =>
    op(p, 'get', call, ret, { key, output: out });
  const app = (p: number, key: string, v: string, call: number, ret: number, status: 'ok' | 'info' = 'ok') =>
    op(p, 'append', call, ret, { key, value: v, status });
  const del = (p: number, key: string, call: number, ret: number) => op(p, 'delete', call, ret, { key });

  it('sequential put/get', () => {
    expect(verdict('kv', [get(0, 'a', null, 0, 1), put(0, 'a', '1', 2, 3), get(1, 'a', '1', 4, 5)])).toBe(LIN);
    expect(verdict('kv', [put(0, 'a', '1', 2, 3), get(1, 'a', null, 4, 5)])).toBe(NOT);
  });

  it('append concatenates; a missing key is ""', () => {
    expect(verdict('kv', [app(0, 'a', 'x', 0, 1), get(0, 'a', 'x', 2, 3)])).toBe(LIN);
    expect(verdict('kv', [put(0, 'a', 'p', 0, 1), app(0, 'a', 'x', 2, 3), get(0, 'a', 'px', 4, 5)])).toBe(LIN);
  });

  it('append ordering', () => {
    const two = [app(0, 'a', 'x', 0, 10), app(1, 'a', 'y', 0, 10)];
    expect(verdict('kv', [...two, get(2, 'a', 'xy', 11, 12)])).toBe(LIN);
    expect(verdict('kv', [...two, get(2, 'a', 'yx', 11, 12)])).toBe(LIN);
    expect(verdict('kv', [...two, get(2, 'a', 'xy', 11, 12), get(2, 'a', 'yx', 13, 14)])).toBe(NOT);
    // sequential appends keep real-time order
    expect(verdict('kv', [app(0, 'a', 'x', 0, 1), app(1, 'a', 'y', 2, 3), get(2, 'a', 'yx', 4, 5)])).toBe(NOT);
    // an indeterminate append may appear once, later, or never
    const maybe = [app(0, 'a', 'x', 0, 1), app(1, 'a', 'y', 2, 3, 'info')];
    expect(verdict('kv', [...maybe, get(2, 'a', 'x', 4, 5)])).toBe(LIN);
    expect(verdict('kv', [...maybe, get(2, 'a', 'xy', 4, 5)])).toBe(LIN);
    expect(verdict('kv', [...maybe, get(2, 'a', 'xyy', 4, 5)])).toBe(NOT);
  });

  it('delete', () => {
    expect(verdict('kv', [put(0, 'a', '1', 0, 1), del(0, 'a', 2, 3), get(1, 'a', null, 4, 5)])).toBe(LIN);
    expect(verdict('kv', [put(0, 'a', '1', 0, 1), del(0, 'a', 2, 3), get(1, 'a', '1', 4, 5)])).toBe(NOT);
    expect(verdict('kv', [put(0, 'a', '1', 0, 1), del(0, 'a', 2, 3), app(1, 'a', 'z', 4, 5), get(1, 'a', 'z', 6, 7)])).toBe(LIN);
  });

  it('cas on a kv key, including from nil', () => {
    const c = (p: number, key: string, from: string | null, to: string, call: number, ret: number, status: 'ok' | 'fail' = 'ok') =>
      op(p, 'cas', call, ret, { key, value: [from, to], status });
    expect(verdict('kv', [c(0, 'a', null, '1', 0, 1), get(0, 'a', '1', 2, 3)])).toBe(LIN);
    expect(verdict('kv', [put(0, 'a', '0', 0, 1), c(0, 'a', null, '1', 2, 3, 'fail'), get(0, 'a', '0', 4, 5)])).toBe(LIN);
    expect(verdict('kv', [put(0, 'a', '0', 0, 1), c(0, 'a', null, '1', 2, 3)])).toBe(NOT);
  });

  it('keys are independent partitions', () => {
    // Interleaved keys: each key on its own is linearizable.
    const ok = [
      put(0, 'a', '1', 0, 10),
      put(1, 'b', '1', 0, 10),
      get(2, 'a', '1', 11, 12),
      put(0, 'b', '2', 13, 14),
      get(1, 'b', '2', 15, 16),
      get(2, 'a', '1', 15, 16),
    ];
    const res = check('kv', ok);
    expect(res.verdict).toBe(LIN);
    expect(res.partitions).toBe(2);
    // The same value read on a different key is a violation on that key only.
    const bad = check('kv', [...ok, get(3, 'b', '1', 20, 21)]);
    expect(bad.verdict).toBe(NOT);
    expect(bad.failing!.key).toBe('b');
    expect(bad.failing!.ops.every((o) => o.key === 'b')).toBe(true);
    // A register history without keys would not be partitioned.
    expect(check('register', [w(0, 1, 0, 1), w(1, 2, 2, 3)]).partitions).toBe(1);
  });
});
