// What one fault-campaign seed draws (docs/fuzz.md): the cluster, the timing of the control
// plane, host clock drift, the client workload, and a schedule of faults. Pure data, a function
// of the seed (and the scale options) only, so the same seed gives the same schedule on either
// backend (ModelNic world or RTL NICs) and `nicraft fuzz --seed S` replays it.
//
// Times are microseconds of simulated time from the start of the run. Endpoints: nodes are ports
// 0..N-1 (core id = port + 1), clients are { client: k }. A target of 'leader' is resolved when
// the event fires (the live leader with the highest term), 'follower' to a live non-leader, and
// 'rest' (partitions only) to every node not named in another group.

import type { CrashPoint } from '../../ctrl/core/memstore.js';
import { SeededRand } from '../../ctrl/rand.js';
import { MsgType } from '../../ctrl/wire/wire.gen.js';

export type Target = number | 'leader' | 'follower';
export type Endpoint = number | { client: number };

export type FuzzEvent =
  | { kind: 'link'; atUs: number; untilUs: number; fault: 'drop' | 'duplicate' | 'delay' | 'corrupt'; prob: number; plane?: number;
      from?: Target[]; to?: Target[]; delayUs?: number; jitterUs?: number }
  /** groups of nodes (and clients) that cannot talk across; oneWay: only frames from the first group are dropped */
  | { kind: 'partition'; atUs: number; untilUs: number; groups: Array<Array<Target | 'rest' | { client: number }>>; oneWay: boolean; plane?: number }
  | { kind: 'plane'; atUs: number; untilUs: number; plane: number }
  /** node crash: host and NIC state lost ('power': a new NIC; 'reset': registers reset, log RAM kept), restart after downUs */
  | { kind: 'crash'; atUs: number; downUs: number; target: Target; how: 'power' | 'reset' }
  /** a storage crash point armed on the node: the node crashes at its nth save from now; restart downUs after that */
  | { kind: 'storage'; atUs: number; downUs: number; target: Target; point: CrashPoint; nth: number }
  /** one voter added or removed through the leader (retried until a leader takes it) */
  | { kind: 'membership'; atUs: number; op: 'add' | 'remove'; node: number }
  /** leadership transfer to a voter */
  | { kind: 'transfer'; atUs: number; to: Target }
  /** the application snapshots at its applied index and the core compacts its log */
  | { kind: 'compact'; atUs: number; target: Target }
  /** the network attacker injects a burst of frames into one NIC (DrawOptions.attack; verify/fuzz/attacker.ts) */
  | ({ kind: 'attack' } & AttackBurst);

export interface FuzzWorkload {
  clients: number;
  keys: number;
  readShare: number;
  thinkUs: number;
  attemptTimeoutUs: number;
  /** attempts per operation at most (0: no count, the time budget alone) */
  maxAttempts: number;
  /** the client's retry budget in time (KvClient.retryBudgetNs; absent: maxAttempts x attemptTimeoutUs) */
  retryBudgetUs?: number;
  /** share of the reads done at a replica without the log (Replica.readLocal: lease or ReadIndex) */
  localReadShare?: number;
  /** where the client library sends gets first (KvClient readFrom; 'any' with follower reads on), and
   *  whether the reads without the log go to any replica (else mostly the leader) */
  readFrom?: 'leader' | 'any';
  /**
   * Value sizes of writes: 'small' (the `<client>.<n>` tag alone: every frame at the 60-byte
   * minimum), 'large' (padded to near maxValueBytes), 'mixed' (each write drawn between the two).
   * Absent: 'small'. maxValueBytes keeps a frame (request or reply) within the NIC's MAX_PAYLOAD.
   */
  payload?: { mode: 'small' | 'mixed' | 'large'; maxValueBytes: number };
  /**
   * How the clients use the planes: 'rotate' (absent: one plane per attempt, the next plane for the
   * next attempt) or 'duplicate' (every attempt on every plane; the leader NIC keeps the first copy).
   */
  clientPlanes?: 'rotate' | 'duplicate';
  /**
   * Follower replies (issue 17): writes' first attempts ask a follower NIC to reply at its commit
   * (KvClient followerRepliesForWrites; the cores write REPLY_MASK). Drawn (draw 3 only) from a
   * stream of its own (followerRepliesDraw), so every other draw of a seed stays as it was.
   */
  followerReplies?: boolean;
}

