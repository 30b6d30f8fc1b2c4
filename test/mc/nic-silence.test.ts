// The model checker with NIC failure detection (issue 18, docs/control-plane.md §4.1): the cores run
// with nicSilenceNs (the shorter promise and lease), and leader-silence reports reach followers at any
// time, right or wrong. Reads are chosen at followers holding a read lease and at the leader under its
// lease; every read is checked for read safety (its index covers everything committed when it arrived).
//
// Exhaustive at NIC_SILENCE_BOUND (depth 5), random walks for depth, and a directed schedule (the
// leader cut off, both followers' NICs report it silent, they elect a new leader that commits a write,
// then a read at the old leader) that the core passes and two mutants fail: a leader lease still an
// election timeout long while followers keep the shorter promise, and followers that vote at once on a
// silence report.
import { afterEach, describe, expect, it } from 'vitest';
import { Core } from '../../ctrl/core/raft.js';
import { NIC_SILENCE_BOUND } from '../../verify/mc/cli.js';
import { Model, World, type Choice } from '../../verify/mc/world.js';
import { expectExhaustiveClean, expectWalksClean } from './checks.js';

const WALK_BOUND = { ...NIC_SILENCE_BOUND, requests: 3, maxTerm: 8, timeouts: 20, drops: 1, reads: 8, silences: 6 };
const CUT_BOUND = { ...NIC_SILENCE_BOUND, requests: 3, maxTerm: 6, timeouts: 6, crashes: 0, drops: 0, reads: 6, silences: 4 };

/**
 * The old leader (node 1) cut off from the start: nothing to or from it is delivered. Both followers'
 * NICs report it silent (node 2's first), the clock runs until one of them is elected, it commits a client write, and
 * the old leader is asked for a read whenever the model offers one (under its lease), its NIC answer
 * delivered. Returns the world (its violation, if any) and whether the old leader answered a read.
 */
function cutOffLeader(): { w: World; readOffered: boolean } {
  let w = new World(new Model(CUT_BOUND));
  const step = (c: Choice): void => { const n = w.clone(); n.apply(c); w = n; };
  const settle = (): void => {
    for (let k = 0; k < 500 && !w.violation; k++) {
      const c = w.choices().find((x) => (x.k === 'deliver' && x.from !== 1 && x.to !== 1) || x.k === 'nic');
      if (!c) return;
      step(c);
    }
  };
  // node 2's NIC reports first and whatever it does runs its course, then node 3's (if it still
  // follows a leader)
  step({ k: 'silent', node: 2 });
  settle();
  if (w.choices().some((c) => c.k === 'silent' && c.node === 3)) step({ k: 'silent', node: 3 });
  settle();
  const newLeader = (): number | undefined => [2, 3].find((i) => w.node(i).core?.role === 'leader');
  for (let i = 0; i < 20 && newLeader() === undefined && !w.violation; i++) {
    const t = w.choices().find((c) => c.k === 'time');
    if (!t) break;
    step(t);
    settle();
  }
  const L = newLeader();
  expect(L, w.statusLines().join('\n')).toBeDefined();
  step({ k: 'request', node: L! });
  settle();
  expect(w.commitSeen).toBeGreaterThan(2); // the new leader's no-op and the write
  const readOffered = w.choices().some((c) => c.k === 'read' && c.node === 1);
  if (readOffered) {
    step({ k: 'read', node: 1 });
    const a = w.choices().find((c) => c.k === 'nic' && c.node === 1);
    if (a) step(a);
  }
  return { w, readOffered };
}

type Proto = Record<string, unknown>;
const restores: Array<() => void> = [];
function patch(name: string, fn: unknown): void {
  const p = Core.prototype as unknown as Proto;
  const orig = p[name];
  if (typeof orig !== 'function') throw new Error(`mutation: Core.${name} is not a method any more`);
  p[name] = fn;
  restores.push(() => { p[name] = orig; });
}
afterEach(() => { while (restores.length) restores.pop()!(); });

describe('model checker, NIC failure detection', () => {
  it('exhaustive at the NIC-silence bound: no violation (read safety at followers and the leader included)', () => {
    expectExhaustiveClean('nic silence', NIC_SILENCE_BOUND, 5, 5000);
  }, 180_000);

  it('random walks with leader-silence reports: leader changes, reads in two terms, no violation', () => {
    expectWalksClean('nic silence', WALK_BOUND, 200, 20);
  }, 180_000);

  it('a leader cut off: the followers elect another after the short promise, and the old leader\'s lease is over by then', () => {
    const { w, readOffered } = cutOffLeader();
    expect(w.violation).toBeUndefined();
    expect(readOffered).toBe(false); // its lease (nicSilenceNs after the last acknowledged round) ended
  });

  it('mutant: a leader lease an election timeout long while followers keep the short promise breaks read safety', () => {
    patch('promiseNs', function (this: { cfg: { electionTimeoutNs: number } }) { return this.cfg.electionTimeoutNs; });
    const { w, readOffered } = cutOffLeader();
    expect(readOffered).toBe(true);
    expect(w.violation?.property).toBe('read safety');
  });

  it('mutant: followers that vote as soon as their NIC reports silence break read safety', () => {
    patch('inLease', function (this: { cfg: { checkQuorum: boolean; electionTimeoutNs: number }; lead: number; now: number; lastLeaderContact: number; silentAt: number }) {
      if (this.silentAt >= this.lastLeaderContact) return false;
      return this.cfg.checkQuorum && this.lead !== 0 && this.now < this.lastLeaderContact + this.cfg.electionTimeoutNs;
    });
    patch('onLeaderSilent', function (this: { role: string; lead: number; silentAt: number; now: number; startElection(t: boolean): void }) {
      if (this.role !== 'follower' || this.lead === 0) return;
      this.silentAt = this.now;
      this.startElection(false);
    });
    const { w, readOffered } = cutOffLeader();
    expect(readOffered).toBe(true);
    expect(w.violation?.property).toBe('read safety');
  });
});
