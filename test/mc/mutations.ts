// Known bugs injected into the real control core, for the mutation check (mutation.test.ts).
//
// Each mutation patches a method of Core (or of a class it uses) on its prototype, wrapping the
// original rather than copying it, so the mutants follow the core as it changes. `install()`
// returns the function that restores the original. The model checker runs in the same process,
// so a patched prototype is what every Core it builds executes.

import { Core } from '../../ctrl/core/raft.js';
import { HostLog } from '../../ctrl/core/log.js';
import { ProgressTracker } from '../../ctrl/core/progress.js';
import { NicMirror, type AfterFetch, type MirrorHost } from '../../ctrl/core/nicsync.js';
import { MsgType, type Message } from '../../ctrl/core/types.js';
import { FOLLOWER_READS_BOUND, type Bound } from '../../verify/mc/cli.js';
import type { NicOp } from '../../ctrl/core/types.js';

/**
 * The bound of the mutation check: the small bound's cluster without faults, one client request,
 * and the cores without pre-vote (an election is then 3 steps, not 5; pre-vote is a liveness
 * feature on a separate path, and the mutated code runs the same with or without it). Depth 12:
 * the two longest counterexamples take 12 steps since the NIC's answers to a sync are a step of
 * their own (they took 11 while each node ran to quiescence).
 * `nicraft mc --no-prevote --requests 1 --max-term 2 --timeouts 2 --crashes 0 --drops 0 --dups 0 --max-depth 12`
 */
export const MUTATION_BOUND: Bound = {
  nodes: 3, requests: 1, maxTerm: 2, timeouts: 2, crashes: 0, drops: 0, dups: 0, order: 'fifo', reorders: 0, preVote: false, maxDepth: 12, timeLimit: 600,
};

/**
 * The bound of the mutations in the NIC mirror: the mutation bound from a running cluster (node 1
 * leads term 1, every fast path on; `--warm`), one election timeout, depth 8. A sync needs a
 * fast path that was on, which a fresh cluster reaches only beyond the mutation bound's depth.
 * `nicraft mc --warm --no-prevote --requests 1 --max-term 2 --timeouts 1 --crashes 0 --drops 0 --dups 0 --max-depth 8`
 */
export const SYNC_MUTATION_BOUND: Bound = { ...MUTATION_BOUND, warm: true, timeouts: 1, maxDepth: 8 };

export interface Mutation {
  name: string;
  /** the bug, in words */
  what: string;
  /** the property the shortest counterexample is expected to break */
  expect: string;
  /** the bound it is checked at (default MUTATION_BOUND) */
  bound?: Bound;
  install(): () => void;
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;
type Internals = { vote: number; lead: number; term: number; reconciledTerm: number; log: HostLog };

/** Replaces proto[name] by wrap(original); returns the restore function. */
function patch<T extends object>(proto: T, name: string, wrap: (orig: AnyFn) => AnyFn): () => void {
  const p = proto as Record<string, AnyFn>;
  const orig = p[name];
  if (typeof orig !== 'function') throw new Error(`mutation: ${name} is not a method here any more`);
  p[name] = wrap(orig);
  return () => { p[name] = orig; };
}

export const MUTATIONS: Mutation[] = [
  {
    name: 'double-vote',
    what: 'a voter grants a second vote in a term in which it already voted for another candidate',
    // the core's own assertions stop it first: a candidate's or leader's vote is its own, and a
    // vote never changes within a term (Core.checkInvariants, Core.ready)
    expect: 'core error',
    install: () => patch(Core.prototype, 'handleVoteRequest', (orig) => function (this: unknown, ...args: unknown[]) {
      const self = this as unknown as Internals;
      const m = args[0] as Message;
      if (m.type !== MsgType.Vote || m.term !== self.term || self.vote === 0 || self.vote === m.from) return orig.call(this, m);
      const { vote, lead } = self;
      self.vote = 0;
      self.lead = 0;
      const r = orig.call(this, m);
      if (self.vote === 0) self.vote = vote; // not granted (or deferred by a sync): as before
      self.lead = lead;
      return r;
    }),
  },
  {
    name: 'tally-counts-rejections',
    what: 'a candidate counts a rejected vote as granted',
    expect: 'election safety',
    install: () => patch(ProgressTracker.prototype, 'recordVote', (orig) => function (this: unknown, ...args: unknown[]) {
      return orig.call(this, args[0], true);
    }),
  },
  {
    name: 'commit-without-quorum',
    what: "the leader's commit index counts one replica (the most advanced match) instead of a majority",
    expect: 'state machine safety',
    install: () => patch(ProgressTracker.prototype, 'committed', () => function (this: unknown) {
      const t = this as ProgressTracker;
      let best = 0;
      for (const v of t.voters) best = Math.max(best, t.get(v)?.match ?? 0);
      return best;
    }),
  },
  {
    name: 'append-skips-log-matching',
    what: 'a follower takes an Append as matching at every index it already holds: prevLogTerm and the named entries\' terms are not compared with its own log (no conflict is found, nothing is truncated)',
    expect: 'log matching',
    install: () => patch(Core.prototype, 'handleAppend', (orig) => function (this: unknown, ...args: unknown[]) {
      const self = this as unknown as Internals;
      const m = args[0] as Message;
      const log = self.log;
      const own = (i: number, t: number): number => (i <= log.lastIndex() ? log.term(i) ?? t : t);
      const blind: Message = { ...m, logTerm: own(m.index, m.logTerm), entryTerms: m.entryTerms.map((t, k) => own(m.index + 1 + k, t)) };
      return orig.call(this, blind);
    }),
  },
  {
    name: 'no-election-restriction',
    what: "a voter grants (pre-)votes without checking that the candidate's log is at least as up to date as its own",
    expect: 'leader completeness',
    install: () => patch(HostLog.prototype, 'isUpToDate', () => function () { return true; }),
  },
  {
    name: 'sync-skips-tail',
    what: "a freeze-and-sync takes the NIC's LAST_INDEX but does not fetch the entries beyond the host log (a voter decides on a log shorter than its NIC's)",
    expect: 'leader completeness',
    // without follower commit: with it (3 nodes, QUORUM 2) the follower NIC delivers the entry to its
    // host as committed the moment it takes it, so no voter's host log is behind its NIC at this bound
    bound: { ...SYNC_MUTATION_BOUND, noFollowerCommit: true },
    install: () => patch(NicMirror.prototype, 'fetchTail', (orig) => function (this: unknown, ...args: unknown[]) {
      const [host, , then] = args as [MirrorHost, number, AfterFetch];
      if (then.k === 'sync') return host.afterFetch(then);
      return orig.apply(this, args);
    }),
  },
  {
    name: 'follower-lease-majority',
    what: "follower leases go out while the leader's NIC still commits with a majority (QUORUM is never raised to every voter)",
    expect: 'read safety',
    bound: { ...FOLLOWER_READS_BOUND, crashes: 0 },
    install: () => patch(Core.prototype, 'writeMembership', () => function (this: unknown) {
      const c = this as { mirror: NicMirror; rd: { nic: NicOp[] }; voters: number[] };
      c.mirror.writeMembership(c.rd.nic, c.voters);
    }),
  },
  {
    name: 'follower-commit-under-leases',
    what: "with follower reads configured a follower NIC keeps QUORUM a majority (2 of 3), so it commits entries it took from the leader at once (follower commit) while another follower serves reads under its lease",
    expect: 'read safety',
    bound: { ...FOLLOWER_READS_BOUND, crashes: 0 },
    install: () => patch(Core.prototype, 'followerQuorum', () => function () {
      return undefined;
    }),
  },
];
