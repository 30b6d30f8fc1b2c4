// An explicit-state model checker for chain replication's reconfiguration: the REAL chain master
// (ctrl/chain/master.ts, the ChainMaster class, unchanged) composed with an abstract model of three
// nodes (host + NIC each), explored breadth-first with a visited set keyed by the canonical text
// (JSON) of each state.
//
// What is modelled
//   - the master: the real class; a state holds an instance of it. States are never changed once
//     made: a step works on a copy (copyState), which shares the master with its parent until the
//     step calls into it; then the step takes its own copy first (structuredClone, prototype set
//     back: ownMaster). Messages in flight are never changed either (shared). Its `out` is drained
//     into the set of messages in flight after every call; `events` and `announce` are cleared.
//   - time: an integer clock `now`. A `tick` choice advances it by `stepNs` (suspectNs by default: a
//     node is alive at the tick after its beat, suspected at the second) and calls master.tick(now); at
//     most `timeSteps` ticks. Beats: the master reads what onBeat records only in tick(), and every beat
//     between two ticks is recorded at the same `now`, so the beats are chosen with the tick: for each
//     node, none or one with an incarnation it was up with since the last tick (master.onBeat(n, inc,
//     now) before the clock advances). That is exactly the effect of any interleaving of beats with the
//     other steps (a node that beat and then crashed is included), with far fewer states. A live node
//     that does not beat (a lost beat, a false suspicion) is explored as well as a dead one: the number
//     of false suspicions is bounded by the ticks only.
//   - control messages (master -> host commands, host -> master replies, and the ENTRIES a head sends
//     in a catch-up) are a multiset in flight, delivered in any order, each exactly once; one
//     delivered to a down node is dropped. They are otherwise reliable (no loss, no duplicate).
//   - each node: up, incarnation, epochSeen (persisted), fast, log (entry ids), NIC commit index,
//     hostCommitted (the prefix its host persisted as committed: survives a crash), its place from its
//     last INSTALL (role/pred/succ/tail as chainPlaceIn gives them) and term (the installed epoch).
//   - the data path, as nondeterministic steps of up, fast nodes: the head sequences a request
//     (at most `requests`, ids 'a', 'b', ...); a follower copies its predecessor's next entry when
//     both are fast in the same term (in-order forwarding: APPEND, go-back-N, NACK repair all end
//     up as this step; a lost packet is simply a copy step not taken); the tail (or a chain of one)
//     commits its whole log and replies for every newly committed entry; a head or middle takes its
//     successor's commit index (the ACK) when the successor is up, fast, in the same term (the commit
//     index never goes down). The host persisting its NIC's commit index is read only by a crash: it is
//     folded into it (a crash chooses any hostCommitted from the one before to the commit index now).
//   - crash (at most `crashes`, of a node in `crashable`): the NIC's state is lost: the log is cut
//     back to hostCommitted, commit = hostCommitted, role off, term 0. Restart (at most `restarts`):
//     up again with incarnation + 1, fast path off (it waits for commands). The restart guard (option,
//     on by default; a requirement on the host, see ChainCheckOptions.restartGuard): a restarted node
//     ignores commands of an epoch it had seen before the restart.
//
// What is not modelled: NIC packet formats, timers and retransmission (abstracted into the copy and
// ACK steps), client retries (a request is sequenced once), the NICs' silence reports
// (master.onSilent: failures are detected by missing beats only), the driver's polling of the master
// (a command is in flight as soon as the master emits it), loss or duplication of control messages,
// more than three nodes. The master's own failure: with masterRestarts > 0 it may crash and restart from
// its stable storage at any step (ChainMaster.recover; one instance, never two at once).
//
// The master under test: the real class; the mutations are subclasses overriding one step of its change
// (masterPrototype; 'noIncarnationCheck' is the master before the fix this checker found: a member
// that restarted unseen, learned of only by its FROZEN answer, was taken for a survivor).
//
// Canonical key: everything that can influence a future step or a property: every own field of the
// master but those it only writes (never reads): stats counters other than prefixViolations, `events`,
// `announce`, the attempt's `startedNs` and `why`.
//
// Properties, checked in every state:
//   durability        every reply (id, index), made in epoch T, is held at that index by the installed
//                     head (master.order[0]) whenever it is up, fast and in term master.epoch >= T, and
//                     by every node that is up and fast in a term >= T; no two replies name different
//                     ids at one index. (T matters: the new head of epoch T+1 serves as soon as its
//                     INSTALL arrives, before the master records epoch T+1 as installed; the old head,
//                     left out of a new order while alive, is not frozen and stays fast in epoch T
//                     without the entries of T+1. It cannot commit anything: its successor moved on.)
//   commit agreement  no two nodes (up or down) differ within their commit prefixes; commit <= log length
//   prefix            consecutive members of the installed order that are both up, fast and in term
//                     master.epoch: the successor's log is a prefix of its predecessor's
//   master prefix     master.stats.prefixViolations === 0
//   install           an INSTALL is accepted only over a log of length `last` (checked as a step's effect)