/** The fast-path settings the hosts write (NicTuning: ACK coalescing, NIC heartbeat, retransmit timeout). */
export interface FuzzNic {
  ackCount: number;
  ackDelayCycles: number;
  hbIntervalCycles: number;
  hbCommitDelayCycles: number;
  rtoCycles: number;
  /** load-adaptive ACKs (RAFT_ACK_GAP; 0 or absent: off) */
  ackGapCycles?: number;
}

export interface Schedule {
  seed: number;
  /** the draw version: 1 the draw before the swarm (replays seeds reported then), 2 the swarm (default), 3 the swarm with follower replies drawn */
  draw: 1 | 2 | 3;
  /** voters at the start */
  replicas: number;
  /** an extra node (port `replicas`) that starts as a non-member, for an 'add' */
  spare: boolean;
  planes: number;
  /** faults are injected in [0, faultUs); then everything heals and liveness is required */
  faultUs: number;
  /** the cluster must commit a client operation issued after the faults stopped within this bound */
  livenessUs: number;
  electionTimeoutUs: number;
  heartbeatUs: number;
  tickUs: number;
  /** Config.maxClockDrift (the lease's bound) and each host's clock rate, within 1 ± maxClockDrift */
  maxClockDrift: number;
  clockRates: number[];
  durableReplies: boolean;
  /** follower reads under leases (core followerReads; docs/control-plane.md §6.1); drawn last */
  followerReads?: boolean;
  /** PCIe + software latency between a NIC and its host, and the host's poll period (absent: 1000 ns each) */
  hostLatencyNs?: number;
  hostPollNs?: number;
  /** the fast-path settings (absent: the driver's defaults) */
  nic?: FuzzNic;
  /** the fault density of this seed (0: no faults at all; 1 the usual; 4 a storm) */
  intensity?: number;
  /** at most this many nodes down, recovering, or with a storage crash point armed at once (f of the smallest configuration) */
  faultBound: number;
  workload: FuzzWorkload;
  events: FuzzEvent[];
  /** frame authentication on every NIC, the clients sign their REQs (set with DrawOptions.attack) */
  frameAuth?: boolean;
}

export interface DrawOptions {
  /** the draw version (default 2, the swarm; 1 replays seeds reported before it; 3: the swarm, and follower replies drawn per seed) */
  draw?: 1 | 2 | 3;
  /** length of the fault phase (default: drawn; draw 1: 1200 us) */
  faultUs?: number;
  /** liveness bound (default: from the election timeout; draw 1: 3000 us) */
  livenessUs?: number;
  /** force the cluster size / planes (default: drawn) */
  replicas?: 3 | 5 | 7;
  planes?: number;
  /** RTL backend: only what the fabric and RaftCluster support (no clock drift) */
  rtl?: boolean;
  /** force follower reads on or off (default: drawn per seed, last) */
  followerReads?: boolean;
  /** force the clients' plane mode (default: drawn per seed, after follower reads; draw 2 only) */
  clientPlanes?: 'rotate' | 'duplicate';
  /** force follower replies on or off (default: off; draw 3: drawn per seed from a stream of its own) */
  followerReplies?: boolean;
  /**
   * Frame authentication on and the network attacker's bursts (issue 16 item 5), drawn from a stream
   * of their own (drawAttack). Default off in the library (pinned scenarios keep their timing); on in
   * `nicraft fuzz` and the CI campaigns (test/fuzz/model.test.ts, rtl.test.ts).
   */
  attack?: boolean;
}

