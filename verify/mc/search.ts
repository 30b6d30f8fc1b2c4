// Breadth-first explicit-state search over World (verify/mc/world.ts) with a visited set of
// 128-bit fingerprints.
//
// A state is stored as its choice sequence from the initial state (a parent pointer and the last
// choice: a few bytes), not as a copy of the cores, so memory grows with the number of states by
// the visited set and the parent table only. To expand a state the search rebuilds it by
// re-executing its choices from the nearest state on the path it rebuilt last (consecutive states
// of a level are mostly siblings, so this is about one extra step per state); the cores are
// deterministic, so a re-executed state equals the one that was fingerprinted (checked with
// `verify`). Levels are expanded in order, so the first violating state met is one at the least
// depth and its trace is a shortest counterexample.

import { SeededRand } from '../../ctrl/rand.js';
import { Model, World, type Choice, type McOptions, type Violation } from './world.js';

export interface SearchOptions {
  maxDepth: number;
  timeLimitMs: number;
  /** stop after this many distinct states (memory guard) */
  maxStates?: number;
  /** re-fingerprint every rebuilt state and compare (a self-check of determinism; slower) */
  verify?: boolean;
  onLevel?: (l: LevelStats) => void;
}

export interface LevelStats {
  depth: number;
  /** distinct new states at this depth */
  states: number;
  total: number;
  transitions: number;
  ms: number;
}

export interface SearchResult {
  options: McOptions;
  maxDepth: number;
  /** distinct states (the initial one included) */
  states: number;
  /** choices executed from expanded states (each one a successor, new or already seen) */
  transitions: number;
  /** the deepest level reached */
  depth: number;
  /** true when every state up to maxDepth was explored (the bound is exhausted) */
  complete: boolean;
  /** 'depth': the bound was reached; 'fixpoint': no new states; 'time'/'states': stopped early */
  stop: 'depth' | 'fixpoint' | 'time' | 'states' | 'violation';
  ms: number;
  levels: LevelStats[];
  violation?: Violation & { trace: Choice[] };
}

// Choices packed in one number: kind (4 bits), node/from, to, position.
const KINDS = ['time', 'request', 'crash', 'restart', 'deliver', 'dup', 'drop', 'nic', 'read', 'silent'] as const;
function pack(c: Choice): number {
  const k = KINDS.indexOf(c.k);
  switch (c.k) {
    case 'time': case 'request': case 'crash': case 'restart': case 'nic': case 'read': case 'silent': return k | (c.node << 4);
    case 'deliver': case 'dup': case 'drop': return k | (c.from << 4) | (c.to << 7) | (c.pos << 10);
  }
}
function unpack(x: number): Choice {
  const k = KINDS[x & 15]!;
  const a = (x >> 4) & 7;
  const b = (x >> 7) & 7;
  switch (k) {
    case 'time': case 'request': case 'crash': case 'restart': case 'nic': case 'read': case 'silent': return { k, node: a };
    case 'deliver': case 'dup': case 'drop': return { k, from: a, to: b, pos: x >> 10 };
  }
}

class IntList {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  get(i: number): number { return this.a[i]!; }
}

export function search(opts: McOptions, s: SearchOptions): SearchResult {
  const t0 = performance.now();
  const model = new Model(opts);
  const root = new World(model);
  const parent = new IntList();
  const via = new IntList();
  const depthOf = new IntList();
  const fps: string[] | undefined = s.verify ? [] : undefined;
  parent.push(-1);
  via.push(0);
  depthOf.push(0);
  const levels: LevelStats[] = [];
  let transitions = 0;
  const res = (extra: Partial<SearchResult> & Pick<SearchResult, 'stop' | 'complete' | 'depth'>): SearchResult => ({
    options: opts, maxDepth: s.maxDepth, states: parent.n, transitions, ms: performance.now() - t0, levels, ...extra,
  });
  const pathOf = (idx: number): number[] => {
    const p: number[] = [];
    for (let i = idx; i >= 0; i = parent.get(i)) p.push(i);
    return p.reverse();
  };
  const traceOf = (idx: number, last?: Choice): Choice[] => {
    const t = pathOf(idx).slice(1).map((i) => unpack(via.get(i)));
    if (last) t.push(last);
    return t;
  };
  if (!root.violation) root.checkInvariants();
  if (root.violation) return res({ stop: 'violation', complete: false, depth: 0, violation: { ...root.violation, trace: [] } });
  const rootFp = root.fingerprint();
  fps?.push(rootFp);
  const visited = new Set<string>([rootFp]);

  // the path rebuilt last: state indices and their worlds, from the root
  let cachedIdx: number[] = [0];
  let cachedW: World[] = [root];
  const rebuild = (idx: number): World => {
    const p = pathOf(idx);
    let k = 0;
    while (k < p.length && k < cachedIdx.length && p[k] === cachedIdx[k]) k++;
    cachedIdx = cachedIdx.slice(0, k);
    cachedW = cachedW.slice(0, k);
    let w = cachedW[k - 1]!;
    for (let j = k; j < p.length; j++) {
      w = w.clone();
      w.apply(unpack(via.get(p[j]!)));
      if (w.violation) throw new Error(`model checker: state ${p[j]} rebuilt with a violation it did not have (nondeterminism)`);
      if (fps && w.fingerprint() !== fps[p[j]!]) throw new Error(`model checker: state ${p[j]} rebuilt differently (nondeterminism)`);
      cachedIdx.push(p[j]!);
      cachedW.push(w);
    }
    return w;
  };

  levels.push({ depth: 0, states: 1, total: 1, transitions: 0, ms: performance.now() - t0 });
  s.onLevel?.(levels[0]!);
  let frontier = new IntList();
  frontier.push(0);
  for (let depth = 0; depth < s.maxDepth; depth++) {
    const next = new IntList();
    let fresh = 0;
    for (let fi = 0; fi < frontier.n; fi++) {
      const idx = frontier.get(fi);
      const w = rebuild(idx);
      for (const c of w.choices()) {
        transitions++;
        if ((transitions & 255) === 0) {
          if (performance.now() - t0 > s.timeLimitMs) return res({ stop: 'time', complete: false, depth: depth + 1 });
          if (s.maxStates && parent.n >= s.maxStates) return res({ stop: 'states', complete: false, depth: depth + 1 });
        }
        const w2 = w.clone();
        w2.apply(c);
        if (w2.violation) {
          return res({ stop: 'violation', complete: false, depth: depth + 1, violation: { ...w2.violation, trace: traceOf(idx, c) } });
        }
        const fp = w2.fingerprint();
        if (visited.has(fp)) continue;
        visited.add(fp);
        fps?.push(fp);
        parent.push(idx);
        via.push(pack(c));
        depthOf.push(depth + 1);
        fresh++;
        if (depth + 1 < s.maxDepth) next.push(parent.n - 1);
      }
    }
    const l = { depth: depth + 1, states: fresh, total: parent.n, transitions, ms: performance.now() - t0 };
    levels.push(l);
    s.onLevel?.(l);
    frontier = next;
    if (fresh === 0) return res({ stop: 'fixpoint', complete: true, depth: depth + 1 });
  }
  return res({ stop: 'depth', complete: true, depth: s.maxDepth });
}

