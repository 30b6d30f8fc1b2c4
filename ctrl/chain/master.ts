// The chain master (docs/replication-modes.md, "Reconfiguration"): the one place that decides the
// chain's configuration (its epoch and its order, head first) and drives every change through three
// rounds with the nodes' hosts:
//
//   1. FREEZE(e)   every node of the new order turns its fast path off and reports its NIC's last index
//                  (read after STATUS shows FROZEN: final) and commit index;
//   2. CATCHUP(e)  the new head (its log holds every other member's: the prefix property) sends each
//                  shorter log the entries it lacks, which that node writes through its log port;
//   3. INSTALL(e)  every member but the head, then the head: TERM = e, its place in the order, COMMIT_INDEX =
//                  the common last index (every member holds it), the fast path on.
//
// Nodes ignore commands of an epoch below the highest they have seen, so a slow or repeated round
// never undoes a newer one. A node that misses a round's deadline is taken out and the change starts
// again with a new epoch. A node that stops beating is taken out; a node that beats as `joining`
// (restarted: its NIC lost its log, its host kept the entries it had committed) joins at the tail
// through the same rounds. A chain that lost every member halts (a joiner alone could lack entries the
// lost members committed): it is reported, never rebuilt from joiners.
//
// The master is a deterministic state machine: time comes in as `nowNs` with each call and commands
// go out in `out` (the driver sends them), so it can be copied (structuredClone) and explored by the
// model checker (verify/mc/chain.ts). It is one process: it keeps durable() on stable storage and a
// restart continues from it (recover); replicating it (for example as the state of the Raft control
// core) is not built (docs/replication-modes.md, "What is left").
//
// Read leases (readLeaseNs > 0; docs/replication-modes.md, "Reads without the log"): each beat of an
// installed member is answered with a lease, during which the member answers gets from its state once
// it applied what its NIC held when the get came. A change installs nothing (no entry of the new
// epoch can commit) until the lease of every member that did not freeze in it has ended.

export type ChainCmd =
  /** fast path off; `truncate`: a joiner, which cuts its log back to its commit index first */
  | { k: 'freeze'; epoch: number; truncate: boolean }
  /** to the head: send entries [from, upto] to node `to` */
  | { k: 'catchup'; epoch: number; to: number; from: number; upto: number }
  | { k: 'install'; epoch: number; order: number[]; last: number }
  /**
   * A read lease (readLeaseNs > 0), the answer to a beat of an installed member: the node may answer
   * reads without the log until `fromNs + leaseNs` on its own clock (`fromNs`: when it sent the beat)
   * while it stays installed in `epoch`. The master installs no later epoch before the lease has
   * certainly ended, unless the node froze first (docs/replication-modes.md, "Reads without the log").
   */
  | { k: 'lease'; epoch: number; fromNs: number; leaseNs: number };

export type ChainReply =
  /** `incarnation`: how many times the node restarted (a member that restarts lost its NIC's log) */
  | { k: 'frozen'; epoch: number; last: number; commit: number; incarnation: number }
  | { k: 'caught'; epoch: number; last: number }
  | { k: 'installed'; epoch: number };

export interface ChainMasterOptions {
  /** every node the chain may hold */
  nodes: number[];
  /** the configuration at start (installed by the driver): its order and epoch */
  order: number[];
  epoch: number;
  /** a member without a beat for this long is taken out */
  suspectNs: number;
  /** a round that has not completed this long after it started takes its silent nodes out */
  roundTimeoutNs: number;
  /** a silence report counts this long after it came (default 1 us) */
  graceNs?: number;
  /** the time of construction (the initial members count as having beaten then; default 0) */
  startNs?: number;
  /** read leases to the installed members with each beat, this long (ns; 0 or absent: none) */
  readLeaseNs?: number;
  /**
   * The bound on clock rates (a fraction; default 0.001): a lease the node measures as readLeaseNs on
   * its clock has certainly ended readLeaseNs x (1 + 2 maxClockDrift) after the master took the beat,
   * on the master's clock.
   */
  maxClockDrift?: number;
  /** a deliberate bug (tests of the checks): 'no-lease-wait' installs without waiting for read leases to end */
  mutation?: 'no-lease-wait';
}

/**
 * What the master keeps on stable storage (written before any command of the step that changed it goes
 * out: the driver persists durable() after every call, before it sends `out`). A restarted master
 * (ChainMaster.recover) continues from it; everything else (beats, silence reports, leases granted, the
 * round in progress) is volatile and rebuilt conservatively.
 */