/**
 * Follower replies: as forced, else off in draws 1 and 2 (every seed reported or pinned before they
 * existed runs as it did: the flags change the run, not only the draw), and with draw 3 on in half
 * the seeds, drawn from a Draw of their own derived from the seed, so that a draw-3 schedule is the
 * draw-2 one (faults, workload, everything from the main stream) plus follower replies.
 */
export function followerRepliesDraw(seed: number, o: DrawOptions): boolean {
  const drawn = new Draw(((seed ^ 0x46524c59) + 0x1717) >>> 0).chance(0.5);
  return o.followerReplies ?? (o.draw === 3 && drawn);
}

/** Draw 3's ACK gap (RAFT_ACK_GAP, cycles; 0: off), from a stream of its own; always 0 in draws 1 and 2. */
export function ackGapDraw(seed: number, o: DrawOptions): number {
  if (o.draw !== 3) return 0;
  return new Draw(((seed ^ 0x41434b47) + 0x2929) >>> 0).pick([0, 0, 1, 7, 14, 64]);
}

/** The drivers' PRNG (ctrl/rand.ts, mulberry32) with helpers; the whole draw comes from it. */
export class Draw extends SeededRand {
  constructor(seed: number) { super((seed * 0x9e3779b9 + 0x7f4a7c15) >>> 0); }
  range(a: number, b: number): number { return a + this.next() * (b - a); }
  irange(a: number, b: number): number { return a + this.int(b - a + 1); }
  /** Always draws (unlike SeededRand.chance), so that seeds replay as drawn before. */
  override chance(p: number): boolean { return this.next() < p; }
  /** log-uniform in [a, b] */
  logRange(a: number, b: number): number { return a * (b / a) ** this.next(); }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) { const j = this.int(i + 1); [xs[i], xs[j]] = [xs[j]!, xs[i]!]; }
    return xs;
  }
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

export type AttackHow = 'forge' | 'flip' | 'replay-recent' | 'replay-old' | 'garbage' | 'truncate';
export interface AttackFrame {
  how: AttackHow;
  /** message type of a forged frame (or of the captured frame preferred for a copy) */
  type: number;
  /** forged frames: the ICV ('zero', 'random') or the key slot no NIC has ('slot1') */
  auth: 'zero' | 'random' | 'slot1';
  /** forged frames: the term (the target's, one above, far above, the largest) */
  term: 'same' | 'next' | 'far' | 'max';
  /** further choices (bit to flip, length, source), a 32-bit number */
  r: number;
}
/** an attacker's burst (verify/fuzz/attacker.ts): frames into one NIC (port target mod the ports) on one plane (mod the planes) */
export interface AttackBurst { atUs: number; target: number; plane: number; frames: AttackFrame[] }

const TYPES = [MsgType.REQ, MsgType.APPEND, MsgType.ACK, MsgType.NACK, MsgType.HEARTBEAT, MsgType.REPLY, MsgType.CONTROL];

/** The attacker's bursts of one seed, from a stream of its own (the rest of the schedule is drawn as without it). */
export function drawAttack(seed: number, faultUs: number): Array<{ kind: 'attack' } & AttackBurst> {
  const d = new Draw(((seed ^ 0x41544b31) + 0x3131) >>> 0);
  const n = 2 + Math.floor(faultUs / 200) + d.int(3);
  const out: Array<{ kind: 'attack' } & AttackBurst> = [];
  for (let i = 0; i < n; i++) {
    const atUs = Math.round(d.range(15, Math.max(20, faultUs - 10)) * 10) / 10;
    const frames: AttackFrame[] = [];
    const k = d.irange(3, 8);
    for (let j = 0; j < k; j++) {
      const x = d.next();
      const how: AttackHow = x < 0.35 ? 'forge' : x < 0.6 ? 'flip' : x < 0.7 ? 'replay-recent' : x < 0.8 ? 'replay-old' : x < 0.9 ? 'garbage' : 'truncate';
      const type = TYPES[d.int(TYPES.length)]!;
      const a = d.next();
      const t = d.next();
      frames.push({
        how, type, auth: a < 0.4 ? 'zero' : a < 0.75 ? 'random' : 'slot1',
        term: t < 0.4 ? 'same' : t < 0.7 ? 'next' : t < 0.9 ? 'far' : 'max', r: d.int(0x7fffffff),
      });
    }
    out.push({ kind: 'attack', atUs, target: d.int(8), plane: d.int(3), frames });
  }
  return out.sort((a, b) => a.atUs - b.atUs);
}

