// nicraft_rtx (hw/rtl/nicraft_rtx.sv): retransmission (leader): go-back-N from the log RAM,
// per-follower retransmit timers, needs-repair events.
//
// A follower is served on a NACK (from the index it expects to the first it holds beyond the gap) or
// when its ACKs made no progress for its retransmit timeout while it lags (from its match index on).
// One follower at a time: the others wait in a pending set, served round robin after the last one
// (rr-pick.ts). Starting a round takes three cycles, as in the RTL (for its timing): the pick (the
// follower's pending range and match index + 1 taken), the range (its ends computed), the start (the
// range checked against the log); no other follower is picked meanwhile. The timeout doubles after every expiry without progress (up to RTO << RTO_SHIFT_MAX)
// and drops back to RTO when the follower's match index moves. The engine reads an entry beat by beat
// (the data comes back the next cycle), rewrites the header of its first beat (destination,
// RETRANSMIT flag, current commit index, round number) into the retransmit FIFO; after each entry it
// skips what the follower acknowledged meanwhile. An index that left the log RAM cannot be resent:
// the host gets a needs-repair event, once per follower until its match index moves. Nor can an index
// whose slot does not hold it (the slot's tag names another index: not written since power-up, or
// another lap of the ring): before an entry's first beat the engine compares, and on a mismatch sends
// nothing of it, stops the round, counts RETRANSMIT_STALE and raises the same needs-repair event for
// that index; the same for an entry of an older term (a follower NIC punts it to its host, which
// repairs it: resending it only loads the leader's egress, fuzz seed 600020). When leader mode ends, pending work is dropped but a frame already started is read to
// its end.
import * as M_wire_gen from '../../wire/wire.gen.js';
import { FrameFifo } from './axis-fifo.js';
import { ByteSlab } from './bytes.js';
import { hostEventFrame } from './leader-watch.js';
import type { LogRam } from './log-ram.js';
import * as M_log_ram from './log-ram.js';
import type { Derived } from './params.js';
import * as M_rr_pick from './rr-pick.js';
import * as M_stats from './stats.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const {
  BEAT_BYTES, Flag, HostReason, MsgType, getFlags, nodeMac, setCommitIndex, setDstMac, setDstNode, setFlags, setLogIndex, setRsvd,
} = M_wire_gen;
const { asmBeat, asmRoom } = M_log_ram;
const { rrPick } = M_rr_pick;
const { C_NEEDS_REPAIR, C_RETRANSMIT_STALE, C_RETRANSMIT_TX } = M_stats;

const BEAT: number = BEAT_BYTES, BEAT_MASK = BEAT - 1, BEAT_SHIFT = Math.log2(BEAT);
const T_NACK: number = MsgType.NACK;
const F_RETRANSMIT: number = Flag.RETRANSMIT;
const H_NEEDS_REPAIR: number = HostReason.NEEDS_REPAIR;
/** RTO_SHIFT_MAX: the retransmit timeout backs off to at most RTO << 6. */
const RTO_SHIFT_MAX = 6;
/** the retransmitted frames' bytes (bytes.ts: a copy longer than 64 bytes costs a tenth of a slice()) */
const RETRANSMITTED = new ByteSlab();

export class Rtx {
  private readonly MAXN: number;
  private readonly LD: number;
  private readonly ldMask: number;
  private readonly slotMask: number;
  /** almost-full limits: retransmit FIFO (16 beats, 3 free), event FIFO (8 beats, 2 free) */
  private readonly rtxAfLimit = 16 - 3;
  private readonly evtAfLimit = 8 - 2;
  /** the retransmit FIFO (to the TX arbiter) and the needs-repair events (to the host RX arbiter) */
  readonly rtx = new FrameFifo(4);
  readonly evt = new FrameFifo(3);
  // ---- registers
  /** followers waiting to be served, from pendIndex to before pendEnd (0: to the last) */
  pend = 0;
  readonly pendIndex: Uint32Array;
  readonly pendEnd: Uint32Array;
  lastPick = 0;
  /** retransmission round (7 bits), carried in the rsvd byte of retransmitted APPENDs */
  round = 0;
  readonly rtoTimer: Float64Array;
  readonly rtoShift: Uint8Array;
  /** RTO << shift as of last cycle (the RTL registers it, for timing), and the RTO it was last set from */
  readonly rtoLim: Float64Array;
  private rtoLimRto = -1;
  /** some retransmit timer may be non-zero */
  private rtoRun = false;
  repairSent = 0;
  /** a round's start: picked (prep*), range computed (range*) */
  prep = false;
  prepNode = 0;
  prepPfrom = 0;
  prepM1 = 0;
  prepEnd = 0;
  range = false;
  rangeNode = 0;
  rangeFrom = 0;
  rangeTo = 0;
  active = false;
  node = 0;
  next = 0;
  start = 0;
  end = 0;
  beat = 0;
  /** the needs-repair event decided last cycle, entering its FIFO at this edge (registered in the RTL, for timing) */
  evtPush = false;
  private evtFrame: Uint8Array | null = null;
  /** the read of last cycle (the data is in the log RAM's retransmit read register) */
  rdValid = false;
  rdFirst = false;
  rdLast = false;
  rdLen = 0;
  rdNode = 0;
  private asm = new Uint8Array(1024);
  private asmLen = 0;
  // ---- combinational, per cycle (comb())
  private pick = 0;
  private pickOk = false;
  private prepFrom = 0;
  private prepTo = 0;
  private startOk = false;
  private needsRepair = false;
  /** the entry to read next is not in its slot: the round stops, nothing of it is sent */
  staleHit = false;
  /** the follower and index of this cycle's needs-repair event */
  private evtNode = 0;
  private evtIndex = 0;
  /** a needs-repair event is written / a beat is read this cycle */
  evtWe = false;
  go = false;
  private active0 = false;
  private node0 = 0;
  private next0 = 0;
  private start0 = 0;