import { ChainMaster, chainPlaceIn, type ChainCmd, type ChainReply } from '../../ctrl/chain/master.js';
import { deepClone, internId } from './canon.js';

export interface ChainNode {
  up: boolean;
  inc: number;
  epochSeen: number;
  fast: boolean;
  log: string[];
  commit: number;
  hostCommitted: number;
  /** 0 off, 1 tail, 2 head (alone: a chain of one), 3 middle (chainPlaceIn's ROLE) */
  role: number;
  pred: number;
  /** 0xff: none */
  succ: number;
  tail: boolean;
  term: number;
  /**
   * with the restart guard: commands of an epoch up to this one are ignored (set on a restart to the
   * epoch seen: what the node froze in before the restart no longer describes its log); 0 otherwise
   */
  floor: number;
  /** the lowest incarnation the node was up with since the last tick (-1: down all along): what it may have beaten with */
  beatable: number;
}

export type ChainMsg =
  | { k: 'cmd'; to: number; cmd: ChainCmd }
  | { k: 'entries'; to: number; epoch: number; from: number; entries: string[] }
  | { k: 'reply'; from: number; reply: ChainReply };

export interface ChainState {
  now: number;
  /** master restarts so far */
  masterRestarts: number;
  ticks: number;
  requests: number;
  crashes: number;
  restarts: number;
  nodes: ChainNode[];
  /** in flight, kept sorted by their JSON text (a multiset) */
  msgs: ChainMsg[];
  /** the replies to clients, `index:id:epoch` (the least epoch it was replied in), sorted, one per (index, id) */
  replies: string[];
  /** each crash: the node and its place in the installed order then */
  crashed: Array<{ node: number; pos: 'head' | 'middle' | 'tail' | 'out' }>;
  master: ChainMaster;
  /** a violation a step itself detected (an INSTALL over a log of another length) */
  bad: string | null;
  /**
   * The nodes this state copied from its parent's (bit i: node i): the others it shares with its
   * parent, and never writes (a step writes a node through nodeW(), which copies it first).
   */
  copied: number;
}

/**
 * Known bugs to inject, to show that the checker catches them: in the master, its head choice takes
 * the last frozen member of the order instead of the longest log (headLast), or it installs right
 * after the freeze round without catching shorter logs up (skipCatchup); in the nodes, FREEZE's
 * `truncate` is ignored (ignoreTruncate: a joiner keeps its uncommitted tail).
 */
export type ChainMutation = 'headLast' | 'skipCatchup' | 'ignoreTruncate' | 'noIncarnationCheck' | 'forgetMaxEpoch';

export interface ChainCheckOptions {
  requests?: number;
  crashes?: number;
  restarts?: number;
  /** the nodes that may crash (one test per crashed position keeps each search small) */
  crashable?: number[];
  /** bound on clock advances */
  timeSteps?: number;
  suspectNs?: number;
  roundTimeoutNs?: number;
  /** the clock step of a tick (default suspectNs: a node is alive at the tick after its beat, suspected at the second) */
  stepNs?: number;
  maxDepth?: number;
  /** memory guard: stop after this many distinct states */
  maxStates?: number;
  timeLimitMs?: number;
  mutation?: ChainMutation;
  /** check that an INSTALL lands on a log of length `last` (default true) */
  checkInstall?: boolean;
  /**
   * the restart guard (default true): a restarted node ignores every command of an epoch it had seen
   * before it restarted, until a FREEZE of a newer epoch. Without it, a node that crashes and restarts
   * between its FROZEN answer and the INSTALL is installed over the shorter log its NIC restarted with
   * (see the report in test/mc/chain.test.ts): the master cannot prevent that alone.
   */
  restartGuard?: boolean;
  /**
   * restarts of the master (default 0): at any step the master process may crash and restart from its
   * stable storage (ChainMaster.recover from durable(), which the driver writes before any command goes
   * out); answers in flight to the crashed process reach the restarted one (as stale, mostly)
   */
  masterRestarts?: number;
}