/** Draws the configuration and fault schedule of one seed (draw 2, the swarm, unless o.draw is 1). */
export function drawSchedule(seed: number, o: DrawOptions = {}): Schedule {
  const s = (o.draw ?? 2) === 1 ? drawScheduleV1(seed, o) : drawScheduleV2(seed, o);
  // the attacker (and frame authentication, which it needs) from a stream of its own: the rest of the
  // schedule is the one drawn without it
  if (o.attack) {
    s.frameAuth = true;
    s.events.push(...drawAttack(seed, s.faultUs));
  }
  return s;
}

/** The most value bytes a write carries: a request (cas: key, expected and new value) and a reply (get: the value) fit MAX_PAYLOAD. */
export const MAX_VALUE_BYTES = 200;

/**
 * Draw 2, the swarm (issue 15): every seed draws everything a user can configure, each within its
 * valid range (the daemon's rules, ctrl/daemon/config.ts: election timeout >= 4 heartbeats, tick
 * <= heartbeat, heartbeat >= twice the NIC's copy window; the core's: heartbeat <= election
 * timeout / 2), as TigerBeetle's VOPR does:
 *   cluster   replicas 3/5/7, planes 1-3, run length, membership changes, durable replies;
 *   timing    host latency and poll period, election timeout, heartbeat, tick, clock drift;
 *   NIC       ACK coalescing (count, delay), NIC heartbeat and its commit delay, retransmit timeout;
 *   clients   clients, keys, read shares, think time, value sizes (min-size to the maximum, mixed),
 *             attempt timeout, retry budget (in time, at least the election range);
 *   faults    a density from none to a storm, each fault kind on or off.
 */
