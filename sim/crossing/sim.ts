// The time-triggered crossing mode and its OM(1) baseline, on the cluster's network model.
//
// Frames travel in the frame world (native/frame_world.cpp through sim/frame-world.ts): the
// plane switches, the endpoints' links and the cross-links between switches are timed in C++ with
// the link and switch model of the cluster co-simulation (serialization at the link rate, MAC/PHY
// and cable delay, switch latency, egress queues with finite buffers). What the switches decide
// (the crossing agents: windows, first-frame policing, relays; the baseline's plain multicast) and
// what sensors, replicas and actuators do runs here, in TypeScript, as do the fault behaviours,
// which act at a switch's egress.
//
// One round = one input slot per sensor, then one actuation slot. Time runs on across rounds (a
// frame delayed past its round arrives in the next one, where it is stale and ignored); what
// carries over is the application state (replica controllers, the tank). Everything random comes
// from one seed through forked streams; the same seed and behaviours give the same run.

import { Prng } from './prng.js';
import { type NetModel, type Mode, type Windows, windows } from './netmodel.js';
import { AT_SWITCH, FrameWorld, type Arrival } from '../frame-world.js';
import {
  type Value,
  type Decision,
  decideCrossing,
  decideDirect,
  mergePlaneCopies,
  strictMajority,
  confirmOutput,
  actuatorAccept,
} from '../../ctrl/crossing/rule.js';
import { type AppConfig, defaultApp, TankPid, Tank } from '../../ctrl/crossing/app.js';

// ---------------------------------------------------------------------------------------------
// Frames, ports and fault hooks

export type FrameKind = 'sensor' | 'copy' | 'xrelay' | 'relay' | 'output';

export interface Frame {
  kind: FrameKind;
  round: number;
  /** sensor the reading belongs to (-1 for outputs) */
  sensor: number;
  /** crossing: origin plane tag of a copy. Ignored on cross-links (the ingress port decides). */
  origin: number;
  /** replica that sent a relay/output (stamped by the switch from its ingress port) */
  src: number;
  /** baseline unicast relay: only this replica (undefined = multicast) */
  dst?: number;
  value: Value;
}

export type Egress =
  | { to: 'replica'; replica: number }
  | { to: 'switch'; plane: number }
  | { to: 'actuator'; actuator: number };

export interface Emission {
  frame: Frame;
  /** extra delay added by a fault before the frame leaves the switch (ps) */
  delayPs?: number;
}

export interface FaultCtx {
  plane: number;
  round: number;
  /** start of the slot of frame.sensor (or of the actuation slot for outputs) */
  slotStartPs: number;
  slotPs: number;
  planes: number;
  replicas: number;
  win: Windows;
}

/** A plane's misbehaviour, applied at its switch's egress. Behaviours of one plane compose in order. */
export interface PlaneBehavior {
  /** Return the frames actually emitted instead of `frame` on `egress`, or null for "unchanged". */
  egress(frame: Frame, egress: Egress, ctx: FaultCtx): Emission[] | null;
  /** Frames the faulty switch fabricates for a sensor's slot, sent from the switch at atPs. */
  inject?(ctx: FaultCtx, sensor: number): Array<{ atPs: number; frame: Frame; egress: Egress }>;
}

export interface SensorSend {
  value: Value;
  /** send this long after the slot start (ps); 0 = on time */
  delayPs: number;
}

/** A Byzantine sensor: what it sends on each plane (null = silent). */
export interface SensorBehavior {
  active(round: number): boolean;
  /** ingressPs: sensor send -> its frame is at the switch's forwarding point (the model's `up`) */
  send(round: number, plane: number, trueValue: number, win: Windows, ingressPs: number): SensorSend | null;
}

/** A Byzantine replica: its outputs and (baseline) relays. undefined = send nothing. */
export interface ReplicaBehavior {
  active(round: number): boolean;
  output(round: number, plane: number, correct: number): number | undefined;
  /** baseline relays: per destination replica (unicast) */
  relay(round: number, sensor: number, plane: number, dst: number, correct: Value): Value | undefined;
}

