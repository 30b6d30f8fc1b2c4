// Host software for the cluster benchmarks (bench/cluster.ts, docs/benchmarks.md):
//
//   SoftwareHost   the fast path OFF (FAST_EN=0) on every NIC: the NICs punt REQs, APPENDs and ACKs
//                  to their hosts, and replication is done in host software, through the `Nic`
//                  interface only (host RX queue in, host TX queue out), as a kernel-bypass Raft
//                  (eRPC's Raft, say) would do it on a plain NIC. The baseline of "hardware vs
//                  software path".
//   HostReplyHost  the fast path ON (as StaticHost), and the leader's host application answers
//                  each client when the NIC hands it the committed entry: the "reply from the host
//                  application" curve of the load sweep.
//
// Costs. The Cluster runtime already charges every host <-> NIC crossing: posted operations
// (sendHost, CSR and log writes) reach the NIC `hostLatencyCycles` after they were issued, frames
// the NIC hands to the host are seen at the first host poll at least that long after (PCIe +
// driver, default 1 us; polls every `hostPollCycles`, default 1 us). On top of that the software
// path charges CPU time per frame on one core per host (`SoftwareCost.perFrameNs`): frames a poll
// delivers are processed one after the other on that core, and the frames they produce leave
// in one burst when the batch is done (a DPDK-style rx burst -> process -> tx burst loop). A
// busy core delays the next batch, so the software path saturates where the leader's core does.
//
// Default and sources (docs/benchmarks.md, "The software path"):
//   perFrameNs = 50: eRPC (Kalia et al., NSDI 2019): "one CPU core can handle up to 10 million
//   small RPCs per second", i.e. 100 ns of CPU per RPC = one request in + one response out, so
//   50 ns per frame received or sent. With the Cluster's host model, one software hop
//   (host -> NIC -> switch -> NIC -> host) costs 1 us + 0.51 us + 1 us + the poll wait, next to
//   the "~2 us per hop" of kernel-bypass stacks; eRPC's Raft measures 5.5 us of replication latency
//   at the client (3 replicas), which the report puts next to the measured software path.
import type { HostFrame } from '../ctrl/nic/nic.js';
import {
  Csr, HDR_BYTES, HostReason, MAC_GROUP, MsgType, clientMac, decodeHeader, encodeFrame, framePayload, nodeMac,
} from '../ctrl/wire/wire.gen.js';
import { StaticHost, type HostContext, type HostSoftware, type NicSettings } from './cluster.js';

/** CPU cost of host software per frame, on one core per host. */
export interface SoftwareCost {
  /** CPU time per frame received from or sent to the NIC (ns). */
  perFrameNs: number;
  /** The NIC clock, to turn ns into cycles (default 250 MHz). */
  clockMHz?: number;
}

export const DEFAULT_SOFTWARE_COST: Required<SoftwareCost> = { perFrameNs: 50, clockMHz: 250 };

/** One host core: batches run one after another; returns the cycle a batch's output leaves. */
export class HostCore {
  private busyUntil = 0;
  /** Cycles the core was busy (for utilisation). */
  busyCycles = 0;
  private readonly cyclesPerFrame: number;

  constructor(cost: SoftwareCost) {
    const mhz = cost.clockMHz ?? DEFAULT_SOFTWARE_COST.clockMHz;
    this.cyclesPerFrame = (cost.perFrameNs * mhz) / 1000;
  }

  /** A batch of `frames` frames (in + out) that became ready at cycle `now`: the cycle it is done. */
  run(now: number, frames: number): number {
    const start = Math.max(now, this.busyUntil);
    const cycles = Math.ceil(frames * this.cyclesPerFrame);
    this.busyUntil = start + cycles;
    this.busyCycles += cycles;
    return this.busyUntil;
  }
}

/** Sends `frames` through the host TX queue at cycle `at` (now, or later by a timer). */
function sendAt(ctx: HostContext, at: number, frames: Uint8Array[]): void {
  if (!frames.length) return;
  if (at <= ctx.now()) ctx.nic.sendHost(frames);
  else ctx.setTimer(at, () => ctx.nic.sendHost(frames));
}

function membersMask(ctx: HostContext): number {
  return ((1 << ctx.replicas) - 1) << (ctx.nodeId - ctx.node);
}