  /** match: the match index registers (nicraft_commit's output) */
  constructor(d: Derived, private readonly match: Uint32Array) {
    this.MAXN = d.MAXN;
    this.LD = d.LD;
    this.ldMask = d.ldMask;
    this.slotMask = d.slotMask;
    this.pendIndex = new Uint32Array(d.MAXN);
    this.pendEnd = new Uint32Array(d.MAXN);
    this.rtoTimer = new Float64Array(d.MAXN);
    this.rtoShift = new Uint8Array(d.MAXN);
    this.rtoLim = new Float64Array(d.MAXN);
  }

  reset(): void {
    this.pend = 0; this.repairSent = 0; this.evtPush = false; this.evtFrame = null; this.prep = false; this.range = false; this.active = false; this.rdValid = false; this.asmLen = 0; this.round = 0;
    this.rtoTimer.fill(0); this.rtoShift.fill(0); this.rtoLim.fill(0); this.rtoLimRto = -1; this.pendIndex.fill(0); this.pendEnd.fill(0);
    this.rtx.clear(); this.evt.clear();
  }

  /** Follower n's retransmit timeout from the next cycle on: RTO << shift, in 32 bits as the RTL computes it. */
  private rtoLimit(rto: number, n: number): number {
    return (rto << this.rtoShift[n]!) >>> 0;
  }

  /** Members whose retransmit timer runs (leader: a member other than this node that lags). */
  private rtoRunning(n: number, nodeId: number, members: number, last: number): boolean {
    return n !== nodeId && ((members >> n) & 1) === 1 && this.match[n]! < last;
  }

  /**
   * The follower to serve next, its range, a needs-repair event, the read of this cycle. lpRead: the
   * host reads the log RAM (it has the port); lr: the log RAM (the tag of the slot to read).
   */
  comb(leaderMode: boolean, last: number, term: number, lpRead: boolean, lr: LogRam): void {
    // stage 1, pick: a pending follower, when no round is under way or starting
    const pick = rrPick(this.pend, this.lastPick, this.MAXN);
    const pickValid = pick >= 0;
    this.pick = pickValid ? pick : 0;
    this.pickOk = leaderMode && !this.active && !this.prep && !this.range && pickValid;
    // stage 2, range: from the later of the pending start and match + 1, to the pending end or the last
    this.prepFrom = this.prepPfrom > this.prepM1 ? this.prepPfrom : this.prepM1;
    const pe = this.prepEnd;
    this.prepTo = pe !== 0 && ((pe - 1) >>> 0) < last ? (pe - 1) >>> 0 : last;
    // stage 3, start: a round, or a needs-repair event if its first index left the log RAM
    const from = this.rangeFrom;
    const logOldest = last > this.LD ? (last - this.LD + 1) >>> 0 : 1;
    const startOk = leaderMode && this.range;
    const needsRepair = startOk && from <= last && from < logOldest;
    this.startOk = startOk;
    this.needsRepair = needsRepair;
    // the entry to read next must be the one its slot holds (the slot's tag), of the current term
    // (a follower NIC punts an APPEND of an older term to its host: the host repairs those entries)
    const slot = this.next & this.ldMask;
    const stale = this.active && leaderMode && this.beat === 0 && (lr.tagIndex[slot] !== this.next || lr.tagTerm[slot] !== term);
    this.staleHit = stale;
    // at the start of a round (an index that left the RAM) or for a stale slot (only while a round is under way)
    const en = this.active ? this.node : this.rangeNode;
    this.evtNode = en;
    this.evtIndex = this.active ? this.next : from;
    this.evtWe = (needsRepair || stale) && !((this.repairSent >> en) & 1) && this.evt.used <= this.evtAfLimit;
    this.active0 = this.active; this.node0 = this.node; this.next0 = this.next; this.start0 = this.start;
    // a frame once started is read to its last beat even if leader mode ends meanwhile
    this.go = this.active && (leaderMode || this.beat !== 0) && !lpRead && this.rtx.used <= this.rtxAfLimit && !stale;
  }

