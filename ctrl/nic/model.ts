// ModelNic: a behavioural model of the nicraft NIC (hw/rtl/nicraft_nic.sv) in TypeScript.
//
// Same wire and register contract as the RTL, same frames out of every port in the same order with
// the same bytes and reasons, same counters, CSRs and log contents, for the same input frames and
// host commands. It is used as the reference in differential tests (test/nic/diff.test.ts) and as a
// fast NIC wherever the RTL's cycle accuracy is not needed. See docs/model-nic.md.
//
// How it models the RTL. It is split as the RTL is: one file per engine under ctrl/nic/model/, each
// with the name and the boundary of its RTL module (model/exec.ts is nicraft_exec, model/log-ram.ts
// nicraft_log_ram, ...), and this file wires them as nicraft_nic.sv does, plus the simulation shim's
// side (native/nic_shim.cpp: input queues, host commands, backpressure). Every register that decides
// something observable is a field of its engine, and tick() is one clock cycle: first every engine's
// combinational logic from the registers as they are at the start of the cycle (the engines' comb()),
// then every register update of the clock edge (clock*(), reading only old values: non-blocking
// semantics), then the _reg <= _next copies (latch()) and the host's CSR write, which wins. The data
// path is kept at frame granularity: a beat is "beat k of frame F" (F one Uint8Array), FIFOs hold
// frames and count beats (model/axis-fifo.ts), the log RAM holds references to the beats written into
// it. So a one-beat frame costs one pass through tick() and no per-beat allocation. Header fields are
// read and written through the accessors generated from spec/wire.yaml (ctrl/wire/wire.gen.ts).
//
// Host commands (CSR and log port accesses) and the frame ports follow the simulation shim, which is
// what VerilatedNic drives: commands one per cycle in order, a CSR read answers on the next cycle, a
// log read issues its beats one per cycle after the first answer, input frames are offered one beat
// per cycle from their `atCycle`, output frames carry the cycle of their last beat. The model is
// cycle-accurate against the RTL; the differential tests compare contents, order and cycles.
// ModelNic.RTL_REVISION names the hw/rtl revision it is verified against, cycle for cycle.
//
// When nothing is in flight step() jumps to the next event (an input frame's cycle, a heartbeat,
// ACK, NACK or retransmit timer) instead of ticking through idle cycles.
import { COUNTER_ADDRS, countersOf, type HostFrame, type Nic, type RxFrame, type TxFrame } from './nic.js';
import type { CounterName } from '../wire/wire.gen.js';
import * as M_wire_gen from '../wire/wire.gen.js';
import { AxisArb } from './model/axis-arb.js';
import { Commit } from './model/commit.js';
import { CsrBlock } from './model/csr.js';
import * as M_csr from './model/csr.js';
import { CtlGen } from './model/ctl-gen.js';
import { Deliver } from './model/deliver.js';
import { Exec } from './model/exec.js';
import { LogRam } from './model/log-ram.js';
import type { Derived, NicParams } from './model/params.js';
import * as M_params from './model/params.js';
import { PlaneMerge } from './model/plane-merge.js';
import { Rtx } from './model/rtx.js';
import { H_LEADER_SILENT, LeaderWatch } from './model/leader-watch.js';
import { RxFifo } from './model/rx-fifo.js';
import { RxKeys } from './model/rx-key.js';
import { InPort, ShimRng } from './model/shim.js';
import { Stats } from './model/stats.js';
import * as M_stats from './model/stats.js';
import { TxFanout } from './model/tx-fanout.js';
import { AuthCsr, RxAuth, TxSign } from './model/auth.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const { BEAT_BYTES, Csr } = M_wire_gen;
const CSR_LAST_INDEX: number = Csr.RAFT_LAST_INDEX;
const { W_APPLIED_INDEX, W_COMMIT_INDEX, W_CTR_CLEAR, W_LAST_INDEX, W_MATCH_INDEX, W_QUORUM_INPUT } = M_csr;
const { derive, NIC_DEFAULTS } = M_params;
const { C_ACK_RX, C_HOST_TX_FRAMES, C_TX_FRAMES, N_CTR } = M_stats;

export { NIC_DEFAULTS, type NicParams } from './model/params.js';

export interface ModelNicOptions {
  /** Parameter overrides (the RTL's -G overrides). */
  params?: Partial<NicParams>;
  /** Same as params, in the shape VerilatedNic takes (`{ variant: { params } }`), so one options object serves both. */
  variant?: { params?: Record<string, number | string> };
  /** Cycles of reset applied at construction and by reset() (default 16, as VerilatedNic). */
  resetCycles?: number;
  /** Seed of the backpressure/gap generator (the shim's xorshift64*, default 1). */
  seed?: number | bigint;
}

