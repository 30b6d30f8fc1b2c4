// A cluster runtime of ModelNics (ctrl/nic/model.ts) with the interface of the RTL co-simulation
// (sim/cluster.ts `Cluster`) that a chain world uses (`ChainFabric`, sim/chain-world.ts): the same
// ClusterConfig, the same host software hooks (HostSoftware / HostContext, a `Nic` whose writes are
// posted with the host latency and whose reads wait for them), the traffic generators' clients of
// native/traffic.h ported to TypeScript, and the fabric's network model and faults (native/fabric.cpp)
// in the shape of sim/model-world.ts. No native code: it runs anywhere, and fast.
//
//   const w = new ChainWorld({ replicas: 3, planes: 1, seed: 7, fabric: (c) => new ModelCluster(c) });
//
// What is modelled (docs/network-model.md; the timing formulas are those of sim/cluster.ts `hopPs`):
//   * NIC output: a frame whose last beat left the NIC in cycle c starts on its uplink at
//     max(uplink free, (c - beats + 2) * period, (c + 1) * period - wire time) (the fabric's
//     cut-through MAC with unpaced beats); client REQs made in cycle c are ready at (c + 1) * period.
//     Uplinks and switch egress ports serialize at the line rate (no buffer limit, no drops for
//     buffer). A frame reaches the switch after TX MAC + cable + switch (+ the frame with
//     store-and-forward) and its destination after egress + cable + RX MAC; a NIC sees it from the
//     cycle it arrived in, a client completes in that cycle. Group frames go to every other replica
//     (and the clients with clientsInGroup), node MACs to one node, client MACs to one client.
//   * the frames of a lockstep chunk (the NICs' output and the clients' REQs) pass the switches in
//     the order of their switch times; across chunks in the order the chunks ran (an approximation
//     of the fabric's single event queue that matters only when an uplink is queued deep).
//   * faults (FaultSpec, times in cycles) act where the fabric's do: on each copy a switch forwards
//     (partition, drop, duplicate, delay + jitter, corrupt = a bad FCS the receiving MAC drops), judged
//     at the cycle of the switch time; planeDown/planeUp: a plane that is down drops what a NIC sends
//     on it, what its switch forwards and what reaches an endpoint over it; clients learn it after
//     linkDetectNs (the plane hints of traffic.h); crash: the NIC is replaced by a fresh one held in
//     reset (not stepped), its pending host operations and host RX frames dropped, frames to it
//     dropped; at `until` (restart) a fresh ModelNic comes out of reset (registers at their reset
//     values, an empty log). The host hears of a crash or restart at the next host step
//     (HostSoftware.onCrash / onRestart), after the fault took effect.
//   * conservative lockstep (as sim/model-world.ts): every NIC is stepped in chunks no longer than the
//     least hop, so a frame is queued on its destination's RX port before the cycle it arrives in.
//   * host: posted operations (CSR and log writes, host TX frames) reach the NIC hostLatencyCycles
//     after they were issued (at once during boot, as Cluster); a read waits for the node's posted
//     operations, then reads (the NIC runs ahead by the read's few cycles; the world catches up right
//     after). Host RX frames are handed to the host software at the first host poll at least
//     hostLatencyCycles after the NIC put them out. Timers, host polls and pollers as in Cluster.
//   * clients: native/traffic.h (open and closed loop, REQ frames as make_req builds them, follower /
//     NIC replies / snooping, spread / fixed / duplicate planes, retries with the doubling timeout and
//     the retry budget), the same counters in stats().
//
//   * external clients (cfg.externalClients, as the fabric's): endpoints after the traffic generators'
//     clients (client ids workload.clients + k + 1), driven from TypeScript: clientSend(k, plane, frame)
//     puts a frame on the client's uplink now (ready at the current cycle, as nr_cluster_ext_send),
//     clientPoll(k) takes the frames that reached it (group frames never reach them).
//
// What is not: egress buffer limits and drops (no load here fills them), cross-links, the MAC's
// pacing beat by beat (it is modelled frame by frame: stepNode), injectRx, waveforms. A read of a crashed node's NIC (host code that was
// waiting on it when it crashed) answers 0 / an empty frame instead of never answering.
// Determinism: every draw (faults' prob, jitter, corruption) comes from one SeededRand made from
// cfg.seed; no wall clock.
import { ModelNic } from '../ctrl/nic/model.js';
import type { HostFrame, RxFrame } from '../ctrl/nic/nic.js';
import { SeededRand } from '../ctrl/rand.js';
import type { CounterName } from '../ctrl/wire/wire.gen.js';
import * as M_wire from '../ctrl/wire/wire.gen.js';
import * as M_cluster from './cluster.js';
import type { ClientLatency, ClusterConfig, FaultSpec, HostContext, HostSoftware, NetworkModel, NicSettings, Workload } from './cluster.js';
import type { ChainFabric } from './chain-world.js';
import { PostedModelNic, type LinkFault, type LinkTally, type Pending, type Timer } from './model-common.js';
import * as M_common from './model-common.js';
import { quantileSorted } from './percentile.js';
import { ByteSlab } from '../ctrl/nic/model/bytes.js';
// Imported bindings as module constants (as ctrl/nic/model.ts): under vitest every use of an imported
// binding is a getter call on the module's namespace, which the per-frame and per-cycle paths here pay.
const {
  BEAT_BYTES, ETHERTYPE, Flag, HDR_BYTES, HostReason, MAC_CLIENT_PREFIX, MAC_GROUP,
  MAC_NODE_PREFIX, MIN_FRAME_BYTES, MsgType, WIRE_VERSION,
  getClientId, getCommitIndex, getEthertype, getLogIndex, getSeq, getSrcNode, getType,
  setClientId, setClusterId, setDstMac, setDstNode, setEthertype, setFlags, setPayloadLen, setSeq, setSrcMac, setSrcNode, setType, setVersion,
} = M_wire;
const { DEFAULT_NETWORK, DEFAULT_NIC, StaticHost, frameLen, hopPs, lineRateFps, periodPs, wirePs } = M_cluster;
const { applyDuePosts, applyLinkFaults, insertTimer, macOf, newLinkTally, tallyLinkOutcome } = M_common;
const MT_REQ = MsgType.REQ, MT_REPLY = MsgType.REPLY, MT_APPEND = MsgType.APPEND, MT_HEARTBEAT = MsgType.HEARTBEAT;
const H_COMMITTED = HostReason.COMMITTED;
/** the clients' REQ frames (zero-filled; ctrl/nic/model/bytes.ts: a frame longer than 64 bytes made alone costs ten times as much) */
const REQ_FRAMES = new ByteSlab();
/** the external clients' frames and the host TX frames posted to a NIC, copied as they are handed over */
const EXT_FRAMES = new ByteSlab();
const POSTED_FRAMES = new ByteSlab();
/** the wire tap's copies of the frames it keeps */
const TAPPED = new ByteSlab();

// ---- small queues ---------------------------------------------------------------------------------

/**
 * A binary min-heap on (a, b) (the pairs are unique in every use here, so the order in which equal
 * keys leave does not arise). Sifts move a hole instead of swapping pairs of entries.
 */
class Heap<T extends { a: number; b: number }> {
  private h: T[] = [];
  get size(): number { return this.h.length; }
  top(): T | undefined { return this.h[0]; }
  push(v: T): void {
    const h = this.h;
    let i = h.length;
    h.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = h[p]!;
      if (!(v.a < q.a || (v.a === q.a && v.b < q.b))) break;
      h[i] = q;
      i = p;
    }
    h[i] = v;
  }
  pop(): T | undefined {
    const h = this.h;
    if (!h.length) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        let m = l;
        let c = h[l]!;
        if (l + 1 < n) {
          const r = h[l + 1]!;
          if (r.a < c.a || (r.a === c.a && r.b < c.b)) { m = l + 1; c = r; }
        }
        if (!(c.a < last.a || (c.a === last.a && c.b < last.b))) break;
        h[i] = c;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
  clear(): void { this.h = []; }
}