export interface SoftwareHostOptions {
  /** Port index of the leader (default 0). */
  leader?: number;
  cost?: SoftwareCost;
  term?: number;
}

/** Statistics every SoftwareHost of one cluster adds to (shared object). */
export interface SoftwareStats {
  requests: number;
  appendsSent: number;
  appendsTaken: number;
  acksSent: number;
  acksTaken: number;
  repliesSent: number;
  outOfOrder: number;
  ignored: number;
}
export const newSoftwareStats = (): SoftwareStats => ({
  requests: 0, appendsSent: 0, appendsTaken: 0, acksSent: 0, acksTaken: 0, repliesSent: 0, outOfOrder: 0, ignored: 0,
});

interface Entry { clientId: number; seq: number }

/**
 * Replication in host software, the NIC fast path disabled (FAST_EN=0): Raft's common case, no
 * batching of requests (one APPEND per request, as the fast path does), cumulative ACKs (one per
 * batch of APPENDs a poll delivers, as the NIC's ACK coalescing does), commit at a quorum of match
 * indexes, one REPLY per committed request from the leader's host. Elections, repair and the rest
 * are out of scope: this is the common-case baseline.
 */
export class SoftwareHost implements HostSoftware {
  private readonly leader: number;
  private readonly term: number;
  private core: HostCore;
  // leader state
  private lastIndex = 0;
  private commitIndex = 0;
  private readonly entries = new Map<number, Entry>();
  private match: number[] = [];
  private quorum = 1;
  // follower state
  private held = 0;
  private readonly pending = new Map<number, true>();
  private ackSeq = 0;
  private leaderCommit = 0;

  constructor(opts: SoftwareHostOptions = {}, readonly stats: SoftwareStats = newSoftwareStats()) {
    this.leader = opts.leader ?? 0;
    this.term = opts.term ?? 1;
    this.core = new HostCore(opts.cost ?? DEFAULT_SOFTWARE_COST);
  }

  /** Cycles this host's core spent processing frames. */
  get busyCycles(): number {
    return this.core.busyCycles;
  }

  private get isLeader(): boolean {
    return this.myNode === this.leader;
  }
  private myNode = -1;

  start(ctx: HostContext): void {
    this.myNode = ctx.node;
    const n = ctx.nic;
    const base = ctx.nodeId - ctx.node;
    this.quorum = Math.floor(ctx.replicas / 2) + 1;
    this.match = new Array<number>(ctx.replicas).fill(0);
    n.writeCsr(Csr.RAFT_NODE_ID, ctx.nodeId);
    n.writeCsr(Csr.RAFT_TERM, this.term);
    n.writeCsr(Csr.RAFT_LEADER_ID, this.leader + base);
    n.writeCsr(Csr.RAFT_MEMBERS, membersMask(ctx));
    n.writeCsr(Csr.RAFT_QUORUM, this.quorum);
    n.writeCsr(Csr.RAFT_ROLE, this.isLeader ? 2 : 1);
    // The point of this host: the fast path stays off, so the NIC punts every REQ (NOT_LEADER),
    // APPEND and ACK (FAST_OFF) to this software.
    n.writeCsr(Csr.RAFT_FAST_EN, 0);
    if (this.isLeader) ctx.announceLeader(this.leader);
  }