export interface ChainViolation {
  property: string;
  detail: string;
  trace: string[];
}

export interface ChainCheckResult {
  bound: Required<Omit<ChainCheckOptions, 'mutation'>> & { mutation: ChainMutation | null };
  states: number;
  transitions: number;
  depth: number;
  /** every state within the bounds was explored */
  complete: boolean;
  stop: 'fixpoint' | 'depth' | 'states' | 'time' | 'violation';
  violation: null | ChainViolation;
  ms: number;
  /** figures on the explored states (sanity, not properties) */
  reached: {
    /** states in phase 'run' with epoch > 1 (a reconfiguration completed) */
    runReconfigured: number;
    halted: number;
    /** states in phase 'run', epoch > 1, after a crash of a node at that position, with the node out of the order */
    reconfiguredAfterCrash: Record<'head' | 'middle' | 'tail' | 'out', number>;
    /** states in phase 'run' where a restarted node is a member installed with its new incarnation */
    rejoined: number;
    /** states whose master restarted a round that timed out (stats.restarts > 0) */
    roundTimedOut: number;
    maxEpoch: number;
  };
}

const NONE = 0xff;
const IDS = 'abcdefghijklmnopqrstuvwxyz';

// ---- variants of the master: subclasses of the real class overriding one of the steps its change
// makes after the FREEZE round (ChainMaster.survivorFroze, chooseHead, catchUpFor) ----

type AttemptOf = NonNullable<ChainMaster['attempt']>;

/** The real class, or a subclass with one step mutated. */
function masterPrototype(mutation: ChainMutation | undefined): object {
  if (mutation === 'headLast') {
    // MUTATION headLast: the last member that froze, whatever its log
    return class extends ChainMaster {
      protected override chooseHead(a: AttemptOf): number {
        let head = -1;
        for (const n of this.order) if (a.frozen[n]) head = n;
        return head;
      }
    }.prototype;
  }
  if (mutation === 'skipCatchup') {
    // MUTATION skipCatchup: install at once, shorter logs or not
    return class extends ChainMaster {
      protected override catchUpFor(): number[] { return []; }
    }.prototype;
  }
  if (mutation === 'noIncarnationCheck') {
    // the master before the fix: a member that restarted unseen counts as a survivor
    return class extends ChainMaster {
      protected override survivorFroze(): boolean { return true; }
    }.prototype;
  }
  return ChainMaster.prototype;
}

// ---- states ----

function placeNone(n: ChainNode): void {
  n.role = 0;
  n.pred = NONE;
  n.succ = NONE;
  n.tail = false;
}

function initialState(o: Required<Omit<ChainCheckOptions, 'mutation'>>, proto: object): ChainState {
  const order = [0, 1, 2];
  const m = new ChainMaster({ nodes: [0, 1, 2], order, epoch: 1, suspectNs: o.suspectNs, roundTimeoutNs: o.roundTimeoutNs });
  Object.setPrototypeOf(m, proto);
  for (const n of order) m.onBeat(n, 0, 0);
  const nodes: ChainNode[] = order.map((id) => {
    const p = chainPlaceIn(order, id);
    return { up: true, inc: 0, epochSeen: 1, fast: true, log: [], commit: 0, hostCommitted: 0, role: p.role, pred: p.pred, succ: p.succ, tail: p.tail, term: 1, floor: 0, beatable: 0 };
  });
  return { now: 0, masterRestarts: 0, ticks: 0, requests: 0, crashes: 0, restarts: 0, nodes, msgs: [], replies: [], crashed: [], master: m, bad: null, copied: 0b111 };
}

/**
 * A successor's starting point: lists copied; the nodes, the master, the messages and the crash
 * records shared (a step that writes a node copies it first: nodeW(); one that calls into the
 * master takes its own copy first: ownMaster; messages and crash records are never changed).
 */
export function copyState(s: ChainState): ChainState {
  return {
    ...s,
    nodes: [...s.nodes],
    msgs: [...s.msgs],
    replies: [...s.replies],
    crashed: [...s.crashed],
    copied: 0,
  };
}