/** A frame in flight to a NIC port, in the shape pushRx takes (atCycle = at): handed over as it is. */
interface RxPending extends Pending { atCycle: number }

/**
 * The frames in flight to one NIC port, in (at, seq) order (model-common.ts insertSorted's order): an
 * array with a head index, since frames are taken from the front a chunk at a time while a backlogged
 * egress port can keep many queued behind them (shifting the array for each chunk would cost its length).
 */
class RxQueue {
  private q: RxPending[] = [];
  private head = 0;
  get length(): number { return this.q.length - this.head; }
  /** the k-th frame from the front */
  get(k: number): RxPending { return this.q[this.head + k]!; }
  /** Inserts a frame after every frame due before it (scanning from the back: most arrive in order). */
  insert(p: RxPending): void {
    const q = this.q;
    let i = q.length;
    while (i > this.head && (q[i - 1]!.at > p.at || (q[i - 1]!.at === p.at && q[i - 1]!.seq > p.seq))) i--;
    if (i === q.length) q.push(p);
    else q.splice(i, 0, p);
  }
  /** Removes the first k frames. */
  take(k: number): void {
    this.head += k;
    if (this.head === this.q.length) { this.q.length = 0; this.head = 0; }
    else if (this.head >= 256 && 2 * this.head >= this.q.length) { this.q.splice(0, this.head); this.head = 0; }
  }
}

/** A frame on its way to a client: due at cycle a, b its sequence number (the order among equal a). */
interface Arrival { a: number; b: number; client: number; plane: number; frame: Uint8Array; macError: boolean }

/**
 * The frames on their way to the clients, taken in (a, b) order, as from one heap. A port's frames (a
 * client's, on one plane: one egress port) arrive in the order it sends them unless a delay fault held
 * one back, so each port has a FIFO, and a frame that would break its port's order goes to a heap; the
 * front is the least of the FIFOs' heads and the heap's top. `next` is the front's arrival cycle.
 */
class ArrivalQueue {
  private readonly fifo: Arrival[][] = [];
  private readonly head: number[] = [];
  private readonly heap = new Heap<Arrival>();
  /** the front's due cycle (Infinity: empty) */
  next = Infinity;
  constructor(ports: number) {
    for (let i = 0; i < ports; i++) { this.fifo.push([]); this.head.push(0); }
  }
  push(port: number, x: Arrival): void {
    const q = this.fifo[port]!;
    const last = q.length > this.head[port]! ? q[q.length - 1]! : undefined;
    if (!last || x.a > last.a || (x.a === last.a && x.b > last.b)) q.push(x);
    else this.heap.push(x);
    if (x.a < this.next) this.next = x.a;
  }
  /** Takes the front (the queue is not empty). */
  pop(): Arrival {
    let best: Arrival | undefined = this.heap.top();
    let port = -1;
    for (let i = 0; i < this.fifo.length; i++) {
      const q = this.fifo[i]!, h = this.head[i]!;
      if (h === q.length) continue;
      const x = q[h]!;
      if (!best || x.a < best.a || (x.a === best.a && x.b < best.b)) { best = x; port = i; }
    }
    if (port < 0) this.heap.pop();
    else {
      const q = this.fifo[port]!;
      const h = this.head[port]! + 1;
      if (h === q.length) { q.length = 0; this.head[port] = 0; }
      else if (h >= 256 && 2 * h >= q.length) { q.splice(0, h); this.head[port] = 0; }
      else this.head[port] = h;
    }
    // the new front's cycle
    let next = this.heap.size ? this.heap.top()!.a : Infinity;
    for (let i = 0; i < this.fifo.length; i++) {
      const q = this.fifo[i]!, h = this.head[i]!;
      if (h < q.length && q[h]!.a < next) next = q[h]!.a;
    }
    this.next = next;
    return best!;
  }
}

/**
 * The requests' retry deadlines (due cycle, seq), taken in that order, as from one heap. A first send's
 * deadline (sent + the retry time) comes after every first send's before it (time and seq only grow),
 * so those wait in a FIFO (one out of order would go to the heap); a retry's (the timeout doubled, any
 * order) in a heap; the front is the lesser of the two heads. (seq is unique among the entries: a
 * request has one deadline queued at a time.)
 */
class RetryQueue {
  /** the FIFO: due cycles and seqs from index head on */
  private fDue: number[] = [];
  private fSeq: number[] = [];
  private head = 0;
  private readonly heap = new Heap<{ a: number; b: number }>();
  get size(): number { return this.fDue.length - this.head + this.heap.size; }
  /** the front is the FIFO's head (else the heap's top) */
  private fifoFirst(): boolean {
    if (this.head === this.fDue.length) return false;
    const t = this.heap.top();
    if (!t) return true;
    const a = this.fDue[this.head]!;
    return a < t.a || (a === t.a && this.fSeq[this.head]! < t.b);
  }
  /** the front's due cycle and seq (size > 0) */
  topDue(): number { return this.fifoFirst() ? this.fDue[this.head]! : this.heap.top()!.a; }
  topSeq(): number { return this.fifoFirst() ? this.fSeq[this.head]! : this.heap.top()!.b; }
  pop(): void {
    if (!this.fifoFirst()) { this.heap.pop(); return; }
    this.head++;
    if (this.head === this.fDue.length) { this.fDue.length = 0; this.fSeq.length = 0; this.head = 0; }
    else if (this.head >= 1024 && 2 * this.head >= this.fDue.length) {
      this.fDue.splice(0, this.head); this.fSeq.splice(0, this.head); this.head = 0;
    }
  }
  /** A deadline: `first`, a request's first send (into the FIFO if it keeps it in order). */
  push(due: number, seq: number, first: boolean): void {
    const n = this.fDue.length;
    if (first && (n === this.head || due > this.fDue[n - 1]! || (due === this.fDue[n - 1]! && seq > this.fSeq[n - 1]!))) {
      this.fDue.push(due);
      this.fSeq.push(seq);
    } else this.heap.push({ a: due, b: seq });
  }
}

// ---- the clients (native/traffic.h) --------------------------------------------------------------

// (seq * 0x9E3779B97F4A7C15) mod 2^64 for an integer seq in [0, 2^53), in 32-bit halves without BigInt
// (make_req's payload seed; BigInt arithmetic allocates): seq = sHi * 2^32 + sLo, K = K_HI * 2^32 + K_LO,
// the product mod 2^64 = sLo * K_LO + ((sLo * K_HI + sHi * K_LO) mod 2^32) * 2^32.
const K_HI = 0x9e3779b9, K_LO = 0x7f4a7c15;
/** The low 32 bits of seq * K. */
function seedLo(seq: number): number {
  return Math.imul(seq >>> 0, K_LO) >>> 0;
}
/** The high 32 bits of seq * K mod 2^64: the high half of the 32 x 32-bit product sLo * K_LO (from 16-bit halves), plus the cross terms. */
function seedHi(seq: number): number {
  const sLo = seq >>> 0, sHi = Math.floor(seq / 4294967296) >>> 0;
  const a0 = sLo & 0xffff, a1 = sLo >>> 16, b0 = K_LO & 0xffff, b1 = K_LO >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
  const carry = ((p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)) >>> 16;
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + carry + Math.imul(sLo, K_HI) + Math.imul(sHi, K_LO)) >>> 0;
}

interface Req { sent: number; last: number; client: number; plane: number; tries: number; done: boolean }
interface TrafficClient { id: number; rr: number; want: number; inflight: number; maxInflight: number; snoop: Array<[number, number]>; snoopLast: number; avoidUntil: number[] }

