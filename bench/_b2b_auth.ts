// A back-to-back world of RTL NICs driven from TypeScript, with frame authentication on or off
// (docs/auth.md), for bench/nic.ts's side-by-side comparison. It follows native/world_b2b.cpp (the
// C++ world of the NIC benchmark, whose client REQs and synthetic APPENDs are not signed), with the
// same offered load and the same latency definitions, but the client and the synthetic leader are
// here, in TypeScript, and sign their frames (the client key for REQs, the node key for APPENDs):
//
//  - leader: a leader (node 0) and `followers` followers. The leader's RX port carries, back to back,
//    a frame from a follower when one has arrived, else a new client REQ (so it is busy every cycle).
//    Every frame a NIC sends reaches its peers `linkCycles` cycles after its last beat left.
//  - follower: one follower (node 1) fed one APPEND after another by a synthetic leader.
//
// Time goes in chunks of `linkCycles` cycles (every NIC steps a chunk, then the frames they sent are
// routed): a frame sent in one chunk arrives in the next, so the port schedule of the next chunk is
// known at its start and the leader's port discipline (follower frames first) is exact. The links
// take `linkCycles` cycles instead of the C++ world's 1: that moves the round trips (commit, reply),
// not the NIC-internal latencies below, which are measured as the C++ world measures them:
//   leaderAppend  a REQ's first beat into the leader's RX port -> its APPEND's last beat out
//   followerAck   an APPEND's first beat into the follower -> the first ACK out that covers it
//   leaderCommit  the ACK that completed an entry's quorum, first beat in -> the entry out of the
//                 leader's host RX queue (COMMITTED)
//   clientReply   a REQ's first beat in -> the NIC's REPLY out (nicReply)
// A frame's first-beat cycle is the cycle it is scheduled at; that is exact when the port takes a beat
// every cycle (`stalledBeats` counts beats the port had not taken by the end: 0 means exact).
import { SimNic } from '../native/binding.js';
import type { B2bConfig } from '../sim/b2b.js';
import { FrameSigner, contextOf, deriveKey, keyWrites } from '../ctrl/nic/auth-keys.js';
import { ModelNic } from '../ctrl/nic/model.js';
import {
  BEAT_BYTES, COUNTER_BASE, COUNTERS, Csr, Flag, HDR_BYTES, HostReason, MAC_GROUP, MsgType, clientMac, encodeFrame, getClientId, getDstNode,
  getFlags, getLogIndex, getSeq, getSrcNode, getTerm, getType, nodeMac, type CounterName,
} from '../ctrl/wire/wire.gen.js';

/** The C++ back-to-back world's configuration (sim/b2b.ts) it re-creates, with authentication and link delay. */
export interface AuthB2bConfig extends Pick<B2bConfig, 'mode' | 'followers' | 'ackCount' | 'ackDelayCycles' | 'hbIntervalCycles' | 'payloadBytes' | 'nicReply' | 'variant'> {
  auth: boolean;
  /** link delay and chunk (cycles; default 16) */
  linkCycles?: number;
}

/** Exact histogram of cycle counts. */
export class Hist {
  private readonly bins: number[] = [];
  count = 0;
  add(v: number): void {
    this.bins[v] = (this.bins[v] ?? 0) + 1;
    this.count++;
  }
  pct(q: number): number {
    if (!this.count) return -1;
    const want = Math.ceil(q * this.count);
    let acc = 0;
    for (let v = 0; v < this.bins.length; v++) {
      acc += this.bins[v] ?? 0;
      if (acc >= want) return v;
    }
    return this.bins.length - 1;
  }
  summary(): { p50: number; p99: number; p999: number; max: number; samples: number } {
    return { p50: this.pct(0.5), p99: this.pct(0.99), p999: this.pct(0.999), max: this.bins.length - 1, samples: this.count };
  }
}

interface Arrival { ready: number; data: Uint8Array }

const CLUSTER_ID = 1;
const TERM = 1;
const NODE_SECRET = new Uint8Array(32).fill(0x4e);
const CLIENT_SECRET = new Uint8Array(32).fill(0x43);