const BEAT: number = BEAT_BYTES;
/** The shim's limits. */
const SYNC_LIMIT = 1_000_000;
const MAX_LOG_BEATS = 255;

const KIND_CSR_WRITE = 0, KIND_CSR_READ = 1, KIND_LOG_WRITE = 2, KIND_LOG_READ = 3;
interface Cmd {
  kind: number;
  tag: number;
  addr: number;
  value: number;
  beat: number;
  len: number;
  data: Uint8Array | null;
}
interface CmdResult {
  value: number;
  data: Uint8Array | null;
  beatsLeft: number;
  done: boolean;
}

/** A behavioural model of nicraft_nic, behind the Nic interface. */
export class ModelNic implements Nic {
  /**
   * The git revision of hw/rtl this model implements (verified cycle for cycle by test/nic/diff.test.ts).
   * When hw/rtl moves on, the differential test runs against this revision and says so.
   */
  static readonly RTL_REVISION = '8b43699';

  readonly planes: number;
  /** The parameters this model was built with. */
  readonly params: Readonly<NicParams>;
  /** Port number of the host (as SimNic: planes are 0..planes-1). */
  readonly hostPort: number;

  private readonly d: Derived;
  private readonly P: number;
  private readonly resetCycles: number;

  // ---- time
  private cyc = 0;
  private closed = false;

  // ---- the engines (nicraft_nic's instances)
  private readonly csr: CsrBlock;
  private readonly stats = new Stats();
  private readonly rxf: RxFifo[] = [];
  private readonly keys: RxKeys;
  private readonly merge: PlaneMerge;
  private readonly exec: Exec;
  private readonly logRam: LogRam;
  private readonly commit: Commit;
  private readonly deliver: Deliver;
  private readonly ctlGen: CtlGen;
  private readonly rtx: Rtx;
  private readonly watch = new LeaderWatch();
  /** the host RX arbiter (0 deliveries, 1 punts, 2 needs-repair events) and the TX arbiter (0 APPENDs, 1 retransmissions, 2 generated, 3 host) */
  private readonly hostArb = new AxisArb(4);
  private readonly txArb = new AxisArb(4);
  private readonly fanout: TxFanout;
  private readonly auth: AuthCsr;
  private readonly rxAuth: RxAuth[] = [];
  private readonly sign: TxSign;

  // ---- the shim: input ports, output readiness, captured output, host commands
  private readonly rxIn: InPort[] = [];
  private readonly hostIn = new InPort();
  /** per plane: a beat is offered this cycle */
  private readonly present: Uint8Array;
  private readonly readyP: Float64Array;
  private readonly txReady: Uint8Array;
  private fracReady = 0;
  /** Readiness when no port has a fractional probability (recomputed by setReadyProbability). */
  private fixedHostRxReady = true;
  private readonly rng: ShimRng;
  private txOut: TxFrame[][];
  private hostOut: HostFrame[] = [];
  private cmds: Cmd[] = [];
  private barrier = -1;
  private csrWait: number[] = [];
  private logWait: Array<{ tag: number; beat: number }> = [];
  private readonly results = new Map<number, CmdResult>();
  private readonly open = new Map<number, number>();
  private readonly readIndex = new Map<number, number>();
  private nextTag = 1;

  constructor(opts: ModelNicOptions = {}) {
    const vp: Partial<NicParams> = {};
    for (const [k, v] of Object.entries(opts.variant?.params ?? {})) (vp as Record<string, number>)[k] = Number(v);
    if ('DATA_WIDTH' in vp && (vp as Record<string, number>).DATA_WIDTH !== 512) throw new Error('ModelNic: DATA_WIDTH must be 512');
    const d = derive({ ...NIC_DEFAULTS, ...vp, ...(opts.params ?? {}) });
    this.d = d;
    this.params = d.p;
    this.P = this.planes = d.P;
    this.hostPort = d.P;
    this.resetCycles = opts.resetCycles ?? 16;

    this.csr = new CsrBlock(d);
    for (let i = 0; i < d.P; i++) {
      this.rxf.push(new RxFifo(d.RXD, d.MB));
      this.rxIn.push(new InPort());
    }
    this.keys = new RxKeys(d.P, d.MAXN);
    // DUP_WINDOW: a copy can wait behind a full RX buffer while the other planes go on, and the planes' skew
    this.merge = new PlaneMerge(d.P, d.DUPW);
    this.exec = new Exec(d);
    this.logRam = new LogRam(d);
    this.commit = new Commit(d.MAXN);
    this.deliver = new Deliver(d);
    this.ctlGen = new CtlGen();
    this.rtx = new Rtx(d, this.commit.match);
    this.fanout = new TxFanout(d);
    this.auth = new AuthCsr(d.MB);
    for (let i = 0; i < d.P; i++) this.rxAuth.push(new RxAuth(d.MAXN));
    this.sign = new TxSign(d.MB);
    this.present = new Uint8Array(d.P);
    this.readyP = new Float64Array(d.P + 1).fill(1);
    this.txReady = new Uint8Array(d.P).fill(1);
    this.rng = new ShimRng(opts.seed ?? 1);
    this.txOut = [];
    for (let i = 0; i < d.P; i++) this.txOut.push([]);
    this.reset();
  }