export interface ChainMasterDurable {
  /** the installed configuration, its members' incarnations and the common last index it started from */
  epoch: number;
  order: number[];
  memberInc: Record<number, number>;
  installedLast: number;
  /** the highest epoch a change was started with (a restarted master never uses an epoch twice) */
  maxEpoch: number;
  /** the order of the change in progress (null: none): its nodes may be frozen, waiting for a command */
  changing: number[] | null;
  halted: boolean;
}

/** leaseWait: frozen and caught up, waiting until the read leases of the members that did not freeze have ended */
export type ChainPhase = 'run' | 'freeze' | 'catchup' | 'leaseWait' | 'install' | 'installHead' | 'halted';

/** One reconfiguration in progress. */
export interface ChainAttempt {
  epoch: number;
  order: number[];
  phase: Exclude<ChainPhase, 'run' | 'halted'>;
  startedNs: number;
  phaseNs: number;
  /** node -> [last, commit, incarnation] as frozen */
  frozen: Record<number, [number, number, number]>;
  /** the new head's last index (the common last once caught up) */
  last: number;
  /** nodes whose answer to the current phase is awaited */
  waiting: number[];
  /** why it started (for the event log) */
  why: string;
  /** this attempt's round deadline: roundTimeoutNs, doubled at each restart with the same nodes (a long catch-up) */
  timeoutNs: number;
  /** leaseWait: the install starts at this time (the last lease of a member that did not freeze has ended) */
  holdNs?: number;
}

export interface ChainMasterStats {
  reconfigurations: number;
  /** rounds restarted because a node missed a deadline */
  restarts: number;
  removed: number;
  joined: number;
  /** FROZEN answers whose last index exceeded the new head's (the prefix property broken: must stay 0) */
  prefixViolations: number;
  /** answers of an old epoch or from a node not asked (ignored) */
  staleReplies: number;
  /** restarts of the master (ChainMaster.recover) */
  recoveries: number;
  /** read leases granted; changes that waited for a lease to end, and how long in all (ns) */
  leasesGranted: number;
  leaseWaits: number;
  leaseWaitNs: number;
}

export class ChainMaster {
  /** the installed configuration (what the data path runs) */
  epoch: number;
  order: number[];
  phase: ChainPhase = 'run';
  attempt: ChainAttempt | null = null;
  /** last beat per node (ns), and the incarnation it carried */
  lastBeatNs: Record<number, number> = {};
  beatInc: Record<number, number> = {};
  /** each member's incarnation when it was installed */
  memberInc: Record<number, number> = {};
  /** silence reports of the installed epoch: reporter -> [the predecessor it reports silent, when] */
  silent: Record<number, [number, number]> = {};
  /** commands to send: the driver drains this */
  out: Array<{ to: number; cmd: ChainCmd }> = [];
  /** events for the log: the driver drains this */
  events: string[] = [];
  /** the common last index the installed configuration started from (0: the initial one) */
  installedLast = 0;
  /** the head of the configuration just installed (the driver tells the clients), null when none new */
  announce: number | null = null;
  stats: ChainMasterStats = { reconfigurations: 0, restarts: 0, removed: 0, joined: 0, prefixViolations: 0, staleReplies: 0, recoveries: 0, leasesGranted: 0, leaseWaits: 0, leaseWaitNs: 0 };
  /** node -> the master's time after which the read lease it was last granted has certainly ended */
  leaseEndNs: Record<number, number> = {};
  /** the highest epoch a change was started with (durable) */
  maxEpoch: number;
  readonly nodes: number[];
  readonly suspectNs: number;
  readonly roundTimeoutNs: number;
  readonly graceNs: number;
  readonly readLeaseNs: number;
  readonly maxClockDrift: number;
  private readonly mutation: ChainMasterOptions['mutation'];