interface TrafficCfg {
  closed: boolean; rate: number; outstanding: number; payload: number; start: number; stop: number; maxRequests: number;
  nicReply: boolean; followerReply: boolean; snoop: boolean; fixedPlane: number; duplicate: boolean;
  retryCycles: number; retryRate: number; avoidCycles: number; measureFrom: number; bucketCycles: number;
}

type Emit = (ci: number, plane: number, frame: Uint8Array) => void;

/** The client traffic generators: a port of native/traffic.h, counter for counter. */
class Traffic {
  clients: TrafficClient[] = [];
  reqs: Req[] = [];
  readonly retryQ = new RetryQueue();
  tokens = 0;
  retryTokens = 0;
  retriesDeferred = 0;
  nextClient = 0;
  offered = 0; sends = 0; retries = 0; completed = 0; dupReplies = 0; stray = 0; copies = 0;
  completedMeasured = 0; completedInWindow = 0;
  /** latency samples (cycles) of requests first sent at or after measureFrom */
  samples: number[] = [];
  buckets: number[] = [];
  planeHint: boolean[];
  leader: number;

  constructor(readonly cfg: TrafficCfg, nClients: number, readonly planes: number, leader: number) {
    this.leader = leader;
    for (let c = 0; c < nClients; c++) {
      this.clients.push({
        id: c + 1, rr: c % planes, want: cfg.closed ? cfg.outstanding : 0, inflight: 0, maxInflight: 0,
        snoop: [], snoopLast: 0, avoidUntil: new Array<number>(planes).fill(0),
      });
    }
    this.planeHint = new Array<boolean>(planes).fill(true);
  }

  private due(r: Req): number {
    return r.last + this.cfg.retryCycles * 2 ** Math.min(r.tries - 1, 6);
  }

  /** The REQ frame of traffic.h's make_req. */
  makeReq(clientId: number, seq: number, retry: boolean): Uint8Array {
    const cfg = this.cfg;
    const len = Math.max(MIN_FRAME_BYTES, HDR_BYTES + cfg.payload);
    const p = REQ_FRAMES.alloc(len);
    setDstMac(p, MAC_NODE_PREFIX + (this.leader & 0xff));
    setSrcMac(p, MAC_CLIENT_PREFIX + (clientId & 0xffffff));
    setEthertype(p, ETHERTYPE);
    setVersion(p, WIRE_VERSION);
    setType(p, MT_REQ);
    setClusterId(p, 1);
    setFlags(p, cfg.followerReply ? (retry ? Flag.NIC_REPLY : Flag.FOLLOWER_REPLY) : cfg.nicReply ? Flag.NIC_REPLY : 0);
    setSrcNode(p, 0xff);
    setDstNode(p, this.leader & 0xff);
    setClientId(p, clientId);
    setSeq(p, seq);
    setPayloadLen(p, cfg.payload & 0xffff);
    if (cfg.payload > 0) {
      // x = seq * 0x9E3779B97F4A7C15 ^ client_id (64 bits), then xorshift64 per byte
      // (the halves are kept as int32 bit patterns: xor and shifts give the same bits without >>> 0)
      let hi = seedHi(seq) | 0;
      let lo = seedLo(seq) ^ clientId;
      const n = cfg.payload, base = HDR_BYTES;
      for (let i = 0; i < n; i++) {
        // x ^= x << 13 (each half from the old halves)
        hi ^= (hi << 13) | (lo >>> 19);
        lo ^= lo << 13;
        // x ^= x >> 7
        lo ^= (lo >>> 7) | (hi << 25);
        hi ^= hi >>> 7;
        // x ^= x << 17
        hi ^= (hi << 17) | (lo >>> 15);
        lo ^= lo << 17;
        p[base + i] = lo & 0xff;
      }
    }
    return p;
  }

  pickPlane(c: TrafficClient, cycle: number, avoid = -1): number {
    const cfg = this.cfg, planes = this.planes;
    if (cfg.fixedPlane >= 0 && avoid < 0 && this.planeHint[cfg.fixedPlane % planes]) return cfg.fixedPlane % planes;
    for (let pass = 0; pass < 3; pass++) {
      for (let k = 0; k < planes; k++) {
        const p = (c.rr + k) % planes;
        if (pass < 2 && p === avoid && planes > 1) continue;
        if (pass < 2 && !this.planeHint[p]) continue;
        if (pass < 1 && c.avoidUntil[p]! > cycle) continue;
        c.rr = (p + 1) % planes;
        return p;
      }
    }
    c.rr = (c.rr + 1) % planes;
    return c.rr;
  }

  private emitCopies(ci: number, p: number, seq: number, retry: boolean, emit: Emit): void {
    const id = this.clients[ci]!.id;
    if (!this.cfg.duplicate) { this.copies++; emit(ci, p, this.makeReq(id, seq, retry)); return; }
    const any = this.planeHint.some((h) => h);
    for (let q = 0; q < this.planes; q++) {
      if (any && !this.planeHint[q]) continue;
      this.copies++;
      emit(ci, q, this.makeReq(id, seq, retry));
    }
  }

  private window(cycle: number): boolean {
    const cfg = this.cfg;
    return cycle >= cfg.start && (cfg.stop === 0 || cycle < cfg.stop) && (!cfg.maxRequests || this.offered < cfg.maxRequests);
  }

  generate(cycle: number, emit: Emit): void {
    const cfg = this.cfg;
    if (cfg.retryCycles) {
      if (cfg.retryRate > 0) this.retryTokens = Math.min(this.retryTokens + cfg.retryRate, 64);
      // (a request answered meanwhile leaves the queue when its deadline comes, unsent: nothing is
      // due before the front's deadline, answered or not)
      while (this.retryQ.size) {
        if (this.retryQ.topDue() > cycle) break;
        const seq = this.retryQ.topSeq();
        const r = this.reqs[seq - 1]!;
        if (r.done) { this.retryQ.pop(); continue; }
        if (cfg.retryRate > 0) {
          if (this.retryTokens < 1) { this.retriesDeferred++; break; }
          this.retryTokens -= 1;
        }
        this.retryQ.pop();
        const c = this.clients[r.client]!;
        c.avoidUntil[r.plane] = cycle + cfg.avoidCycles;
        const p = this.pickPlane(c, cycle, r.plane);
        r.plane = p;
        r.last = cycle;
        if (r.tries < 255) r.tries++;
        this.retries++;
        this.sends++;
        this.emitCopies(r.client, p, seq, true, emit);
        this.retryQ.push(this.due(r), seq, false);
      }
    }
    if (!this.clients.length) return;
    if (!cfg.closed) {
      if (!this.window(cycle)) return;
      this.tokens += cfg.rate;
      while (this.tokens >= 1.0 && this.window(cycle)) {
        this.tokens -= 1.0;
        const ci = this.nextClient;
        this.nextClient = (this.nextClient + 1) % this.clients.length;
        this.sendNew(ci, cycle, emit);
      }
    } else {
      for (let ci = 0; ci < this.clients.length; ci++) {
        const c = this.clients[ci]!;
        while (c.want > 0 && this.window(cycle)) {
          c.want--;
          this.sendNew(ci, cycle, emit);
        }
      }
    }
  }

  private sendNew(ci: number, cycle: number, emit: Emit): void {
    const c = this.clients[ci]!;
    this.offered++;
    const seq = this.offered;
    const p = this.pickPlane(c, cycle);
    const r: Req = { sent: cycle, last: cycle, client: ci, plane: p, tries: 1, done: false };
    this.reqs.push(r);
    c.inflight++;
    c.maxInflight = Math.max(c.maxInflight, c.inflight);
    this.sends++;
    this.emitCopies(ci, p, seq, false, emit);
    if (this.cfg.retryCycles) this.retryQ.push(this.due(r), seq, true);
  }

