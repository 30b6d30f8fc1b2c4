// nicraft_ctl_gen (hw/rtl/nicraft_ctl_gen.sv): generated frames: ACK and NACK (follower), HEARTBEAT
// and NIC REPLY (leader).
//
//   ACK:       once ACK_COUNT entries are unacknowledged or the oldest waited ACK_DELAY cycles, or at
//              once after a duplicate APPEND; with ACK_GAP on (non-zero) also as soon as an entry is
//              unacknowledged and no ACK or NACK left in the last ACK_GAP cycles.
//   NACK:      a gap that lasted NACK_DELAY cycles; repeated every NACK_INTERVAL cycles while the same
//              index is expected. It names the gap: [expected index, first index held beyond it).
//   HEARTBEAT: every HB_INTERVAL cycles without an APPEND, or HB_COMMIT_DELAY cycles after the commit
//              index moved.
//   REPLY:     the leader answers the client itself when an entry flagged NIC_REPLY is delivered (from
//              the delivery engine's read register), and it has priority. Follower replies: any role
//              answers an entry flagged FOLLOWER_REPLY when it delivers it if REPLY_MASK has the bit of
//              the client id mod 8.
// One frame a cycle at most, into the generated frames' FIFO (toward the TX arbiter). ACKs, NACKs and
// HEARTBEATs carry a sequence number, so a repeat is never taken for a plane copy.
import { FrameFifo } from './axis-fifo.js';
import * as M_wire_gen from '../../wire/wire.gen.js';
import type { CsrBlock } from './csr.js';
import type { LogRam } from './log-ram.js';
import * as M_params from './params.js';
import * as M_stats from './stats.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const {
  ETHERTYPE, Flag, MAC_GROUP, MIN_FRAME_BYTES, MsgType, WIRE_VERSION, clientMac, getClientId, getFlags,
  getLogIndex, getSeq, getTerm, nodeMac, setClientId, setClusterId, setCommitIndex, setDstMac, setDstNode,
  setEthertype, setFlags, setLogIndex, setSeq, setSrcMac, setSrcNode, setTerm, setType, setVersion
} = M_wire_gen;
const { ROLE_LEADER, ROLE_MIDDLE } = M_params;

/**
 * What an ACK says is held: a follower's last index; a chain middle's (ROLE 3) commit index, what its
 * successor confirmed (nicraft_ctl_gen.sv: ack_idx).
 */
export function ackIdx(role: number, last: number, commit: number): number {
  return role === ROLE_MIDDLE ? commit : last;
}
/** ACKs and NACKs: ROLE 1 or 3 (follows LEADER_ID), fast path on. */
function follows(c: CsrBlock): boolean {
  return c.fastEn && (c.role & 1) !== 0;
}
const { C_ACK_TX, C_HEARTBEAT_TX, C_NACK_TX, C_REPLY_TX } = M_stats;

const MIN_FRAME: number = MIN_FRAME_BYTES, ETYPE: number = ETHERTYPE, WVER: number = WIRE_VERSION;
const T_ACK: number = MsgType.ACK, T_NACK: number = MsgType.NACK, T_HEARTBEAT: number = MsgType.HEARTBEAT;
const T_REPLY: number = MsgType.REPLY;
const F_NIC_REPLY: number = Flag.NIC_REPLY;
const F_FOLLOWER_REPLY: number = Flag.FOLLOWER_REPLY;
const U32_MAX = 0xffffffff;