  constructor(o: ChainMasterOptions) {
    if (o.order.length === 0) throw new Error('ChainMaster: the initial order is empty');
    for (const n of o.order) if (!o.nodes.includes(n)) throw new Error(`ChainMaster: order holds ${n}, not one of the nodes ${o.nodes.join(',')}`);
    if (new Set(o.order).size !== o.order.length) throw new Error(`ChainMaster: order ${o.order.join(',')} repeats a node`);
    if (!(o.suspectNs > 0) || !(o.roundTimeoutNs > 0)) throw new Error('ChainMaster: suspectNs and roundTimeoutNs must be > 0');
    this.nodes = [...o.nodes];
    this.order = [...o.order];
    this.epoch = o.epoch;
    this.maxEpoch = o.epoch;
    this.suspectNs = o.suspectNs;
    this.roundTimeoutNs = o.roundTimeoutNs;
    this.graceNs = o.graceNs ?? 1_000;
    this.readLeaseNs = o.readLeaseNs ?? 0;
    this.maxClockDrift = o.maxClockDrift ?? 0.001;
    this.mutation = o.mutation;
    if (!(this.readLeaseNs >= 0)) throw new Error(`ChainMaster: readLeaseNs must be >= 0 (got ${o.readLeaseNs})`);
    if (!(this.maxClockDrift >= 0 && this.maxClockDrift < 0.5)) throw new Error(`ChainMaster: maxClockDrift must be in [0, 0.5) (got ${o.maxClockDrift})`);
    for (const n of this.order) {
      this.lastBeatNs[n] = o.startNs ?? 0;
      this.memberInc[n] = 0;
    }
  }

  /** The head of the installed configuration. */
  head(): number | undefined {
    return this.order[0];
  }

  /** What a restart needs (ChainMasterDurable); the driver persists it before it sends `out`. */
  durable(): ChainMasterDurable {
    return {
      epoch: this.epoch, order: [...this.order], memberInc: { ...this.memberInc }, installedLast: this.installedLast,
      maxEpoch: this.maxEpoch, changing: this.attempt ? [...this.attempt.order] : null, halted: this.phase === 'halted',
    };
  }

  /**
   * A master restarted from its persisted state at `nowNs`. Volatile state is rebuilt conservatively:
   * every node counts as having beaten now (a dead one is found suspectNs later), every member as
   * holding a read lease granted now (the next change waits for it), no silence report. A change that
   * was in progress starts again at once with a new epoch above every epoch used (its nodes may be
   * frozen; an INSTALL of the interrupted change may have reached some, even its head: the new change
   * freezes them again and treats the interrupted change's order as the round-timeout path does).
   */
  static recover(o: Omit<ChainMasterOptions, 'order' | 'epoch' | 'startNs'>, d: ChainMasterDurable, nowNs: number,
    carry?: { proto?: object; stats?: ChainMasterStats }): ChainMaster {
    const m = new ChainMaster({ ...o, order: d.order, epoch: d.epoch, startNs: nowNs });
    if (carry?.proto) Object.setPrototypeOf(m, carry.proto);
    // the driver's counters go on across restarts (they are not part of the state)
    if (carry?.stats) m.stats = { ...carry.stats };
    m.memberInc = { ...d.memberInc };
    m.beatInc = { ...d.memberInc };
    m.installedLast = d.installedLast;
    m.maxEpoch = d.maxEpoch;
    m.stats.recoveries++;
    for (const n of m.nodes) m.lastBeatNs[n] = nowNs;
    if (m.readLeaseNs > 0) for (const n of m.order) m.leaseEndNs[n] = nowNs + m.readLeaseNs * (1 + 2 * m.maxClockDrift);
    m.events.push(`chain master: restarted at epoch ${d.epoch} (${d.order.join(' -> ')}), highest epoch used ${d.maxEpoch}${d.changing ? `, a change to ${d.changing.join(',')} was in progress` : ''}`);
    if (d.halted) m.halt(nowNs, 'it was halted before the restart');
    else if (d.changing) m.start(d.changing, nowNs, 'the master restarted during a change');
    return m;
  }

  /**
   * A node's periodic beat (through the control network), with its incarnation (restarts so far) and,
   * with read leases, when it sent the beat on its own clock: an installed member that did not restart
   * is granted a read lease from then while the configuration runs (none during a change).
   */
  onBeat(node: number, incarnation: number, nowNs: number, sentNs?: number): void {
    if (!this.nodes.includes(node)) return;
    this.lastBeatNs[node] = nowNs;
    this.beatInc[node] = Math.max(this.beatInc[node] ?? 0, incarnation);
    if (this.readLeaseNs > 0 && sentNs !== undefined && this.phase === 'run' && this.order.includes(node) && !this.restarted(node)) {
      this.leaseEndNs[node] = Math.max(this.leaseEndNs[node] ?? -Infinity, nowNs + this.readLeaseNs * (1 + 2 * this.maxClockDrift));
      this.stats.leasesGranted++;
      this.out.push({ to: node, cmd: { k: 'lease', epoch: this.epoch, fromNs: sentNs, leaseNs: this.readLeaseNs } });
    }
  }