/** Node i of t, to be written: copied from the parent's first (once per state). */
function nodeW(t: ChainState, i: number): ChainNode {
  if (!(t.copied & (1 << i))) {
    const n = t.nodes[i]!;
    t.nodes[i] = { ...n, log: [...n.log] };
    t.copied |= 1 << i;
  }
  return t.nodes[i]!;
}

/**
 * An independent copy of a master (its class kept). The master is plain data (numbers, strings,
 * arrays, plain objects, no typed arrays or functions), so deepClone copies it as structuredClone
 * would (own enumerable fields in their order, shared references kept shared), at a fraction of the
 * cost, and with its prototype from the start (structuredClone's copy needed Object.setPrototypeOf).
 */
export function cloneMaster(m: ChainMaster): ChainMaster {
  return deepClone(m);
}

function ownMaster(t: ChainState): ChainMaster {
  t.master = cloneMaster(t.master);
  return t.master;
}

/** The canonical text of a state (what tells states apart: the search keys states by StateKeys, the same in short). */
export function chainKey(s: ChainState): string {
  return JSON.stringify([s.now, s.ticks, s.requests, s.crashes, s.restarts, s.nodes, s.replies, s.crashed, s.bad])
    + s.msgs.map(msgText).join('') + masterKey(s.master);
}

function masterKey(m: ChainMaster): string {
  // every own field of the master (a field added to the class is in the key without a change here)
  // but those it only writes
  const { events: _e, out: _o, announce: _a, stats, attempt, ...rest } = m as unknown as Record<string, unknown> & Pick<ChainMaster, 'stats' | 'attempt'>;
  let att: Record<string, unknown> | null = null;
  if (attempt) {
    const { startedNs: _s, why: _w, ...kept } = attempt;
    att = kept;
  }
  return JSON.stringify([rest, att, stats.prefixViolations]);
}

/**
 * The visited set's keys: chainKey() with each node's, each message's and the master's text
 * replaced by a small number, the same for the same text (the texts are numbered as they are first
 * met, per search). chainKey() is a concatenation of JSON texts, each of which ends where it is
 * seen to end, so two states have the same chainKey() exactly when they have the same scalars,
 * replies and crashes, the same node texts, message texts in the same order and the same master
 * text: exactly when they have the same key here. The keys are a tenth as long (the master's text
 * alone is some 400 characters), which is most of the visited set's memory and hashing.
 */
class StateKeys {
  private ids = new Map<string, number>();
  /** a master or a message is never changed once its state is made (ownMaster copies first) */
  private masterIds = new WeakMap<ChainMaster, number>();
  private msgIds = new WeakMap<ChainMsg, number>();
  /** a node shared by states (see ChainState.copied) is not changed either */
  private nodeIds = new WeakMap<ChainNode, number>();

  private id(text: string): number {
    return internId(this.ids, text);
  }

  key(s: ChainState): string {
    let m = this.masterIds.get(s.master);
    if (m === undefined) {
      m = this.id(masterKey(s.master));
      this.masterIds.set(s.master, m);
    }
    const nodes = s.nodes.map((n) => {
      let i = this.nodeIds.get(n);
      if (i === undefined) {
        i = this.id(JSON.stringify(n));
        this.nodeIds.set(n, i);
      }
      return i;
    });
    let k = JSON.stringify([s.now, s.ticks, s.requests, s.crashes, s.restarts, nodes, s.replies, s.crashed, s.bad]);
    for (const x of s.msgs) {
      let i = this.msgIds.get(x);
      if (i === undefined) {
        i = this.id(msgText(x));
        this.msgIds.set(x, i);
      }
      k += `;${i}`;
    }
    return `${k}|${m}`;
  }
}

const msgTexts = new WeakMap<ChainMsg, string>();
function msgText(x: ChainMsg): string {
  let k = msgTexts.get(x);
  if (k === undefined) {
    k = JSON.stringify(x);
    msgTexts.set(x, k);
  }
  return k;
}

/** After every call into the master: its commands go in flight; the rest is cleared. */
function drainMaster(s: ChainState): void {
  const m = s.master;
  for (const { to, cmd } of m.out) s.msgs.push({ k: 'cmd', to, cmd });
  m.out = [];
  m.events = [];
  m.announce = null;
}

function byText(x: ChainMsg, y: ChainMsg): number {
  const p = msgText(x);
  const q = msgText(y);
  return p < q ? -1 : p > q ? 1 : 0;
}