export class CtlGen {
  /** the generated frames' FIFO: 8 beats, almost full with 3 free */
  readonly gen = new FrameFifo(3);
  ackedIndex = 0;
  ackAge = 0;
  forceAck = false;
  /** cycles until ACK_GAP lets the next ACK go (counts down to 0) */
  gapLeft = 0;
  /** ACK_GAP on (as it was at the last clock edge) and gapLeft is 0: a register in the RTL */
  gapOpen = false;
  /** an ACK or NACK left last cycle with ACK_GAP >= 2 (or 0): the gap restarts at this edge; masks gapOpen */
  gapBlock = false;
  hbTimer = 0;
  commitSent = 0;
  nackWant = false;
  gapAge = 0;
  nackTimer = 0;
  nackSent = 0;
  /** numbers the ACKs, NACKs and HEARTBEATs this NIC sends */
  ctlSeq = 0;
  /** ne_commit_reg: the commit index differed from the acknowledged index a cycle ago (chain middle) */
  neCommit = false;
  /** ack_moved_reg: the acknowledged index moved (ACK, NACK, host write of LAST_INDEX) or reset a cycle ago */
  ackMoved = false;
  // ---- combinational, per cycle (comb())
  genReply = false;
  nackGo = false;
  genNack = false;
  genWe = false;

  reset(): void {
    this.ackedIndex = 0; this.ackAge = 0; this.forceAck = false; this.gapLeft = 0; this.gapOpen = false; this.gapBlock = false; this.hbTimer = 0; this.commitSent = 0;
    this.nackWant = false; this.nackTimer = 0; this.nackSent = 0; this.gapAge = 0; this.ctlSeq = 0;
    this.neCommit = false; this.ackMoved = true;
    this.gen.clear();
  }

  /** gen_afull: delivery waits (a NIC reply may follow a delivered first beat). */
  afull(): boolean {
    return this.gen.used > 5;
  }

  /**
   * Something to acknowledge: a follower's last index differs from the acknowledged index; a chain
   * middle's commit index did a cycle ago, and the acknowledged index did not move then (registered in
   * the RTL: ne_commit_reg, ack_moved_reg).
   */
  pending(c: CsrBlock, last: number): boolean {
    return this.pendingIn(c.role, last);
  }

  private pendingIn(role: number, last: number): boolean {
    return role === ROLE_MIDDLE ? this.neCommit && !this.ackMoved : last !== this.ackedIndex;
  }

  /** The middle's registers are what they will be next cycle (nothing moves while idle). */
  settled(commit: number): boolean {
    return !this.ackMoved && this.neCommit === (commit !== this.ackedIndex);
  }

  ackWant(c: CsrBlock, last: number): boolean {
    if (!follows(c)) return false;
    const unacked = (last - this.ackedIndex) >>> 0;
    // (a chain middle's ACKs go by ACK_DELAY, ACK_GAP or a forced ACK, not by ACK_COUNT: nicraft_ctl_gen.sv)
    return (this.pending(c, last) || this.forceAck) &&
      ((unacked >= c.ackCount && c.role !== ROLE_MIDDLE) || this.ackAge >= c.ackDelay || this.forceAck || (this.gapOpen && !this.gapBlock));
  }

  hbWant(c: CsrBlock, commit: number): boolean {
    return c.fastEn && c.role === ROLE_LEADER &&
      (this.hbTimer >= c.hbInterval || (commit !== this.commitSent && this.hbTimer >= c.hbCommitDelay));
  }

  nackReady(c: CsrBlock, last: number): boolean {
    return follows(c) && this.nackWant && this.gapAge >= c.nackDelay &&
      (((last + 1) >>> 0) !== this.nackSent || this.nackTimer >= c.nackInterval);
  }

  /** Whether a frame is generated this cycle, and which. dlvRd*: the delivery engine's read register (valid, first beat). */
  comb(c: CsrBlock, last: number, commit: number, dlvRdValid: boolean, dlvRdFirst: boolean, lr: LogRam): void {
    let genReply = false;
    if (dlvRdValid && dlvRdFirst) {
      const b = lr.dlvBuf;
      // (a first beat starts at its frame's byte 0)
      if (b !== null && lr.dlvN > 18) {
        const h = lr.dlvOff === 0 ? b : b.subarray(lr.dlvOff);
        const fl = getFlags(h);
        genReply = (c.role === ROLE_LEADER && (fl & F_NIC_REPLY) !== 0) ||
          ((fl & F_FOLLOWER_REPLY) !== 0 && ((c.replyMask >>> ((lr.dlvN >= 38 ? getClientId(h) : 0) & 7)) & 1) !== 0);
      }
    }
    const nackGo = this.nackReady(c, last);
    const genCtl = !genReply && (this.ackWant(c, last) || this.hbWant(c, commit) || nackGo);
    this.genReply = genReply;
    this.nackGo = nackGo;
    this.genNack = genCtl && nackGo;
    this.genWe = genReply || (genCtl && this.gen.used < this.gen.depth);
  }