  /**
   * A member's NIC found its predecessor silent (LEADER_SILENT: no frame of it for SILENCE_CYCLES). A
   * report counts at a tick at least `graceNs` after it came (a silence propagates down the chain: the
   * node below a silent one reports too, a moment later), and never against a node that reported itself
   * (it is alive). Taking out a live node is safe (it rejoins at the tail); it only costs a change.
   */
  onSilent(reporter: number, pred: number, epoch: number, nowNs: number): void {
    if (this.phase !== 'run' || epoch !== this.epoch || !this.order.includes(reporter)) return;
    const i = this.order.indexOf(reporter);
    if (i < 1 || this.order[i - 1] !== pred) return;
    this.silent[reporter] ??= [pred, nowNs];
  }

  /** A member that beats with a newer incarnation than it was installed with: it restarted. */
  private restarted(n: number): boolean {
    return (this.beatInc[n] ?? 0) > (this.memberInc[n] ?? 0);
  }

  private alive(node: number, nowNs: number): boolean {
    const b = this.lastBeatNs[node];
    return b !== undefined && nowNs - b <= this.suspectNs;
  }

  /** Called on every driver tick: detects failures and joiners, and round deadlines. */
  tick(nowNs: number): void {
    if (this.phase === 'halted') return;
    const a = this.attempt;
    if (a) {
      if (a.phase === 'leaseWait') {
        // waits by design (at most readLeaseNs): no deadline
        if (nowNs >= a.holdNs!) this.installRest(a, nowNs);
        return;
      }
      if (nowNs - a.phaseNs > a.timeoutNs) {
        // the round starts again with a new epoch, without the nodes that stopped beating (a dead head
        // stalls the catch-up of live nodes: the head is the one taken out)
        const dead = a.order.filter((n) => !this.alive(n, nowNs));
        this.stats.restarts++;
        this.stats.removed += dead.length;
        // the installed members that still beat (and did not restart) come back into the change: one taken out
        // on a silence report whose reporter then died must not be lost with it
        const back = this.order.filter((n) => !a.order.includes(n) && this.alive(n, nowNs) && !this.restarted(n));
        if (back.length) {
          this.silent = {};
          this.start([...this.order.filter((n) => back.includes(n) || (a.order.includes(n) && !dead.includes(n))), ...a.order.filter((n) => !this.order.includes(n) && !dead.includes(n))],
            nowNs, `round ${a.phase} of epoch ${a.epoch} timed out waiting for ${a.waiting.join(',')}${dead.length ? `; out: ${dead.join(',')}` : ''}; back: ${back.join(',')}`);
          return;
        }
        // the same nodes again (every one still beats): a slow round, not a failure; give it twice as long
        const timeoutNs = dead.length === 0 ? Math.min(a.timeoutNs * 2, this.roundTimeoutNs * 64) : this.roundTimeoutNs;
        this.start(a.order.filter((n) => !dead.includes(n)), nowNs, `round ${a.phase} of epoch ${a.epoch} timed out waiting for ${a.waiting.join(',')}${dead.length ? `; out: ${dead.join(',')}` : ''}`, timeoutNs);
      }
      return;
    }
    // members that stopped beating, or restarted (their NIC lost the log): out
    const reported = Object.entries(this.silent).filter(([, [, at]]) => nowNs - at >= this.graceNs).map(([, [p]]) => p)
      .filter((p) => this.silent[p] === undefined);
    const gone = this.order.filter((n) => !this.alive(n, nowNs) || this.restarted(n) || reported.includes(n));
    // live nodes outside the chain (restarted, or taken out while alive): in, at the tail
    const join = this.nodes.filter((n) => this.alive(n, nowNs) && (!this.order.includes(n) || this.restarted(n)));
    if (gone.length === 0 && join.length === 0) return;
    const kept = this.order.filter((n) => !gone.includes(n));
    this.stats.removed += gone.length;
    this.stats.joined += join.length;
    const why = [gone.length ? `out: ${gone.join(',')}${reported.length ? ` (reported silent: ${reported.join(',')})` : ''}` : '', join.length ? `joining: ${join.join(',')}` : ''].filter(Boolean).join('; ');
    this.start([...kept, ...join.filter((n) => !kept.includes(n))], nowNs, why);
  }

  private halt(_nowNs: number, why: string): void {
    this.phase = 'halted';
    this.attempt = null;
    this.events.push(`chain master: halted: ${why}`);
  }