  get cycle(): number {
    return this.cyc;
  }

  // =============================================================================================
  // Nic interface

  reset(): void {
    this.live();
    // as the shim's nr_reset: pending commands fail, queued input frames and partial captures are dropped
    this.cmds = [];
    this.csrWait = [];
    this.logWait = [];
    this.open.clear();
    this.results.clear();
    this.readIndex.clear();
    this.barrier = -1;
    for (const ip of this.rxIn) ip.clear();
    this.hostIn.clear();
    // the RTL's reset values (the log RAM keeps its contents, as a RAM does)
    this.csr.reset();
    for (const f of this.rxf) f.reset();
    this.auth.reset();
    for (const a of this.rxAuth) a.reset();
    this.sign.reset();
    this.merge.reset();
    this.hostArb.reset();
    this.watch.reset();
    this.txArb.reset();
    this.exec.reset();
    this.logRam.reset();
    this.commit.reset();
    this.deliver.reset();
    this.ctlGen.reset();
    this.rtx.reset();
    this.fanout.reset();
    this.stats.clear();
    this.cyc += this.resetCycles > 0 ? this.resetCycles : 1;
  }

  step(cycles: number): void {
    this.live();
    if (!Number.isInteger(cycles) || cycles < 0) throw new RangeError(`ModelNic.step: bad cycle count ${cycles}`);
    this.run(this.cyc + cycles);
  }

  readCsr(addr: number): number {
    this.live();
    const t = this.push(KIND_CSR_READ, addr >>> 0, 0);
    this.results.set(t, { value: 0, data: null, beatsLeft: 0, done: false });
    this.wait(t);
    return this.take(t).value;
  }

  readCsrs(addrs: readonly number[]): number[] {
    this.live();
    if (addrs.length === 0) return [];
    const tags = addrs.map((a) => {
      const t = this.push(KIND_CSR_READ, a >>> 0, 0);
      this.results.set(t, { value: 0, data: null, beatsLeft: 0, done: false });
      return t;
    });
    for (const t of tags) this.wait(t);
    return tags.map((t) => this.take(t).value);
  }

  writeCsr(addr: number, value: number): void {
    this.live();
    this.push(KIND_CSR_WRITE, addr >>> 0, value >>> 0);
  }

  readCounters(): Record<CounterName, bigint> {
    return countersOf(this.readCsrs(COUNTER_ADDRS));
  }

  clearCounters(): void {
    this.writeCsr(Csr.COUNTERS_CTR_CLEAR, 1);
  }

  sendHost(frames: Uint8Array | readonly Uint8Array[]): void {
    this.live();
    const list = frames instanceof Uint8Array ? [frames] : frames;
    for (const f of list) if (f.length === 0) throw new RangeError('ModelNic.sendHost: empty frame');
    for (const f of list) this.hostIn.push(f.slice(), 0, 0);
  }

  pollHost(): HostFrame[] {
    this.live();
    const out = this.hostOut;
    this.hostOut = [];
    return out;
  }

  logRead(index: number): Uint8Array {
    this.live();
    const t = this.push(KIND_LOG_READ, index >>> 0, 0);
    this.results.set(t, { value: 0, data: null, beatsLeft: 0, done: false });
    this.readIndex.set(t, index >>> 0);
    this.wait(t);
    const r = this.take(t);
    return r.data ?? new Uint8Array(0);
  }

  logWrite(index: number, frame: Uint8Array): void {
    this.live();
    const len = frame.length;
    if (len > 0xffff) throw new Error(`ModelNic.logWrite(${index}) failed: log write: frame longer than 65535 bytes`);
    const beats = len === 0 ? 1 : Math.ceil(len / BEAT);
    if (beats > MAX_LOG_BEATS) throw new Error(`ModelNic.logWrite(${index}) failed: log write: too many beats`);
    const data = frame.slice();
    const tag = this.newTag(beats);
    for (let b = 0; b < beats; b++) {
      this.cmds.push({ kind: KIND_LOG_WRITE, tag, addr: index >>> 0, value: 0, beat: b, len, data });
    }
  }

  flush(): void {
    this.live();
    while (this.open.size > 0) this.run(this.cyc + 1);
  }