  /** The generated frame into the FIFO: a NIC reply (from the delivery read register) or an ACK / NACK / heartbeat. */
  clockFrame(c: CsrBlock, last: number, commit: number, oooValid: boolean, oooMin: number, lr: LogRam, ctr: Float64Array): void {
    if (!this.genWe) return;
    const g = new Uint8Array(MIN_FRAME);
    const nodeId = c.nodeId;
    if (this.genReply) {
      const b = lr.dlvBuf!;
      const o = lr.dlvOff;
      const n = lr.dlvN;
      // the beat's bytes (zeros past its end, as in the 64-byte register)
      const bb = o === 0 && n === b.length ? b : b.subarray(o, o + n);
      const client = getClientId(bb);
      setDstMac(g, clientMac(client));
      setSrcMac(g, nodeMac(nodeId));
      setEthertype(g, ETYPE); setVersion(g, WVER); setType(g, T_REPLY);
      setClusterId(g, c.clusterId); setFlags(g, getFlags(bb)); setSrcNode(g, nodeId); setDstNode(g, 0xff);
      setTerm(g, getTerm(bb)); setLogIndex(g, getLogIndex(bb)); setCommitIndex(g, commit); setClientId(g, client);
      setSeq(g, getSeq(bb));
      ctr[C_REPLY_TX]!++;
    } else {
      const leader = c.role === ROLE_LEADER;
      const nack = !leader && this.nackGo;
      const succOn = c.succId !== 0xff;
      setDstMac(g, leader ? (succOn ? nodeMac(c.succId) : MAC_GROUP) : nodeMac(c.leaderId));
      setSrcMac(g, nodeMac(nodeId));
      setEthertype(g, ETYPE); setVersion(g, WVER); setType(g, leader ? T_HEARTBEAT : this.nackGo ? T_NACK : T_ACK);
      setClusterId(g, c.clusterId); setSrcNode(g, nodeId); setDstNode(g, leader ? (succOn ? c.succId : 0xff) : c.leaderId);
      setTerm(g, c.term); setLogIndex(g, leader ? last : nack ? (last + 1) >>> 0 : ackIdx(c.role, last, commit)); setCommitIndex(g, commit);
      if (nack && oooValid) setClientId(g, oooMin);
      setSeq(g, this.ctlSeq);
      if (leader) ctr[C_HEARTBEAT_TX]!++;
      else if (this.genNack) ctr[C_NACK_TX]!++;
      else ctr[C_ACK_TX]!++;
    }
    this.gen.write(g, true, 0);
  }