  complete(seq: number, cycle: number): void {
    if (seq === 0 || seq > this.reqs.length) { this.stray++; return; }
    const r = this.reqs[seq - 1]!;
    if (r.done) { this.dupReplies++; return; }
    r.done = true;
    this.completed++;
    const c = this.clients[r.client]!;
    if (c.inflight) c.inflight--;
    if (this.cfg.closed) c.want++;
    if (r.sent >= this.cfg.measureFrom) {
      this.samples.push(cycle - r.sent);
      this.completedMeasured++;
      if (this.cfg.stop === 0 || cycle < this.cfg.stop) this.completedInWindow++;
    }
    const b = Math.floor(cycle / this.cfg.bucketCycles);
    while (this.buckets.length <= b) this.buckets.push(0);
    this.buckets[b]!++;
  }

  /** A frame client ci's MAC handed over in `cycle`. */
  receive(ci: number, p: Uint8Array, macError: boolean, cycle: number): void {
    if (p.length < HDR_BYTES || macError) return;
    if (getEthertype(p) !== ETHERTYPE) return;
    const c = this.clients[ci]!;
    const t = getType(p);
    if (t === MT_REPLY) {
      if (getClientId(p) === c.id) this.complete(getSeq(p), cycle);
      return;
    }
    if (!this.cfg.snoop || (t !== MT_APPEND && t !== MT_HEARTBEAT)) return;
    if (getSrcNode(p) !== this.leader) return;
    if (t === MT_APPEND && getClientId(p) === c.id) {
      const idx = getLogIndex(p);
      if (idx > c.snoopLast) { c.snoop.push([idx, getSeq(p)]); c.snoopLast = idx; }
    }
    const commit = getCommitIndex(p);
    while (c.snoop.length && c.snoop[0]![0] <= commit) {
      this.complete(c.snoop[0]![1], cycle);
      c.snoop.shift();
    }
  }

  /** Requests not answered yet: every request is in reqs, and complete() counts each once as it is marked done. */
  outstanding(): number {
    return this.reqs.length - this.completed;
  }
}

// ---- the Nic of a node ----------------------------------------------------------------------------

/** The `Nic` a node's host drives (sim/model-common.ts PostedModelNic): reads of a down node give zeros. */
export class ModelClusterNic extends PostedModelNic {
  readonly planes: number;
  protected readonly what = 'ModelClusterNic';
  private inbox: HostFrame[] = [];
  constructor(private readonly world: ModelCluster, readonly node: number) {
    super();
    this.planes = world.planes;
  }
  /** The ModelNic this node has now (a crash replaces it). */
  get inner(): ModelNic { return this.world.nodeNic(this.node); }
  get cycle(): number { return this.world.cycle; }
  protected post(fn: () => void): void { this.world.post(this.node, fn); }
  protected waitPosted(): void { this.world.waitPosted(this.node); }
  protected catchUp(): void { this.world.catchUp(); }
  protected override readable(): boolean { return this.world.isUp(this.node); }
  sendHost(frames: Uint8Array | readonly Uint8Array[]): void {
    const list = (frames instanceof Uint8Array ? [frames] : [...frames]).map((f) => POSTED_FRAMES.copy(f));
    this.post(() => this.inner.sendHost(list));
  }
  /** Frames delivered to this host so far (the runtime fills the inbox at host polls). */
  pollHost(): HostFrame[] {
    const f = this.inbox;
    this.inbox = [];
    return f;
  }
  /** @internal */
  deliver(frames: HostFrame[]): void { for (const f of frames) this.inbox.push(f); }
  /** @internal */
  clearInbox(): void { this.inbox = []; }
}

// ---- the runtime ----------------------------------------------------------------------------------

interface Send { src: number; plane: number; frame: Uint8Array; startPs: number; cycle: number; seq: number; fwdPs: number }
/** The order in which the frames of a chunk pass the switches: their switch times, then the order they were queued. */
function bySwitchTime(x: Send, y: Send): number {
  return x.fwdPs - y.fwdPs || x.seq - y.seq;
}
interface Edge { at: number; seq: number; kind: 'crash' | 'restart' | 'planeDown' | 'planeUp'; arg: number }

interface NodeState {
  nic: ModelNic;
  up: boolean;
  /** the cycle it last came up (frames that arrived before are lost) */
  upSince: number;
  /** per plane: frames on their way to this NIC, sorted by arrival cycle */
  rxQ: RxQueue[];
  /** host RX frames the host has not been handed yet */
  hostQ: HostFrame[];
  /** crash / restart notices the host has not heard yet */
  notices: boolean[];
  wnic: ModelClusterNic;
  txFrames: number;
  committed: number;
  punted: number;
  /** per plane: the NIC's TX port is ready (the MAC's pacing) */
  ready: boolean[];
  /** the NIC sent something in its last step */
  busy: boolean;
}

/** Step of a NIC that is sending (cycles): how far it can run ahead of its MAC's pacing. */
const PACE_STEP = 8;

/** ModelCluster's drop counters (stats() drop.*); a partition's and a drop fault's from the LinkTally. */
function dropsOver(t: LinkTally) {
  return {
    buffer: 0, plane_down: 0, link_down: 0, node_down: 0,
    get partition(): number { return t.partition; },
    get fault_drop(): number { return t.fault; },
    unknown_dst: 0,
  };
}

/** ModelCluster's fault counters (stats() inject.*): the LinkTally's. */
function injectOver(t: LinkTally) {
  return {
    get drop(): number { return t.fault; },
    get duplicate(): number { return t.duplicated; },
    get delay(): number { return t.delayed; },
    get corrupt(): number { return t.corrupted; },
  };
}

export class ModelCluster implements ChainFabric {
  readonly replicas: number;
  readonly planes: number;
  readonly net: NetworkModel;
  readonly nicSettings: NicSettings;
  readonly workload: Workload;
  readonly hostLatencyCycles: number;
  readonly hostPollCycles: number;
  readonly nodeIdBase: number;
  /** the least hop (cycles): the lockstep chunk */
  readonly minHop: number;
  readonly nics: ModelClusterNic[] = [];
  /** Wall-clock seconds spent stepping NICs (for speed reports). */
  nicSeconds = 0;

  private readonly P: number;
  private readonly keepCommitted: boolean;
  private readonly maxBatch: number;
  private readonly linkDetectCycles: number;
  private readonly nodes: NodeState[] = [];
  private readonly hosts: HostSoftware[] = [];
  private readonly ctxs: HostContext[] = [];
  private readonly traffic: Traffic;
  private readonly frand: SeededRand;
  private readonly nicSeed: number;
  private _cycle = 0;
  private seq = 0;
  private timers: Timer[] = [];
  private nextPoll = 0;
  private pollers: Array<() => void> = [];
  private booting = false;
  private destroyed = false;
  private linkFaults: LinkFault[] = [];
  /** a delay fault's delay, its jitter drawn from the faults' stream (ps) */
  private readonly delayPs = (f: Extract<FaultSpec, { kind: 'delay' }>): number =>
    Math.round(f.delayNs * 1000) + (f.jitterNs ? this.frand.int(Math.round(f.jitterNs * 1000) + 1) : 0);
  private edges: Edge[] = [];
  private hints: Array<{ at: number; plane: number; up: boolean }> = [];
  private planeUp: boolean[];
  private uplinkFree: Float64Array;   // [endpoint * planes + plane] ps
  private egressFree: Float64Array;   // [endpoint * planes + plane] ps
  /** frames on their way to the clients (port: client index * planes + plane) */
  private readonly clientArr: ArrivalQueue;
  /** external clients (cfg.externalClients): endpoints replicas + workload.clients + k */
  readonly externalClients: number;
  /** per external client: frames that reached it, not polled yet */
  private readonly extIn: Array<Array<{ frame: Uint8Array; plane: number; badFcs: boolean; cycle: number }>> = [];
  private sends: Send[] = [];
  private tapOn = false;
  private tapMax = 64;
  private tapQ: Array<{ frame: Uint8Array; src: number; plane: number; cycle: number }> = [];
  /** the order of the frames the tap keeps: by the cycle they were sent, the clients' REQs first, then in the order they were queued */
  private readonly byCycle = (x: Send, y: Send): number =>
    x.cycle - y.cycle || (y.src >= this.replicas ? 1 : 0) - (x.src >= this.replicas ? 1 : 0) || x.seq - y.seq;
  /** the clients' cycle generate() runs for (emitReq's), and the REQs it makes */
  private genCycle = 0;
  private readonly emitReq = (ci: number, p: number, frame: Uint8Array): void => {
    const c = this.genCycle;
    const src = this.replicas + ci;
    const ui = src * this.planes + p;
    const st = Math.max(this.uplinkFree[ui]!, (c + 1) * this.P);
    this.uplinkFree[ui] = st + this.wireOf(frame.length);
    this.queueSend(src, p, frame, st, c);
  };
  private readonly eventLines: string[] = [];
  /** the link faults' counts (drop.partition, drop.fault_drop and inject.* in stats()) */
  private readonly linkTally = newLinkTally();
  private readonly drops = dropsOver(this.linkTally);
  private readonly inject = injectOver(this.linkTally);
  private framesSwitched = 0;
  private readonly wireCache = new Float64Array(2048).fill(-1);
  private copiesDelivered = 0;

