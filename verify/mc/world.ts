// The model checker's world: N real control cores (ctrl/core/raft.ts), each with a fake NIC
// (verify/mc/fakenic.ts) and a MemStorage, joined by directed channels holding the packets in
// flight (control messages and raw frames). A state changes only through a Choice:
//
//   time n       node n's clock jumps to its next timer instant (election timeout, lease end,
//                repair re-ask, leader heartbeat, check quorum); a leader NIC heartbeats; the
//                driver's progress read; then a tick (an election timeout spends opts.timeouts)
//   deliver p    a packet in flight reaches its destination (its host core or its NIC); in fifo
//                order only the oldest of its channel, unless a reordering is spent
//   dup p        a copy of p is delivered and p stays in flight (budget: opts.dups)
//   drop p       p is lost (budget: opts.drops; a packet may also just never be delivered)
//   request n    a client request into node n (n's core leads): a REQ into its NIC when the fast
//                path sequences, else a host-path proposal (budget: opts.requests)
//   crash n      the node stops: core gone, NIC reset (volatile log RAM lost), storage kept
//                (budget: opts.crashes, and at most f nodes down or recovering at once)
//   restart n    a new Core from storage.load(), fresh NIC
//   nic n        the answers to node n's register and log port reads so far reach its core (in
//                the order of the reads): a freeze-and-sync or a log fetch goes one step on
//
// After a choice the node it touched performs its Readys in the documented order and takes its
// NIC's host RX queue (punts, committed entries) until it has nothing left to do, but the answers
// to its reads wait for a `nic` choice: other events interleave with a sync in progress. What
// waits in a core is plain data (ctrl/core/nicsync.ts: tagged records, no closures); the
// fingerprint refuses a closure on every state. See docs/model-checker.md.

import { Core } from '../../ctrl/core/raft.js';
import { MemStorage } from '../../ctrl/core/memstore.js';
import { replay, type PersistentState } from '../../ctrl/core/storage.js';
import { crc32 } from '../../ctrl/core/crc32.js';
import { describeEntry, entryIdentity } from '../../ctrl/core/entry.js';
import { MSG_NAMES, MsgType, type Config, type Entry, type Message, type NicEvent, type NodeId, type Rand } from '../../ctrl/core/types.js';
import { clientMac, decodeHeader, encodeFrame, Flag, HostReason, MsgType as W, nodeMac } from '../../ctrl/wire/wire.gen.js';
import { canon, ClosureInStateError, deepClone, FieldList, FrameIds, internId, keysAre, stringWords, StructHash } from './canon.js';
import { FakeNic } from './fakenic.js';

export interface McOptions {
  nodes: number;
  requests: number;
  maxTerm: number;
  /** node crashes (each followed, when chosen, by a restart from storage) */
  crashes: number;
  /** duplicated deliveries (a copy delivered, the packet stays at the head of its channel) */
  dups: number;
  /** packets lost (the head of a channel dropped) */
  drops: number;
  /**
   * 'any': a channel is a multiset and any packet in flight may be delivered next (reordering is
   * free); 'fifo': channels deliver in order, and `reorders` packets may overtake older ones
   */
  order?: 'any' | 'fifo';
  /** reorderings allowed in 'fifo' order (a packet delivered ahead of older packets on its channel) */
  reorders: number;
  /** election timeouts (a non-leader's election timer firing; lease ends and leader ticks are not counted) */
  timeouts: number;
  electionTimeoutNs?: number;
  heartbeatIntervalNs?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  amnesiaGuard?: boolean;
  /**
   * Start from a running cluster instead of a fresh one: node 1's election timeout, then every
   * packet and NIC answer delivered in order until none is left (node 1 leads term 1, every
   * follower's fast path is on), then each follower's clock to the end of its lease on node 1 (it
   * may vote again; its election timer has not fired). The prefix spends no budget. From there
   * an election timeout, a vote request or a host-path request needs a freeze-and-sync, whose NIC
   * answers the search interleaves with everything else.
   */
  warm?: boolean;
  /**
   * Follower reads under leases (core followerReads, docs/control-plane.md §6.1). Leases rest on
   * bounded clock drift, so the clocks are synchronized (drift 0, within any bound): one `time`
   * choice moves every node's clock to the next timer instant of any node and ticks them all
   * (driver progress read first). `reads` follower reads may be chosen at a node holding a read
   * lease; each is checked (property 'read safety'): its read index covers every index any NIC or
   * host had committed (and so could have answered a client for) when the read arrived. With
   * `warm`, the prefix also runs until the leader's leases are out and every follower holds one.
   */
  followerReads?: boolean;
  /** follower reads (budget; with followerReads) */
  reads?: number;
  /** with followerReads: reads may also be chosen at a leader holding its lease (lease reads, checked for read safety like a follower's) */
  leaderReads?: boolean;
  /**
   * NIC failure detection (core nicSilenceNs = T/2, docs/control-plane.md §4.1): the cores run with
   * the shorter promise and lease, and `silences` leader-silence reports may reach any follower
   * that knows a leader, at any time, whether the leader is silent or not (a report is the NIC's
   * opinion: late, early or wrong, the core must stay safe). The cores also arm their NICs at the
   * vote (armOnVote, docs/control-plane.md §3.1), as the failover benchmark's do.
   */
  nicSilence?: boolean;
  /** leader-silence reports (budget; with nicSilence) */
  silences?: number;
  /**
   * Follower replies (core followerReplies, docs/architecture.md "Follower replies"): requests are
   * flagged FOLLOWER_REPLY and the cores write REPLY_MASK; every REPLY a fake NIC sends at delivery
   * is checked like an application (property 'reply safety'): the same entry as every node applies
   * at that index, and held by every later leader (leader completeness covers it).
   */
  followerReplies?: boolean;
  /**
   * Fake NICs without follower commit (as a NIC whose QUORUM is not 2): a follower's commit index
   * then moves only with the leader's. The mutation check runs sync-skips-tail this way: follower
   * commit delivers the entry to the follower's host at once, which closes the window that bug needs
   * at its bound (3 nodes).
   */
  noFollowerCommit?: boolean;
}

/** Figures over every world explored since the last reset (not state): NIC REPLYs checked (followerReplies). */
export const mcFigures = { repliesChecked: 0 };

export type Choice =
  /** node 0 (followerReads): every node's clock, together */
  | { k: 'time'; node: NodeId }
  /** a follower read at a node holding a read lease (followerReads) */
  | { k: 'read'; node: NodeId }
  | { k: 'request'; node: NodeId }
  | { k: 'crash'; node: NodeId }
  | { k: 'restart'; node: NodeId }
  /** the answers to the node's NIC reads reach its core */
  | { k: 'nic'; node: NodeId }
  /** the node's NIC reports the leader silent (nicSilence) */
  | { k: 'silent'; node: NodeId }
  /** pos: the packet's position on its channel (0 = the oldest; in 'any' order channels are sorted) */
  | { k: 'deliver'; from: NodeId; to: NodeId; pos: number }
  | { k: 'dup'; from: NodeId; to: NodeId; pos: number }
  | { k: 'drop'; from: NodeId; to: NodeId; pos: number };

export interface Packet {
  from: NodeId;
  to: NodeId;
  msg?: Message;
  frame?: Uint8Array;
  /** canonical text (its identity in the fingerprint) */
  key: string;
  /** (kept by packetIdOf) model.packetId(key); for a heartbeat, the round idRound and the id relative to it */
  id?: number;
  idRound?: number;
  roundId?: number;
}