function sortMsgs(s: ChainState): void {
  // most steps leave the messages in order (a delivery takes one out): then the (stable) sort would
  // change nothing, and is skipped
  const ms = s.msgs;
  for (let i = 1; i < ms.length; i++) {
    if (byText(ms[i - 1]!, ms[i]!) > 0) {
      ms.sort(byText);
      return;
    }
  }
}

function describeMsg(x: ChainMsg): string {
  if (x.k === 'reply') {
    const r = x.reply;
    const extra = r.k === 'frozen' ? ` last=${r.last} commit=${r.commit} inc=${r.incarnation}` : r.k === 'caught' ? ` last=${r.last}` : '';
    return `${r.k.toUpperCase()}(e${r.epoch}${extra}) ${x.from}->master`;
  }
  if (x.k === 'entries') return `ENTRIES(e${x.epoch} from=${x.from} [${x.entries.join(',')}]) ->${x.to}`;
  const c = x.cmd;
  const body = c.k === 'freeze' ? `truncate=${c.truncate}` : c.k === 'catchup' ? `to=${c.to} from=${c.from} upto=${c.upto}` : c.k === 'lease' ? `from=${c.fromNs} len=${c.leaseNs}` : `order=${c.order.join(',')} last=${c.last}`;
  return `${c.k.toUpperCase()}(e${c.epoch} ${body}) master->${x.to}`;
}

/** A node's answer to a command or ENTRIES (n is up). */
function atNode(s: ChainState, x: Exclude<ChainMsg, { k: 'reply' }>, o: { mutation?: ChainMutation; checkInstall: boolean }): void {
  const id = x.to;
  let n = s.nodes[id]!; // (read only, until nodeW(s, id) where it is written)
  const reply = (r: ChainReply) => s.msgs.push({ k: 'reply', from: id, reply: r });
  if ((x.k === 'entries' ? x.epoch : x.cmd.epoch) <= n.floor) return; // the restart guard
  if (x.k === 'entries') {
    if (x.epoch !== n.epochSeen || n.fast) return;
    if (x.from !== n.log.length + 1) return;
    n = nodeW(s, id);
    n.log.push(...x.entries);
    reply({ k: 'caught', epoch: x.epoch, last: n.log.length });
    return;
  }
  const c = x.cmd;
  switch (c.k) {
    case 'freeze':
      if (c.epoch < n.epochSeen) return;
      n = nodeW(s, id);
      n.epochSeen = c.epoch;
      n.fast = false;
      if (c.truncate && o.mutation !== 'ignoreTruncate') n.log = n.log.slice(0, n.commit);
      reply({ k: 'frozen', epoch: c.epoch, last: n.log.length, commit: n.commit, incarnation: n.inc });
      return;
    case 'catchup':
      if (c.epoch !== n.epochSeen) return;
      if (n.log.length < c.upto) return;
      s.msgs.push({ k: 'entries', to: c.to, epoch: c.epoch, from: c.from, entries: n.log.slice(c.from - 1, c.upto) });
      return;
    case 'install': {
      if (c.epoch !== n.epochSeen) return;
      if (o.checkInstall && n.log.length !== c.last && s.bad === null) {
        s.bad = `install over a log of another length: node ${id} holds ${n.log.length} entries, INSTALL(e${c.epoch}) says last ${c.last}`;
      }
      n = nodeW(s, id);
      n.term = c.epoch;
      n.commit = Math.max(n.commit, c.last);
      const p = chainPlaceIn(c.order, id);
      n.role = p.role;
      n.pred = p.pred;
      n.succ = p.succ;
      n.tail = p.tail;
      n.fast = true;
      reply({ k: 'installed', epoch: c.epoch });
      return;
    }
  }
}

/**
 * The tail (or a chain of one) commits its whole log and replies for what it newly committed. A reply
 * is kept as `index:id:term` (the term it was made in), one per (index, id), with the least term.
 */
function commitAtTail(s: ChainState, n: ChainNode): void {
  for (let i = n.commit + 1; i <= n.log.length; i++) {
    const pre = `${i}:${n.log[i - 1]}:`;
    const j = s.replies.findIndex((r) => r.startsWith(pre));
    if (j < 0) s.replies.push(pre + n.term);
    else if (Number(s.replies[j]!.slice(pre.length)) > n.term) s.replies[j] = pre + n.term;
  }
  s.replies.sort();
  n.commit = n.log.length;
}

/** A step: its label (made only for a step that reaches a new state: it reads the state the step starts from, which is never changed) and its effect on a copy of that state. */
type Step = [label: () => string, apply: (s: ChainState) => void];