  constructor(readonly cfg: ClusterConfig) {
    if (!(cfg.replicas >= 1 && cfg.replicas <= 8)) throw new Error('ModelCluster: replicas must be 1..8');
    if (!(cfg.planes >= 1 && cfg.planes <= 3)) throw new Error('ModelCluster: planes must be 1..3');
    this.externalClients = cfg.externalClients ?? 0;
    if (!(Number.isInteger(this.externalClients) && this.externalClients >= 0)) throw new Error(`ModelCluster: externalClients must be an integer >= 0 (got ${cfg.externalClients})`);
    for (let k = 0; k < this.externalClients; k++) this.extIn.push([]);
    this.replicas = cfg.replicas;
    this.planes = cfg.planes;
    this.net = { ...DEFAULT_NETWORK, ...(cfg.network ?? {}) };
    if (this.net.crossLinks) throw new Error('ModelCluster: cross-links are not modelled');
    this.nicSettings = { ...DEFAULT_NIC, ...(cfg.nic ?? {}) };
    this.workload = {
      mode: 'open', ratePct: 10, outstanding: 1, payloadBytes: 16, clients: 1, reply: 'nic', planes: 'spread',
      retryCycles: 0, retryBudgetPct: 0, startCycle: 0, stopCycle: 0, maxRequests: 0, measureFromCycle: 0, ...(cfg.workload ?? {}),
    };
    this.hostLatencyCycles = cfg.hostLatencyCycles ?? 250;
    this.hostPollCycles = Math.max(1, cfg.hostPollCycles ?? 250);
    this.maxBatch = Math.max(1, cfg.maxBatchCycles ?? 20_000);
    this.nodeIdBase = cfg.nodeIdBase ?? 0;
    if (this.nodeIdBase + cfg.replicas > 255) throw new Error('ModelCluster: nodeIdBase + replicas must be at most 255');
    this.keepCommitted = cfg.keepCommitted ?? false;
    this.P = periodPs(this.net);
    this.linkDetectCycles = Math.round((this.net.linkDetectNs * 1000) / this.P);
    const least = Math.min(hopPs(this.net, MIN_FRAME_BYTES, false, false), hopPs(this.net, MIN_FRAME_BYTES, true, false),
      hopPs(this.net, MIN_FRAME_BYTES, false, true));
    this.minHop = Math.max(1, 1 + Math.floor(least / this.P));
    const root = new SeededRand(cfg.seed);
    this.frand = root.fork('faults');
    this.nicSeed = root.fork('nics').uint32();
    const w = this.workload;
    const line = lineRateFps(this.net, frameLen(w.payloadBytes));
    this.traffic = new Traffic({
      closed: w.mode === 'closed', rate: (w.ratePct / 100) * line * this.P * 1e-12, outstanding: w.outstanding, payload: w.payloadBytes,
      start: w.startCycle, stop: w.stopCycle, maxRequests: w.maxRequests,
      nicReply: w.reply === 'nic', followerReply: w.reply === 'follower', snoop: w.reply === 'snoop',
      fixedPlane: typeof w.planes === 'number' ? w.planes : -1, duplicate: w.planes === 'duplicate',
      retryCycles: w.retryCycles, retryRate: (w.retryBudgetPct / 100) * line * this.P * 1e-12, avoidCycles: 25_000,
      measureFrom: w.measureFromCycle, bucketCycles: 2500,
    }, w.clients, cfg.planes, this.nodeIdBase);
    if (w.reply === 'snoop') this.net.clientsInGroup = true;
    const E = cfg.replicas + w.clients + this.externalClients;
    this.clientArr = new ArrivalQueue((w.clients + this.externalClients) * cfg.planes);
    this.uplinkFree = new Float64Array(E * cfg.planes);
    this.egressFree = new Float64Array(E * cfg.planes);
    this.planeUp = Array.from({ length: cfg.planes }, () => true);

    for (let i = 0; i < cfg.replicas; i++) {
      const nic = this.newNic(i, 0);
      const wnic = new ModelClusterNic(this, i);
      this.nics.push(wnic);
      this.nodes.push({
        nic, up: true, upSince: 0, rxQ: Array.from({ length: cfg.planes }, () => new RxQueue()), hostQ: [], notices: [], wnic,
        txFrames: 0, committed: 0, punted: 0, ready: new Array<boolean>(cfg.planes).fill(true), busy: false,
      });
    }
    this._cycle = this.nodes[0]!.nic.cycle;
    for (const f of cfg.faults ?? []) this.addFault(f);
    const hostFactory = cfg.host ?? (() => new StaticHost(this.nicSettings, 0, w.reply === 'follower', cfg.replication === 'chain'));
    for (let i = 0; i < cfg.replicas; i++) {
      this.hosts.push(hostFactory(i));
      const self = this;
      this.ctxs.push({
        node: i, nodeId: i + this.nodeIdBase, replicas: cfg.replicas, planes: cfg.planes, nic: this.nics[i]!,
        now: () => self._cycle,
        setTimer: (at, fn) => self.setTimer(at, fn),
        announceLeader: (n) => self.announceLeader(n),
        log: (t) => self.log(t),
      });
    }
    // boot: the hosts configure their NICs before any traffic (no host latency at boot)
    this.booting = true;
    for (let i = 0; i < cfg.replicas; i++) this.hosts[i]!.start(this.ctxs[i]!);
    this.booting = false;
    this.nextPoll = this._cycle + this.hostPollCycles;
  }

  private newNic(i: number, at: number): ModelNic {
    const nic = new ModelNic({
      params: { ...(this.cfg.variant?.params ?? {}) as Record<string, number>, PLANES: this.planes },
      seed: (this.nicSeed + i * 7919) >>> 0, resetCycles: 4,
    });
    if (at > nic.cycle) nic.step(at - nic.cycle);
    return nic;
  }

  get cycle(): number { return this._cycle; }

  /** A frame's time on the wire (ps): wirePs of sim/cluster.ts, remembered by length (-1: not yet). */
  private wireOf(len: number): number {
    const c = this.wireCache;
    if (len >= c.length) return wirePs(this.net, len);
    let w = c[len]!;
    if (w < 0) { w = wirePs(this.net, len); c[len] = w; }
    return w;
  }

  /** cycles in n microseconds */
  us(n: number): number { return Math.round((n * 1e6) / this.P); }

  /** @internal the ModelNic node i has now */
  nodeNic(i: number): ModelNic { return this.nodes[i]!.nic; }
  /** @internal */
  isUp(i: number): boolean { return this.nodes[i]!.up; }

  log(text: string): void {
    this.eventLines.push(`${this._cycle} ${text}`);
  }
  /** The event log so far: "cycle text" lines. */
  events(): string[] { return this.eventLines; }

