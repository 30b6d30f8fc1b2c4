// The model checker's copy and hash (verify/mc/canon.ts) run code generated per object shape; it
// must compute exactly what the plain walks over Object.keys compute (useGeneratedCode(false)):
// the same copies (prototypes, keys in order, values, shared references shared) and the same hash
// values, over the states of a real search, and on graphs made to be awkward (shared and cyclic
// references, more objects than the memo scans, keys a prototype lends).
import { afterEach, describe, expect, it } from 'vitest';
import { deepClone, FrameIds, StructHash, stringWords, useGeneratedCode } from '../../verify/mc/canon.js';
import { SMALL_BOUND, WARM_BOUND } from '../../verify/mc/cli.js';
import { Model, World } from '../../verify/mc/world.js';
import { MUTATION_BOUND } from './mutations.js';

afterEach(() => useGeneratedCode(true));

/** The distinct worlds within `depth` steps (breadth-first). */
function worlds(m: Model, depth: number): World[] {
  const all: World[] = [];
  let frontier = [new World(m)];
  const seen = new Set<string>();
  for (let d = 0; d < depth; d++) {
    const next: World[] = [];
    for (const w of frontier) for (const c of w.choices()) {
      const w2 = w.clone();
      w2.apply(c);
      const fp = w2.fingerprint();
      if (seen.has(fp)) continue;
      seen.add(fp);
      next.push(w2);
    }
    all.push(...next);
    frontier = next;
  }
  return all;
}

/** The fingerprint computed from scratch (no node digest kept from an earlier call). */
function freshFingerprint(w: World): string {
  for (const n of w.nodes) n.fpWords = undefined;
  return w.fingerprint();
}

/**
 * Where a and b, copies made the same way, differ ('' if nowhere): the same structure, object for
 * object (prototypes, own keys in order, Map and Set entries in order, values), the same objects
 * shared (a bijection between their objects), the same objects not copied (identical in both).
 */
function copyDiff(a: unknown, b: unknown, path = '$', pairs = new Map<unknown, unknown>(), back = new Map<unknown, unknown>()): string {
  if (a === null || typeof a !== 'object' || a instanceof Uint8Array) return Object.is(a, b) ? '' : `${path}: ${String(a)} vs ${String(b)}`;
  if (b === null || typeof b !== 'object') return `${path}: an object vs ${String(b)}`;
  if (pairs.has(a) || back.has(b)) return pairs.get(a) === b && back.get(b) === a ? '' : `${path}: shared differently`;
  pairs.set(a, b);
  back.set(b, a);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) || Array.isArray(a) !== Array.isArray(b)) return `${path}: another kind`;
  if (a instanceof Map || a instanceof Set) {
    const ea = [...(a as Map<unknown, unknown>).entries()];
    const eb = [...(b as Map<unknown, unknown>).entries()];
    if (ea.length !== eb.length) return `${path}: ${ea.length} vs ${eb.length} entries`;
    for (let i = 0; i < ea.length; i++) {
      const d = copyDiff(ea[i]![0], eb[i]![0], `${path}.key${i}`, pairs, back) || copyDiff(ea[i]![1], eb[i]![1], `${path}.value${i}`, pairs, back);
      if (d) return d;
    }
    return '';
  }
  const o = a as Record<string, unknown>;
  const p = b as Record<string, unknown>;
  const ka = Object.keys(o);
  const kb = Object.keys(p);
  if (ka.join() !== kb.join()) return `${path}: keys ${ka.join()} vs ${kb.join()}`;
  for (const k of ka) {
    const d = copyDiff(o[k], p[k], `${path}.${k}`, pairs, back);
    if (d) return d;
  }
  return '';
}