function drawScheduleV2(seed: number, o: DrawOptions = {}): Schedule {
  const d = new Draw(seed ^ 0x2c1b3c6d);
  const replicas = o.replicas ?? d.pick([3, 3, 5, 5, 7] as const);
  const planes = o.planes ?? d.irange(1, 3);
  const drawnUs = d.pick([300, 600, 800, 1200, 1200, 1600, 2400]);
  const faultUs = o.faultUs ?? drawnUs;
  // timing: host latency first (an election needs a few host round trips per timeout)
  const hostLatencyNs = d.pick([250, 500, 1000, 1000, 2000, 5000]);
  const hostPollNs = d.pick([250, 1000, 1000, 2000]);
  const etMin = Math.max(40, Math.ceil((20 * hostLatencyNs) / 1000));
  const electionTimeoutUs = Math.round(d.logRange(etMin, Math.max(etMin, 400)));
  // heartbeat: at least twice the NIC's copy window (1024 cycles = 4.1 us at 250 MHz), at most ET/4
  const heartbeatUs = Math.max(9, Math.round(electionTimeoutUs / d.range(4, 10)));
  const tickUs = Math.min(heartbeatUs, d.pick([2, 5, 5, 10]));
  const drawnDrift = d.pick([1e-4, 1e-3, 1e-2, 0.05]);
  const maxClockDrift = o.rtl ? 1e-4 : drawnDrift;
  const nic: FuzzNic = {
    ackCount: d.pick([1, 1, 2, 4, 8, 16]),
    ackDelayCycles: d.pick([1, 16, 64, 256]),
    hbIntervalCycles: d.pick([250, 1000, 1000, 4000]),
    hbCommitDelayCycles: d.pick([4, 32, 32, 128]),
    rtoCycles: d.pick([128, 512, 512, 2048, 8192]),
  };
  const durableReplies = d.chance(0.25);

  // membership plan as in draw 1; with 7 voters there is no spare (node ids stop at MAX_NODES = 8)
  const events: FuzzEvent[] = [];
  let spare = false;
  let minVoters = replicas;
  if (d.chance(0.3)) {
    const t1 = r1(d.range(0.1, 0.45) * faultUs);
    const t2 = r1(t1 + d.range(0.15, 0.4) * faultUs);
    if (replicas === 3 || (replicas === 5 && d.chance(0.5))) {
      spare = true;
      events.push({ kind: 'membership', atUs: t1, op: 'add', node: replicas });
      events.push({ kind: 'membership', atUs: t2, op: 'remove', node: d.int(replicas + 1) });
    } else {
      const node = d.int(replicas);
      events.push({ kind: 'membership', atUs: t1, op: 'remove', node });
      events.push({ kind: 'membership', atUs: t2, op: 'add', node });
      minVoters = replicas - 1;
    }
  }
  const nodes = replicas + (spare ? 1 : 0);
  const faultBound = Math.floor((minVoters - 1) / 2);
  const clockRates = Array.from({ length: nodes }, () => 1 + d.range(-1, 1) * maxClockDrift).map((r) => (o.rtl ? 1 : r));

  const intensity = d.pick([0, 0.25, 0.5, 1, 1, 2, 4]);
  if (intensity > 0) drawFaults(d, events, { nodes, planes, faultUs, faultBound, intensity });
  events.sort((a, b) => a.atUs - b.atUs);

  // clients: the attempt timeout covers a few host round trips; the retry budget at least the
  // election range (2 x the minimum timeout) plus two attempts, up to three times that
  const rttUs = (4 * hostLatencyNs) / 1000 + 4;
  const attemptTimeoutUs = Math.max(Math.ceil(2 * rttUs), d.pick([20, 40, 60, 100, 200]));
  const minBudgetUs = 2 * electionTimeoutUs + 2 * attemptTimeoutUs;
  const retryBudgetUs = Math.round(minBudgetUs * d.pick([1, 1.5, 3]));
  const mode = d.pick(['small', 'small', 'mixed', 'large'] as const);
  const workload: FuzzWorkload = {
    clients: d.irange(1, 6),
    keys: d.irange(1, 6),
    readShare: d.pick([0, 0.2, 0.3, 0.5, 0.8]),
    thinkUs: d.pick([0.5, 1, 2, 5, 20]),
    attemptTimeoutUs,
    maxAttempts: d.pick([0, 0, 30]),
    retryBudgetUs,
    localReadShare: d.pick([0, 0.2, 0.5]),
    payload: { mode, maxValueBytes: mode === 'small' ? 0 : d.pick([24, 64, 128, MAX_VALUE_BYTES]) },
  };
  const livenessUs = o.livenessUs ?? 3000 + 10 * electionTimeoutUs;
  // drawn last, so that the draws above stay what they were before follower reads existed
  const followerReads = drawFollowerReads(d, o, workload);
  // the clients' plane mode (issue 23), drawn after everything else so that the draws above stay as they were
  const dupDrawn = d.chance(0.5);
  workload.clientPlanes = o.clientPlanes ?? (dupDrawn ? 'duplicate' : 'rotate');
  // load-adaptive ACKs (issue 17): draw 3 only, from a stream of its own (ackGapDraw), so that a draw-2
  // seed runs as it did before (the gap changes the NIC's timing: pinned seeds would lose their scenario)
  const gap = ackGapDraw(seed, o);
  if (gap !== 0) nic.ackGapCycles = gap;
  if (followerRepliesDraw(seed, o)) workload.followerReplies = true;
  return {
    seed, draw: o.draw === 3 ? 3 : 2, replicas, spare, planes, faultUs, livenessUs, electionTimeoutUs, heartbeatUs, tickUs, maxClockDrift, clockRates,
    durableReplies, hostLatencyNs, hostPollNs, nic, intensity, faultBound, workload, events, followerReads,
  };
}