export interface NodeState {
  id: NodeId;
  core?: Core;
  nic: FakeNic;
  storage: MemStorage;
  /** what storage.load() would return (kept next to the storage for the fingerprint) */
  durable: PersistentState;
  /** transcript only: the last role/term printed */
  seen: string;
  /**
   * The words of this node's digest (a hash of its canonical text: its fingerprint is written as
   * the digest's text, i.e. these two words), for `fpShift`. Nodes are copied on write, so a kept
   * digest stays valid.
   */
  fpWords?: readonly [number, number];
  fpShift?: boolean;
  /** the digest's text, when canonical() asked for it (with fpWords) */
  fpText?: string;
  /** effectiveLog(this node), kept as fp is (see effectiveLogKept()) */
  elog?: Map<number, { term: number; crc: number }>;
}

export interface Violation {
  property: 'election safety' | 'log matching' | 'leader completeness' | 'state machine safety' | 'read safety' | 'reply safety' | 'core error';
  detail: string;
}

interface AppliedGhost { term: number; crc: number; minTerm: number }

/** The core's private fields the model checker reads (time, NIC mirror); see fingerprint(). */
interface CoreInternals {
  now: number;
  electionDeadline: number;
  heartbeatDeadline: number;
  checkQuorumDeadline: number;
  lastLeaderContact: number;
  lastRepairAsk: number;
  nicActivity: number;
  silentAt: number;
  hbRound: number;
  hbRounds: Map<number, { ns: number; nicLast: number }>;
}

interface CoreStatusFields { role: Core['role']; lead: NodeId; term: number }

/** Deterministic "randomness": every election timeout is the longest, 2T-1 (see the doc). */
const MAX_RAND: Rand = { int: (n) => Math.max(0, n - 1) };

/** Fields of Core that hold times, and how the fingerprint abstracts them (relative to `now`). */
const CORE_TIME_FIELDS = new Set(['now', 'electionDeadline', 'heartbeatDeadline', 'checkQuorumDeadline', 'transferDeadline', 'lastLeaderContact', 'lastRepairAsk']);
/** Fields of Core left out of the fingerprint, with the reason (docs/model-checker.md §5). */
const CORE_SKIPPED = new Set(['cfg' /* constant per node */, 'hbRound', 'hbRounds' /* normalized below */, 'nicActivity', 'silentAt' /* abstracted below */, 'silenceReports' /* a statistic */]);
/** Progress fields left out: send times of acknowledged heartbeats, used only by lease reads. */
const TRACKER_SKIP = new Set(['ackedSendNs']);
const TIMEISH = /deadline|contact|now|ns$|time|ask$|until|since|expir/i;

/** A time relative to `now` (the core's clock): how far ahead, 0 when past or never. */
function rel(x: number, now: number): number {
  return Number.isFinite(x) ? Math.max(0, x - now) : 0;
}

/** How hashCore() writes a field of Core (see canonCore() for the same in text). */
const enum CoreOp { Skip, Deadline, LeaderContact, RepairAsk, Tracker, Value }
function coreOp(k: string): CoreOp {
  if (k === 'now' || CORE_SKIPPED.has(k)) return CoreOp.Skip;
  if (k === 'electionDeadline' || k === 'heartbeatDeadline' || k === 'checkQuorumDeadline' || k === 'transferDeadline') return CoreOp.Deadline;
  if (k === 'lastLeaderContact') return CoreOp.LeaderContact;
  if (k === 'lastRepairAsk') return CoreOp.RepairAsk;
  if (k === 'tracker') return CoreOp.Tracker;
  return CoreOp.Value;
}
/** hashCore()'s steps for a core with these keys: each run of plain fields (Value) as one FieldList, each other field kept (with its key's words) */
type CoreStep = { fields: FieldList } | { op: Exclude<CoreOp, CoreOp.Skip | CoreOp.Value>; key: string; words: readonly [number, number] };
interface CorePlan { keys: readonly string[]; steps: CoreStep[] }
let lastCorePlan: CorePlan | undefined;
/** The plan for this core: the last one made, unless the core's own keys (in order) differ from its. */
function corePlan(core: object): CorePlan {
  if (lastCorePlan && keysAre(core, lastCorePlan.keys)) return lastCorePlan;
  const keys = Object.keys(core);
  const steps: CoreStep[] = [];
  let run: string[] = [];
  const endRun = (): void => {
    if (run.length) steps.push({ fields: new FieldList(run) });
    run = [];
  };
  for (const k of keys) {
    const op = coreOp(k);
    if (op === CoreOp.Skip) continue;
    if (op === CoreOp.Value) { run.push(k); continue; }
    endRun();
    steps.push({ op, key: k, words: stringWords(k) });
  }
  endRun();
  lastCorePlan = { keys: keys.slice(), steps };
  return lastCorePlan;
}

/** Shared, never cloned: options, frame ids, cached entry digests. */
export class Model {
  readonly ids = new FrameIds();
  private crcs = new WeakMap<Uint8Array, number>();
  readonly T: number;
  readonly hb: number;
  private checkedKeys = false;
  constructor(readonly opts: McOptions) {
    this.T = opts.electionTimeoutNs ?? 200;
    this.hb = opts.heartbeatIntervalNs ?? 100;
  }
  /** objects every copy of a world shares (the cores' configurations: never written) */
  readonly shared = new WeakSet<object>();
  config(id: NodeId): Config {
    return {
      id, clusterId: 1, voters: Array.from({ length: this.opts.nodes }, (_, k) => k + 1),
      electionTimeoutNs: this.T, heartbeatIntervalNs: this.hb,
      // common clocks (followerReads): equal timeouts would fire together forever (split votes); each
      // node's is a different fixed draw, node 1's the longest
      rand: this.opts.followerReads ? { int: (n) => Math.max(0, n - 1 - Math.floor(((id - 1) * n) / 4)) } : MAX_RAND,
      preVote: this.opts.preVote ?? true, checkQuorum: this.opts.checkQuorum ?? true, amnesiaGuard: this.opts.amnesiaGuard ?? true,
      followerReads: this.opts.followerReads ?? false,
      ...(this.opts.nicSilence ? { nicSilenceNs: this.T / 2, armOnVote: true } : {}),
      ...(this.opts.followerReplies ? { followerReplies: true } : {}),
    };
  }
  private packetIds = new Map<string, number>();
  /** A small id per distinct packet text (the fingerprint lists channels by ids). */
  packetId(key: string): number {
    return internId(this.packetIds, key);
  }
  /** CRC-32 of an entry without its per-transmission fields: the entry's identity. */
  crc(frame: Uint8Array): number {
    let c = this.crcs.get(frame);
    if (c === undefined) {
      c = crc32(entryIdentity(frame));
      this.crcs.set(frame, c);
    }
    return c;
  }
  /** Refuses to fingerprint a core with a time-like field the abstraction does not know (a new timer). */
  checkCoreKeys(core: Core): void {
    if (this.checkedKeys) return;
    const c = core as unknown as Record<string, unknown>;
    for (const k of Object.keys(c)) {
      if (typeof c[k] === 'number' && TIMEISH.test(k) && !CORE_TIME_FIELDS.has(k)) {
        throw new Error(`model checker: Core has a field '${k}' that looks like a time; teach verify/mc/world.ts how to abstract it`);
      }
    }
    this.checkedKeys = true;
  }
}

/** World.shares: bits of the collections a world still shares with its parent */
const SHARES_LEADERS = 1, SHARES_APPLIED = 2, SHARES_READ_WANTS = 4, SHARES_READ_TERMS = 8;