  /**
   * The timers and the NACK state at the clock edge (after the execute engine's: this block wins).
   * Events of the execute engine: evSeqFirst (a REQ sequenced: the heartbeat timer restarts), evDup
   * (an ACK is forced), evLogGrew, evGap; oooValid/oooMin: its registers at the start of the cycle.
   */
  clockTimers(role: number, ackGap: number, last: number, commit: number, evSeqFirst: boolean, evDup: boolean, evLogGrew: boolean,
    evGap: boolean, oooValid: boolean, oooMin: number): void {
    const expect = (last + 1) >>> 0;
    const ai = ackIdx(role, last, commit);
    const pend = this.pendingIn(role, last);
    const genWe = this.genWe, genReply = this.genReply;
    // the middle's registers (before this edge's update of the acknowledged index)
    this.neCommit = commit !== this.ackedIndex;
    this.ackMoved = genWe && !genReply && role !== ROLE_LEADER;
    if (evDup) this.forceAck = true;
    if (evSeqFirst) { this.hbTimer = 0; this.commitSent = commit; }
    this.nackTimer = Math.min(this.nackTimer + 1, U32_MAX);
    if (genWe && !genReply) this.ctlSeq = (this.ctlSeq + 1) >>> 0;
    // an ACK or NACK leaves: the next may follow ACK_GAP cycles later
    if (this.gapBlock) {
      // the ACK left last cycle: ACK_GAP - 1 cycles of the gap are left after this one
      this.gapLeft = ackGap >= 2 ? ackGap - 2 : 0;
      this.gapOpen = ackGap !== 0 && ackGap <= 2;
    } else {
      this.gapOpen = ackGap !== 0 && this.gapLeft <= 1;
      if (this.gapLeft !== 0) this.gapLeft--;
    }
    this.gapBlock = genWe && !genReply && role !== ROLE_LEADER && ackGap !== 1;
    if (evLogGrew) {
      this.gapAge = 0;
      this.nackWant = oooValid && ((expect + 1) >>> 0) < oooMin;
    } else if (this.nackWant) this.gapAge = Math.min(this.gapAge + 1, U32_MAX);
    if (evGap) this.nackWant = true;
    if (genWe && this.genNack) {
      this.nackTimer = 0;
      this.nackSent = expect;
      this.ackedIndex = ai; this.ackAge = 0;
    } else if (genWe && !genReply) {
      if (role === ROLE_LEADER) { this.hbTimer = 0; this.commitSent = commit; }
      else { this.ackedIndex = ai; this.ackAge = 0; this.forceAck = false; }
    } else {
      if (pend) this.ackAge = (this.ackAge + 1) >>> 0;
      if (!evSeqFirst) this.hbTimer = (this.hbTimer + 1) >>> 0;
    }
  }

  /** Nothing would be generated this cycle. */
  quiet(c: CsrBlock, last: number, commit: number): boolean {
    return !this.ackWant(c, last) && !this.hbWant(c, commit) && !this.nackReady(c, last);
  }

  /** The next cycle (from c, when idle) at which a timer makes a frame due; Infinity when none. */
  nextEvent(cyc: number, c: CsrBlock, last: number, commit: number): number {
    let next = Infinity;
    if (c.fastEn && c.role === ROLE_LEADER) {
      let k = c.hbInterval - this.hbTimer;
      if (commit !== this.commitSent) k = Math.min(k, c.hbCommitDelay - this.hbTimer);
      if (k > 0) next = Math.min(next, cyc + k);
    }
    if (follows(c)) {
      if (this.pending(c, last)) {
        const k = c.ackDelay - this.ackAge;
        if (k > 0) next = Math.min(next, cyc + k);
        // the gap opens once gapLeft is 0 and the flag was registered (at least one edge)
        if (c.ackGap !== 0 && (!this.gapOpen || this.gapBlock)) {
          next = Math.min(next, cyc + (this.gapBlock ? Math.max(c.ackGap - 1, 1) : Math.max(this.gapLeft, 1)));
        }
      }
      if (this.nackWant) {
        let k = c.nackDelay - this.gapAge;
        if (((last + 1) >>> 0) === this.nackSent) k = Math.max(k, c.nackInterval - this.nackTimer);
        if (k > 0) next = Math.min(next, cyc + k);
      }
    }
    return next;
  }

  /** k idle cycles at once (only the free-running timers move). */
  /** (pend: pending(), constant while idle) */
  skip(k: number, pend: boolean, ackGap: number): void {
    let kk = k;
    if (kk > 0 && this.gapBlock) {
      this.gapLeft = ackGap >= 2 ? ackGap - 2 : 0;
      this.gapOpen = ackGap !== 0 && ackGap <= 2;
      this.gapBlock = false;
      kk--;
    }
    if (kk > 0) this.gapOpen = ackGap !== 0 && this.gapLeft <= kk;
    this.hbTimer = (this.hbTimer + k) >>> 0;
    this.nackTimer = Math.min(this.nackTimer + k, U32_MAX);
    if (this.nackWant) this.gapAge = Math.min(this.gapAge + k, U32_MAX);
    if (pend) this.ackAge = (this.ackAge + k) >>> 0;
    this.gapLeft = Math.max(0, this.gapLeft - kk);
  }
}