  /**
   * Starts (or restarts) a change to `order` with a new epoch: the FREEZE round. Members of the installed
   * configuration keep their logs; every other node (a joiner) cuts its log back to its commit index
   * (what it holds beyond may have been sequenced by a head that was taken out: never committed).
   */
  private start(order: number[], nowNs: number, why: string, timeoutNs = this.roundTimeoutNs): void {
    // a survivor of the installed configuration must be in it: it holds every committed entry
    if (!order.some((n) => this.order.includes(n))) {
      this.halt(nowNs, `no member of epoch ${this.epoch} is left (${why}): a chain is never rebuilt from joiners alone`);
      return;
    }
    // maxEpoch is at least the installed epoch and any attempt's: a new change never reuses an epoch
    const epoch = ++this.maxEpoch;
    this.stats.reconfigurations++;
    this.attempt = { epoch, order: [...order], phase: 'freeze', startedNs: nowNs, phaseNs: nowNs, frozen: {}, last: -1, waiting: [...order], why, timeoutNs };
    this.phase = 'freeze';
    this.events.push(`chain master: epoch ${epoch}: freezing ${order.join(',')} (${why})`);
    for (const n of order) this.out.push({ to: n, cmd: { k: 'freeze', epoch, truncate: !this.order.includes(n) } });
  }

  /** A node's answer to a command. */
  onReply(node: number, r: ChainReply, nowNs: number): void {
    const a = this.attempt;
    if (!a || r.epoch !== a.epoch || !a.waiting.includes(node)) {
      this.stats.staleReplies++;
      return;
    }
    if (r.k === 'frozen' && a.phase === 'freeze') {
      a.frozen[node] = [r.last, r.commit, r.incarnation];
      a.waiting = a.waiting.filter((n) => n !== node);
      if (a.waiting.length === 0) this.afterFreeze(a, nowNs);
    } else if (r.k === 'caught' && a.phase === 'catchup') {
      if (r.last !== a.last) return;
      a.waiting = a.waiting.filter((n) => n !== node);
      if (a.waiting.length === 0) this.installRest(a, nowNs);
    } else if (r.k === 'installed' && (a.phase === 'install' || a.phase === 'installHead')) {
      a.waiting = a.waiting.filter((n) => n !== node);
      if (a.waiting.length > 0) return;
      if (a.phase === 'install') this.installHead(a, nowNs);
      else this.done(a);
    } else {
      this.stats.staleReplies++;
    }
  }

  /**
   * A member of the installed configuration froze with the incarnation it was installed with. One that
   * froze with another restarted: its NIC lost the log (it holds what its host persisted as committed),
   * so it is no survivor; with no survivor left the chain halts, as when every member is lost (start()
   * cannot know: the master may learn of a restart from FROZEN only). Found by the model checker.
   */
  protected survivorFroze(a: ChainAttempt): boolean {
    return this.order.some((n) => a.frozen[n] !== undefined && a.frozen[n]![2] === (this.memberInc[n] ?? 0));
  }

  /**
   * The new head: the member of the installed configuration with the longest log (the first in order on
   * a tie). Members' logs are prefixes of one another (the prefix property), joiners' are cut back to
   * what was committed: the head's log holds every other.
   */
  protected chooseHead(a: ChainAttempt): number {
    let head = -1;
    for (const n of this.order) {
      const f = a.frozen[n];
      if (f && (head < 0 || f[0] > a.frozen[head]![0])) head = n;
    }
    return head;
  }

  /** The nodes whose logs are shorter than the head's: they catch up before the install. */
  protected catchUpFor(behind: number[]): number[] {
    return behind;
  }

  private afterFreeze(a: ChainAttempt, nowNs: number): void {
    if (!this.survivorFroze(a)) {
      this.halt(nowNs, `no member of epoch ${this.epoch} froze without a restart (epoch ${a.epoch})`);
      return;
    }
    const head = this.chooseHead(a);
    a.order = [head, ...a.order.filter((n) => n !== head)];
    a.last = a.frozen[head]![0];
    const behind: number[] = [];
    for (const n of a.order) {
      const [last] = a.frozen[n]!;
      if (last > a.last) {
        // cannot happen while the prefix property holds; never install over it
        this.stats.prefixViolations++;
        this.events.push(`chain master: PREFIX VIOLATION: node ${n} froze at ${last} beyond the head ${head}'s ${a.last}`);
        this.halt(nowNs, 'a member holds entries the new head lacks');
        return;
      }
      if (last < a.last) behind.push(n);
    }
    this.events.push(`chain master: epoch ${a.epoch}: ${a.order.join(' -> ')}, head last index ${a.last}, ${behind.length} behind`);
    const catchUp = this.catchUpFor(behind);
    if (catchUp.length === 0) {
      this.installRest(a, nowNs);
      return;
    }
    a.phase = 'catchup';
    this.phase = 'catchup';
    a.phaseNs = nowNs;
    a.waiting = catchUp;
    for (const n of catchUp) this.out.push({ to: head, cmd: { k: 'catchup', epoch: a.epoch, to: n, from: a.frozen[n]![0] + 1, upto: a.last } });
  }