export class World {
  nodes: NodeState[];
  /** chan[from-1][to-1]: packets in flight from `from` to `to`, oldest first (arrays are never mutated: copy on write) */
  chan: Packet[][][];
  /** (ghost) the leader of each term; read through this field, written through leadersW() */
  leaders: Map<number, NodeId>;
  /** (ghost) what was applied at each index; read through this field, written through appliedW() */
  applied: Map<number, AppliedGhost>;
  crashesUsed = 0;
  dupsUsed = 0;
  dropsUsed = 0;
  reordersUsed = 0;
  requestsUsed = 0;
  timeoutsUsed = 0;
  silencesUsed = 0;
  /** followerReads: the common clock, reads chosen, the highest index ever committed by any NIC or
   *  host (ghost), and each read's due index (ghost) until its ReadState comes out */
  clock = 0;
  readsUsed = 0;
  commitSeen = 0;
  readWants: Map<string, number>;
  /** statistics, not state (left out of the fingerprint): terms in which a follower read was answered */
  readTerms: Set<number>;
  violation?: Violation;
  /** transcript sink (counterexample printing); undefined while searching */
  log?: string[];
  /** nodes this world owns (copied from its parent's on first write): bit `id` for node id */
  private owned = 0;
  /**
   * The Maps and Sets above this world still shares with its parent (SHARES_* bits): they are
   * copied on the first write (leadersW() and the like), as the nodes are; most steps write none.
   */
  private shares = 0;

  /** A fresh world (the initial state), or with `from`, a successor of `from` (see clone()). */
  constructor(readonly model: Model, from?: World) {
    if (from) {
      this.nodes = from.nodes.slice();
      this.chan = from.chan.map((row) => row.slice());
      this.leaders = from.leaders;
      this.applied = from.applied; // ghost values are replaced, never mutated
      this.readWants = from.readWants;
      this.readTerms = from.readTerms;
      this.shares = SHARES_LEADERS | SHARES_APPLIED | SHARES_READ_WANTS | SHARES_READ_TERMS;
      this.crashesUsed = from.crashesUsed;
      this.dupsUsed = from.dupsUsed;
      this.dropsUsed = from.dropsUsed;
      this.reordersUsed = from.reordersUsed;
      this.requestsUsed = from.requestsUsed;
      this.timeoutsUsed = from.timeoutsUsed;
      this.silencesUsed = from.silencesUsed;
      this.clock = from.clock;
      this.readsUsed = from.readsUsed;
      this.commitSeen = from.commitSeen;
      this.violation = from.violation;
      return;
    }
    this.nodes = [];
    this.leaders = new Map();
    this.applied = new Map();
    this.readWants = new Map();
    this.readTerms = new Set();
    const N = model.opts.nodes;
    this.chan = Array.from({ length: N }, () => Array.from({ length: N }, () => [] as Packet[]));
    for (let id = 1; id <= N; id++) {
      const n: NodeState = { id, nic: new FakeNic(id, 1, !this.model.opts.noFollowerCommit), storage: new MemStorage(), durable: { hardState: { term: 0, vote: 0, commit: 0 }, entries: [] }, seen: '' };
      n.core = new Core(model.config(id));
      model.shared.add(n.core.cfg);
      this.nodes.push(n);
      this.owned |= 1 << id;
    }
    for (const n of this.nodes) this.guard(() => this.settle(n));
    for (const n of this.nodes) n.seen = `${n.core!.role} term=${n.core!.term}`;
    if (model.opts.warm) this.warmUp();
  }

  /** The `warm` prefix (see McOptions.warm): deterministic, and it spends no budget. */
  private warmUp(): void {
    if (this.model.opts.followerReads) {
      // common clocks: node 1 campaigns at time 0 (an operator's campaign), then the leases go out
      const n = this.own(1);
      n.core!.step({ kind: 'campaign' });
      this.settle(n);
      this.warmLeases();
      this.timeoutsUsed = 0;
      this.owned = this.allNodes();
      return;
    }
    this.apply({ k: 'time', node: 1 });
    for (let k = 0; k < 10_000 && !this.violation; k++) {
      const c = this.choices().find((x) => (x.k === 'deliver' && x.pos === 0) || x.k === 'nic');
      if (!c) break;
      this.apply(c);
    }
    for (const n of this.nodes.slice(1)) {
      if (this.firesElection(n, this.nextTime(n)!)) throw new Error(`model checker: the warm prefix would fire node ${n.id}'s election timer`);
      this.apply({ k: 'time', node: n.id });
    }
    const leader = this.node(1).core;
    if (this.violation || leader?.role !== 'leader' || this.nodes.some((n) => !n.core?.status().fastPath)) {
      throw new Error(`model checker: the warm prefix did not reach a running cluster (${this.violation?.detail ?? this.statusLines().join('; ')})`);
    }
    this.timeoutsUsed = 0;
    this.owned = this.allNodes();
  }

  /** followerReads + warm: common clock steps and every delivery until every follower holds a read lease. */
  private warmLeases(): void {
    const held = (): boolean => {
      const l = this.node(1).core!;
      return l.role === 'leader' && l.status().leases.mode === 'on' && this.nodes.slice(1).every((n) => n.core!.followerLeaseValid());
    };
    for (let k = 0; k < 10_000 && !this.violation && !held(); k++) {
      const c = this.choices().find((x) => (x.k === 'deliver' && x.pos === 0) || x.k === 'nic') ?? this.choices().find((x) => x.k === 'time');
      if (!c) break;
      if (c.k === 'time' && this.nodes.some((n) => n.core && this.firesElection(n, this.syncTime()!))) throw new Error('model checker: the follower-lease prefix would fire an election timer');
      this.apply(c);
    }
    if (!held()) throw new Error(`model checker: the follower-lease prefix did not get leases out (${this.violation?.detail ?? this.statusLines().join('; ')})`);
  }

  /** followerReads: the next timer instant of any live node. */
  syncTime(): number | undefined {
    let best: number | undefined;
    for (const n of this.nodes) {
      if (!n.core) continue;
      const t = this.nextTime(n);
      if (t !== undefined && (best === undefined || t < best)) best = t;
    }
    return best;
  }

  private syncTimeEnabled(): boolean {
    const t = this.syncTime();
    if (t === undefined) return false;
    const firing = this.nodes.filter((n) => n.core && this.firesElection(n, t));
    if (firing.length === 0) return true;
    return this.timeoutsUsed + firing.length <= this.model.opts.timeouts && firing.every((n) => n.core!.term + 1 <= this.model.opts.maxTerm);
  }

  /** A successor: shares every node with this world until it writes one (see own()), and so its ghost Maps and Sets. */
  clone(): World {
    return new World(this.model, this);
  }

  private allNodes(): number {
    let m = 0;
    for (const n of this.nodes) m |= 1 << n.id;
    return m;
  }

  private leadersW(): Map<number, NodeId> {
    if (this.shares & SHARES_LEADERS) { this.leaders = new Map(this.leaders); this.shares &= ~SHARES_LEADERS; }
    return this.leaders;
  }
  private appliedW(): Map<number, AppliedGhost> {
    if (this.shares & SHARES_APPLIED) { this.applied = new Map(this.applied); this.shares &= ~SHARES_APPLIED; }
    return this.applied;
  }
  private readWantsW(): Map<string, number> {
    if (this.shares & SHARES_READ_WANTS) { this.readWants = new Map(this.readWants); this.shares &= ~SHARES_READ_WANTS; }
    return this.readWants;
  }
  private readTermsW(): Set<number> {
    if (this.shares & SHARES_READ_TERMS) { this.readTerms = new Set(this.readTerms); this.shares &= ~SHARES_READ_TERMS; }
    return this.readTerms;
  }