  // ---- host operations ---------------------------------------------------------------------------

  /** @internal a posted NIC operation from node's host: applied after the host latency (dropped while the node is down). */
  post(node: number, fn: () => void): void {
    const n = this.nodes[node]!;
    if (!n.up) return;
    if (this.booting) { fn(); return; }
    n.wnic.posts.push({ due: this._cycle + this.hostLatencyCycles, seq: this.seq++, fn });
  }

  /** @internal advances the world until every operation node posted so far has reached its NIC. */
  waitPosted(node: number): void {
    const w = this.nodes[node]!.wnic;
    for (let guard = 0; w.posts.length; guard++) {
      if (guard > 1_000_000) throw new Error(`ModelCluster.waitPosted(${node}): stuck`);
      const due = w.posts[0]!.due;
      if (due > this._cycle) this.advanceRaw(due - this._cycle);
      else this.applyPosts(this.nodes[node]!);
    }
  }

  /** @internal after a NIC ran ahead (a read), brings the rest of the world to its cycle. */
  catchUp(): void {
    let c = this._cycle;
    for (const n of this.nodes) if (n.up && n.nic.cycle > c) c = n.nic.cycle;
    if (c > this._cycle) this.advanceRaw(c - this._cycle);
  }

  private applyPosts(n: NodeState): void {
    applyDuePosts(n.wnic.posts, this._cycle);
  }

  setTimer(at: number, fn: () => void): void {
    insertTimer(this.timers, { at: Math.max(at, this._cycle), seq: this.seq++, fn });
  }

  /** Tells the clients which node (port index) leads: they address their REQs to its MAC. */
  announceLeader(node: number): void {
    const id = node + this.nodeIdBase;
    if (this.traffic.leader === id) return;
    this.traffic.leader = id;
    for (const c of this.traffic.clients) { c.snoop = []; c.snoopLast = 0; }
  }

  /** Runs fn at every host poll (after the hosts). */
  addPoller(fn: () => void): void {
    this.pollers.push(fn);
  }

  /** Tells clients which planes to use (bit p = plane p usable; 0 = all). */
  setPlaneHint(mask: number): void {
    let any = false;
    for (let p = 0; p < this.planes; p++) any = any || ((mask >> p) & 1) !== 0;
    for (let p = 0; p < this.planes; p++) this.traffic.planeHint[p] = any ? ((mask >> p) & 1) !== 0 : true;
  }

  /** Clients stop offering new requests (outstanding ones may still be retried). */
  stopTraffic(): void {
    const t = this.traffic.cfg;
    t.stop = Math.max(this._cycle, 1);
    if (t.start >= t.stop) t.start = t.stop;
    for (const c of this.traffic.clients) c.want = 0;
  }

  /**
   * External client k (0-based; its client id is workload.clients + k + 1, its endpoint replicas +
   * workload.clients + k) sends a frame on a plane: it enters the client's uplink now (behind what the
   * uplink still sends), as the fabric's clientSend.
   */
  clientSend(k: number, plane: number, frame: Uint8Array): void {
    if (this.destroyed) throw new Error('ModelCluster: used after destroy()');
    if (!(Number.isInteger(k) && k >= 0 && k < this.externalClients) || !(Number.isInteger(plane) && plane >= 0 && plane < this.planes) || frame.length < 14) {
      throw new Error(`ModelCluster.clientSend: bad client ${k} or plane ${plane} (externalClients=${this.externalClients}, planes=${this.planes})`);
    }
    const src = this.replicas + this.traffic.clients.length + k;
    const ui = src * this.planes + plane;
    const st = Math.max(this.uplinkFree[ui]!, this._cycle * this.P);
    this.uplinkFree[ui] = st + this.wireOf(frame.length);
    this.queueSend(src, plane, EXT_FRAMES.copy(frame), st, this._cycle);
  }

  /** Frames that reached external client k since the last call (the plane, a bad FCS, the cycle it arrived). */
  clientPoll(k: number): Array<{ frame: Uint8Array; plane: number; badFcs: boolean; cycle: number }> {
    if (!(Number.isInteger(k) && k >= 0 && k < this.externalClients)) throw new Error(`ModelCluster.clientPoll: no external client ${k}`);
    const out = this.extIn[k]!;
    this.extIn[k] = [];
    return out;
  }

  /** The wire tap: keep the last `keep` frames that entered the network from any endpoint (0: off). */
  tap(keep: number): void {
    this.tapOn = keep > 0;
    this.tapMax = keep;
    if (!this.tapOn) this.tapQ = [];
  }
  /** The frames the tap kept since the last call: sender endpoint, plane, the cycle it sent them. */
  tapPoll(): Array<{ frame: Uint8Array; src: number; plane: number; cycle: number }> {
    const out = this.tapQ;
    this.tapQ = [];
    return out;
  }

  // ---- faults ------------------------------------------------------------------------------------

  /** Schedules a fault (its `at` is clamped to now). Endpoints: nodes 0..N-1, clients N.. */
  addFault(f: FaultSpec): void {
    const at = Math.max(Math.round(f.at), this._cycle);
    const until = f.until !== undefined && f.until > 0 ? Math.round(f.until) : undefined;
    if (f.kind === 'crash' || f.kind === 'restart') {
      if (!(f.node >= 0 && f.node < this.replicas)) throw new Error(`ModelCluster: fault: node out of range (${JSON.stringify(f)})`);
      const down = f.kind === 'crash';
      this.addEdge(at, down ? 'crash' : 'restart', f.node);
      if (until !== undefined && until > at) this.addEdge(until, down ? 'restart' : 'crash', f.node);
      return;
    }
    if (f.kind === 'planeDown' || f.kind === 'planeUp') {
      if (!(f.plane >= 0 && f.plane < this.planes)) throw new Error(`ModelCluster: fault: plane out of range (${JSON.stringify(f)})`);
      const down = f.kind === 'planeDown';
      this.addEdge(at, down ? 'planeDown' : 'planeUp', f.plane);
      if (until !== undefined && until > at) this.addEdge(until, down ? 'planeUp' : 'planeDown', f.plane);
      return;
    }
    if ('prob' in f && f.prob !== undefined && (f.prob < 0 || f.prob > 1)) throw new Error('ModelCluster: fault: prob must be in [0,1]');
    if (f.kind === 'partition' && f.groups.length < 2) throw new Error('ModelCluster: fault: a partition needs at least two groups');
    const g = { ...f, at, until } as LinkFault;
    // stable insertion by time (as the fabric's list)
    let i = this.linkFaults.length;
    while (i > 0 && this.linkFaults[i - 1]!.at > at) i--;
    this.linkFaults.splice(i, 0, g);
  }

  private addEdge(at: number, kind: Edge['kind'], arg: number): void {
    const e: Edge = { at, seq: this.seq++, kind, arg };
    let i = this.edges.length;
    while (i > 0 && this.edges[i - 1]!.at > at) i--;
    this.edges.splice(i, 0, e);
  }

  private applyEdges(): void {
    while (this.edges.length && this.edges[0]!.at <= this._cycle) {
      const e = this.edges.shift()!;
      switch (e.kind) {
        case 'crash': this.crash(e.arg); break;
        case 'restart': this.restart(e.arg); break;
        case 'planeDown': case 'planeUp': {
          const up = e.kind === 'planeUp';
          this.planeUp[e.arg] = up;
          this.log(`${up ? 'plane_up' : 'plane_down'} plane=${e.arg}`);
          this.hints.push({ at: this._cycle + this.linkDetectCycles, plane: e.arg, up });
          break;
        }
      }
    }
  }

  private crash(i: number): void {
    const n = this.nodes[i]!;
    if (!n.up) return;
    n.up = false;
    n.nic.close();
    n.nic = this.newNic(i, 0);   // held in reset: not stepped until it restarts
    n.wnic.posts = [];
    n.hostQ = [];
    n.notices.push(true);
    this.log(`crash node=${i}`);
  }