function steps(s: ChainState, o: Required<Omit<ChainCheckOptions, 'mutation'>> & { mutation?: ChainMutation }): Step[] {
  const out: Step[] = [];
  const ns = s.nodes;
  const m = s.master;
  // control
  if (s.ticks < o.timeSteps && m.phase !== 'halted') {
    // the beats that reached the master since the last tick (each node: none, or one with an
    // incarnation it was up with meanwhile), then the clock advances and the master ticks
    let combos: Array<Array<[number, number]>> = [[]];
    ns.forEach((n, i) => {
      const incs: number[] = [];
      if (n.beatable >= 0) for (let x = n.beatable; x <= n.inc; x++) incs.push(x);
      combos = combos.flatMap((c) => [c, ...incs.map((x) => [...c, [i, x] as [number, number]])]);
    });
    for (const beats of combos) {
      const b = beats.map(([i, x]) => `${i}@inc${x}`).join(' ');
      out.push([() => `tick -> ${s.now + o.stepNs} (beats: ${b || 'none'})`, (t) => {
        const tm = ownMaster(t);
        for (const [i, x] of beats) tm.onBeat(i, x, t.now);
        t.now += o.stepNs;
        t.ticks++;
        tm.tick(t.now);
        drainMaster(t);
        t.nodes.forEach((c, i) => {
          const b = c.up ? c.inc : -1;
          if (c.beatable !== b) nodeW(t, i).beatable = b;
        });
      }]);
    }
  }
  if (s.masterRestarts < o.masterRestarts) {
    out.push([() => 'master crashes and restarts from its stable storage', (t) => {
      const old = t.master;
      const d = old.durable();
      // MUTATION forgetMaxEpoch: a master that persists only the installed epoch (not the highest used)
      if (o.mutation === 'forgetMaxEpoch') d.maxEpoch = d.epoch;
      // the counters carry over (prefixViolations is a property)
      t.master = ChainMaster.recover({ nodes: old.nodes, suspectNs: old.suspectNs, roundTimeoutNs: old.roundTimeoutNs }, d, t.now, { proto: Object.getPrototypeOf(old), stats: old.stats });
      t.masterRestarts++;
      drainMaster(t);
    }]);
  }
  const seen = new Set<string>();
  s.msgs.forEach((x, idx) => {
    const txt = msgText(x);
    if (seen.has(txt)) return; // identical messages: delivering either gives the same state
    seen.add(txt);
    const to = x.k === 'reply' ? -1 : x.to;
    const dropped = to >= 0 && !ns[to]!.up;
    out.push([() => `deliver ${describeMsg(x)}${dropped ? ' (down: dropped)' : ''}`, (t) => {
      const y = t.msgs.splice(idx, 1)[0]!;
      if (y.k === 'reply') { ownMaster(t).onReply(y.from, y.reply, t.now); drainMaster(t); return; }
      if (t.nodes[y.to]!.up) atNode(t, y, o);
    }]);
  });
  ns.forEach((n, i) => {
    // the host persisted its NIC's commit index at some point: any value from what it had to the
    // commit index now (the persist step, folded into the crash, its only reader)
    if (n.up && s.crashes < o.crashes && o.crashable.includes(i)) for (let h = n.hostCommitted; h <= n.commit; h++) {
      out.push([() => `crash ${i} (its host had persisted commit ${h})`, (t) => {
        const pos = t.master.order.indexOf(i);
        const len = t.master.order.length;
        t.crashed.push({ node: i, pos: pos < 0 ? 'out' : pos === 0 ? 'head' : pos === len - 1 ? 'tail' : 'middle' });
        t.crashes++;
        const c = nodeW(t, i);
        c.hostCommitted = h;
        c.up = false;
        c.fast = false;
        c.log = c.log.slice(0, c.hostCommitted);
        c.commit = c.hostCommitted;
        c.term = 0;
        placeNone(c);
      }]);
    }
    if (!n.up && s.restarts < o.restarts) {
      out.push([() => `restart ${i}`, (t) => {
        const c = nodeW(t, i);
        t.restarts++;
        c.up = true;
        c.inc++;
        c.fast = false;
        if (c.beatable < 0) c.beatable = c.inc;
        if (o.restartGuard) c.floor = c.epochSeen;
      }]);
    }
  });
  // data path
  ns.forEach((n, i) => {
    if (!n.up) return;
    if (!n.fast) return;
    if (n.role === 2 && s.requests < o.requests) {
      out.push([() => `request ${IDS[s.requests]} at head ${i}`, (t) => { nodeW(t, i).log.push(IDS[t.requests]!); t.requests++; }]);
    }
    if ((n.role === 1 || n.role === 3) && n.pred !== NONE) {
      const p = ns[n.pred]!;
      if (p.up && p.fast && p.term === n.term && p.log.length > n.log.length) {
        out.push([() => `copy ${i} <- ${n.pred} index ${n.log.length + 1} (${p.log[n.log.length]})`, (t) => { const c = nodeW(t, i); c.log.push(t.nodes[c.pred]!.log[c.log.length]!); }]);
      }
    }
    const alone = n.role === 2 && n.succ === NONE;
    if ((n.tail || alone) && n.log.length > n.commit) {
      out.push([() => `${alone ? 'lone head' : 'tail'} ${i} commits ${n.log.length} and replies`, (t) => commitAtTail(t, nodeW(t, i))]);
    }
    if ((n.role === 2 || n.role === 3) && n.succ !== NONE) {
      const q = ns[n.succ]!;
      const c = Math.min(n.log.length, q.commit);
      if (q.up && q.fast && q.term === n.term && c > n.commit) {
        out.push([() => `ack ${n.succ} -> ${i}: commit ${c}`, (t) => { nodeW(t, i).commit = c; }]);
      }
    }
  });
  return out;
}