  pushRx(plane: number, frames: ReadonlyArray<Uint8Array | RxFrame>, atCycle?: number): void {
    this.live();
    this.checkPlane(plane, 'pushRx');
    const ip = this.rxIn[plane]!;
    for (const f of frames) {
      const fr = f instanceof Uint8Array ? f : f.frame;
      if (fr.length === 0) throw new RangeError('ModelNic.pushRx: empty frame');
    }
    for (const f of frames) {
      if (f instanceof Uint8Array) ip.push(f.slice(), atCycle ?? 0, 0);
      else ip.push(f.frame.slice(), f.atCycle ?? atCycle ?? 0, f.macError ? 1 : 0);
    }
  }

  pullTx(plane: number): TxFrame[] {
    this.live();
    this.checkPlane(plane, 'pullTx');
    const out = this.txOut[plane]!;
    this.txOut[plane] = [];
    return out;
  }

  close(): void {
    this.closed = true;
  }

  // =============================================================================================
  // Extras (as SimNic's, for differential tests with backpressure)

  /** Output port (plane, or hostPort for the host RX queue): probability that tready is high in a cycle. */
  setReadyProbability(port: number, p: number): void {
    this.checkPort(port, 'setReadyProbability');
    this.readyP[port] = Math.min(1, Math.max(0, p));
    this.fracReady = 0;
    for (let i = 0; i <= this.P; i++) if (this.readyP[i]! > 0 && this.readyP[i]! < 1) this.fracReady++;
    for (let i = 0; i < this.P; i++) this.txReady[i] = this.readyP[i]! >= 1 ? 1 : 0;
    this.fixedHostRxReady = this.readyP[this.P]! >= 1;
  }

  /** Input port: probability that tvalid is held low in a cycle (0 = no gaps). */
  setGapProbability(port: number, p: number): void {
    this.checkPort(port, 'setGapProbability');
    const v = Math.min(1, Math.max(0, p));
    if (port === this.P) this.hostIn.gapP = v;
    else this.rxIn[port]!.gapP = v;
  }

  /** Re-seeds the backpressure generator. */
  seed(seed: number | bigint): void {
    this.rng.seed(seed);
  }

  /** Host commands not finished yet (as SimNic.commandsPending). */
  get commandsPending(): number {
    return this.open.size;
  }

  /** Frames queued on an input port and not yet fully offered. */
  pendingIn(port: number): number {
    this.checkPort(port, 'pendingIn');
    return port === this.P ? this.hostIn.pending : this.rxIn[port]!.pending;
  }

  // =============================================================================================
  // Host commands (the shim)

  private live(): void {
    if (this.closed) throw new Error('ModelNic: used after close()');
  }

  private checkPlane(plane: number, what: string): void {
    if (!Number.isInteger(plane) || plane < 0 || plane >= this.P) {
      throw new RangeError(`ModelNic.${what}: plane ${plane} out of range 0..${this.P - 1}`);
    }
  }

  private checkPort(port: number, what: string): void {
    if (!Number.isInteger(port) || port < 0 || port > this.P) {
      throw new RangeError(`ModelNic.${what}: port ${port} out of range 0..${this.P}`);
    }
  }

  private newTag(requests: number): number {
    const t = this.nextTag++;
    if (this.nextTag > 0x7fffffff) this.nextTag = 1;
    this.open.set(t, requests);
    return t;
  }

  private push(kind: number, addr: number, value: number): number {
    const tag = this.newTag(1);
    this.cmds.push({ kind, tag, addr, value, beat: 0, len: 0, data: null });
    return tag;
  }

  private finishReq(tag: number): void {
    const n = this.open.get(tag);
    if (n === undefined) return;
    if (n <= 1) this.open.delete(tag);
    else this.open.set(tag, n - 1);
  }

  private wait(tag: number): void {
    for (let i = 0; i < SYNC_LIMIT && this.open.has(tag); i++) this.tick();
    if (this.open.has(tag)) throw new Error('ModelNic: timed out waiting for a host command (is the port ready?)');
  }

  private take(tag: number): CmdResult {
    const r = this.results.get(tag);
    this.results.delete(tag);
    if (!r || !r.done) throw new Error(`ModelNic: command ${tag} has no result`);
    return r;
  }