  private restart(i: number): void {
    const n = this.nodes[i]!;
    if (n.up) return;
    n.nic.close();
    n.nic = this.newNic(i, this._cycle);
    n.ready.fill(true);
    n.busy = false;
    n.up = true;
    n.upSince = this._cycle;
    n.notices.push(false);
    this.log(`restart node=${i}`);
  }

  // ---- network -----------------------------------------------------------------------------------

  private endpointOfMac(mac: number): number {
    if (mac >= MAC_NODE_PREFIX && mac < MAC_NODE_PREFIX + 256) {
      const k = mac - MAC_NODE_PREFIX - this.nodeIdBase;
      return k >= 0 && k < this.replicas ? k : -1;
    }
    if (mac >= MAC_CLIENT_PREFIX && mac < MAC_CLIENT_PREFIX + 0x1000000) {
      const k = mac - MAC_CLIENT_PREFIX;
      return k >= 1 && k <= this.traffic.clients.length + this.externalClients ? this.replicas + k - 1 : -1;
    }
    return -1;
  }

  /** A frame enters src's uplink on plane at `startPs` (its uplink time already reserved). */
  private queueSend(src: number, plane: number, frame: Uint8Array, startPs: number, cycle: number): void {
    const net = this.net;
    const fromClient = src >= this.replicas;
    const w = this.wireOf(frame.length);
    const fwdPs = startPs + ((fromClient ? net.clientTxNs : net.nicTxNs) + net.cableNs + net.switchNs) * 1000 + (net.switching === 'cut-through' ? 0 : w);
    this.sends.push({ src, plane, frame, startPs, cycle, seq: this.seq++, fwdPs });
  }

  /** Routes the frames sent in the last chunk, in the order of their switch times. */
  private routeSends(): void {
    const s = this.sends;
    if (!s.length) return;
    this.sends = [];
    if (this.tapOn) {
      const byCycle = s.slice().sort(this.byCycle);
      for (const x of byCycle) this.tapQ.push({ frame: TAPPED.copy(x.frame), src: x.src, plane: x.plane, cycle: x.cycle });
      if (this.tapQ.length > this.tapMax) this.tapQ.splice(0, this.tapQ.length - this.tapMax);
    }
    s.sort(bySwitchTime);
    for (const x of s) this.forward(x);
  }

  private forward(x: Send): void {
    if (!this.planeUp[x.plane]) { this.drops.plane_down++; return; }
    this.framesSwitched++;
    const mac = macOf(x.frame);
    if (mac === MAC_GROUP) {
      for (let d = 0; d < this.replicas; d++) if (d !== x.src) this.egress(x, d);
      if (this.net.clientsInGroup) for (let c = 0; c < this.traffic.clients.length; c++) if (this.replicas + c !== x.src) this.egress(x, this.replicas + c);
      return;
    }
    const d = this.endpointOfMac(mac);
    if (d < 0) { this.drops.unknown_dst++; return; }
    if (d !== x.src) this.egress(x, d);
  }

  private egress(x: Send, dst: number): void {
    const { src, plane } = x;
    const now = Math.ceil(x.fwdPs / this.P);
    const o = this.linkFaults.length ? applyLinkFaults(this.linkFaults, now, src, dst, plane, x.frame, this.frand, this.delayPs) : null;
    if (o && tallyLinkOutcome(this.linkTally, o)) return;
    const copies = o ? o.copies : 1, extraPs = o ? o.extraPs : 0, data = o ? o.data : x.frame, macError = o ? o.macError : false;
    const net = this.net;
    const toClient = dst >= this.replicas;
    const w = this.wireOf(data.length);
    const ei = dst * this.planes + plane;
    for (let k = 0; k < copies; k++) {
      const e = Math.max(this.egressFree[ei]!, x.fwdPs);
      this.egressFree[ei] = e + w;
      const arr = e + w + (net.cableNs + (toClient ? net.clientRxNs : net.nicRxNs)) * 1000 + extraPs;
      let at = Math.ceil(arr / this.P);
      // an external client's frame is sent between chunks (clientSend): never due before the NICs' cycle
      if (src >= this.replicas + this.traffic.clients.length) at = Math.max(at, this._cycle);
      if (toClient) {
        const client = dst - this.replicas;
        this.clientArr.push(client * this.planes + plane, { a: at, b: this.seq++, client, plane, frame: data, macError });
      } else {
        this.nodes[dst]!.rxQ[plane]!.insert({ at, seq: this.seq++, frame: data, macError, atCycle: at });
      }
    }
  }

  // ---- time --------------------------------------------------------------------------------------

  /** The clients' cycle c: replies that reached them, the plane hints due, then their new requests. */
  private clientCycle(c: number): void {
    const t = this.traffic;
    while (this.clientArr.next <= c) {
      const a = this.clientArr.pop();
      this.copiesDelivered++;
      if (a.client < t.clients.length) t.receive(a.client, a.frame, a.macError, c);
      else this.extIn[a.client - t.clients.length]!.push({ frame: a.frame, plane: a.plane, badFcs: a.macError, cycle: c });
    }
    if (this.hints.length) {
      for (let i = 0; i < this.hints.length;) {
        const h = this.hints[i]!;
        if (h.at <= c) {
          t.planeHint[h.plane] = h.up;
          this.log(`clients: link ${h.up ? 'up' : 'down'} on plane ${h.plane}`);
          this.hints.splice(i, 1);
        } else i++;
      }
    }
    // a REQ made in cycle c is ready at (c + 1) * period (emitReq)
    this.genCycle = c;
    t.generate(c, this.emitReq);
  }

  /**
   * Advances every live NIC to `cycle + n` in chunks of at most the least hop, with the clients cycle
   * by cycle, routing what was sent and queueing arrivals on the RX ports ahead of time; no host code
   * runs, except posted operations coming due.
   */
  advanceRaw(n: number): void {
    if (this.destroyed) throw new Error('ModelCluster: used after destroy()');
    const end = this._cycle + n;
    this.applyEdges();
    for (const nd of this.nodes) if (nd.up && nd.wnic.posts.length) this.applyPosts(nd);
    while (this._cycle < end) {
      let t = Math.min(end, this._cycle + this.minHop);
      if (this.edges.length) t = Math.min(t, Math.max(this.edges[0]!.at, this._cycle + 1));
      for (const nd of this.nodes) if (nd.up && nd.wnic.posts.length) t = Math.min(t, Math.max(nd.wnic.posts[0]!.due, this._cycle + 1));
      for (let c = this._cycle; c < t; c++) this.clientCycle(c);
      const t0 = performance.now();
      for (let i = 0; i < this.nodes.length; i++) {
        const nd = this.nodes[i]!;
        if (nd.up && nd.nic.cycle < t) this.stepNode(i, nd, t);
      }
      this.nicSeconds += (performance.now() - t0) / 1000;
      this._cycle = t;
      this.collect();
      this.applyEdges();
      for (const nd of this.nodes) if (nd.up && nd.wnic.posts.length) this.applyPosts(nd);
    }
  }

  /**
   * Steps node i's NIC to cycle t. The MAC paces the NIC to the line rate as the fabric's does: a
   * plane's TX port is ready only while its uplink will have sent everything before the end of the
   * next cycle. A NIC whose uplink is backlogged is stepped cycle by cycle with the TX readiness set
   * each cycle, a NIC that is sending in steps of PACE_STEP cycles (frame granularity: the uplink
   * time of a frame is reserved when its last beat is out), an idle one in one step.
   */
  private stepNode(i: number, nd: NodeState, t: number): void {
    const P = this.P;
    while (nd.nic.cycle < t) {
      const c = nd.nic.cycle;
      let blocked = false;
      for (let p = 0; p < this.planes; p++) {
        const ready = !this.planeUp[p] || this.uplinkFree[i * this.planes + p]! < (c + 2) * P;
        if (ready !== nd.ready[p]) { nd.nic.setReadyProbability(p, ready ? 1 : 0); nd.ready[p] = ready; }
        if (!ready) blocked = true;
      }
      const n = blocked ? 1 : Math.min(PACE_STEP, t - c);
      nd.nic.step(n);
      nd.busy = this.pullTx(i, nd) > 0;
    }
  }

