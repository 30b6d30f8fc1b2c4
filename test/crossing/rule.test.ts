import { describe, expect, it } from 'vitest';
import { maj3, decideCrossing, merge2, CONFLICT, strictMajority, confirmOutput, actuatorAccept, type Value } from '../../ctrl/crossing/rule.js';
import { Prng } from '../../sim/crossing/prng.js';
import { tuples } from './helpers.js';

describe('decision rule (pure)', () => {
  it('maj3 returns the value present twice, null otherwise; null counts as a value', () => {
    expect(maj3(1, 1, 2)).toBe(1);
    expect(maj3(2, 1, 1)).toBe(1);
    expect(maj3(1, 2, 3)).toBe(null);
    expect(maj3(null, null, 5)).toBe(null);
    expect(maj3(5, null, 5)).toBe(5);
  });

  it('merge2 ignores a missing copy and flags disagreement', () => {
    expect(merge2(null, 4)).toBe(4);
    expect(merge2(4, 4)).toBe(4);
    expect(merge2(4, 5)).toBe(CONFLICT);
  });

  it('3 planes: with two correct rows and two correct columns, row/column of the faulty plane cannot change the decision (exhaustive over {1,2,3,null})', () => {
    const dom: Value[] = [1, 2, 3, null];
    for (let f = 0; f < 3; f++) {
      // correct sensor value 1: correct columns hold 1 on correct rows; every entry of row f and
      // column f (from a correct row: consistent, but arbitrary) is free.
      const free: Array<[number, number]> = [];
      for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) if (p === f || q === f) free.push([p, q]);
      for (const vals of tuples(dom, free.length)) {
        const m: Value[][] = [[1, 1, 1], [1, 1, 1], [1, 1, 1]];
        free.forEach(([p, q], i) => (m[p]![q] = vals[i]!));
        expect(decideCrossing(m, 3).value).toBe(1);
      }
    }
  });

  it('Limits: no rule can give agreement for Byzantine sensor + faulty plane (the indistinguishability of the proof)', () => {
    // replica 1's view is also the view of "sensor correct with B, plane 0 faulty" (validity forces B);
    // replica 2's view is also the view of "sensor correct with A, plane 1 faulty" (validity forces A);
    // both views arise in one run with sensor A->plane0, B->plane1 and plane 2 faulty.
    const A = 1, B = 2;
    const v1 = [[A, B, A], [A, B, B], [A, B, B]];
    const v2 = [[A, B, A], [A, B, B], [A, B, A]];
    // columns 1,2 of v1 (and rows 1,2) are all B: any single-faulty-plane rule must decide B.
    // columns 0,2 of v2 on rows 0,2 are all A: it must decide A.
    expect(decideCrossing(v1, 3).value).toBe(B);
    expect(decideCrossing(v2, 3).value).toBe(A);
  });

  it('strict majority (OM(1) lieutenant vote)', () => {
    expect(strictMajority([1, 1, 2, 1])).toBe(1);
    expect(strictMajority([1, 1, 2, 2])).toBe(null);
    expect(strictMajority([1, 2, 1])).toBe(1);
  });

  it('actuator: a replica output is confirmed by 2 matching plane copies; f+1 replicas accept', () => {
    expect(confirmOutput([5, 6, 5], 3)).toBe(5);
    expect(confirmOutput([5, 6, undefined], 3)).toBe(undefined);
    expect(confirmOutput([undefined, 6, 6], 3)).toBe(6);
    expect(actuatorAccept([5, 9, 5], 1)).toBe(5);
    expect(actuatorAccept([5, 9, undefined], 1)).toBe(undefined);
  });

  it('PRNG is deterministic and forks are independent of draws', () => {
    const a = new Prng(42), b = new Prng(42);
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
    expect(new Prng(42).fork('x').nextU32()).toBe(a.fork('x').nextU32());
    expect(new Prng(43).nextU32()).not.toBe(xs[0]);
  });
});