export class AuthB2b {
  readonly nics: SimNic[] = [];
  readonly link: number;
  readonly beatsPerFrame: number;
  readonly hist = { leaderAppend: new Hist(), followerAck: new Hist(), leaderCommit: new Hist(), clientReply: new Hist() };
  cycle = 0;
  private measureFrom = Infinity;
  private readonly payload: number;
  private readonly quorum: number;
  private readonly signer: FrameSigner | null;
  private portFree = 0;                    // the cycle the leader's (or follower's) RX port is next free
  private readonly arrivals: Arrival[][];  // per node, frames sent to it (plane 0), in ready order
  private offered = 0;
  private readonly inCycle: number[] = []; // by seq / index: first beat in
  private readonly appendSeen = new Set<number>();
  private readonly replySeen = new Set<number>();
  private readonly acked: number[];
  private readonly votes: number[] = [];
  private readonly quorumCycle: number[] = [];
  private ackedOut = 0;
  scheduledBeats = 0;
  /** since measure(): ACKs that started into the leader's port, REQs whose first APPEND left, entries the
   *  leader delivered to its host (COMMITTED), the follower's highest ACKed index at measure() */
  readonly win = { acksIn: 0, appendsOut: 0, committedToHost: 0, ackedAtStart: 0, inBeatsAtStart: 0, startCycle: 0 };

  constructor(readonly cfg: AuthB2bConfig) {
    this.link = cfg.linkCycles ?? 16;
    this.payload = cfg.payloadBytes ?? BEAT_BYTES - HDR_BYTES;
    this.beatsPerFrame = Math.ceil(Math.max(HDR_BYTES + this.payload, 60) / BEAT_BYTES);
    const followers = cfg.followers ?? 2;
    const n = cfg.mode === 'leader' ? 1 + followers : 1;
    this.quorum = cfg.mode === 'leader' ? Math.floor((1 + followers) / 2) + 1 : 2;
    const maxPayload = Number(cfg.variant?.params?.MAX_PAYLOAD ?? new ModelNic().params.MAX_PAYLOAD);
    const maxBeats = Math.ceil((HDR_BYTES + maxPayload) / BEAT_BYTES);
    const nodeKey = deriveKey(NODE_SECRET, 'node', 0, maxBeats);
    const clientKey = deriveKey(CLIENT_SECRET, 'client', 0, maxBeats);
    this.signer = cfg.auth
      ? new FrameSigner(cfg.mode === 'leader' ? { [contextOf('client', 0)]: clientKey } : { [contextOf('node', 0)]: nodeKey }, maxBeats)
      : null;
    const members = cfg.mode === 'leader' ? (1 << n) - 1 : 0x3;
    for (let i = 0; i < n; i++) {
      const s = SimNic.create({ variant: cfg.variant, seed: 1 + i });
      if (s.planes !== 1) throw new Error('AuthB2b: one plane only');
      s.reset(4);
      const id = cfg.mode === 'leader' ? i : 1;
      const w: Array<[number, number]> = [
        [Csr.RAFT_NODE_ID, id], [Csr.RAFT_TERM, TERM], [Csr.RAFT_LEADER_ID, 0], [Csr.RAFT_MEMBERS, members],
        [Csr.RAFT_QUORUM, this.quorum], [Csr.RAFT_ACK_COUNT, cfg.ackCount ?? 1], [Csr.RAFT_ACK_DELAY, cfg.ackDelayCycles ?? 16],
        [Csr.RAFT_HB_INTERVAL, cfg.hbIntervalCycles ?? 1000],
      ];
      if (cfg.auth) {
        w.push(...keyWrites(contextOf('node', 0), nodeKey, maxBeats), ...keyWrites(contextOf('client', 0), clientKey, maxBeats));
        w.push([Csr.RAFT_AUTH_KEY_VALID, (1 << contextOf('node', 0)) | (1 << contextOf('client', 0))],
          [Csr.RAFT_AUTH_TX_PN_LO, 1], [Csr.RAFT_AUTH_TX_PN_HI, 0], [Csr.RAFT_AUTH_EN, 1]);
      }
      w.push([Csr.RAFT_ROLE, cfg.mode === 'leader' && i === 0 ? 2 : 1], [Csr.RAFT_FAST_EN, 1]);
      for (const [a, v] of w) s.csrWriteSync(a, v);
      this.nics.push(s);
    }
    this.align();
    this.portFree = this.cycle;
    this.arrivals = this.nics.map(() => []);
    this.acked = this.nics.map(() => 0);
  }

  /** Brings every NIC to the latest one's cycle (after synchronous CSR accesses). */
  private align(): void {
    this.cycle = Math.max(...this.nics.map((s) => s.cycle));
    for (const s of this.nics) if (s.cycle < this.cycle) s.step(this.cycle - s.cycle);
  }