  private installRest(a: ChainAttempt, nowNs: number): void {
    // nothing of the new epoch commits before every read lease of a member that did not freeze (taken out
    // alive, or dead) has ended: such a member may still answer reads from its state (a frozen one stopped)
    let holdNs = -Infinity;
    for (const n of this.order) if (a.frozen[n] === undefined) holdNs = Math.max(holdNs, this.leaseEndNs[n] ?? -Infinity);
    if (this.mutation === 'no-lease-wait') holdNs = -Infinity;
    if (a.phase !== 'leaseWait' && nowNs < holdNs) {
      a.phase = 'leaseWait';
      this.phase = 'leaseWait';
      a.phaseNs = nowNs;
      a.holdNs = holdNs;
      a.waiting = [];
      this.stats.leaseWaits++;
      this.stats.leaseWaitNs += holdNs - nowNs;
      this.events.push(`chain master: epoch ${a.epoch}: waiting ${Math.round(holdNs - nowNs)} ns for the read lease of ${this.order.filter((n) => a.frozen[n] === undefined).join(',')} to end`);
      return;
    }
    const rest = a.order.slice(1);
    if (rest.length === 0) {
      this.installHead(a, nowNs);
      return;
    }
    a.phase = 'install';
    this.phase = 'install';
    a.phaseNs = nowNs;
    a.waiting = [...rest];
    for (const n of rest) this.out.push({ to: n, cmd: { k: 'install', epoch: a.epoch, order: [...a.order], last: a.last } });
  }

  private installHead(a: ChainAttempt, nowNs: number): void {
    a.phase = 'installHead';
    this.phase = 'installHead';
    a.phaseNs = nowNs;
    a.waiting = [a.order[0]!];
    this.out.push({ to: a.order[0]!, cmd: { k: 'install', epoch: a.epoch, order: [...a.order], last: a.last } });
  }

  private done(a: ChainAttempt): void {
    this.installedLast = a.last;
    this.epoch = a.epoch;
    this.order = [...a.order];
    this.silent = {};
    this.attempt = null;
    this.phase = 'run';
    this.announce = a.order[0]!;
    this.memberInc = {};
    for (const n of a.order) this.memberInc[n] = a.frozen[n]![2];
    // leases of the old epoch have ended or their holders froze (installRest): none is held now
    this.leaseEndNs = {};
    this.events.push(`chain master: epoch ${a.epoch} installed: ${a.order.join(' -> ')}, common last index ${a.last}`);
  }
}

/**
 * A node's place in a chain `order` (head first): the CSR values (docs/replication-modes.md). Head ROLE 2,
 * a middle ROLE 3 (follows its predecessor, leads its successor), the tail ROLE 1 with CHAIN.TAIL (a chain
 * of one: the head alone). MEMBERS and QUORUM count the node and its successor (the tail: itself and its
 * predecessor). Node ids are NIC node ids (0..7).
 */
export function chainPlaceIn(order: readonly number[], node: number): {
  pos: number; pred: number; succ: number; role: number; leaderId: number; members: number; quorum: number; chain: number; tail: boolean;
} {
  const pos = order.indexOf(node);
  if (pos < 0) throw new Error(`chainPlaceIn: node ${node} is not in the order ${order.join(',')}`);
  const pred = pos > 0 ? order[pos - 1]! : node;
  const succ = pos < order.length - 1 ? order[pos + 1]! : 0xff;
  const tail = pos > 0 && succ === 0xff;
  return {
    pos, pred, succ, tail,
    role: pos === 0 ? 2 : succ !== 0xff ? 3 : 1,
    leaderId: pos === 0 ? node : pred,
    members: (1 << node) | (succ !== 0xff ? 1 << succ : 0) | (tail ? 1 << pred : 0),
    quorum: succ !== 0xff ? 2 : 1,
    chain: (tail ? 0x100 : 0) | succ,
  };
}