  /** The clock edge: last cycle's beat into the FIFO (header rewritten), then the next read. */
  clockRead(commit: number, lr: LogRam, ctr: Float64Array): void {
    if (this.rdValid) {
      const lastBeat = this.rdLast;
      const len = this.rdLen;
      const keep = lastBeat ? ((len & BEAT_MASK) === 0 ? BEAT : len & BEAT_MASK) : BEAT;
      if (this.rtx.used < this.rtx.depth) {
        let b = lr.rtxBuf;
        let o = lr.rtxOff;
        let n = b === null ? 0 : lr.rtxN;
        if (this.rdFirst) {
          const h = new Uint8Array(BEAT);
          asmBeat(h, 0, b, o, n, BEAT);
          setDstMac(h, nodeMac(this.rdNode));
          setDstNode(h, this.rdNode);
          setFlags(h, getFlags(h) | F_RETRANSMIT);
          setRsvd(h, this.round);
          setCommitIndex(h, commit);
          b = h; o = 0; n = BEAT;
        }
        const pos = this.asmLen;
        this.asm = asmRoom(this.asm, pos, keep);
        asmBeat(this.asm, pos, b, o, n, keep);
        this.asmLen = pos + keep;
        if (lastBeat) {
          this.rtx.write(RETRANSMITTED.copy(this.asm, 0, this.asmLen), true, 0);
          this.asmLen = 0;
        } else {
          this.rtx.write(null, false, 0);
        }
      }
      if (lastBeat) ctr[C_RETRANSMIT_TX]!++;
    }
    if (this.go) {
      const node = this.node0;
      const nextOld = this.next0;
      const len = lr.lenOf(nextOld);
      const lastBeatIdx = len === 0 ? 0 : (len - 1) >> BEAT_SHIFT;
      const isLast = this.beat >= lastBeatIdx;
      lr.readRtx(nextOld, this.beat);
      this.rdFirst = this.beat === 0;
      this.rdLast = isLast;
      this.rdLen = len;
      this.rdNode = node;
      if (isLast) {
        this.beat = 0;
        const m1 = (this.match[node]! + 1) >>> 0;
        const n1 = (nextOld + 1) >>> 0;
        this.next = m1 > n1 ? m1 : n1;
        if (n1 > this.end || this.match[node]! >= this.end) this.active = false;
      } else this.beat = (this.beat + 1) & this.slotMask;
    }
    this.rdValid = this.go;
  }

  /** A stale slot's count, the needs-repair event for the host (a NACK-shaped frame naming the follower and the index). */
  clockEvent(nodeId: number, clusterId: number, term: number, commit: number, ctr: Float64Array): void {
    if (this.staleHit) ctr[C_RETRANSMIT_STALE]!++;
    if (this.evtPush) this.evt.write(this.evtFrame!, true, H_NEEDS_REPAIR);
    this.evtPush = this.evtWe;
    if (!this.evtWe) return;
    const pick = this.evtNode;
    const g = hostEventFrame(T_NACK, nodeId, pick, clusterId, term);
    setLogIndex(g, this.evtIndex); setCommitIndex(g, commit);
    this.evtFrame = g;
    ctr[C_NEEDS_REPAIR]!++;
  }