/** Draw 1: the draw before the swarm (3 or 5 voters, fixed run length, small values, default NIC and host timing). */
function drawScheduleV1(seed: number, o: DrawOptions = {}): Schedule {
  const d = new Draw(seed);
  const replicas = o.replicas ?? (d.chance(0.55) ? 3 : 5);
  if (replicas === 7) throw new Error('draw 1 knows 3 or 5 replicas only (7: draw 2)');
  const planes = o.planes ?? d.pick([1, 2, 2, 3]);
  const faultUs = o.faultUs ?? 1200;
  const livenessUs = o.livenessUs ?? 3000;
  const electionTimeoutUs = d.pick([80, 100, 100, 150]);
  const heartbeatUs = Math.round(electionTimeoutUs / d.pick([4, 5, 8]));
  const tickUs = d.pick([2, 5, 5, 10]);
  // drawn on both backends so that --rtl gets the same schedule; RTL hosts tick with the world's clock
  const drawnDrift = d.pick([1e-4, 1e-3, 1e-2, 0.05]);
  const maxClockDrift = o.rtl ? 1e-4 : drawnDrift;

  // membership plan: n=3 adds a spare then removes a voter (never below 3 voters);
  // n=5 either that or removes a voter and adds it back (4 voters in between)
  const events: FuzzEvent[] = [];
  let spare = false;
  let minVoters = replicas;
  if (d.chance(0.3)) {
    const t1 = r1(d.range(0.1, 0.45) * faultUs);
    const t2 = r1(t1 + d.range(0.15, 0.4) * faultUs);
    if (replicas === 3 || d.chance(0.5)) {
      spare = true;
      events.push({ kind: 'membership', atUs: t1, op: 'add', node: replicas });
      events.push({ kind: 'membership', atUs: t2, op: 'remove', node: d.int(replicas + 1) });
    } else {
      const node = d.int(replicas);
      events.push({ kind: 'membership', atUs: t1, op: 'remove', node });
      events.push({ kind: 'membership', atUs: t2, op: 'add', node });
      minVoters = replicas - 1;
    }
  }
  const nodes = replicas + (spare ? 1 : 0);
  const faultBound = Math.floor((minVoters - 1) / 2);

  const clockRates = Array.from({ length: nodes }, () => 1 + d.range(-1, 1) * maxClockDrift).map((r) => (o.rtl ? 1 : r));

  // the intensity of this seed: quiet, moderate or a storm (VOPR's swarm testing: each fault
  // kind is on or off per seed, so rare combinations are not drowned by everything at once)
  const intensity = d.pick([0.5, 1, 1, 2]);
  drawFaults(d, events, { nodes, planes, faultUs, faultBound, intensity });

  events.sort((a, b) => a.atUs - b.atUs);
  const workload: FuzzWorkload = {
    clients: d.irange(2, 5),
    keys: d.irange(2, 5),
    readShare: d.pick([0.2, 0.3, 0.5]),
    thinkUs: d.pick([1, 2, 5]),
    attemptTimeoutUs: d.pick([40, 60, 100]),
    maxAttempts: d.pick([8, 20]),
  };
  // drawn last, so that the draws above stay what they were before reads without the log existed
  workload.localReadShare = d.pick([0, 0.2, 0.5]);
  const durableReplies = d.chance(0.25);
  const followerReads = drawFollowerReads(d, o, workload);
  if (followerRepliesDraw(seed, o)) workload.followerReplies = true;
  return {
    seed, draw: 1, replicas, spare, planes, faultUs, livenessUs, electionTimeoutUs, heartbeatUs, tickUs, maxClockDrift, clockRates,
    durableReplies, faultBound, workload, events, followerReads,
  };
}

/**
 * Follower reads (issue 19): on in half the seeds (or as forced); then the client library sends gets
 * to any replica round robin, and the reads without the log go to a replica drawn uniformly, more
 * of them (at least 0.3 of the reads). Drawn after everything else.
 */
