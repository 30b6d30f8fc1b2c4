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
  | { kind: 'compact'; atUs: number; target: Target };

export interface FuzzWorkload {
  clients: number;
  keys: number;
  readShare: number;
  thinkUs: number;
  attemptTimeoutUs: number;
  maxAttempts: number;
  /** share of the reads done at a replica without the log (Replica.readLocal: lease or ReadIndex) */
  localReadShare?: number;
}

export interface Schedule {
  seed: number;
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
  /** at most this many nodes down, recovering, or with a storage crash point armed at once (f of the smallest configuration) */
  faultBound: number;
  workload: FuzzWorkload;
  events: FuzzEvent[];
}

export interface DrawOptions {
  /** length of the fault phase (default 1200 us) */
  faultUs?: number;
  /** liveness bound (default 3000 us) */
  livenessUs?: number;
  /** force the cluster size / planes (default: drawn) */
  replicas?: 3 | 5;
  planes?: number;
  /** RTL backend: only what the fabric and RaftCluster support (no clock drift) */
  rtl?: boolean;
}

/** The drivers' PRNG (ctrl/rand.ts, mulberry32) with helpers; the whole draw comes from it. */
export class Draw extends SeededRand {
  constructor(seed: number) { super((seed * 0x9e3779b9 + 0x7f4a7c15) >>> 0); }
  range(a: number, b: number): number { return a + this.next() * (b - a); }
  irange(a: number, b: number): number { return a + this.int(b - a + 1); }
  /** Always draws (unlike SeededRand.chance), so that seeds replay as drawn before. */
  override chance(p: number): boolean { return this.next() < p; }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) { const j = this.int(i + 1); [xs[i], xs[j]] = [xs[j]!, xs[i]!]; }
    return xs;
  }
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

/** Draws the configuration and fault schedule of one seed. */
export function drawSchedule(seed: number, o: DrawOptions = {}): Schedule {
  const d = new Draw(seed);
  const replicas = o.replicas ?? (d.chance(0.55) ? 3 : 5);
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
  return {
    seed, replicas, spare, planes, faultUs, livenessUs, electionTimeoutUs, heartbeatUs, tickUs, maxClockDrift, clockRates,
    durableReplies: d.chance(0.25), faultBound, workload, events,
  };
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
  return `n=${s.replicas}${s.spare ? '+1 spare' : ''} planes=${s.planes} f=${s.faultBound} et=${s.electionTimeoutUs}us hb=${s.heartbeatUs}us tick=${s.tickUs}us ` +
    `drift=${s.maxClockDrift}${s.durableReplies ? ' durable-replies' : ''} clients=${w.clients} keys=${w.keys}${w.localReadShare ? ` local-reads=${w.localReadShare}` : ''} ` +
    `events: ${[...kinds].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`;
}