  /** The node, copied first if this world still shares it with its parent. */
  private own(id: NodeId): NodeState {
    const n = this.nodes[id - 1]!;
    if (this.owned & (1 << id)) return n;
    const sh = this.model.shared;
    const c: NodeState = {
      id, core: n.core ? deepClone(n.core, sh) : undefined, nic: deepClone(n.nic, sh), storage: deepClone(n.storage, sh), durable: n.durable, seen: n.seen,
    };
    this.nodes[id - 1] = c;
    this.owned |= 1 << id;
    return c;
  }

  node(id: NodeId): NodeState {
    return this.nodes[id - 1]!;
  }

  private p(s: string): void {
    this.log?.push(s);
  }

  // ---------------------------------------------------------------------------------------- choices

  choices(): Choice[] {
    const o = this.model.opts;
    const out: Choice[] = [];
    if (o.followerReads) {
      if (this.syncTimeEnabled()) out.push({ k: 'time', node: 0 });
      if (this.readsUsed < (o.reads ?? 0)) {
        for (const n of this.nodes) {
          if (n.core?.followerLeaseValid() || (o.leaderReads && n.core?.role === 'leader' && n.core.leaseUntil() > this.clock)) out.push({ k: 'read', node: n.id });
        }
      }
    } else for (const n of this.nodes) if (n.core && this.timeEnabled(n)) out.push({ k: 'time', node: n.id });
    for (const n of this.nodes) if (n.core && n.nic.answers.length > 0) out.push({ k: 'nic', node: n.id });
    if (o.nicSilence && this.silencesUsed < (o.silences ?? 0)) {
      for (const n of this.nodes) if (n.core && n.core.role === 'follower' && n.core.lead !== 0) out.push({ k: 'silent', node: n.id });
    }
    if (this.requestsUsed < o.requests) for (const n of this.nodes) if (n.core?.role === 'leader') out.push({ k: 'request', node: n.id });
    for (const n of this.nodes) {
      if (n.core && this.crashesUsed < o.crashes && this.impaired(n.id) + 1 <= Math.floor((o.nodes - 1) / 2)) out.push({ k: 'crash', node: n.id });
      if (!n.core) out.push({ k: 'restart', node: n.id });
    }
    const fifo = o.order === 'fifo';
    for (const n of this.nodes) {
      const from = n.id;
      for (let to = 1; to <= o.nodes; to++) {
        const ch = this.chan[from - 1]![to - 1]!;
        if (ch.length === 0) continue;
        const up = !!this.node(to).core; // packets to a down node wait (or are never delivered)
        let prev = '';
        for (let pos = 0; pos < ch.length; pos++) {
          const key = ch[pos]!.key;
          if (key === prev) continue; // the same packet again: the same successors
          prev = key;
          if (fifo && pos > 0 && key === ch[0]!.key) continue;
          const inOrder = !fifo || pos === 0 || this.reordersUsed < o.reorders;
          if (up && inOrder) {
            out.push({ k: 'deliver', from, to, pos });
            if (this.dupsUsed < o.dups) out.push({ k: 'dup', from, to, pos });
          }
          if (this.dropsUsed < o.drops) out.push({ k: 'drop', from, to, pos });
        }
      }
    }
    return out;
  }

  /** Nodes other than `except` that are down or restarted and not yet reconciled (the fault model). */
  private impaired(except: NodeId): number {
    return this.nodes.filter((n) => n.id !== except && (!n.core || n.core.recovering)).length;
  }