  /** A log read answer (the shim: the first beat gives the length and queues the other beats first). */
  private logResponse(buf: Uint8Array | null, off: number, n: number, rspLen: number): void {
    const o = this.logWait.shift()!;
    const r = this.results.get(o.tag) ?? { value: 0, data: null, beatsLeft: 0, done: false };
    this.results.set(o.tag, r);
    if (o.beat === 0) {
      let len = rspLen;
      let beats = len === 0 ? 1 : Math.ceil(len / BEAT);
      if (beats > MAX_LOG_BEATS) { beats = MAX_LOG_BEATS; len = beats * BEAT; }
      r.data = new Uint8Array(len);
      r.beatsLeft = beats;
      const index = this.readIndex.get(o.tag) ?? 0;
      for (let b = beats - 1; b >= 1; b--) {
        this.cmds.unshift({ kind: KIND_LOG_READ, tag: o.tag, addr: index, value: 0, beat: b & 0xff, len: 0, data: null });
      }
      if (beats > 1) this.open.set(o.tag, (this.open.get(o.tag) ?? 0) + beats - 1);
      if (this.barrier === o.tag) this.barrier = -1;
    }
    const data = r.data!;
    const at = o.beat * BEAT;
    if (at < data.length && buf !== null) {
      const m = Math.min(BEAT, data.length - at, n);
      for (let i = 0; i < m; i++) data[at + i] = buf[off + i]!;
    }
    if (r.beatsLeft > 0 && --r.beatsLeft === 0) {
      r.value = data.length;
      r.done = true;
      this.readIndex.delete(o.tag);
    }
    this.finishReq(o.tag);
  }

  // =============================================================================================
  // Time

  /** Runs until cycle `end`, ticking while anything is in flight and jumping over idle stretches. */
  private run(end: number): void {
    while (this.cyc < end) {
      if (!this.exec.dValid && this.idle()) {
        const to = Math.min(this.nextEvent(), end);
        if (to > this.cyc) {
          this.skip(to - this.cyc);
          continue;
        }
      }
      this.tick();
    }
  }

  /** The leader-silence watch counts: follower mode and SILENCE_CYCLES set. */
  private watching(): boolean {
    const csr = this.csr;
    return csr.followerMode() && csr.silenceCycles !== 0;
  }

  /** True when a tick would change nothing but the free-running timers. */
  private idle(): boolean {
    const csr = this.csr, ex = this.exec, cm = this.commit;
    if (ex.dValid || this.cmds.length !== 0 || csr.rdValid || this.logRam.rspValid) return false;
    if (ex.txf.used !== 0 || ex.pnt.used !== 0 || this.ctlGen.gen.used !== 0) return false;
    if (!this.deliver.idle(cm.commitIndex) || !this.fanout.idle()) return false;
    if (!this.merge.idle() || this.hostArb.locked || this.txArb.locked || this.watch.valid) return false;
    if (!this.sign.idle() || !this.auth.idle()) return false;
    for (let p = 0; p < this.P; p++) if (!this.rxAuth[p]!.idle()) return false;
    const last = ex.lastIndex;
    const leaderMode = csr.leaderMode();
    if (!this.rtx.idle(leaderMode, csr.nodeId, csr.members, last, csr.rto)) return false;
    const c = this.cyc;
    for (let p = 0; p < this.P; p++) if (!this.rxf[p]!.idle() || this.rxIn[p]!.ready(c)) return false;
    if (this.hostIn.holding || this.hostIn.ready(c)) return false;
    if (!this.ctlGen.quiet(csr, last, cm.commitIndex) || !this.ctlGen.settled(cm.commitIndex)) return false;
    if (csr.followerMode() && ex.chainReady(this.logRam, csr.term, this.deliver.appliedIndex)) return false;
    // a chain tail's commit index follows its last index
    if (cm.tailWants(csr.tailOn(), ex.eLogMid, last, cm.commitIndex)) return false;
    cm.quorum.eval(csr.members, csr.quorum, csr.nodeId, last, cm.match);
    if (!cm.quorum.settled()) return false;
    if (cm.adv(leaderMode, csr.termStart, last)) return false;
    return true;
  }

  /** The next cycle at which something happens, when idle. */
  private nextEvent(): number {
    let next = Infinity;
    for (let p = 0; p < this.P; p++) {
      const ip = this.rxIn[p]!;
      if (ip.head < ip.buf.length) next = Math.min(next, ip.at[ip.head]!);
    }
    const hi = this.hostIn;
    if (hi.head < hi.buf.length) next = Math.min(next, hi.at[hi.head]!);
    const csr = this.csr, c = this.cyc, last = this.exec.lastIndex;
    next = Math.min(next, this.ctlGen.nextEvent(c, csr, last, this.commit.commitIndex));
    const leaderMode = csr.leaderMode();
    next = Math.min(next, this.rtx.nextEvent(c, leaderMode, csr.nodeId, csr.members, last, csr.rto));
    next = Math.min(next, this.watch.nextEvent(c, this.watching(), csr.silenceCycles));
    return next;
  }

  /** Advances k idle cycles at once. */
  private skip(k: number): void {
    const csr = this.csr, last = this.exec.lastIndex;
    this.cyc += k;
    csr.cycleReg += k;
    this.ctlGen.skip(k, this.ctlGen.pending(csr, last), this.csr.ackGap);
    this.rtx.skip(k, csr.leaderMode(), csr.nodeId, csr.members, last, csr.rto);
    this.watch.skip(k, this.watching());
    if (this.fracReady > 0) {
      // the shim draws for every fractional ready port every cycle
      for (let i = 0; i < k; i++) {
        for (let p = 0; p <= this.P; p++) {
          const r = this.readyP[p]!;
          if (r > 0 && r < 1) this.rng.next();
        }
      }
    }
  }