function drawFollowerReads(d: Draw, o: DrawOptions, w: FuzzWorkload): boolean {
  const drawn = d.chance(0.5);
  const on = o.followerReads ?? drawn;
  if (on) {
    w.readFrom = 'any';
    w.localReadShare = Math.max(w.localReadShare ?? 0, 0.3);
    if (w.readShare < 0.2) w.readShare = 0.5;
  }
  return on;
}

interface FaultContext { nodes: number; planes: number; faultUs: number; faultBound: number; intensity: number }

/** The fault schedule (appended to `events`, unsorted); the same draws in the same order for both draw versions. */
function drawFaults(d: Draw, events: FuzzEvent[], c: FaultContext): void {
  const { nodes, planes, faultUs, faultBound, intensity } = c;
  const on = (p: number): boolean => d.chance(Math.min(0.95, p * (0.6 + 0.4 * intensity)));
  const window = (minFrac: number, maxFrac: number): [number, number] => {
    const len = d.range(minFrac, maxFrac) * faultUs;
    const at = d.range(0, Math.max(1, faultUs - len));
    return [r1(at), r1(Math.min(faultUs, at + len))];
  };
  const someNodes = (): Target[] | undefined => {
    if (d.chance(0.5)) return undefined;
    const k = d.irange(1, nodes);
    return d.shuffle(Array.from({ length: nodes }, (_, i) => i)).slice(0, k);
  };

  // link faults
  const linkKinds: Array<'drop' | 'duplicate' | 'delay' | 'corrupt'> = ['drop', 'duplicate', 'delay', 'corrupt'];
  for (const fault of linkKinds) {
    if (!on(fault === 'drop' ? 0.7 : fault === 'delay' ? 0.6 : 0.4)) continue;
    for (let k = d.irange(1, 3); k > 0; k--) {
      const [atUs, untilUs] = d.chance(0.3) ? [0, faultUs] : window(0.1, 0.6);
      const prob = fault === 'drop' ? d.pick([0.001, 0.01, 0.03, 0.1, 0.3]) : fault === 'corrupt' ? d.pick([0.001, 0.01, 0.05]) : d.pick([0.01, 0.05, 0.2]);
      const ev: FuzzEvent = { kind: 'link', atUs, untilUs, fault, prob };
      if (planes > 1 && d.chance(0.5)) ev.plane = d.int(planes);
      const from = someNodes();
      if (from && d.chance(0.5)) ev.from = from;
      else if (from) ev.to = from;
      if (d.chance(0.15)) (ev.from ??= []).push('leader');
      if (fault === 'delay') {
        ev.delayUs = d.pick([0, 0.5, 2, 10]);
        ev.jitterUs = d.pick([0.5, 2, 5, 20]);
      }
      events.push(ev);
    }
  }

  // partitions: isolate the leader, a random split, or one-way
  if (on(0.6)) {
    for (let k = d.irange(1, 3); k > 0; k--) {
      const [atUs, untilUs] = window(0.1, 0.4);
      const oneWay = d.chance(0.3);
      let groups: Array<Array<Target | 'rest' | { client: number }>>;
      const all = Array.from({ length: nodes }, (_, i) => i);
      const style = d.int(3);
      if (style === 0) groups = [['leader'], ['rest']]; // the leader vs every other node
      else {
        const perm = d.shuffle([...all]);
        const cut = d.irange(1, nodes - 1);
        groups = [perm.slice(0, cut), perm.slice(cut)];
        if (style === 2 && nodes >= 4) {
          const cut2 = d.irange(cut + 1, nodes);
          groups = [perm.slice(0, cut), perm.slice(cut, cut2), perm.slice(cut2)].filter((g) => g.length > 0);
        }
      }
      if (d.chance(0.3)) groups[d.int(groups.length)]!.push({ client: 0 });
      const ev: FuzzEvent = { kind: 'partition', atUs, untilUs, groups, oneWay };
      if (planes > 1 && d.chance(0.2)) ev.plane = d.int(planes);
      events.push(ev);
    }
  }

  // plane outages (all planes down at once = a total partition, now and then)
  if (on(0.5)) {
    for (let k = d.irange(1, 2); k > 0; k--) {
      const [atUs, untilUs] = window(0.05, 0.5);
      events.push({ kind: 'plane', atUs, untilUs, plane: d.int(planes) });
    }
  }

  // crashes and storage crash points (subject to the bound at run time)
  if (faultBound > 0 && on(0.75)) {
    for (let k = d.irange(1, 4); k > 0; k--) {
      const atUs = r1(d.range(0.05, 0.85) * faultUs);
      const downUs = r1(d.pick([5, 50, 200, 500]) * d.range(0.5, 1.5));
      const target: Target = d.chance(0.4) ? 'leader' : d.chance(0.3) ? 'follower' : d.int(nodes);
      if (d.chance(0.35)) {
        const pt = d.int(4);
        const point: CrashPoint = pt === 0 ? { at: 'before' } : pt === 1 ? { at: 'after' } : pt === 2 ? { at: 'torn', keepBytes: d.int(120) } : { at: 'corrupt' };
        events.push({ kind: 'storage', atUs, downUs, target, point, nth: d.irange(1, 6) });
      } else {
        events.push({ kind: 'crash', atUs, downUs, target, how: d.chance(0.7) ? 'power' : 'reset' });
      }
    }
  }

  if (on(0.2)) events.push({ kind: 'transfer', atUs: r1(d.range(0.1, 0.9) * faultUs), to: 'follower' });
  if (on(0.3)) {
    for (let k = d.irange(1, 3); k > 0; k--) events.push({ kind: 'compact', atUs: r1(d.range(0.1, 0.95) * faultUs), target: d.chance(0.5) ? 'leader' : d.int(nodes) });
  }

}