describe('canon: generated code computes what the plain walks compute', () => {
  it('the same fingerprints and copies over the states of searches (mutation bound, small bound, warm)', () => {
    let n = 0;
    for (const [bound, depth] of [[MUTATION_BOUND, 6], [SMALL_BOUND, 4], [WARM_BOUND, 3]] as const) {
      const m = new Model(bound);
      for (const w of worlds(m, depth)) {
        useGeneratedCode(true);
        const fast = freshFingerprint(w);
        const copies = w.nodes.map((x) => [x.core ? deepClone(x.core, m.shared) : undefined, deepClone(x.nic, m.shared), deepClone(x.storage, m.shared)]);
        useGeneratedCode(false);
        const plainFp = freshFingerprint(w);
        if (plainFp !== fast) expect.fail(`fingerprint ${fast} (generated code) vs ${plainFp} (plain walks)`);
        const plain = w.nodes.map((x) => [x.core ? deepClone(x.core, m.shared) : undefined, deepClone(x.nic, m.shared), deepClone(x.storage, m.shared)]);
        const d = copyDiff(copies, plain);
        if (d) expect.fail(d);
        n++;
      }
    }
    expect(n).toBeGreaterThan(1000);
  }, 120_000);

  it('copies keep shared and cyclic references shared, past the memo scan, and share what is not copied', () => {
    class Box { constructor(public v: unknown, public next: Box | null = null) {} }
    const shared = { constant: true };
    const frame = new Uint8Array([1, 2, 3]);
    const entry = { index: 1, term: 1, frame };
    const arr = [1, 2, 3];
    const map = new Map<unknown, unknown>([['k', arr]]);
    const boxes = Array.from({ length: 100 }, (_, i) => new Box(i % 2 ? arr : map)); // more boxes and arrays than the memo scans
    for (let i = 1; i < boxes.length; i++) boxes[i - 1]!.next = boxes[i]!;
    const lists = Array.from({ length: 80 }, () => [arr]);
    const root = { boxes, lists, again: boxes[50], arr, map, set: new Set([arr, map]), shared, entry, frame, self: null as unknown };
    root.self = root;
    for (const on of [true, false]) {
      useGeneratedCode(on);
      const c = deepClone(root, new WeakSet([shared]));
      expect(c).not.toBe(root);
      expect(c.self).toBe(c);
      expect(c.again).toBe(c.boxes[50]);
      expect(c.again).toBeInstanceOf(Box);
      expect(c.arr).not.toBe(arr);
      expect(c.arr).toEqual(arr);
      expect(c.boxes[1]!.v).toBe(c.arr);
      expect(c.boxes[0]!.v).toBe(c.map);
      expect(c.map.get('k')).toBe(c.arr);
      expect([...c.set]).toEqual([c.arr, c.map]);
      expect(c.lists[79]![0]).toBe(c.arr);
      expect(c.boxes[98]!.next).toBe(c.boxes[99]);
      expect(c.shared).toBe(shared);
      expect(c.entry).toBe(entry);
      expect(c.frame).toBe(frame);
      c.arr.push(4);
      expect(arr).toEqual([1, 2, 3]);
    }
    useGeneratedCode(true);
    const fast = deepClone(root, new WeakSet([shared]));
    useGeneratedCode(false);
    expect(copyDiff(fast, deepClone(root, new WeakSet([shared])))).toBe('');
  });

  it('an object whose prototype lends an enumerable key: copied and hashed by its own keys, as Object.keys lists them', () => {
    class Lender { own = 1; other = 'x'; }
    (Lender.prototype as unknown as Record<string, unknown>).lent = 2; // enumerable, inherited: for-in lists it, Object.keys does not
    const ids = new FrameIds();
    const objs = [new Lender(), Object.assign(new Lender(), { more: [1] })];
    for (const o of objs) {
      useGeneratedCode(true);
      const h = new StructHash().value(o, ids).digest();
      const c = deepClone(o);
      useGeneratedCode(false);
      expect(new StructHash().value(o, ids).digest()).toBe(h);
      expect(copyDiff(c, deepClone(o))).toBe('');
      expect(Object.keys(c)).toEqual(Object.keys(o));
      expect(Object.prototype.hasOwnProperty.call(c, 'lent')).toBe(false);
    }
  });

  it('digestWords() is stringWords(digest())', () => {
    const ids = new FrameIds();
    for (let i = 0; i < 2000; i++) {
      const h = new StructHash().word(i).value({ i, s: `v${i}` }, ids);
      expect(h.digestWords()).toEqual(stringWords(h.digest()));
    }
    expect(new StructHash().digestWords()).toEqual(stringWords(new StructHash().digest()));
  });
});