/** Re-executes a trace from the initial state with the transcript on: one block of lines per step. */
export function replayTrace(opts: McOptions, trace: Choice[]): { steps: { label: string; lines: string[] }[]; world: World } {
  const model = new Model(opts);
  const w = new World(model);
  const steps: { label: string; lines: string[] }[] = [];
  for (const c of trace) {
    const label = w.label(c);
    w.log = [];
    w.apply(c);
    steps.push({ label, lines: w.log });
    w.log = undefined;
    if (w.violation) break;
  }
  return { steps, world: w };
}

export interface WalkResult {
  walks: number;
  steps: number;
  /** walks in which some node led a term above the first one */
  leaderChanges: number;
  /** walks in which follower reads were answered in two different terms (across a leader change) */
  readsAcrossTerms: number;
  violation?: Violation & { trace: Choice[] };
  ms: number;
}

/**
 * Random walks (not exhaustive): from the initial state, `walks` runs of up to `depth` choices,
 * drawn with the seeded generator (the clock in one step of five, crashes and losses in one of a
 * hundred, else a delivery, NIC answer, request or read, uniformly); every state is checked as
 * in the search. It reaches depths the breadth-first search cannot (a leader change after a
 * crash, with follower reads before and after it); a violation comes with its trace.
 */
export function randomWalks(opts: McOptions, w: { walks: number; depth: number; seed: number }): WalkResult {
  const t0 = performance.now();
  const model = new Model(opts);
  const root = new World(model);
  const rand = new SeededRand(w.seed >>> 0);
  const out: WalkResult = { walks: 0, steps: 0, leaderChanges: 0, readsAcrossTerms: 0, ms: 0 };
  for (let k = 0; k < w.walks; k++) {
    let cur = root;
    const trace: Choice[] = [];
    for (let d = 0; d < w.depth; d++) {
      const cs = cur.choices();
      if (cs.length === 0) break;
      // deliveries, NIC answers, requests and reads most of the time; the clock in 1 of 5 steps (more
      // often, every follower times out before it hears from its leader); crashes and losses rarely
      const tm = cs.filter((x) => x.k === 'time');
      const rare = cs.filter((x) => x.k === 'crash' || x.k === 'drop' || x.k === 'dup');
      const other = cs.filter((x) => x.k !== 'time' && x.k !== 'crash' && x.k !== 'drop' && x.k !== 'dup');
      const u = rand.next();
      const pool = u < 0.01 && rare.length ? rare : (u < 0.2 && tm.length) || other.length === 0 ? (tm.length ? tm : rare.length ? rare : other) : other;
      const c = pool[rand.int(pool.length)]!;
      const next = cur.clone();
      next.apply(c);
      trace.push(c);
      out.steps++;
      cur = next;
      if (cur.violation) {
        out.violation = { ...cur.violation, trace };
        out.walks = k + 1;
        out.ms = performance.now() - t0;
        return out;
      }
    }
    out.walks++;
    if ([...cur.leaders.keys()].some((t) => t > 1)) out.leaderChanges++;
    if (cur.readTerms.size >= 2) out.readsAcrossTerms++;
  }
  out.ms = performance.now() - t0;
  return out;
}