/** The first violated property of a state, or null. */
export function chainViolation(s: ChainState): { property: string; detail: string } | null {
  if (s.bad) return { property: 'install', detail: s.bad };
  const m = s.master;
  const ns = s.nodes;
  const ok = (i: number | undefined) => i !== undefined && ns[i]!.up && ns[i]!.fast && ns[i]!.term === m.epoch;
  // durability
  const at = new Map<number, string>();
  for (const r of s.replies) {
    const [ix, id, tm] = r.split(':') as [string, string, string];
    const index = Number(ix);
    const term = Number(tm);
    const prev = at.get(index);
    if (prev !== undefined && prev !== id) return { property: 'durability', detail: `replies ${prev} and ${id} both at index ${index}` };
    at.set(index, id);
    // the installed head, when it serves the installed epoch and that epoch is not older than the reply
    const h = m.order[0];
    if (ok(h) && m.epoch >= term && ns[h!]!.log[index - 1] !== id) {
      return { property: 'durability', detail: `reply ${id} at index ${index} (made in epoch ${term}), but the installed head ${h} (epoch ${m.epoch}) holds ${ns[h!]!.log[index - 1] ?? 'nothing'} there` };
    }
    // and more: every node on the fast path in that epoch or a later one (a chain member of the epoch
    // the reply was made in forwarded it towards the tail; a member of a later one was caught up)
    for (let i = 0; i < ns.length; i++) {
      const n = ns[i]!;
      if (n.up && n.fast && n.term >= term && n.log[index - 1] !== id) {
        return { property: 'durability', detail: `reply ${id} at index ${index} (made in epoch ${term}), but node ${i} (fast in epoch ${n.term}) holds ${n.log[index - 1] ?? 'nothing'} there` };
      }
    }
  }
  // commit agreement
  for (let i = 0; i < ns.length; i++) {
    if (ns[i]!.commit > ns[i]!.log.length) return { property: 'commit agreement', detail: `node ${i}'s commit ${ns[i]!.commit} is beyond its log (${ns[i]!.log.length})` };
    for (let j = i + 1; j < ns.length; j++) {
      const a = ns[i]!;
      const b = ns[j]!;
      const k = Math.min(a.commit, b.commit);
      for (let x = 0; x < k; x++) {
        if (a.log[x] !== b.log[x]) return { property: 'commit agreement', detail: `nodes ${i} and ${j} committed ${a.log[x]} and ${b.log[x]} at index ${x + 1}` };
      }
    }
  }
  // prefix property along the installed order
  for (let p = 0; p + 1 < m.order.length; p++) {
    const a = m.order[p]!;
    const b = m.order[p + 1]!;
    if (!ok(a) || !ok(b)) continue;
    const la = ns[a]!.log;
    const lb = ns[b]!.log;
    if (lb.length > la.length || lb.some((e, x) => la[x] !== e)) {
      return { property: 'prefix', detail: `node ${b}'s log [${lb.join(',')}] is not a prefix of its predecessor ${a}'s [${la.join(',')}] (epoch ${m.epoch})` };
    }
  }
  if (m.stats.prefixViolations !== 0) return { property: 'master prefix', detail: `master.stats.prefixViolations = ${m.stats.prefixViolations}` };
  return null;
}