  onHostFrames(ctx: HostContext, frames: HostFrame[]): void {
    const out: Uint8Array[] = [];
    const base = ctx.nodeId - ctx.node;
    const me = ctx.nodeId;
    const leaderId = this.leader + base;
    let ackNeeded = false;
    for (const f of frames) {
      if (f.frame.length < HDR_BYTES) { this.stats.ignored++; continue; }
      const h = decodeHeader(f.frame);
      if (this.isLeader && h.type === MsgType.REQ && f.reason === HostReason.NOT_LEADER) {
        // sequence: the entry goes to this host's log (memory) and, as one APPEND, to the group
        const index = ++this.lastIndex;
        this.entries.set(index, { clientId: h.clientId, seq: h.seq });
        this.stats.requests++;
        out.push(encodeFrame({
          dstMac: MAC_GROUP, srcMac: nodeMac(me), type: MsgType.APPEND, clusterId: h.clusterId, flags: 0,
          srcNode: me, dstNode: 0xff, term: this.term, logIndex: index, commitIndex: this.commitIndex,
          clientId: h.clientId, seq: h.seq,
        }, framePayload(f.frame)));
        this.stats.appendsSent++;
      } else if (this.isLeader && h.type === MsgType.ACK && h.term === this.term) {
        const k = h.srcNode - base;
        if (k >= 0 && k < this.match.length && h.logIndex > this.match[k]! && h.logIndex <= this.lastIndex) {
          this.match[k] = h.logIndex;
          this.stats.acksTaken++;
        }
      } else if (!this.isLeader && h.type === MsgType.APPEND && h.srcNode === leaderId && h.term === this.term) {
        this.leaderCommit = Math.max(this.leaderCommit, h.commitIndex);
        if (h.logIndex === this.held + 1) {
          this.held++;
          while (this.pending.delete(this.held + 1)) this.held++;
          ackNeeded = true;
        } else if (h.logIndex > this.held + 1) {
          this.pending.set(h.logIndex, true);
          this.stats.outOfOrder++;
        } else {
          ackNeeded = true;   // a repeat: ACK again so the leader learns what we hold
        }
        this.stats.appendsTaken++;
      } else {
        this.stats.ignored++;
      }
    }
    if (this.isLeader) {
      // commit: the highest index held by a quorum (the leader's own log counts)
      this.match[this.myNode] = this.lastIndex;
      const sorted = [...this.match].sort((a, b) => b - a);
      const q = sorted[this.quorum - 1]!;
      while (this.commitIndex < q) {
        const i = ++this.commitIndex;
        const e = this.entries.get(i);
        if (!e) continue;
        this.entries.delete(i);
        out.push(encodeFrame({
          dstMac: clientMac(e.clientId), srcMac: nodeMac(me), type: MsgType.REPLY, clusterId: 1, flags: 0,
          srcNode: me, dstNode: 0xff, term: this.term, logIndex: i, commitIndex: this.commitIndex,
          clientId: e.clientId, seq: e.seq,
        }));
        this.stats.repliesSent++;
      }
    } else if (ackNeeded) {
      out.push(encodeFrame({
        dstMac: nodeMac(leaderId), srcMac: nodeMac(me), type: MsgType.ACK, clusterId: 1, flags: 0,
        srcNode: me, dstNode: leaderId, term: this.term, logIndex: this.held, commitIndex: this.leaderCommit,
        clientId: 0, seq: ++this.ackSeq,
      }));
      this.stats.acksSent++;
    }
    const done = this.core.run(ctx.now(), frames.length + out.length);
    sendAt(ctx, done, out);
  }
}

export interface HostReplyOptions {
  leader?: number;
  /** CPU per frame on the leader's host (default 0: the host keeps up; see docs/benchmarks.md). */
  cost?: SoftwareCost;
}

/**
 * The fast path on (StaticHost's configuration), and the leader's host application replies to each
 * client when the NIC delivers the committed entry (host RX, reason COMMITTED; needs the Cluster's
 * `keepCommitted`). Clients run with `reply: 'host'` (no NIC_REPLY, no snooping).
 */
export class HostReplyHost extends StaticHost {
  private readonly leaderNode: number;
  private readonly core: HostCore;
  replies = 0;

  constructor(nic: NicSettings, opts: HostReplyOptions = {}) {
    super(nic, opts.leader ?? 0);
    this.leaderNode = opts.leader ?? 0;
    this.core = new HostCore(opts.cost ?? { perFrameNs: 0 });
  }

  onHostFrames(ctx: HostContext, frames: HostFrame[]): void {
    if (ctx.node !== this.leaderNode) return;
    const out: Uint8Array[] = [];
    for (const f of frames) {
      if (f.reason !== HostReason.COMMITTED || f.frame.length < HDR_BYTES) continue;
      const h = decodeHeader(f.frame);
      if (h.type !== MsgType.APPEND && h.type !== MsgType.REQ) continue;
      out.push(encodeFrame({
        dstMac: clientMac(h.clientId), srcMac: nodeMac(ctx.nodeId), type: MsgType.REPLY, clusterId: h.clusterId,
        flags: 0, srcNode: ctx.nodeId, dstNode: 0xff, term: h.term, logIndex: h.logIndex, commitIndex: h.logIndex,
        clientId: h.clientId, seq: h.seq,
      }));
    }
    this.replies += out.length;
    sendAt(ctx, this.core.run(ctx.now(), frames.length + out.length), out);
  }
}