/** One line per event, for the event log and the replay file. */
export function describeEvent(e: FuzzEvent): string {
  const { kind, atUs, ...rest } = e;
  return `${atUs.toFixed(1)}us ${kind} ${JSON.stringify(rest)}`;
}

/** The configuration of a seed in one line. */
export function describeSchedule(s: Schedule): string {
  const w = s.workload;
  const kinds = new Map<string, number>();
  for (const e of s.events) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
  const v2 = s.draw !== 1
    ? ` run=${s.faultUs}us host=${s.hostLatencyNs}ns/poll ${s.hostPollNs}ns` +
      (s.nic ? ` ack=${s.nic.ackCount}/${s.nic.ackDelayCycles}cy gap=${s.nic.ackGapCycles ?? 0}cy nic-hb=${s.nic.hbIntervalCycles}cy/${s.nic.hbCommitDelayCycles}cy rto=${s.nic.rtoCycles}cy` : '') +
      ` values=${w.payload?.mode ?? 'small'}${w.payload?.maxValueBytes ? `<=${w.payload.maxValueBytes}B` : ''}${w.clientPlanes === 'duplicate' ? ' client-planes=duplicate' : ''}${w.followerReplies ? ' follower-replies' : ''}` +
      ` attempt=${w.attemptTimeoutUs}us budget=${w.retryBudgetUs}us${w.maxAttempts ? `/${w.maxAttempts}` : ''} intensity=${s.intensity}`
    : '';
  return `draw=${s.draw} n=${s.replicas}${s.spare ? '+1 spare' : ''} planes=${s.planes} f=${s.faultBound} et=${s.electionTimeoutUs}us hb=${s.heartbeatUs}us tick=${s.tickUs}us ` +
    `drift=${s.maxClockDrift}${s.durableReplies ? ' durable-replies' : ''}${s.followerReads ? ' follower-reads' : ''}${v2} clients=${w.clients} keys=${w.keys}${w.localReadShare ? ` local-reads=${w.localReadShare}` : ''} ` +
    `events: ${[...kinds].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`;
}