  // =============================================================================================
  // One clock cycle: nicraft_nic's engines, in the order of the datapath

  private tick(): void {
    const t = this.cyc;
    const P = this.P;
    const rng = this.rng;
    const csr = this.csr, merge = this.merge, ex = this.exec, lr = this.logRam, cm = this.commit;
    const dl = this.deliver, cg = this.ctlGen, rt = this.rtx, fo = this.fanout, rxf = this.rxf;
    const ctr = this.stats.ctr;

    // ---- the shim drives the inputs: network planes, then the host TX port, then output readiness
    for (let p = 0; p < P; p++) {
      const ip = this.rxIn[p]!;
      let pr = 0;
      if (ip.ready(t)) pr = ip.gapP > 0 && rng.next() < ip.gapP ? 0 : 1;
      this.present[p] = pr;
    }
    const hi = this.hostIn;
    let hostPresent = hi.holding;
    if (!hostPresent && hi.ready(t)) {
      hostPresent = !(hi.gapP > 0 && rng.next() < hi.gapP);
      hi.holding = hostPresent;
    }
    let hostRxReady = this.fixedHostRxReady;
    if (this.fracReady !== 0) {
      for (let p = 0; p <= P; p++) {
        const r = this.readyP[p]!;
        const ok = r >= 1 || (r > 0 && rng.next() < r);
        if (p < P) this.txReady[p] = ok ? 1 : 0; else hostRxReady = ok;
      }
    }
    const cmd = this.barrier < 0 && this.cmds.length !== 0 ? this.cmds[0]! : null;
    const kind = cmd === null ? -1 : cmd.kind;

    // ---- combinational: the CSR block's outputs and the engines' registers at the start of the cycle
    const role = csr.role, fastEn = csr.fastEn, term = csr.term, nodeId = csr.nodeId, members = csr.members;
    const last = ex.lastIndex, commit = cm.commitIndex, applied = dl.appliedIndex;
    const leaderMode = csr.leaderMode();   // ROLE 2 or 3 (leads a successor)
    const planeEn = csr.planeEn & ((1 << P) - 1);
    const now = csr.cycleReg >>> 0;

    // RX: copy keys of the planes' heads (nicraft_rx_key), the merge (nicraft_plane_merge)
    merge.comb(rxf, this.keys, planeEn, now, csr.clusterId, leaderMode, term, nodeId, members, last);
    // the execute engine: the decision and its events
    ex.comb(fastEn, role, term, nodeId, csr.leaderId, members, applied, lr);
    const mainGo = merge.selValid && ex.rxReady;
    // the log RAM's host port: a write waits while the execute engine writes
    const lpRead = kind === KIND_LOG_READ;
    const lpAccept = kind === KIND_LOG_WRITE && !ex.eLogWe;
    const lpWrite = lpAccept && lr.hostWriteFits(cmd!.beat, cmd!.len);
    // commit (the quorum), delivery, generated frames, retransmission, match indexes
    // (a host write of LAST_INDEX this cycle: the follower commit waits, nicraft_commit's wr_last_index)
    const wrLast = kind === KIND_CSR_WRITE && (cmd!.addr & 0xffff) === CSR_LAST_INDEX;
    cm.comb(leaderMode, members, csr.quorum, nodeId, csr.termStart, last, ex.evCommit, ex.evCommitIndex,
      csr.leaderId, ex.evFreshEnd, ex.evFreshIndex, wrLast, fastEn, ex.evCtlAccept, csr.tailOn(), ex.eLogMid);
    dl.comb(cm.dlvTarget, cg.afull());
    cg.comb(csr, last, commit, dl.rdValid, dl.rdFirst, lr);
    rt.comb(leaderMode, last, term, lpRead, lr);
    cm.combMatch(merge.ackSrc, merge.ackIndex, ex.evAck, ex.evNack, ex.dSrc, ex.dIndex, csr.chainLead());

    // ---- CSR read: the mux sees the state as it is at the start of the cycle
    const oldCsrRdValid = csr.rdValid;
    const oldCsrRdData = csr.rdData;
    if (kind === KIND_CSR_READ) {
      const status = (ex.frozen(fastEn) ? 8 : 0) | (ex.appendAfull() ? 4 : 0) | (((last - applied) >>> 0) >= this.d.LD ? 2 : 0) | (dl.afull() ? 1 : 0);
      csr.rdData = csr.read(cmd!.addr & 0xffff, last, commit, applied, cm.view(csr.matchSel, nodeId, last), status, this.stats);
    }
    csr.rdValid = kind === KIND_CSR_READ;

    // ---- counters of the RX side: the buffers' registered strobes, copies and disabled planes
    if (merge.ackSel >= 0) ctr[C_ACK_RX]!++;
    const dropM = merge.dupDropM | merge.offDropM;
    for (let p = 0; p < P; p++) {
      const f = rxf[p]!;
      if (f.frameInReg || f.dropValidReg || ((dropM >> p) & 1)) this.stats.rx(p, f, ((merge.dupDropM >> p) & 1) === 1, ((merge.offDropM >> p) & 1) === 1, ((merge.reqDupDropM >> p) & 1) === 1);
    }

    // ---- TX fan-out: each plane's FIFO to its wire
    fo.comb(planeEn);
    fo.drain(t, this.txReady, this.txOut, ctr);

    // ---- TX arbiter (0 APPEND FIFO, 1 retransmissions, 2 generated, 3 host TX) -> TX fan-out
    {
      const vm = (ex.txf.used > 0 ? 1 : 0) | (rt.rtx.used > 0 ? 2 : 0) | (cg.gen.used > 0 ? 4 : 0) | (hostPresent ? 8 : 0);
      const ts = this.txArb.pick(vm);
      // the signing buffer's head beat to the fan-out (both judged at the start of the cycle); AUTH_EN off: no buffer
      const sg = this.sign;
      const authEn = this.auth.authEn;
      const sgReady = sg.ready();   // s_axis_tready: the buffer's count at the start of the cycle, before this cycle's pop
      if (authEn && sg.outValid(t) && fo.ready(planeEn)) {
        const b = sg.pop();
        fo.accept(b.buf, b.last, b.shared, planeEn, ctr);
      }
      if (ts >= 0 && (authEn ? sgReady : fo.ready(planeEn))) {
        let lastBeat: boolean;
        let buf: Uint8Array | null = null;
        let peek: Uint8Array | null;
        if (ts < 3) {
          const f = ts === 0 ? ex.txf : ts === 1 ? rt.rtx : cg.gen;
          lastBeat = f.headLast();
          peek = f.rdBeat === 0 ? f.headBuf() : null;
          if (lastBeat) buf = f.headBuf();
          f.read();
        } else {
          const hb = hi.buf[hi.head]!;
          peek = hb;
          lastBeat = (hi.beat + 1) * BEAT >= hb.length;
          hi.holding = false;
          if (lastBeat) {
            buf = hb;
            hi.pop();
            ctr[C_HOST_TX_FRAMES]!++;
          } else hi.beat++;
        }
        if (authEn) sg.accept(t, buf, lastBeat, ts === 0, this.auth, peek);
        else { fo.accept(buf, lastBeat, ts === 0, planeEn, ctr); sg.idleCycle(this.auth); }
        if (lastBeat) ctr[C_TX_FRAMES]!++;
        this.txArb.pass(ts, lastBeat);
      } else {
        sg.idleCycle(this.auth);
      }
    }

    // ---- host RX arbiter (0 deliveries, 1 punts, 2 needs-repair events, 3 leader-silence events) -> host RX queue
    let watchTaken = false;
    {
      const vm = (dl.dlv.used > 0 ? 1 : 0) | (ex.pnt.used > 0 ? 2 : 0) | (rt.evt.used > 0 ? 4 : 0) | (this.watch.valid ? 8 : 0);
      const hs = this.hostArb.pick(vm);
      if (hs >= 0 && hostRxReady) {
        if (hs === 3) {
          this.hostOut.push({ frame: this.watch.frame(nodeId, csr.clusterId), reason: H_LEADER_SILENT, cycle: t });
          watchTaken = true;
          this.hostArb.pass(hs, true);
        } else {
          const f = hs === 0 ? dl.dlv : hs === 1 ? ex.pnt : rt.evt;
          const lastBeat = f.headLast();
          if (lastBeat) this.hostOut.push({ frame: f.headBuf(), reason: f.headUser() & 0xff, cycle: t });
          f.read();
          this.hostArb.pass(hs, lastBeat);
        }
      }
    }
    // the leader-silence watch (its inputs: this cycle's first-beat events of the execute engine)
    this.watch.clock(this.watching(), csr.silenceCycles, ex.evCommit || ex.evDup || ex.evGap,
      watchTaken, csr.leaderId, term, ctr);

    // ---- clock edge: the engines' FIFO writes and read ports (the log RAM's old contents), in the RTL's order
    if (cg.genWe) cg.clockFrame(csr, last, commit, ex.oooValid, ex.oooMin, lr, ctr);
    if (dl.rdValid || dl.go) dl.clock(lr, ctr); else dl.appliedNext = applied;
    if (rt.rdValid || rt.go) rt.clockRead(commit, lr, ctr);
    if (rt.evtWe || rt.evtPush || rt.staleHit) rt.clockEvent(nodeId, csr.clusterId, term, commit, ctr);

    // ---- the log RAM's host port: a read sees the old contents
    const oldLogRspValid = lr.rspValid;
    const oldRspBuf = lr.rspBuf, oldRspOff = lr.rspOff, oldRspN = lr.rspN, oldRspLen = lr.rspLen;
    if (lpRead || oldLogRspValid) lr.hostRead(lpRead, lpRead ? cmd!.addr : 0, lpRead ? cmd!.beat : 0);

    // ---- the execute engine's E stage, the host's log write, the generators' timers, retransmission, match indexes
    ex.clockE(term, nodeId, commit, csr.succId, lr, ctr);
    if (lpWrite) lr.hostWrite(cmd!.addr, cmd!.beat, cmd!.data!, cmd!.len);
    cg.clockTimers(role, csr.ackGap, last, commit, ex.evSeqFirst, ex.evDup, ex.evLogGrew, ex.evGap, ex.oooValid, ex.oooMin);
    rt.clockPend(leaderMode, nodeId, members, last, csr.rto, cm.movedM, ex.evNack, ex.dSrc, ex.dIndex, ex.dClient);
    cm.clockMatch();

    // ---- RX buffers: the wire's beats (judged on the read pointers as they were at the start of the cycle)
    // (each through its plane's authentication delay line: the beat leaving it, with its verdict)
    for (let p = 0; p < P; p++) {
      const f = rxf[p]!;
      let inBeat = null;
      if (this.present[p]) {
        const ip = this.rxIn[p]!;
        const buf = ip.buf[ip.head]!;
        inBeat = { buf, k: ip.beat, macError: (ip.user[ip.head]! & 1) === 1 };
        if ((ip.beat + 1) * BEAT >= buf.length) ip.pop();
        else ip.beat++;
      }
      const o = this.rxAuth[p]!.step(inBeat, this.auth);
      if (o.beat) f.beat(o.beat.buf, o.beat.k, o.beat.macError, o.drop);
      else f.noBeat();
    }

    // ---- the execute engine's D stage takes the merge's beat; the merge pops
    ex.clockD(merge.selValid, merge.mBuf, merge.mBeat, merge.mLast, merge.mFirst, merge.mLen, csr.clusterId);
    merge.clock(rxf, this.keys, mainGo, now);

    // ---- shim: commands issued this cycle, then the answers to earlier ones
    if (cmd !== null) {
      if (kind === KIND_CSR_WRITE) { this.cmds.shift(); this.finishReq(cmd.tag); }
      else if (kind === KIND_CSR_READ) { this.cmds.shift(); this.csrWait.push(cmd.tag); }
      else if (kind === KIND_LOG_READ) {
        this.cmds.shift();
        this.logWait.push({ tag: cmd.tag, beat: cmd.beat });
        if (cmd.beat === 0) this.barrier = cmd.tag;
      } else if (lpAccept) { this.cmds.shift(); this.finishReq(cmd.tag); }
    }
    if (oldCsrRdValid && this.csrWait.length !== 0) {
      const tag = this.csrWait.shift()!;
      const r = this.results.get(tag);
      if (r) { r.value = oldCsrRdData; r.done = true; }
      this.finishReq(tag);
    }
    if (oldLogRspValid && this.logWait.length !== 0) this.logResponse(oldRspBuf, oldRspOff, oldRspN, oldRspLen);

    // ---- registers (_reg <= _next), then the host's CSR write (it wins over the engines' updates)
    ex.latch();
    cm.latch();
    dl.latch();
    if (ex.lastIndex !== last) cm.quorum.bump();
    if (kind === KIND_CSR_WRITE) this.csrWrite(cmd!.addr & 0xffff, cmd!.value);
    this.auth.latch();

    // ---- the quorum pipeline (inputs as they were at the start of the cycle)
    cm.quorum.clock();

    csr.cycleReg++;
    this.cyc = t + 1;
  }

  /** A host CSR write: the CSR block's registers, and the strobe to the engine that owns the register. */
  private csrWrite(addr: number, v: number): void {
    if (AuthCsr.owns(addr)) { this.auth.write(addr, v); return; }
    switch (this.csr.write(addr, v)) {
      case W_QUORUM_INPUT: this.commit.quorum.bump(); break;
      case W_LAST_INDEX: this.exec.lastIndex = v; this.ctlGen.ackedIndex = v; this.ctlGen.ackMoved = true; this.commit.quorum.bump(); break;
      case W_COMMIT_INDEX: this.commit.commitIndex = v; break;
      case W_APPLIED_INDEX: this.deliver.writeApplied(v); break;
      case W_MATCH_INDEX: this.commit.writeMatch(this.csr.matchSel, v); break;
      case W_CTR_CLEAR: this.stats.clear(); break;
      default: break;
    }
  }
}