  /** Latency samples from now on. */
  measure(): void {
    this.measureFrom = this.cycle;
    Object.assign(this.win, { acksIn: 0, appendsOut: 0, committedToHost: 0, ackedAtStart: this.ackedOut, inBeatsAtStart: this.nics[0]!.stats().ports[0]!.inBeats, startCycle: this.cycle });
  }

  /** The window since measure(): cycles, beats into node 0's port, and the follower's entries ACKed. */
  window(): { cycles: number; inBeats: number; followerAcked: number } & AuthB2b['win'] {
    return { ...this.win, cycles: this.cycle - this.win.startCycle, inBeats: this.nics[0]!.stats().ports[0]!.inBeats - this.win.inBeatsAtStart, followerAcked: this.ackedOut - this.win.ackedAtStart };
  }

  /** Every NIC's counters (synchronous reads, at the end of a run: the NICs step while they are read). */
  counters(): Array<Record<CounterName, number>> {
    const out = this.nics.map((s) => {
      const v = s.csrReadBlock(COUNTERS.flatMap((_, k) => [COUNTER_BASE + 8 * k, COUNTER_BASE + 8 * k + 4]));
      return Object.fromEntries(COUNTERS.map((name, k) => [name, v[2 * k]! + v[2 * k + 1]! * 2 ** 32])) as Record<CounterName, number>;
    });
    this.align();
    return out;
  }

  private payloadOf(seq: number): Uint8Array {
    const p = new Uint8Array(this.payload);
    let x = (seq * 2654435761) >>> 0 || 1;
    for (let i = 0; i < p.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0; p[i] = x & 0xff; }
    return p;
  }

  private req(seq: number): Uint8Array {
    const f = encodeFrame({
      dstMac: nodeMac(0), srcMac: clientMac(1), type: MsgType.REQ, clusterId: CLUSTER_ID, flags: this.cfg.nicReply ? Flag.NIC_REPLY : 0,
      srcNode: 0xff, dstNode: 0, term: 0, logIndex: 0, commitIndex: 0, clientId: 1, seq,
    }, this.payloadOf(seq));
    return this.signer ? this.signer.sign(f) : f;
  }

  private append(index: number): Uint8Array {
    const f = encodeFrame({
      dstMac: MAC_GROUP, srcMac: nodeMac(0), type: MsgType.APPEND, clusterId: CLUSTER_ID, flags: 0,
      srcNode: 0, dstNode: 0xff, term: TERM, logIndex: index, commitIndex: index > 4 ? index - 4 : 0, clientId: 1, seq: index,
    }, this.payloadOf(index));
    return this.signer ? this.signer.sign(f) : f;
  }

  private beats(f: Uint8Array): number {
    return Math.ceil(f.length / BEAT_BYTES);
  }

  /** The port schedule of node `node`'s RX port for [t, t+link): arrivals first, else a new frame from `fresh`. */
  private schedule(node: number, end: number, fresh: (() => Uint8Array) | null): void {
    const q = this.arrivals[node]!;
    const out: Array<{ data: Uint8Array; cycle: number }> = [];
    let cursor = Math.max(this.portFree, this.cycle);
    while (cursor < end) {
      const a = q[0];
      let data: Uint8Array;
      if (a && a.ready <= cursor) {
        q.shift();
        data = a.data;
        this.onFed(node, data, cursor);
      } else if (fresh) {
        data = fresh();
        this.inCycle[this.offered] = cursor;
      } else if (a && a.ready < end) {
        cursor = a.ready;
        continue;
      } else {
        break;
      }
      out.push({ data, cycle: cursor });
      cursor += this.beats(data);
      this.scheduledBeats += this.beats(data);
    }
    this.portFree = Math.max(cursor, this.portFree);
    if (out.length) this.nics[node]!.push(0, out);
  }

  /** A frame from a follower starting into the leader's port at `at` (the ACK that completes a quorum is timed here). */
  private onFed(node: number, f: Uint8Array, at: number): void {
    if (node !== 0 || this.cfg.mode !== 'leader' || f.length < HDR_BYTES || getType(f) !== MsgType.ACK || getTerm(f) !== TERM) return;
    if (at >= this.measureFrom) this.win.acksIn++;
    const from = getSrcNode(f), idx = getLogIndex(f);
    if (from === 0 || from >= this.nics.length || idx <= this.acked[from]! || idx > this.offered + 1) return;
    for (let i = this.acked[from]! + 1; i <= idx; i++) {
      this.votes[i] = (this.votes[i] ?? 0) + 1;
      if (this.votes[i] === this.quorum - 1) this.quorumCycle[i] = at;
    }
    this.acked[from] = idx;
  }