export const CHAIN_DEFAULTS: Required<Omit<ChainCheckOptions, 'mutation'>> = {
  requests: 2,
  crashes: 1,
  restarts: 1,
  crashable: [0, 1, 2],
  timeSteps: 2,
  suspectNs: 100,
  roundTimeoutNs: 100,
  stepNs: 100,
  maxDepth: Number.MAX_SAFE_INTEGER,
  maxStates: 3_000_000,
  timeLimitMs: 120_000,
  checkInstall: true,
  restartGuard: true,
  masterRestarts: 0,
};

/** Breadth-first search of the chain model from its initial state; stops at the first violation. */
export function checkChain(opts: ChainCheckOptions = {}): ChainCheckResult {
  const t0 = Date.now();
  const o = { ...CHAIN_DEFAULTS, ...opts };
  if (opts.stepNs === undefined) o.stepNs = o.suspectNs;
  const proto = masterPrototype(opts.mutation);
  const reached: ChainCheckResult['reached'] = {
    runReconfigured: 0, halted: 0, reconfiguredAfterCrash: { head: 0, middle: 0, tail: 0, out: 0 }, rejoined: 0, roundTimedOut: 0, maxEpoch: 1,
  };
  // the trace of a state: its parent's number and the step taken (the initial state is number 0)
  const parent: number[] = [-1];
  const label: string[] = [''];
  const traceOf = (i: number): string[] => {
    const t: string[] = [];
    for (let j = i; j > 0; j = parent[j]!) t.push(label[j]!);
    return t.reverse();
  };
  const visited = new Set<string>();
  const keys = new StateKeys();
  const init = initialState(o, proto);
  visited.add(keys.key(init));
  let frontier: Array<[ChainState, number]> = [[init, 0]];
  let transitions = 0;
  let depth = 0;
  let stop: ChainCheckResult['stop'] = 'fixpoint';
  let violation: ChainViolation | null = null;
  const count = (s: ChainState) => {
    const m = s.master;
    reached.maxEpoch = Math.max(reached.maxEpoch, m.epoch);
    if (m.phase === 'halted') reached.halted++;
    if (m.stats.restarts > 0) reached.roundTimedOut++;
    if (m.phase !== 'run') return;
    if (m.epoch > 1) {
      reached.runReconfigured++;
      const c = s.crashed[0];
      if (c && !m.order.includes(c.node)) reached.reconfiguredAfterCrash[c.pos]++;
    }
    if (s.nodes.some((n, i) => n.inc > 0 && m.order.includes(i) && m.memberInc[i] === n.inc)) reached.rejoined++;
  };
  count(init);
  const v0 = chainViolation(init);
  if (v0) return done('violation', { ...v0, trace: [] });
  outer: while (frontier.length > 0) {
    if (depth >= o.maxDepth) { stop = 'depth'; break; }
    const next: Array<[ChainState, number]> = [];
    for (const [s, si] of frontier) {
      if (Date.now() - t0 > o.timeLimitMs) { stop = 'time'; break outer; }
      for (const [lab, apply] of steps(s, o)) {
        transitions++;
        const t = copyState(s);
        apply(t);
        sortMsgs(t);
        const k = keys.key(t);
        if (visited.has(k)) continue;
        visited.add(k);
        const ti = parent.length;
        parent.push(si);
        label.push(lab());
        count(t);
        const v = chainViolation(t);
        if (v) { violation = { ...v, trace: traceOf(ti) }; stop = 'violation'; depth++; break outer; }
        if (visited.size >= o.maxStates) { stop = 'states'; break outer; }
        next.push([t, ti]);
      }
    }
    frontier = next;
    if (frontier.length > 0) depth++;
  }
  return done(stop, violation);

  function done(st: ChainCheckResult['stop'], v: ChainViolation | null): ChainCheckResult {
    return {
      bound: { ...o, mutation: opts.mutation ?? null },
      states: visited.size,
      transitions,
      depth,
      complete: st === 'fixpoint',
      stop: st,
      violation: v,
      ms: Date.now() - t0,
      reached,
    };
  }
}