  /**
   * The timers, repair events, the pending set and the engine's start at the clock edge. movedM:
   * the match indexes the commit engine moves this cycle (it updates its registers after this; a
   * timer compares the register, as the RTL does); evNack, src, index, client: a NACK the execute
   * engine took.
   */
  clockPend(leaderMode: boolean, nodeId: number, members: number, last: number, rto: number, movedM: number,
    evNack: boolean, src: number, index: number, client: number): void {
    const MAXN = this.MAXN;
    let pend = this.pend;
    // (when nothing moved and no timer runs, the loop would change nothing)
    const rtoLoop = movedM !== 0 || leaderMode || this.rtoRun;
    this.rtoRun = leaderMode;
    for (let n = 0; rtoLoop && n < MAXN; n++) {
      const moved = ((movedM >> n) & 1) === 1;
      const mOld = this.match[n]!;
      if (moved) this.repairSent &= ~(1 << n);
      const lim = this.rtoLim[n]!;
      this.rtoLim[n] = this.rtoLimit(rto, n);
      if (!leaderMode || n === nodeId || !((members >> n) & 1) || mOld >= last || moved) {
        this.rtoTimer[n] = 0;
        this.rtoShift[n] = 0;
      } else if (this.rtoTimer[n]! >= lim) {
        this.rtoTimer[n] = 0;
        if (this.rtoShift[n]! !== RTO_SHIFT_MAX) this.rtoShift[n] = this.rtoShift[n]! + 1;
        if (!((this.pend >> n) & 1)) {
          pend |= 1 << n;
          this.pendIndex[n] = (mOld + 1) >>> 0;
          this.pendEnd[n] = 0;
        }
      } else {
        this.rtoTimer[n] = this.rtoTimer[n]! + 1;
      }
    }
    // (a skipped loop: no timer runs and every shift is 0; the registered timeouts follow RTO)
    if (!rtoLoop && rto !== this.rtoLimRto) for (let n = 0; n < MAXN; n++) this.rtoLim[n] = this.rtoLimit(rto, n);
    this.rtoLimRto = rto;
    const pick = this.pick;
    if (this.evtWe) this.repairSent |= 1 << this.evtNode;
    if (this.staleHit) this.active = false;
    if (this.startOk) {
      const from = this.rangeFrom;
      if (from <= this.rangeTo && !this.needsRepair) {
        this.active = true;
        this.node = this.rangeNode;
        this.next = from;
        this.start = from;
        this.end = this.rangeTo;
        this.beat = 0;
      }
    }
    if (this.range) this.range = false;
    if (this.prep) {
      this.prep = false;
      this.range = true;
      this.rangeNode = this.prepNode; this.rangeFrom = this.prepFrom; this.rangeTo = this.prepTo;
    }
    if (this.pickOk) {
      pend &= ~(1 << pick);
      this.lastPick = pick;
      this.round = (this.round + 1) & 0x7f;
      this.prep = true;
      this.prepNode = pick;
      this.prepPfrom = this.pendIndex[pick]!;
      this.prepM1 = (this.match[pick]! + 1) >>> 0;
      this.prepEnd = this.pendEnd[pick]!;
    }
    if (evNack) {
      const s = src & 7;
      if (!(this.active0 && this.node0 === s && index >= this.start0 && index <= this.next0)) {
        pend |= 1 << s;
        if (!((this.pend >> s) & 1) || index < this.pendIndex[s]!) {
          this.pendIndex[s] = index;
          this.pendEnd[s] = client;
        }
      }
    }
    // (this.beat is already this cycle's result: non-zero = inside a frame, finished first)
    if (!leaderMode) { if (this.beat === 0) this.active = false; pend = 0; this.prep = false; this.range = false; }
    this.pend = pend;
  }

  /** Nothing in flight and no timer due this cycle. */
  idle(leaderMode: boolean, nodeId: number, members: number, last: number, rto: number): boolean {
    if (this.rdValid || this.evtPush || this.rtx.used !== 0 || this.evt.used !== 0 || this.active || this.prep || this.range || this.pend !== 0) return false;
    if (leaderMode) {
      for (let n = 0; n < this.MAXN; n++) if (this.rtoRunning(n, nodeId, members, last) && this.rtoTimer[n]! >= this.rtoLim[n]!) return false;
    }
    return true;
  }

  /** The next cycle (from c, when idle) at which a retransmit timer expires; Infinity when none. */
  nextEvent(c: number, leaderMode: boolean, nodeId: number, members: number, last: number, rto: number): number {
    let next = Infinity;
    if (!leaderMode) return next;
    for (let n = 0; n < this.MAXN; n++) {
      if (this.rtoRunning(n, nodeId, members, last)) {
        // (the registered timeout is RTO << shift from the next cycle on; this cycle's did not expire: idle())
        next = Math.min(next, c + Math.max(1, this.rtoLimit(rto, n) - this.rtoTimer[n]!));
      }
    }
    return next;
  }

  /** k idle cycles at once. */
  skip(k: number, leaderMode: boolean, nodeId: number, members: number, last: number, rto: number): void {
    for (let n = 0; n < this.MAXN; n++) {
      if (leaderMode && this.rtoRunning(n, nodeId, members, last)) {
        this.rtoTimer[n] = this.rtoTimer[n]! + k;
        this.rtoLim[n] = this.rtoLimit(rto, n);
      } else {
        // the last skipped cycle registered RTO << the shift of the one before (0 after the first)
        if (k === 1) this.rtoLim[n] = this.rtoLimit(rto, n);
        this.rtoTimer[n] = 0; this.rtoShift[n] = 0;
        if (k > 1) this.rtoLim[n] = rto >>> 0;
      }
    }
    this.rtoLimRto = rto;
  }
}