  /** Runs at least `cycles` cycles (whole chunks). */
  run(cycles: number): void {
    const stop = this.cycle + cycles;
    while (this.cycle < stop) this.chunk();
  }

  private chunk(): void {
    const end = this.cycle + this.link;
    if (this.cfg.mode === 'leader') {
      this.schedule(0, end, () => this.req(++this.offered));
      // followers: their port discipline is FIFO by arrival (only the leader sends to them)
      for (let i = 1; i < this.nics.length; i++) {
        const q = this.arrivals[i]!;
        const out: Array<{ data: Uint8Array; cycle: number }> = [];
        while (q.length && q[0]!.ready < end) { const a = q.shift()!; out.push({ data: a.data, cycle: a.ready }); }
        if (out.length) this.nics[i]!.push(0, out);
      }
    } else {
      this.schedule(0, end, () => this.append(++this.offered));
    }
    for (const s of this.nics) s.step(this.link);
    this.cycle = end;
    this.route();
  }

  private route(): void {
    for (let i = 0; i < this.nics.length; i++) {
      const s = this.nics[i]!;
      for (const f of s.pull(0)) {
        const d = f.data;
        const type = d.length >= HDR_BYTES ? getType(d) : 0;
        if (this.cfg.mode === 'follower') {
          if (type === MsgType.ACK || type === MsgType.NACK) {
            const idx = getLogIndex(d) - (type === MsgType.NACK ? 1 : 0);
            for (let k = this.ackedOut + 1; k <= idx && k <= this.offered; k++) {
              if (this.inCycle[k]! >= this.measureFrom) this.hist.followerAck.add(f.cycle - this.inCycle[k]!);
            }
            this.ackedOut = Math.max(this.ackedOut, idx);
          }
          continue;
        }
        if (i === 0) {
          const seq = type ? getSeq(d) : 0;
          if (type === MsgType.REPLY) {
            if (getClientId(d) === 1 && !this.replySeen.has(seq) && this.inCycle[seq] !== undefined) {
              this.replySeen.add(seq);
              if (this.inCycle[seq]! >= this.measureFrom) this.hist.clientReply.add(f.cycle - this.inCycle[seq]!);
            }
            continue;
          }
          if (type === MsgType.APPEND && !(getFlags(d) & Flag.RETRANSMIT) && getClientId(d) === 1 && !this.appendSeen.has(seq) && this.inCycle[seq] !== undefined) {
            this.appendSeen.add(seq);
            if (f.cycle >= this.measureFrom) this.win.appendsOut++;
            if (this.inCycle[seq]! >= this.measureFrom) this.hist.leaderAppend.add(f.cycle - this.inCycle[seq]!);
          }
          const dst = type ? getDstNode(d) : 0xff;
          for (let j = 1; j < this.nics.length; j++) if (dst === 0xff || dst === j) this.arrivals[j]!.push({ ready: f.cycle + this.link, data: d });
        } else {
          this.arrivals[0]!.push({ ready: f.cycle + this.link, data: d });
        }
      }
      for (const h of s.pull(s.hostPort)) {
        if (i !== 0 || this.cfg.mode !== 'leader' || h.user !== HostReason.COMMITTED || h.data.length < HDR_BYTES) continue;
        const idx = getLogIndex(h.data);
        if (h.cycle >= this.measureFrom) this.win.committedToHost++;
        const q = this.quorumCycle[idx];
        if (q !== undefined && q >= this.measureFrom) this.hist.leaderCommit.add(h.cycle - q);
      }
    }
    this.arrivals[0]!.sort((a, b) => a.ready - b.ready);
  }

  /** Beats scheduled into node 0's port before now that it has not taken (0: every first-beat cycle was exact). */
  stalledBeats(): number {
    const due = this.scheduledBeats - Math.max(0, this.portFree - this.cycle);
    return due - this.nics[0]!.stats().ports[0]!.inBeats;
  }

  destroy(): void {
    for (const s of this.nics) s.destroy();
  }
}