export interface Behaviors {
  planes: PlaneBehavior[][];
  sensors: (SensorBehavior | null)[];
  replicas: (ReplicaBehavior | null)[];
}

export function noBehaviors(planes: number, sensors: number, replicas: number): Behaviors {
  return {
    planes: Array.from({ length: planes }, () => []),
    sensors: Array.from({ length: sensors }, () => null),
    replicas: Array.from({ length: replicas }, () => null),
  };
}

// ---------------------------------------------------------------------------------------------
// Configuration and results

export interface SimConfig {
  mode: Mode;
  planes: 2 | 3;
  replicas: number;
  sensors: number;
  actuators: number;
  slotPs: number;
  net: NetModel;
  seed: number | bigint | string;
  app?: AppConfig;
  /** optional fixed readings (tests): reading(round, sensor) instead of the tank + noise */
  reading?: (round: number, sensor: number) => number;
}

export interface ReadingResult {
  round: number;
  sensor: number;
  trueValue: number;
  sensorCorrect: boolean;
  /** decision of every replica (undefined for a Byzantine replica) */
  decisions: (Value | undefined)[];
  conflicts: boolean[];
  /** crossing: the matrix each replica decided from (null = missing) — for tests and traces */
  views?: Value[][][];
}

export interface RoundResult {
  round: number;
  readings: ReadingResult[];
  /** output of every correct replica (undefined for Byzantine ones) */
  outputs: (number | undefined)[];
  /** what each actuator accepted (undefined = nothing by the end of the round) */
  accepted: (number | undefined)[];
  /** sensor-send (last sensor's slot start) -> actuator 0 accept, ps */
  latencyPs: number | undefined;
  /** frames that entered a link this round (each link traversal counts once; the frame world counts) */
  frames: number;
  /** per replica: frames received, frames sent, vote operations */
  hostRx: number[];
  hostTx: number[];
  hostOps: number[];
  lateDrops: number;
}

// ---------------------------------------------------------------------------------------------
// Timers of the TypeScript side: binary heap on (time, sequence), so equal times run in
// schedule order. A timer runs before a frame arriving at the same time.

interface Ev {
  t: number;
  seq: number;
  fn: () => void;
}