  /** Takes the frames node i's NIC sent and reserves its uplinks for them; returns how many. */
  private pullTx(i: number, nd: NodeState): number {
    const P = this.P;
    let count = 0;
    for (let p = 0; p < this.planes; p++) {
      const tx = nd.nic.pullTx(p);
      if (!tx.length) continue;
      count += tx.length;
      const ui = i * this.planes + p;
      for (const f of tx) {
        nd.txFrames++;
        if (!this.planeUp[p]) { this.drops.link_down++; continue; }
        const w = this.wireOf(f.frame.length);
        const beats = Math.max(1, Math.ceil(f.frame.length / BEAT_BYTES));
        const earliest = Math.max((f.cycle - beats + 2) * P, (f.cycle + 1) * P - w);
        const st = Math.max(this.uplinkFree[ui]!, earliest);
        this.uplinkFree[ui] = st + w;
        this.queueSend(i, p, f.frame, st, f.cycle);
      }
    }
    return count;
  }

  /** Takes what the NICs sent, routes it with the clients' REQs, queues arrivals due before the next chunk ends. */
  private collect(): void {
    for (let i = 0; i < this.nodes.length; i++) {
      const nd = this.nodes[i]!;
      if (!nd.up) continue;
      this.pullTx(i, nd);
      const h = nd.nic.pollHost();
      for (const f of h) {
        const committed = (f.reason & 0xff) === H_COMMITTED;
        if (committed) nd.committed++; else nd.punted++;
        if (committed && !this.keepCommitted) continue;
        nd.hostQ.push(f);
      }
    }
    this.routeSends();
    const horizon = this._cycle + this.minHop;
    for (const nd of this.nodes) {
      for (let p = 0; p < this.planes; p++) {
        const q = nd.rxQ[p]!;
        if (!q.length || q.get(0).at >= horizon) continue;
        const rx: RxFrame[] = [];
        let k = 0;
        for (; k < q.length; k++) {
          const b = q.get(k);
          if (b.at >= horizon) break;
          if (!nd.up || b.at < nd.upSince) { this.drops.node_down++; continue; }
          if (!this.planeUp[p]) { this.drops.link_down++; continue; }
          this.copiesDelivered++;
          rx.push(b);
        }
        q.take(k);
        if (rx.length) nd.nic.pushRx(p, rx);
      }
    }
  }

  private notify(): void {
    for (let i = 0; i < this.nodes.length; i++) {
      const nd = this.nodes[i]!;
      while (nd.notices.length) {
        const down = nd.notices.shift()!;
        nd.wnic.clearInbox();
        if (down) this.hosts[i]!.onCrash?.(this.ctxs[i]!);
        else this.hosts[i]!.onRestart?.(this.ctxs[i]!);
      }
    }
  }

  private runHosts(): void {
    // crash / restart notices
    this.notify();
    // timers (a host that crashed while another waited on a read hears of it before anything else runs)
    while (this.timers.length && this.timers[0]!.at <= this._cycle) {
      this.notify();
      this.timers.shift()!.fn();
    }
    this.notify();
    // host polls
    if (this._cycle >= this.nextPoll) {
      this.nextPoll = this._cycle + this.hostPollCycles;
      for (let i = 0; i < this.nodes.length; i++) {
        const nd = this.nodes[i]!;
        if (!nd.up || !nd.hostQ.length) continue;
        const q = nd.hostQ;
        let k = 0;
        while (k < q.length && q[k]!.cycle + this.hostLatencyCycles <= this._cycle) k++;
        if (k === 0) continue;
        const ready = q.splice(0, k);
        nd.wnic.deliver(ready);
        this.hosts[i]!.onHostFrames?.(this.ctxs[i]!, ready);
      }
      for (const fn of this.pollers) fn();
    }
  }

  private nextStop(limit: number): number {
    let t = Math.min(limit, this._cycle + this.maxBatch, this.nextPoll);
    if (this.timers.length) t = Math.min(t, this.timers[0]!.at);
    if (this.edges.length) t = Math.min(t, this.edges[0]!.at);
    for (const nd of this.nodes) if (nd.notices.length) t = this._cycle;
    return Math.max(t, this._cycle + 1);
  }

  /** Runs `cycles` cycles: the network and NICs in lockstep chunks, host software between them. */
  run(cycles: number, onProgress?: (done: number) => void): void {
    const end = this._cycle + cycles;
    const start = this._cycle;
    while (this._cycle < end) {
      const stop = this.nextStop(end);
      this.advanceRaw(stop - this._cycle);
      this.runHosts();
      onProgress?.(this._cycle - start);
    }
  }

  /** Runs until `pred` holds (checked between runs of at most `step` cycles) or `limit` cycles passed. */
  runUntil(pred: () => boolean, limit: number, step = 1000): boolean {
    const end = this._cycle + limit;
    while (this._cycle < end) {
      if (pred()) return true;
      this.run(Math.min(step, end - this._cycle));
    }
    return pred();
  }

  // ---- figures -----------------------------------------------------------------------------------

  /** Client and network counters, named as the fabric names them (a subset). */
  stats(): Record<string, number> {
    const t = this.traffic;
    const out: Record<string, number> = {
      cycle: this._cycle, offered: t.offered, sends: t.sends, copies: t.copies, retries: t.retries,
      retries_deferred: t.retriesDeferred, completed: t.completed, completed_measured: t.completedMeasured,
      completed_in_window: t.completedInWindow, dup_replies: t.dupReplies, stray_replies: t.stray,
      outstanding: t.outstanding(), frames_switched: this.framesSwitched, copies_delivered: this.copiesDelivered,
    };
    t.clients.forEach((c, i) => { out[`client${i}.inflight`] = c.inflight; out[`client${i}.max_inflight`] = c.maxInflight; });
    for (const [k, v] of Object.entries(this.drops)) out[`drop.${k}`] = v;
    for (const [k, v] of Object.entries(this.inject)) out[`inject.${k}`] = v;
    this.nodes.forEach((n, i) => {
      out[`node${i}.committed`] = n.committed;
      out[`node${i}.punted`] = n.punted;
      out[`node${i}.tx_frames`] = n.txFrames;
      out[`node${i}.crashed`] = n.up ? 0 : 1;
    });
    for (let p = 0; p < this.planes; p++) out[`plane${p}.up`] = this.planeUp[p] ? 1 : 0;
    return out;
  }

  /** Client request latency (request handed to the client's MAC -> reply handed over), cycles. */
  latency(): ClientLatency {
    const s = this.traffic.samples.slice().sort((a, b) => a - b);
    const n = s.length;
    const pct = (q: number): number => quantileSorted(s, q);
    let sum = 0;
    for (const v of s) sum += v;
    return { count: n, p50: pct(0.5), p99: pct(0.99), p999: pct(0.999), max: n ? s[n - 1]! : 0, overflow: 0, min: n ? s[0]! : 0, mean: n ? sum / n : 0 };
  }

  /** Requests completed per 2,500-cycle bucket, from cycle 0. */
  completionBuckets(): number[] {
    return this.traffic.buckets.slice();
  }

  /** NIC counters of every replica (undefined for a node that is down); the reads advance the world. */
  nicCounters(): Array<Record<CounterName, bigint> | undefined> {
    return this.nodes.map((n, i) => (n.up ? this.nics[i]!.readCounters() : undefined));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const n of this.nodes) n.nic.close();
  }
}