  /** Applies a choice; a violation (or a core exception) is left in `violation`. */
  apply(c: Choice): void {
    this.guard(() => this.applyInner(c));
    if (!this.violation) this.checkInvariants();
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (e instanceof ClosureInStateError) throw e;
      if (this.violation) return;
      const err = e as Error;
      this.violation = { property: 'core error', detail: `${err.message}` };
      this.p(`  !! ${err.stack?.split('\n').slice(0, 3).join(' | ')}`);
    }
  }

  private applyInner(c: Choice): void {
    switch (c.k) {
      case 'time': {
        if (c.node === 0) {
          // every clock together (followerReads): each live node's driver reads its NIC and ticks
          const t = this.syncTime()!;
          this.clock = t;
          for (const m of this.nodes) {
            if (!m.core) continue;
            if (this.firesElection(m, t)) this.timeoutsUsed++;
            const n = this.own(m.id);
            const core = n.core!;
            n.nic.heartbeat();
            core.step({ kind: 'nic', ev: { type: 'progress', lastIndex: n.nic.r('LAST_INDEX'), commitIndex: n.nic.r('COMMIT_INDEX'), activity: n.nic.activity } });
            core.step({ kind: 'tick', nowNs: t });
            this.settle(n);
            if (this.violation) return;
          }
          return;
        }
        const n = this.own(c.node);
        const core = n.core!;
        const t = this.nextTime(n)!;
        if (this.firesElection(n, t)) this.timeoutsUsed++;
        n.nic.heartbeat();
        core.step({ kind: 'nic', ev: { type: 'progress', lastIndex: n.nic.r('LAST_INDEX'), commitIndex: n.nic.r('COMMIT_INDEX'), activity: n.nic.activity } });
        core.step({ kind: 'tick', nowNs: t });
        this.settle(n);
        return;
      }
      case 'request': {
        const n = this.own(c.node);
        const seq = ++this.requestsUsed;
        const payload = new TextEncoder().encode(`v${seq}`);
        if (n.nic.leaderMode()) {
          const f = encodeFrame({ dstMac: nodeMac(n.id), srcMac: clientMac(1), type: W.REQ, clusterId: 1, flags: this.model.opts.followerReplies ? Flag.FOLLOWER_REPLY : 0, srcNode: 0xff, dstNode: n.id, term: 0, logIndex: 0, commitIndex: 0, clientId: 1, seq }, payload);
          this.p(`  ${n.id}: REQ c1#${seq} into the NIC (fast path)`);
          n.nic.rx(f);
        } else {
          this.p(`  ${n.id}: propose c1#${seq} (host path: the NIC is not sequencing)`);
          n.core!.step({ kind: 'propose', payload, clientId: 1, seq });
        }
        this.settle(n);
        return;
      }
      case 'read': {
        const n = this.own(c.node);
        const ctx = ++this.readsUsed;
        this.readWantsW().set(`${n.id}:${ctx}`, this.commitSeen);
        this.p(`  ${n.id}: read #${ctx} under its lease (due: every index committed so far, up to ${this.commitSeen})`);
        n.core!.step({ kind: 'read', ctx, nowNs: this.clock });
        this.settle(n);
        return;
      }
      case 'crash': {
        const n = this.own(c.node);
        this.crashesUsed++;
        n.core = undefined;
        n.nic.reset();
        n.seen = 'down';
        return;
      }
      case 'nic': {
        const n = this.own(c.node);
        const core = n.core!;
        const evs = n.nic.answers;
        n.nic.answers = [];
        for (const ev of evs) {
          core.step({ kind: 'nic', ev });
          this.noteRole(n);
        }
        this.settle(n);
        return;
      }
      case 'silent': {
        const n = this.own(c.node);
        this.silencesUsed++;
        this.p(`  ${n.id}: its NIC reports the leader silent`);
        n.core!.step({ kind: 'nic', ev: { type: 'leaderSilent' } });
        this.noteRole(n);
        this.settle(n);
        return;
      }
      case 'restart': {
        const n = this.own(c.node);
        const st = n.storage.load();
        this.p(`  ${n.id}: replayed term=${st.hardState.term} vote=${st.hardState.vote} commit=${st.hardState.commit} log=[${st.entries.map(describeEntry).join(', ')}]`);
        n.nic.reset();
        n.core = new Core(this.model.config(n.id), st);
        this.model.shared.add(n.core.cfg);
        if (this.model.opts.followerReads) n.core.step({ kind: 'tick', nowNs: this.clock }); // the common clock
        this.settle(n);
        return;
      }
      case 'drop': {
        this.dropsUsed++;
        const ch = this.chan[c.from - 1]![c.to - 1]!;
        this.chan[c.from - 1]![c.to - 1] = ch.filter((_, i) => i !== c.pos);
        return;
      }
      case 'deliver':
      case 'dup': {
        const ch = this.chan[c.from - 1]![c.to - 1]!;
        const pk = ch[c.pos]!;
        if (c.pos > 0 && this.model.opts.order === 'fifo') this.reordersUsed++;
        if (c.k === 'dup') this.dupsUsed++;
        else this.chan[c.from - 1]![c.to - 1] = ch.filter((_, i) => i !== c.pos);
        const n = this.own(pk.to);
        if (pk.msg) n.core!.step({ kind: 'message', msg: pk.msg });
        else n.nic.rx(pk.frame!);
        this.settle(n);
        return;
      }
    }
  }

  // ---------------------------------------------------------------------------------------- time

  /** The node's next timer instant after `now`: when something about its timers changes. */
  nextTime(n: NodeState): number | undefined {
    const c = n.core as unknown as CoreInternals & CoreStatusFields;
    const ts: number[] = [];
    if (c.role === 'leader') ts.push(c.heartbeatDeadline, c.checkQuorumDeadline);
    else {
      ts.push(c.electionDeadline);
      if (c.lead !== 0) ts.push(c.lastLeaderContact + this.model.T);
      if (c.lead !== 0 && this.model.opts.nicSilence) ts.push(c.lastLeaderContact + this.model.T / 2);
      if (c.role === 'follower' && c.lead !== 0) ts.push(c.lastRepairAsk + this.model.hb);
    }
    let best: number | undefined;
    for (const t of ts) if (Number.isFinite(t) && t > c.now && (best === undefined || t < best)) best = t;
    return best;
  }

  private timeEnabled(n: NodeState): boolean {
    const t = this.nextTime(n);
    if (t === undefined) return false;
    if (!this.firesElection(n, t)) return true;
    // an election would start term+1: not beyond the bound
    return this.timeoutsUsed < this.model.opts.timeouts && n.core!.term + 1 <= this.model.opts.maxTerm;
  }

  private firesElection(n: NodeState, t: number): boolean {
    const c = n.core as unknown as CoreInternals & CoreStatusFields;
    return c.role !== 'leader' && t >= c.electionDeadline;
  }

  timeLabel(n: NodeState): string {
    const c = n.core as unknown as CoreInternals & CoreStatusFields;
    const t = this.nextTime(n)!;
    const what: string[] = [];
    if (c.role === 'leader') {
      if (t >= c.heartbeatDeadline) what.push('heartbeat');
      if (t >= c.checkQuorumDeadline) what.push('check quorum');
    } else {
      if (t >= c.electionDeadline) what.push('election timeout');
      else if (c.lead !== 0 && t >= c.lastLeaderContact + this.model.T) what.push('leader lease ends');
      else what.push('repair ask may repeat');
    }
    return `time ${n.id}: clock ${c.now} -> ${t} (${what.join(' + ')})`;
  }

  // ---------------------------------------------------------------------------------------- network

  private push(pk: Omit<Packet, 'key'>): void {
    const key = pk.msg ? `m${new StructHash().value(pk.msg, this.model.ids).digest()}` : `f#${this.model.ids.id(pk.frame!)}`;
    const row = this.chan[pk.from - 1]!;
    const ch = row[pk.to - 1]!;
    // a packet identical to one already in flight on this channel is absorbed (docs/model-checker.md §3)
    for (const q of ch) if (q.key === key) return;
    const p: Packet = { ...pk, key };
    if (this.model.opts.order === 'fifo') {
      row[pk.to - 1] = [...ch, p];
      return;
    }
    let i = 0;
    while (i < ch.length && ch[i]!.key < key) i++;
    row[pk.to - 1] = [...ch.slice(0, i), p, ...ch.slice(i)];
  }

  private sendFrame(from: NodeId, to: NodeId | 'group', frame: Uint8Array): void {
    if (to === 'group') {
      for (const n of this.nodes) if (n.id !== from) this.push({ from, to: n.id, frame });
    } else this.push({ from, to, frame });
  }

  // ---------------------------------------------------------------------------------------- one node to quiescence

  private settle(n: NodeState): void {
    for (let round = 0; round < 10_000; round++) {
      const core = n.core;
      if (!core) return;
      this.noteRole(n);
      let any = false;
      while (core.hasReady()) {
        this.handleReady(n, core);
        this.noteRole(n);
        any = true;
        if (this.violation) return;
      }
      if (n.nic.out.length) {
        for (const o of n.nic.out) {
          if (this.log) {
            const h = decodeHeader(o.frame);
            this.p(`  ${n.id}: nic sends ${TYPE_NAMES[h.type]} ${h.logIndex}/t${h.term} commit=${h.commitIndex} ->${o.to}`);
          }
          this.sendFrame(n.id, o.to, o.frame);
        }
        n.nic.out = [];
        any = true;
      }
      if (n.nic.replies.length) {
        for (const r of n.nic.replies) this.onReply(n, r.index, r.frame);
        n.nic.replies = [];
        if (this.violation) return;
      }
      const evs = n.nic.host;
      n.nic.host = [];
      for (const ev of evs) {
        if (ev.type === 'punt' && this.log) {
          const h = decodeHeader(ev.frame);
          this.p(`  ${n.id}: nic punts ${REASON_NAMES[ev.reason]} ${TYPE_NAMES[h.type]} ${h.logIndex}/t${h.term} from ${h.srcNode}`);
        }
        core.step({ kind: 'nic', ev });
        this.noteRole(n);
        any = true;
      }
      if (!any) return;
    }
    throw new Error(`node ${n.id} did not reach quiescence`);
  }

  private noteRole(n: NodeState): void {
    const c = n.core;
    if (!c) return;
    if (this.log) {
      const s = `${c.role} term=${c.term}`;
      if (s !== n.seen) {
        n.seen = s;
        this.p(`  ${n.id}: is ${s}${c.recovering ? ' (recovering)' : ''}`);
      }
    }
    if (c.role === 'leader') {
      const prev = this.leaders.get(c.term);
      if (prev !== undefined && prev !== n.id && !this.violation) {
        this.violation = { property: 'election safety', detail: `nodes ${prev} and ${n.id} both lead term ${c.term}` };
      }
      if (prev === undefined) this.leadersW().set(c.term, n.id);
    }
  }

  private handleReady(n: NodeState, core: Core): void {
    const rd = core.ready();
    const id = n.id;
    // 1. persist (then keep the storage compact: one batch holding exactly what replay returns)
    if (rd.hardState || rd.entries.length || rd.snapshot || rd.truncateAfter !== undefined) {
      if (this.log) {
        const parts: string[] = [];
        if (rd.truncateAfter !== undefined) parts.push(`truncate >${rd.truncateAfter}`);
        if (rd.entries.length) parts.push(`entries [${rd.entries.map(describeEntry).join(', ')}]`);
        if (rd.hardState) parts.push(`hs term=${rd.hardState.term} vote=${rd.hardState.vote} commit=${rd.hardState.commit}`);
        this.p(`  ${id}: persist ${parts.join('; ')}`);
      }
      n.storage.save({ hardState: rd.hardState, entries: rd.entries, truncateAfter: rd.truncateAfter, snapshot: rd.snapshot });
      n.durable = replay(n.storage.bytes()).state;
      const s = new MemStorage();
      s.save({ hardState: n.durable.hardState, entries: n.durable.entries, snapshot: n.durable.snapshot });
      n.storage = s;
    }
    // 2. NIC operations
    if (rd.nic.length) {
      if (this.log) this.p(`  ${id}: nic ${rd.nic.map((o) => o.op === 'csrWrite' ? `${o.reg}=${o.value}` : o.op === 'csrRead' ? `rd(${o.reg})` : o.op === 'logWrite' ? `logw(${o.index})` : `logr(${o.index})`).join(' ')}`);
      for (const o of rd.nic) n.nic.exec(o);
    }
    // 3. frames and messages
    for (const f of rd.frames) {
      if (this.log) {
        const h = decodeHeader(f.frame);
        this.p(`  ${id}: host sends frame ${TYPE_NAMES[h.type]} ${h.logIndex}/t${h.term} ->${f.to}`);
      }
      this.sendFrame(id, f.to, f.frame);
    }
    for (const m of rd.messages) {
      if (this.log) this.p(`  ${id}: send ${fmtMsg(m)}`);
      this.push({ from: id, to: m.to, msg: m });
    }
    // 4. apply (state machine safety is checked here, on every entry any node applies)
    if (rd.committed.length) {
      if (this.log) this.p(`  ${id}: apply [${rd.committed.map(describeEntry).join(', ')}]`);
      for (const e of rd.committed) this.onApply(n, core, e);
    }
    // read safety (followerReads): a read's index covers everything committed when it arrived
    for (const rs of rd.readStates) {
      const k = `${id}:${rs.ctx}`;
      const want = this.readWants.get(k);
      if (want === undefined) continue;
      this.readWantsW().delete(k);
      if (this.log) this.p(`  ${id}: read #${rs.ctx} ${rs.index < 0 ? 'refused' : `at index ${rs.index} (${rs.via})`}`);
      if (rs.index >= 0) this.readTermsW().add(core.term);
      if (rs.index >= 0 && rs.index < want && !this.violation) {
        this.violation = { property: 'read safety', detail: `node ${id} answers read #${rs.ctx} (${rs.via}) at index ${rs.index}, but index ${want} was committed before the read arrived` };
      }
    }
    // 5. durable
    if (rd.persistUpTo) core.step({ kind: 'persisted', ...rd.persistUpTo });
  }

  /** A NIC REPLY for the entry at `index` (its log frame): checked and recorded like an application. */
  private onReply(n: NodeState, index: number, frame: Uint8Array): void {
    const crc = this.model.crc(frame);
    const term = decodeHeader(frame).term;
    if (this.log) this.p(`  ${n.id}: nic replies for ${index}/t${term}`);
    mcFigures.repliesChecked++;
    const g = this.applied.get(index);
    if (g && (g.term !== term || g.crc !== crc)) {
      if (!this.violation) this.violation = { property: 'reply safety', detail: `node ${n.id}'s NIC replied for ${index}/t${term}, where ${index}/t${g.term} (crc ${g.crc.toString(16)}) was applied or replied for before` };
      return;
    }
    const t = n.nic.r('TERM');
    if (!g || t < g.minTerm) this.appliedW().set(index, { term, crc, minTerm: Math.min(t, g?.minTerm ?? Infinity) });
  }

  private onApply(n: NodeState, core: Core, e: Entry): void {
    const crc = this.model.crc(e.frame);
    const g = this.applied.get(e.index);
    if (g && (g.term !== e.term || g.crc !== crc)) {
      if (!this.violation) {
        this.violation = { property: 'state machine safety', detail: `node ${n.id} applied ${describeEntry(e)} at index ${e.index}, where ${e.index}/t${g.term} (crc ${g.crc.toString(16)}) was applied before` };
      }
      return;
    }
    if (!g || core.term < g.minTerm) this.appliedW().set(e.index, { term: e.term, crc, minTerm: Math.min(core.term, g?.minTerm ?? Infinity) });
  }

  // ---------------------------------------------------------------------------------------- invariants

  /** The node's log as the cluster sees it: the host log, then the NIC's tail beyond it (up to LAST_INDEX). */
  effectiveLog(n: NodeState): Map<number, { term: number; crc: number }> {
    const m = new Map<number, { term: number; crc: number }>();
    const c = n.core;
    if (!c) return m;
    for (const e of c.log.entries) m.set(e.index, { term: e.term, crc: this.model.crc(e.frame) });
    const last = n.nic.r('LAST_INDEX');
    for (let i = c.log.lastIndex() + 1; i <= last; i++) {
      const f = n.nic.log.get(i);
      if (!f) break;
      m.set(i, { term: decodeHeader(f).term, crc: this.model.crc(f) });
    }
    return m;
  }

  /** effectiveLog(n), computed once for a node this world shares with its parent (it is unchanged since). */
  private effectiveLogKept(n: NodeState): Map<number, { term: number; crc: number }> {
    if (n.elog === undefined || this.owned & (1 << n.id)) n.elog = this.effectiveLog(n);
    return n.elog;
  }

  checkInvariants(): void {
    if (this.violation) return;
    for (const n of this.nodes) if (n.core) this.commitSeen = Math.max(this.commitSeen, n.core.log.commit, n.nic.r('COMMIT_INDEX'));
    const up = this.nodes.filter((n) => n.core);
    for (const n of up) this.noteRole(n); // election safety (also checked after every core step)
    if (this.violation) return;
    const logs = up.map((n) => ({ n, log: this.effectiveLogKept(n) }));
    // log matching: same index and term => same entry and the same log up to there
    for (let a = 0; a < logs.length; a++) {
      for (let b = a + 1; b < logs.length; b++) {
        const A = logs[a]!;
        const B = logs[b]!;
        let hi = 0;
        for (const [i, x] of A.log) {
          const y = B.log.get(i);
          if (y && y.term === x.term && i > hi) hi = i;
        }
        for (let i = 1; i <= hi; i++) {
          const x = A.log.get(i);
          const y = B.log.get(i);
          if (!x || !y) continue;
          if (x.term !== y.term || x.crc !== y.crc) {
            this.violation = {
              property: 'log matching',
              detail: `nodes ${A.n.id} and ${B.n.id} hold the same entry (term ${A.log.get(hi)!.term}) at index ${hi} but differ at index ${i}: ${i}/t${x.term} vs ${i}/t${y.term}${x.term === y.term ? ' (different content)' : ''}`,
            };
            return;
          }
        }
      }
    }
    // leader completeness: a leader of term T holds every entry applied by a node whose term was < T
    for (const { n, log } of logs) {
      const c = n.core!;
      if (c.role !== 'leader') continue;
      for (const [i, g] of this.applied) {
        if (g.minTerm >= c.term) continue;
        const x = log.get(i);
        if (!x || x.term !== g.term || x.crc !== g.crc) {
          this.violation = {
            property: 'leader completeness',
            detail: `node ${n.id} leads term ${c.term} without ${i}/t${g.term}, which was applied in term ${g.minTerm}${x ? ` (it holds ${i}/t${x.term})` : ''}`,
          };
          return;
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------- fingerprint

  /** Canonical text of everything that decides the future (docs/model-checker.md §5). */
  canonical(): string {
    const ids = this.model.ids;
    const parts: string[] = [];
    // Heartbeat rounds are numbered per core; only equalities and differences between them
    // matter, so they are taken relative to the leader's current round, but only once no crash
    // is left: a restarted core numbers from 0 again, and then the absolute numbers matter.
    const shift = this.crashesUsed >= this.model.opts.crashes;
    const base = (id: NodeId): number => (shift ? (this.node(id).core as unknown as CoreInternals | undefined)?.hbRound ?? 0 : 0);
    for (const n of this.nodes) {
      parts.push(this.nodeDigestText(n, shift));
    }
    // the channels, in order; heartbeat rounds relative to their leader's current round
    for (let f = 0; f < this.chan.length; f++) {
      for (let t = 0; t < this.chan.length; t++) {
        const ch = this.chan[f]![t]!;
        if (ch.length === 0) continue;
        const keys = ch.map((pk) => {
          const m = pk.msg;
          if (shift && m && (m.type === MsgType.Heartbeat || m.type === MsgType.HeartbeatResp)) {
            const b = base(m.type === MsgType.Heartbeat ? m.from : m.to);
            if (b !== 0) return `m${new StructHash().value({ ...m, context: m.context - b }, ids).digest()}`;
          }
          return pk.key;
        });
        parts.push(`c${f + 1}>${t + 1}:${keys.map((k) => this.model.packetId(k)).join(';')}`);
      }
    }
    parts.push(`L:${canon(this.leaders, ids)}`);
    parts.push(`A:${canon(this.applied, ids)}`);
    parts.push(`B:${this.crashesUsed},${this.dupsUsed},${this.dropsUsed},${this.reordersUsed},${this.requestsUsed},${this.timeoutsUsed}`);
    if (this.model.opts.followerReads) parts.push(`R:${this.clock},${this.readsUsed},${this.commitSeen},${canon(this.readWants, ids)}`);
    return parts.join('\n');
  }

  /**
   * 64-bit structural hash of everything that decides the future: the same content as
   * canonical() (a test checks that they agree), without building the text.
   */
  fingerprint(): string {
    const h = new StructHash();
    const shift = this.crashesUsed >= this.model.opts.crashes;
    for (const n of this.nodes) h.strWords(this.nodeDigest(n, shift)); // = h.str(the node's digest)
    for (let f = 0; f < this.chan.length; f++) {
      for (let t = 0; t < this.chan.length; t++) {
        const ch = this.chan[f]![t]!;
        if (ch.length === 0) continue;
        h.word(f + 1).word(t + 1).word(ch.length);
        for (const pk of ch) h.word(this.packetIdOf(pk, shift));
      }
    }
    h.value(this.leaders, this.model.ids).value(this.applied, this.model.ids);
    h.word(this.crashesUsed).word(this.dupsUsed).word(this.dropsUsed).word(this.reordersUsed).word(this.requestsUsed).word(this.timeoutsUsed);
    if (this.model.opts.followerReads) h.word(this.clock).word(this.readsUsed).word(this.commitSeen).value(this.readWants, this.model.ids);
    return h.digest();
  }

  /**
   * A packet's identity in the fingerprint: model.packetId() of its text (heartbeat rounds relative
   * to their leader's round). Kept on the packet, which is never changed: its key's id, and for a
   * heartbeat, the id for the round it was last taken relative to (a kept id was assigned when it
   * was first taken, so keeping it changes no id: packetId() numbers texts in order of first use).
   */
  private packetIdOf(pk: Packet, shift: boolean): number {
    const m = pk.msg;
    if (shift && m && (m.type === MsgType.Heartbeat || m.type === MsgType.HeartbeatResp)) {
      const c = this.node(m.type === MsgType.Heartbeat ? m.from : m.to).core as unknown as CoreInternals | undefined;
      const b = c ? c.hbRound : 0;
      if (b !== 0) {
        if (pk.idRound !== b) {
          pk.idRound = b;
          pk.roundId = this.model.packetId(`m${new StructHash().value({ ...m, context: m.context - b }, this.model.ids).digest()}`);
        }
        return pk.roundId!;
      }
    }
    return (pk.id ??= this.model.packetId(pk.key));
  }

  /** Canonical text of one node (for tests and debugging: the fingerprint hashes the same content). */
  nodeCanonical(n: NodeState, shift: boolean): string {
    const ids = this.model.ids;
    return `N${n.id}:${n.core ? this.canonCore(n, n.core, shift) : 'down'}\nnic:${canon(n.nic.regs, ids)}${canon(n.nic.log, ids)}${canon(n.nic.match, ids)}${n.nic.out.length}${n.nic.host.length}r${n.nic.replies.length}${n.nic.fcBlock ? 'b' : ''}${canon(n.nic.answers, ids)}\ndisk:${canon(n.durable, ids)}`;
  }

  /** The words of the node's digest (stringWords of its text). */
  private nodeDigest(n: NodeState, shift: boolean): readonly [number, number] {
    // a node this world shares with its parent is unchanged since the parent computed its digest
    if (n.fpWords === undefined || n.fpShift !== shift || this.owned & (1 << n.id)) {
      n.fpWords = this.nodeHash(n, shift).digestWords(); // = stringWords(its digest())
      n.fpShift = shift;
      n.fpText = undefined;
    }
    return n.fpWords;
  }

  /** The text of the node's digest (for canonical()), kept as its words are. */
  private nodeDigestText(n: NodeState, shift: boolean): string {
    if (n.fpText === undefined || n.fpWords === undefined || n.fpShift !== shift || this.owned & (1 << n.id)) {
      const h = this.nodeHash(n, shift);
      n.fpText = h.digest();
      n.fpWords = h.digestWords();
      n.fpShift = shift;
    }
    return n.fpText;
  }

  /** The hash of one node's canonical text (nodeCanonical()), without the text. */
  private nodeHash(n: NodeState, shift: boolean): StructHash {
    const h = new StructHash().word(n.id);
    if (n.core) this.hashCore(h, n, n.core, shift);
    else h.word(-1);
    const ids = this.model.ids;
    h.value(n.nic.regs, ids).value(n.nic.log, ids).value(n.nic.match, ids).word(n.nic.out.length).word(n.nic.host.length).word(n.nic.replies.length).word(n.nic.fcBlock ? 1 : 0);
    h.value(n.nic.answers, ids);
    h.value(n.durable, ids);
    return h;
  }

  /** The core's part of the fingerprint: see canonCore(), which spells out the same abstraction. */
  private hashCore(h: StructHash, n: NodeState, core: Core, shift: boolean): void {
    this.model.checkCoreKeys(core);
    const c = core as unknown as Record<string, unknown> & CoreInternals;
    const ids = this.model.ids;
    const now = c.now;
    // key by key, in the core's key order, as canonCore(): each key kept is written as h.str(k),
    // then its value (abstracted for the times); a run of plain fields by one generated function
    for (const st of corePlan(c).steps) {
      if ('fields' in st) {
        h.fields(c, st.fields, ids);
        continue;
      }
      const v = c[st.key];
      h.strWords(st.words);
      switch (st.op) {
        case CoreOp.Deadline:
          h.word(rel(v as number, now));
          continue;
        case CoreOp.LeaderContact:
          h.word(rel((v as number) + this.model.T, now));
          continue;
        case CoreOp.RepairAsk:
          h.word(rel((v as number) + this.model.hb, now));
          continue;
        case CoreOp.Tracker:
          h.value(v, ids, st.key, TRACKER_SKIP);
          continue;
      }
    }
    const base = shift ? c.hbRound : 0;
    h.word(c.hbRound - base);
    const rounds = [...c.hbRounds].map(([r, x]) => [r - base, x.nicLast]).sort((x, y) => x[0]! - y[0]!);
    h.value(rounds, ids);
    h.word(c.nicActivity < 0 ? 0 : c.nicActivity === n.nic.activity ? 1 : 2);
    // a silence report matters only while no leader contact came after it
    h.word(c.silentAt >= c.lastLeaderContact ? 1 : 0);
  }

  private canonCore(n: NodeState, core: Core, shift: boolean): string {
    this.model.checkCoreKeys(core);
    const c = core as unknown as Record<string, unknown> & CoreInternals;
    const ids = this.model.ids;
    const now = c.now;
    const rel = (x: number): number => (Number.isFinite(x) ? Math.max(0, x - now) : 0);
    const out: string[] = [];
    for (const k of Object.keys(c).sort()) {
      if (k === 'now' || CORE_SKIPPED.has(k)) continue;
      const v = c[k];
      switch (k) {
        case 'electionDeadline': case 'heartbeatDeadline': case 'checkQuorumDeadline': case 'transferDeadline':
          out.push(`${k}:${rel(v as number)}`);
          continue;
        case 'lastLeaderContact':
          out.push(`${k}:${rel((v as number) + this.model.T)}`);
          continue;
        case 'lastRepairAsk':
          out.push(`${k}:${rel((v as number) + this.model.hb)}`);
          continue;
        case 'tracker': {
          const t = v as Core['tracker'];
          const prog = new Map([...t.progress].map(([id, p]) => [id, { ...p, ackedSendNs: undefined }]));
          out.push(`${k}:${canon({ ...t, progress: prog }, ids, k)}`);
          continue;
        }
        default:
          out.push(`${k}:${canon(v, ids, k)}`);
      }
    }
    // heartbeat rounds relative to the current round; their send times only serve lease reads
    const base = shift ? c.hbRound : 0;
    out.push(`hbRound:${c.hbRound - base}`);
    out.push(`hbRounds:${[...c.hbRounds].map(([r, x]) => `${r - base}/${x.nicLast}`).sort().join(',')}`);
    const act = c.nicActivity < 0 ? 'init' : c.nicActivity === n.nic.activity ? 'same' : 'diff';
    out.push(`nicActivity:${act}`);
    out.push(`silent:${c.silentAt >= c.lastLeaderContact ? 1 : 0}`);
    return `{${out.join(',')}}`;
  }

  // ---------------------------------------------------------------------------------------- printing

  label(c: Choice): string {
    switch (c.k) {
      case 'time': return c.node === 0 ? `time: every clock ${this.clock} -> ${this.syncTime()}` : this.timeLabel(this.node(c.node));
      case 'read': return `read at node ${c.node} under its ${this.node(c.node).core!.role === 'leader' ? 'leader' : 'read'} lease`;
      case 'request': return `request c1#${this.requestsUsed + 1} to node ${c.node} (leader of term ${this.node(c.node).core!.term})`;
      case 'crash': return `crash ${c.node} (core and NIC log RAM lost; storage kept)`;
      case 'restart': return `restart ${c.node} from its storage`;
      case 'silent': return `silent ${c.node}: its NIC reports the leader silent (core ${this.node(c.node).core!.role}, lead ${this.node(c.node).core!.lead})`;
      case 'nic': return `nic ${c.node}: answers reach the core: ${this.node(c.node).nic.answers.map(fmtAnswer).join(' ')}`;
      case 'drop': return `lose ${fmtPacket(this.chan[c.from - 1]![c.to - 1]![c.pos]!)}`;
      case 'deliver':
      case 'dup': {
        const pk = this.chan[c.from - 1]![c.to - 1]![c.pos]!;
        const ahead = c.pos > 0 && this.model.opts.order === 'fifo' ? ` ahead of ${c.pos} older packet(s) on ${c.from}->${c.to}` : '';
        return c.k === 'dup' ? `deliver a duplicate of ${fmtPacket(pk)}${ahead} (the packet stays in flight)` : `deliver ${fmtPacket(pk)}${ahead}`;
      }
    }
  }

  statusLines(): string[] {
    return this.nodes.map((n) => {
      const c = n.core;
      if (!c) return `  ${n.id}: down | disk term=${n.durable.hardState.term} vote=${n.durable.hardState.vote} log=[${n.durable.entries.map((e) => `${e.index}/t${e.term}`).join(',')}]`;
      const log = [...this.effectiveLog(n)].map(([i, x]) => `${i}/t${x.term}`).join(',');
      return `  ${n.id}: ${c.role} term=${c.term} vote=${c.vote} lead=${c.lead} commit=${c.log.commit} log=[${log}]${c.recovering ? ' recovering' : ''} | nic role=${n.nic.r('ROLE')} fast=${n.nic.r('FAST_EN')} last=${n.nic.r('LAST_INDEX')} commit=${n.nic.r('COMMIT_INDEX')}`;
    });
  }
}

const REASON_NAMES: Record<number, string> = Object.fromEntries(Object.entries(HostReason).map(([k, v]) => [v, k]));
const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(W).map(([k, v]) => [v, k]));

function fmtAnswer(ev: NicEvent): string {
  if (ev.type === 'csr') return `${ev.reg}=${ev.value}`;
  if (ev.type === 'log') return ev.frame ? `log(${ev.index})=${decodeHeader(ev.frame).logIndex}/t${decodeHeader(ev.frame).term}` : `log(${ev.index})=none`;
  return ev.type;
}

export function fmtPacket(pk: Packet): string {
  if (pk.msg) return fmtMsg(pk.msg);
  const h = decodeHeader(pk.frame!);
  const rt = (h.flags & 2) !== 0 ? ' (retransmit)' : '';
  return `${pk.from}->${pk.to} frame ${TYPE_NAMES[h.type]} ${h.logIndex}/t${h.term} commit=${h.commitIndex}${rt}`;
}

export function fmtMsg(m: Message): string {
  const name = MSG_NAMES[m.type];
  let s = `${m.from}->${m.to} ${name} t${m.term}`;
  switch (m.type) {
    case MsgType.PreVote: case MsgType.Vote: s += ` last=${m.index}/t${m.logTerm}`; break;
    case MsgType.Append: s += ` prev=${m.index}/t${m.logTerm} commit=${m.commit} ents=[${m.entryTerms.map((t, k) => `${m.index + 1 + k}/t${t}`).join(',')}]`; break;
    case MsgType.AppendResp: s += m.reject ? ` reject idx=${m.index} hint=${m.hint}` : ` idx=${m.index}`; break;
    case MsgType.Heartbeat: s += ` commit=${m.commit} last=${m.index} r=${m.context}`; break;
    case MsgType.HeartbeatResp: s += ` r=${m.context} last=${m.hint}${m.reject ? ' unreconciled' : ''}`; break;
  }
  if (m.type === MsgType.PreVoteResp || m.type === MsgType.VoteResp) s += m.reject ? ' reject' : ' grant';
  if (m.recovering) s += ' recovering';
  return s;
}