class EventQueue {
  private h: Ev[] = [];
  private seq = 0;
  get size(): number {
    return this.h.length;
  }
  peekT(): number {
    return this.h.length ? this.h[0]!.t : Infinity;
  }
  clear(): void {
    this.h = [];
  }
  push(t: number, fn: () => void): void {
    const e = { t, seq: this.seq++, fn };
    const h = this.h;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, e)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }
  pop(): Ev | undefined {
    const h = this.h;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(h[r]!, h[l]!) ? r : l;
        if (less(last, h[c]!)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
const less = (a: Ev, b: Ev): boolean => a.t < b.t || (a.t === b.t && a.seq < b.seq);

// ---------------------------------------------------------------------------------------------
// Per-round replica state

interface CrossState {
  m: Value[][];
  got: boolean[][];
  count: number;
  decided: boolean;
}
interface BaseState {
  copies: Value[];
  gotCopy: boolean[];
  nCopies: number;
  own: Value;
  relayed: boolean;
  relays: Value[][];
  gotRelay: boolean[][];
  nRelays: number;
  decided: boolean;
}

const worlds = new FinalizationRegistry<FrameWorld>((w) => w.destroy());

export class CrossingSim {
  readonly cfg: SimConfig;
  readonly win: Windows;
  readonly roundPs: number;
  readonly f: number;
  private readonly net: NetModel;
  private readonly beh: Behaviors;
  private readonly jitter: Prng;
  private readonly noise: Prng;
  private readonly apps: TankPid[];
  readonly tank: Tank;
  private valve = 0;
  private round = 0;
  /** the network: switches, links, cross-links (C++) */
  readonly world: FrameWorld;
  // endpoints of the world: sensors 0..S-1, replicas S..S+R-1, actuators S+R..S+R+A-1
  private readonly E: number;
  private frames = new Map<number, Frame>();
  private nextTag = 0;

  // per-round state
  private q = new EventQueue();
  private res!: RoundResult;
  private cross: CrossState[][] = [];
  private base: BaseState[][] = [];
  private decidedCount: number[] = [];
  private inputs: Value[][] = [];
  private accepted = new Set<string>();
  private outCopies: (number | undefined)[][][] = []; // [actuator][replica][plane]
  private acceptedAt: (number | undefined)[] = [];
  private sensorValues: number[] = [];

  constructor(cfg: SimConfig, beh?: Behaviors) {
    this.cfg = cfg;
    this.net = cfg.net;
    this.beh = beh ?? noBehaviors(cfg.planes, cfg.sensors, cfg.replicas);
    this.win = windows(cfg.net, cfg.mode, cfg.planes, cfg.replicas);
    if (cfg.slotPs < this.win.minSlotPs)
      throw new Error(`slotNs ${cfg.slotPs / 1000} is too short for this network model: need >= ${Math.ceil(this.win.minSlotPs / 1000)}`);
    this.roundPs = (cfg.sensors + 1) * cfg.slotPs;
    // f Byzantine replicas outvoted by f+1 matching outputs: crossing needs 2f+1 replicas.
    this.f = Math.floor((cfg.replicas - 1) / 2);
    const root = new Prng(cfg.seed);
    this.jitter = root.fork('jitter');
    this.noise = root.fork('sensor-noise');
    const app = cfg.app ?? defaultApp;
    this.apps = Array.from({ length: cfg.replicas }, () => new TankPid(app));
    this.tank = new Tank(app);
    this.E = cfg.sensors + cfg.replicas + cfg.actuators;
    this.world = new FrameWorld({ planes: cfg.planes, endpoints: this.E, crossLinks: cfg.mode === 'crossing', network: cfg.net.network });
    worlds.register(this, this.world, this);
  }

  /** Frees the native world now (it is also freed when the simulator is garbage-collected). */
  destroy(): void {
    worlds.unregister(this);
    this.world.destroy();
  }

  private slotStart(round: number, sensor: number): number {
    return round * this.roundPs + (sensor < 0 ? this.cfg.sensors : sensor) * this.cfg.slotPs;
  }

  private tagOf(frame: Frame): number {
    const tag = this.nextTag;
    this.nextTag = (this.nextTag + 1) >>> 0;
    this.frames.set(tag, frame);
    return tag;
  }

  private jitterPs(): number {
    return this.net.jitterPs > 0 ? this.jitter.nextInt(this.net.jitterPs + 1) : 0;
  }

  private faultCtx(p: number, frame: Frame): FaultCtx {
    return {
      plane: p,
      round: frame.round,
      slotStartPs: this.slotStart(frame.round, frame.sensor),
      slotPs: this.cfg.slotPs,
      planes: this.cfg.planes,
      replicas: this.cfg.replicas,
      win: this.win,
    };
  }

  /** Switch p sends `frame` out of `egress` (decided at t), after its jitter, through its faults. */
  private emit(p: number, frame: Frame, egress: Egress, t: number): void {
    let ems: Emission[] = [{ frame, delayPs: 0 }];
    const bs = this.beh.planes[p]!;
    if (bs.length > 0) {
      const ctx = this.faultCtx(p, frame);
      for (const b of bs) {
        const next: Emission[] = [];
        for (const em of ems) {
          const out = b.egress(em.frame, egress, ctx);
          if (out === null) next.push(em);
          else for (const o of out) next.push({ frame: o.frame, delayPs: (em.delayPs ?? 0) + (o.delayPs ?? 0) });
        }
        ems = next;
      }
    }
    for (const em of ems) this.send(p, em.frame, egress, t + this.jitterPs() + (em.delayPs ?? 0));
  }

  /** Switch p puts a frame on an egress port, ready at tDep (no fault processing). */
  private send(p: number, frame: Frame, egress: Egress, tDep: number): void {
    const { sensors: S, replicas: R } = this.cfg;
    let port: number;
    if (egress.to === 'replica') port = S + egress.replica;
    else if (egress.to === 'actuator') port = S + R + egress.actuator;
    else if (this.world.crossLinks && egress.plane !== p) port = this.world.crossPort(egress.plane);
    else return; // no cross-links in this mode: nothing to send on
    this.world.sendEgress(tDep, p, port, this.tagOf(frame));
  }

  // ------------------------------------------------------------------------------ the network

  private onArrival(a: Arrival): void {
    const frame = this.frames.get(a.tag);
    if (frame === undefined) return;
    this.frames.delete(a.tag);
    const { sensors: S, replicas: R } = this.cfg;
    if (a.kind === AT_SWITCH) {
      if (a.port >= this.E) this.switchRxCross(a.plane, a.port - this.E, frame, a.t);
      else if (a.port < S) this.switchRxSensor(a.plane, frame, a.t);
      else if (a.port < S + R) this.switchRxReplica(a.plane, a.port - S, frame, a.t);
      return;
    }
    if (a.node >= S + R) this.actuatorRx(a.node - S - R, a.plane, frame, a.t);
    else if (a.node >= S) this.replicaRx(a.node - S, a.plane, frame, a.t);
  }

  /** Runs the world and the timers until endPs (exclusive), in time order. */
  private drive(endPs: number): void {
    const w = this.world;
    const fire = (upTo: number): boolean => {
      let any = false;
      while (this.q.peekT() <= upTo && this.q.peekT() < endPs) {
        this.q.pop()!.fn();
        any = true;
      }
      return any;
    };
    for (;;) {
      const n = w.run(Math.min(this.q.peekT(), endPs), (a) => {
        fire(a.t);
        this.onArrival(a);
      });
      const fired = fire(w.safePs);
      if (n === 0 && !fired) return;
    }
  }

  // ------------------------------------------------------------------------------ switches

  /** Police: accept the first frame per key within [slot start, slot start + window]. */
  private police(key: string, t: number, slotStart: number, windowPs: number): boolean {
    if (t < slotStart || t > slotStart + windowPs) { this.res.lateDrops++; return false; }
    if (this.accepted.has(key)) return false;
    this.accepted.add(key);
    return true;
  }

  private switchRxSensor(p: number, frame: Frame, t: number): void {
    const { mode, replicas: R, planes: P } = this.cfg;
    if (frame.round !== this.round) { this.res.lateDrops++; return; }
    if (mode === 'baseline') {
      for (let r = 0; r < R; r++) this.emit(p, frame, { to: 'replica', replica: r }, t);
      return;
    }
    const s = frame.sensor;
    if (!this.police(`s${p}:${s}`, t, this.slotStart(frame.round, s), this.win.sensorIngressPs)) return;
    const copy: Frame = { ...frame, kind: 'copy', origin: p };
    for (let r = 0; r < R; r++) this.emit(p, copy, { to: 'replica', replica: r }, t);
    if (mode === 'crossing') {
      const rel: Frame = { ...frame, kind: 'xrelay', origin: p };
      for (let q = 0; q < P; q++) if (q !== p) this.emit(p, rel, { to: 'switch', plane: q }, t);
    }
  }

  /** Switch p receives, on its cross-link port from switch q, a relay. The port names the origin. */
  private switchRxCross(p: number, q: number, frame: Frame, t: number): void {
    if (this.cfg.mode !== 'crossing' || frame.kind !== 'xrelay' || frame.sensor < 0 || frame.sensor >= this.cfg.sensors) return;
    if (frame.round !== this.round) { this.res.lateDrops++; return; }
    const s = frame.sensor;
    if (!this.police(`x${p}:${q}:${s}`, t, this.slotStart(frame.round, s), this.win.crossIngressPs)) return;
    const copy: Frame = { ...frame, kind: 'copy', origin: q };
    for (let r = 0; r < this.cfg.replicas; r++) this.emit(p, copy, { to: 'replica', replica: r }, t);
  }

  /** Switch p receives a frame from replica r (baseline relay or output). */
  private switchRxReplica(p: number, r: number, frame: Frame, t: number): void {
    if (frame.round !== this.round) { this.res.lateDrops++; return; }
    const stamped: Frame = { ...frame, src: r };
    if (frame.kind === 'output') {
      if (this.accepted.has(`o${p}:${r}`)) return;
      this.accepted.add(`o${p}:${r}`);
      for (let a = 0; a < this.cfg.actuators; a++) this.emit(p, stamped, { to: 'actuator', actuator: a }, t);
    } else if (frame.kind === 'relay' && this.cfg.mode === 'baseline') {
      for (let j = 0; j < this.cfg.replicas; j++) {
        if (j === r || (frame.dst !== undefined && frame.dst !== j)) continue;
        this.emit(p, stamped, { to: 'replica', replica: j }, t);
      }
    }
  }

  // ------------------------------------------------------------------------------ replicas

  private isByzReplica(r: number, round: number): boolean {
    const b = this.beh.replicas[r];
    return b !== null && b !== undefined && b.active(round);
  }

  private replicaRx(r: number, p: number, frame: Frame, t: number): void {
    this.res.hostRx[r]!++;
    const s = frame.sensor;
    if (s < 0 || s >= this.cfg.sensors || frame.round !== this.round) return;
    const P = this.cfg.planes;
    if (this.cfg.mode !== 'baseline') {
      if (frame.kind !== 'copy') return;
      const q = frame.origin;
      if (!(q >= 0 && q < P)) return;
      if (this.cfg.mode === 'direct' && q !== p) return;
      const st = this.cross[r]![s]!;
      if (st.decided || st.got[p]![q]) return;
      st.got[p]![q] = true;
      st.m[p]![q] = frame.value;
      st.count++;
      if (st.count === (this.cfg.mode === 'direct' ? P : P * P)) this.decideCross(r, s, t);
      return;
    }
    const st = this.base[r]![s]!;
    if (frame.kind === 'sensor') {
      if (st.relayed || st.gotCopy[p]) return;
      st.gotCopy[p] = true;
      st.copies[p] = frame.value;
      st.nCopies++;
      if (st.nCopies === P) this.relay(r, s, t);
    } else if (frame.kind === 'relay') {
      const j = frame.src;
      if (st.decided || j === r || j < 0 || j >= this.cfg.replicas || st.gotRelay[j]![p]) return;
      st.gotRelay[j]![p] = true;
      st.relays[j]![p] = frame.value;
      st.nRelays++;
      if (st.relayed && st.nRelays === (this.cfg.replicas - 1) * P) this.decideBase(r, s, t);
    }
  }

  private decideCross(r: number, s: number, t: number): void {
    const st = this.cross[r]![s]!;
    if (st.decided) return;
    st.decided = true;
    const P = this.cfg.planes;
    const d: Decision =
      this.cfg.mode === 'direct'
        ? decideDirect(Array.from({ length: P }, (_, p) => st.m[p]![p]!), P)
        : decideCrossing(st.m, P);
    this.record(r, s, d, t, st.m.map((row) => row.slice()));
  }

  /** Baseline: replica r relays what it got from the sensor to every other replica, on every plane. */
  private relay(r: number, s: number, t: number): void {
    const st = this.base[r]![s]!;
    if (st.relayed) return;
    st.relayed = true;
    const P = this.cfg.planes;
    const mc = mergePlaneCopies(st.copies, P);
    this.res.hostOps[r]!++;
    st.own = mc.value;
    const tSend = t + this.net.hostPs;
    const round = this.round;
    const byz = this.isByzReplica(r, round) ? this.beh.replicas[r]! : null;
    for (let p = 0; p < P; p++) {
      if (byz) {
        for (let j = 0; j < this.cfg.replicas; j++) {
          if (j === r) continue;
          const v = byz.relay(round, s, p, j, st.own);
          if (v === undefined) continue;
          this.replicaSend(r, p, { kind: 'relay', round, sensor: s, origin: -1, src: r, dst: j, value: v }, tSend);
        }
      } else {
        this.replicaSend(r, p, { kind: 'relay', round, sensor: s, origin: -1, src: r, value: st.own }, tSend);
      }
    }
    if (st.nRelays === (this.cfg.replicas - 1) * P) this.q.push(tSend, () => this.decideBase(r, s, tSend));
  }

  private decideBase(r: number, s: number, t: number): void {
    const st = this.base[r]![s]!;
    if (st.decided) return;
    if (!st.relayed) this.relay(r, s, t);
    st.decided = true;
    const P = this.cfg.planes;
    const vals: Value[] = [st.own];
    let conflict = false;
    for (let j = 0; j < this.cfg.replicas; j++) {
      if (j === r) continue;
      const mc = mergePlaneCopies(st.relays[j]!, P);
      conflict ||= mc.conflict;
      vals.push(mc.value);
    }
    const d: Decision = { value: strictMajority(vals), conflict, ops: this.cfg.replicas };
    this.record(r, s, d, t);
  }

  private record(r: number, s: number, d: Decision, t: number, view?: Value[][]): void {
    this.res.hostOps[r]! += d.ops;
    const rd = this.res.readings[s]!;
    if (!this.isByzReplica(r, this.round)) {
      rd.decisions[r] = d.value;
      rd.conflicts[r] = d.conflict;
      if (view && rd.views) rd.views[r] = view;
    }
    this.inputs[r]![s] = d.value;
    if (++this.decidedCount[r]! === this.cfg.sensors) {
      const tOut = t + this.net.hostPs;
      this.q.push(tOut, () => this.output(r, tOut));
    }
  }

  private output(r: number, t: number): void {
    const correct = this.apps[r]!.step(this.inputs[r]!);
    const byz = this.isByzReplica(r, this.round) ? this.beh.replicas[r]! : null;
    if (!byz) this.res.outputs[r] = correct;
    for (let p = 0; p < this.cfg.planes; p++) {
      const v = byz ? byz.output(this.round, p, correct) : correct;
      if (v === undefined) continue;
      this.replicaSend(r, p, { kind: 'output', round: this.round, sensor: -1, origin: -1, src: r, value: v }, t);
    }
  }

  private replicaSend(r: number, p: number, frame: Frame, t: number): void {
    this.res.hostTx[r]!++;
    this.world.sendUplink(t, this.cfg.sensors + r, p, this.tagOf(frame));
  }

  // ------------------------------------------------------------------------------ actuators

  private actuatorRx(a: number, p: number, frame: Frame, t: number): void {
    if (frame.kind !== 'output' || frame.round !== this.round || frame.value === null) return;
    const r = frame.src;
    if (r < 0 || r >= this.cfg.replicas || this.res.accepted[a] !== undefined) return;
    const copies = this.outCopies[a]![r]!;
    if (copies[p] !== undefined) return;
    copies[p] = frame.value;
    const confirmed = this.outCopies[a]!.map((c) => confirmOutput(c, this.cfg.planes));
    const v = actuatorAccept(confirmed, this.f);
    if (v !== undefined) {
      this.res.accepted[a] = v;
      this.acceptedAt[a] = t;
    }
  }

  // ------------------------------------------------------------------------------ the round

  /** Run the next round and return what happened in it. */
  runRound(): RoundResult {
    const k = this.round;
    const { planes: P, replicas: R, sensors: S, actuators: A } = this.cfg;
    this.q.clear();
    this.accepted.clear();
    const roundEndPs = (k + 1) * this.roundPs;
    const linkFrames0 = this.world.counters().linkFrames;
    this.res = {
      round: k,
      readings: [],
      outputs: new Array(R).fill(undefined),
      accepted: new Array(A).fill(undefined),
      latencyPs: undefined,
      frames: 0,
      hostRx: new Array(R).fill(0),
      hostTx: new Array(R).fill(0),
      hostOps: new Array(R).fill(0),
      lateDrops: 0,
    };
    const mkM = <T>(v: T): T[][] => Array.from({ length: P }, () => new Array<T>(P).fill(v));
    this.cross = Array.from({ length: R }, () =>
      Array.from({ length: S }, () => ({ m: mkM<Value>(null), got: mkM(false), count: 0, decided: false })),
    );
    this.base = Array.from({ length: R }, () =>
      Array.from({ length: S }, () => ({
        copies: new Array<Value>(P).fill(null),
        gotCopy: new Array(P).fill(false),
        nCopies: 0,
        own: null,
        relayed: false,
        relays: Array.from({ length: R }, () => new Array<Value>(P).fill(null)),
        gotRelay: Array.from({ length: R }, () => new Array(P).fill(false)),
        nRelays: 0,
        decided: false,
      })),
    );
    this.decidedCount = new Array(R).fill(0);
    this.inputs = Array.from({ length: R }, () => new Array<Value>(S).fill(null));
    this.outCopies = Array.from({ length: A }, () => Array.from({ length: R }, () => new Array<number | undefined>(P).fill(undefined)));
    this.acceptedAt = new Array(A).fill(undefined);

    // sensor readings for this round
    this.sensorValues = [];
    for (let s = 0; s < S; s++) {
      const v = this.cfg.reading ? this.cfg.reading(k, s) : this.tank.level + (this.noise.nextInt(5) - 2);
      this.sensorValues.push(v);
    }

    for (let s = 0; s < S; s++) {
      const slot = this.slotStart(k, s);
      const sb = this.beh.sensors[s];
      const byz = sb !== null && sb !== undefined && sb.active(k);
      const trueValue = this.sensorValues[s]!;
      this.res.readings.push({
        round: k,
        sensor: s,
        trueValue,
        sensorCorrect: !byz,
        decisions: new Array(R).fill(undefined),
        conflicts: new Array(R).fill(false),
        views: this.cfg.mode === 'baseline' ? undefined : new Array(R).fill(undefined),
      });
      // the sensor sends its reading on every plane at its slot start
      for (let p = 0; p < P; p++) {
        const snd: SensorSend | null = byz ? sb.send(k, p, trueValue, this.win, this.net.upPs) : { value: trueValue, delayPs: 0 };
        if (snd === null) continue;
        const frame: Frame = { kind: 'sensor', round: k, sensor: s, origin: -1, src: -1, value: snd.value };
        this.world.sendUplink(slot + snd.delayPs, s, p, this.tagOf(frame));
      }
      // fabricated frames of faulty planes
      for (let p = 0; p < P; p++) {
        for (const b of this.beh.planes[p]!) {
          if (!b.inject) continue;
          const ctx = this.faultCtx(p, { kind: 'sensor', round: k, sensor: s, origin: -1, src: -1, value: null });
          for (const inj of b.inject(ctx, s)) this.q.push(inj.atPs, () => this.send(p, inj.frame, inj.egress, inj.atPs));
        }
      }
      // decision (and baseline relay) deadlines
      for (let r = 0; r < R; r++) {
        if (this.cfg.mode === 'baseline') {
          this.q.push(slot + this.win.relayPs, () => this.relay(r, s, slot + this.win.relayPs));
          this.q.push(slot + this.win.decidePs, () => this.decideBase(r, s, slot + this.win.decidePs));
        } else {
          this.q.push(slot + this.win.decidePs, () => this.decideCross(r, s, slot + this.win.decidePs));
        }
      }
    }

    this.drive(roundEndPs);
    this.q.clear();
    this.res.frames = this.world.counters().linkFrames - linkFrames0;
    // frames the world dropped (full buffers) never come back: forget handles older than a round
    if (this.frames.size > 4096) for (const [tag, fr] of this.frames) if (fr.round < k) this.frames.delete(tag);

    const t0 = this.slotStart(k, S - 1);
    if (this.acceptedAt[0] !== undefined) this.res.latencyPs = this.acceptedAt[0] - t0;
    const applied = this.res.accepted[0];
    if (applied !== undefined) this.valve = applied;
    this.tank.step(this.valve);
    this.round++;
    return this.res;
  }

  get roundIndex(): number {
    return this.round;
  }
}
