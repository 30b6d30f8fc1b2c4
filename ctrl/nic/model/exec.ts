// nicraft_exec (hw/rtl/nicraft_exec.sv): the execute engine, the D and E stages of the receive pipeline.
//
//   D: registers a beat of the merged RX stream and, on a frame's first beat, the stateless header
//      checks (length, ethertype, version, cluster, type).
//   E: decides on the first beat and holds the decision for the frame's other beats: sequence a REQ
//      into an APPEND (leader), accept an APPEND into the log (follower), buffer an APPEND beyond a
//      gap (follower), take an ACK / NACK / HEARTBEAT, punt to the host, or drop with a reason.
//
// The engine owns the tail of the log (LAST_INDEX) and the reorder state; it writes the log RAM,
// sequenced APPENDs into the APPEND FIFO and punts into the punt FIFO. The pipeline advances unless
// the APPEND FIFO is nearly full. comb() is the cycle's combinational logic (decision and events),
// clockE() the E stage's effects, clockD() the D registers, latch() the _reg <= _next copy.
import * as M_wire_gen from '../../wire/wire.gen.js';
import { FrameFifo } from './axis-fifo.js';
import type { LogRam } from './log-ram.js';
import type { Derived } from './params.js';
import * as M_params from './params.js';
import * as M_stats from './stats.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const {
  DropReason, HDR_BYTES, HostReason, MAC_GROUP, MIN_FRAME_BYTES, MsgType, ETHERTYPE, WIRE_VERSION, getClientId,
  getClusterId, getCommitIndex, getEthertype, getFlags, getLogIndex, getPayloadLen, getSrcNode, getTerm, getType, getVersion,
  nodeMac, setCommitIndex, setDstMac, setDstNode, setLogIndex, setRsvd, setSrcMac, setSrcNode, setTerm, setType
} = M_wire_gen;
const { ROLE_LEADER, ROLE_MIDDLE, ROLE_OFF } = M_params;
const F_RETRANSMIT: number = M_wire_gen.Flag.RETRANSMIT;
const {
  C_ACK_RX, C_APPEND_ACCEPTED, C_APPEND_BUFFERED, C_DROPPED, C_HEARTBEAT_RX, C_NACK_RX, C_PUNTED, C_REQ_SEQUENCED,
  E_DROP_CTR
} = M_stats;

// Execute-stage actions (the RTL's A_*).
export const A_DROP = 0, A_SEQ = 1, A_ACCEPT = 2, A_PUNT = 3, A_ACK = 4, A_HB = 5, A_DUP = 6, A_NACK = 7, A_OOO = 8;

const HDR: number = HDR_BYTES, MIN_FRAME: number = MIN_FRAME_BYTES, ETYPE: number = ETHERTYPE, WVER: number = WIRE_VERSION;
const T_REQ: number = MsgType.REQ, T_APPEND: number = MsgType.APPEND, T_ACK: number = MsgType.ACK, T_NACK: number = MsgType.NACK;
const T_HEARTBEAT: number = MsgType.HEARTBEAT, T_CONTROL: number = MsgType.CONTROL;
const D_SHORT: number = DropReason.SHORT, D_BAD_ETHERTYPE: number = DropReason.BAD_ETHERTYPE;
const D_BAD_VERSION: number = DropReason.BAD_VERSION, D_BAD_CLUSTER: number = DropReason.BAD_CLUSTER;
const D_BAD_LENGTH: number = DropReason.BAD_LENGTH, D_BAD_TYPE: number = DropReason.BAD_TYPE;
const D_LOG_FULL: number = DropReason.LOG_FULL, D_DUPLICATE: number = DropReason.DUPLICATE;
const D_BAD_ACK: number = DropReason.BAD_ACK, D_PUNT_FULL: number = DropReason.PUNT_FULL;
const D_FUTURE_INDEX: number = DropReason.FUTURE_INDEX;
const D_NOT_MEMBER: number = DropReason.NOT_MEMBER, D_NOT_LEADER: number = DropReason.NOT_LEADER;
const H_NOT_LEADER: number = HostReason.NOT_LEADER, H_TERM_NEWER: number = HostReason.TERM_NEWER;
const H_TERM_OLDER: number = HostReason.TERM_OLDER, H_CONTROL: number = HostReason.CONTROL, H_FAST_OFF: number = HostReason.FAST_OFF;
const H_NOT_MEMBER: number = HostReason.NOT_MEMBER, H_OTHER: number = HostReason.OTHER;

/**
 * A first beat sent on from this node to its successor (or the group, SUCC_ID 0xFF) with this node's
 * commit index, rewritten in place (nicraft_exec.sv: routed_beat0): what a sequenced APPEND and a chain
 * middle's forwarded frame have in common.
 */
function route(a: Uint8Array, nodeId: number, succId: number, commit: number): Uint8Array {
  const succOn = succId !== 0xff;
  setDstMac(a, succOn ? nodeMac(succId) : MAC_GROUP);
  setSrcMac(a, nodeMac(nodeId));
  setSrcNode(a, nodeId); setDstNode(a, succOn ? succId : 0xff);
  setCommitIndex(a, commit);
  return a;
}

export class Exec {
  private readonly MAXN: number;
  private readonly LD: number;
  private readonly MAXPL: number;
  private readonly slotMask: number;
  /** almost-full limits: APPEND FIFO (ALMOST_FULL_FREE 2), punt FIFO (MAX_BEATS + 1) */
  readonly txAfLimit: number;
  private readonly puntAfLimit: number;
  /** the APPEND FIFO (to the TX arbiter) and the punt FIFO (to the host RX arbiter) */
  readonly txf: FrameFifo;
  readonly pnt: FrameFifo;

  // ---- D registers (and the header fields the E stage decodes from them)
  dValid = false;
  dBuf: Uint8Array | null = null;
  dBeat = 0;
  dLast = false;
  dFirst = false;
  dBad = 0;
  dType = 0;
  dTerm = 0;
  dIndex = 0;
  dCommit = 0;
  /** the frame's first beat is flagged RETRANSMIT */
  dRtx = false;
  dSrc = 0;
  dClient = 0;
  // ---- E registers
  eActReg = A_DROP;
  eWhyReg = 0;
  eIndexReg = 0;
  /** e_rtx_reg: the frame in E was flagged RETRANSMIT */
  eRtxReg = false;
  /** e_fwd_reg: a chain middle (ROLE 3) forwards the frame in E (an ACCEPT, an OOO or a HEARTBEAT) to its successor */
  eFwdReg = false;
  eBeatReg = 0;
  /** e_log_mid_reg: a frame's first beats are in the log RAM, its last is not (STATUS.FROZEN waits for it) */
  eLogMid = false;
  /** Bytes of the frame the E stage is writing (a SEQ's APPEND, else the received frame). */
  eBuf: Uint8Array | null = null;
  // ---- the log's tail and the reorder state (_reg, _next)
  lastIndex = 0;
  lastNext = 0;
  oooValid = false;
  oooValidNext = false;
  oooMin = 0;
  oooMinNext = 0;

  // ---- combinational, per cycle (comb())
  /** s_axis_tready; the D stage's beat moves to E */
  rxReady = false;
  fire = false;
  act = A_DROP;
  why = 0;
  eIndex = 0;
  eBeat = 0;
  eLogWe = false;
  /** the log grows by this frame (e_grow) */
  eGrow = false;
  chainGo = false;
  // events
  evLogGrew = false;
  evAck = false;
  evNack = false;
  evSeqFirst = false;
  evDup = false;
  evGap = false;
  evCommit = false;
  evCommitIndex = 0;
  /** ev_fresh_end: the last beat of an accepted APPEND not flagged RETRANSMIT (follower commit), its index */
  evFreshEnd = false;
  evFreshIndex = 0;
  /** an accepted APPEND's first beat whose client id is 0 (a control-plane entry: follower commit stops) */
  evCtlAccept = false;
  /** this beat is forwarded to the successor (ROLE 3: e_fwd) */
  fwd = false;
  /** ROLE 3 in this cycle (the first beat's rewrite) */
  middle = false;

  constructor(d: Derived) {
    const p = d.p;
    this.MAXN = d.MAXN;
    this.LD = d.LD;
    this.MAXPL = d.MAXPL;
    this.slotMask = d.slotMask;
    this.txAfLimit = (1 << p.TX_FIFO_DEPTH_LOG2) - 2;
    this.puntAfLimit = (1 << p.HOST_FIFO_DEPTH_LOG2) - (d.MB + 1);
    this.txf = new FrameFifo(p.TX_FIFO_DEPTH_LOG2);
    this.pnt = new FrameFifo(p.HOST_FIFO_DEPTH_LOG2);
  }

  reset(): void {
    this.dValid = false; this.dFirst = false; this.dBad = 0; this.dBuf = null;
    this.eActReg = A_DROP; this.eWhyReg = 0; this.eIndexReg = 0; this.eRtxReg = false; this.eFwdReg = false; this.eBeatReg = 0; this.eBuf = null; this.eLogMid = false;
    this.lastIndex = 0; this.oooValid = false;
    this.txf.clear(); this.pnt.clear();
  }

  /** append_afull (STATUS bit 2, the pipeline waits) */
  appendAfull(): boolean {
    return this.txf.used > this.txAfLimit;
  }

  /**
   * STATUS.FROZEN: the fast path is off and no frame it took is still being written to the log RAM
   * (a frame decided at its first beat under FAST_EN=1 completes its beats; the log grows at its last).
   */
  frozen(fastEn: boolean): boolean {
    return !fastEn && !this.eLogMid;
  }

  /**
   * The slot after the last holds that entry of this term and the window has room (the reorder chain
   * may grow the log), ignoring the E stage.
   */
  chainReady(lr: LogRam, term: number, applied: number): boolean {
    return ((this.lastIndex - applied) >>> 0) < this.LD && lr.tagIs((this.lastIndex + 1) >>> 0, term);
  }

  /** The cycle's decision and events (the E stage's inputs are the D registers and the state). */
  comb(fastEn: boolean, role: number, term: number, nodeId: number, leaderId: number, members: number, applied: number, lr: LogRam): void {
    const leaderMode = fastEn && role === ROLE_LEADER;
    const last = this.lastIndex;
    const windowFull = ((last - applied) >>> 0) >= this.LD;
    const adv = this.txf.used <= this.txAfLimit;
    const dValid = this.dValid;
    this.rxReady = !dValid || adv;
    const fire = dValid && adv;
    this.fire = fire;
    const dFirst = this.dFirst;
    let act = this.eActReg;
    let why = this.eWhyReg;
    let eIndex = this.eIndexReg;
    let eBeat = this.eBeatReg;
    const first = fire && dFirst;
    if (first) {
      const dType = this.dType;
      if (this.dBad !== 0) {
        act = A_DROP; why = this.dBad;
      } else if (dType === T_CONTROL) {
        act = A_PUNT; why = H_CONTROL;
      } else if (dType === T_REQ) {
        if (!leaderMode) { act = A_PUNT; why = H_NOT_LEADER; }
        else if (windowFull) { act = A_DROP; why = D_LOG_FULL; }
        else { act = A_SEQ; why = 0; }
      } else if (dType === T_APPEND || dType === T_HEARTBEAT || dType === T_ACK || dType === T_NACK) {
        const dTerm = this.dTerm, dIndex = this.dIndex, dSrc = this.dSrc;
        const member = dSrc < this.MAXN && ((members >> dSrc) & 1) === 1;
        const ah = dType === T_APPEND || dType === T_HEARTBEAT;
        if (!fastEn || role === ROLE_OFF) { act = A_PUNT; why = H_FAST_OFF; }
        // a source neither a member nor the leader register: dropped, any term
        else if (!member && dSrc !== leaderId) { act = A_DROP; why = D_NOT_MEMBER; }
        else if (dTerm > term) { act = A_PUNT; why = H_TERM_NEWER; }
        // an APPEND / HEARTBEAT (this term or older) not from the leader this NIC follows
        // (ROLE 1 and 3 follow LEADER_ID)
        else if (ah && ((role & 1) === 0 || dSrc !== leaderId)) { act = A_DROP; why = D_NOT_LEADER; }
        else if (dTerm < term) { act = A_PUNT; why = H_TERM_OLDER; }
        else if (ah) {
          if (dType === T_HEARTBEAT) { act = A_HB; why = 0; }
          else if (dIndex === ((last + 1) >>> 0)) {
            if (windowFull) { act = A_DROP; why = D_LOG_FULL; } else { act = A_ACCEPT; why = 0; }
          } else if (dIndex <= last) { act = A_DUP; why = D_DUPLICATE; }
          else if (((dIndex - last) >>> 0) > this.LD) { act = A_DROP; why = D_FUTURE_INDEX; }
          else if (((dIndex - applied) >>> 0) > this.LD) { act = A_DROP; why = D_LOG_FULL; }
          else { act = A_OOO; why = 0; }
        } else {
          const srcOk = member && dSrc !== nodeId;
          // (ROLE 2 and 3 lead: they take ACKs and NACKs)
          if ((role & 2) === 0 || !srcOk) { act = A_PUNT; why = H_NOT_MEMBER; }
          else if (dType === T_NACK) {
            if (dIndex === 0 || dIndex > ((last + 1) >>> 0)) { act = A_DROP; why = D_BAD_ACK; }
            else { act = A_NACK; why = 0; }
          } else if (dIndex > last) { act = A_DROP; why = D_BAD_ACK; }
          else { act = A_ACK; why = 0; }
        }
      } else {
        act = A_PUNT; why = H_OTHER;
      }
      if (act === A_PUNT && this.pnt.used > this.puntAfLimit) { act = A_DROP; why = D_PUNT_FULL; }
      eIndex = act === A_SEQ ? (last + 1) >>> 0 : this.dIndex;
      eBeat = 0;
    }
    this.act = act;
    this.why = why;
    this.eIndex = eIndex;
    this.eBeat = eBeat;
    this.eLogWe = fire && (act === A_SEQ || act === A_ACCEPT || act === A_OOO);
    const eEnd = fire && this.dLast;
    this.eGrow = eEnd && (act === A_ACCEPT || act === A_SEQ);
    // reordering (follower): the log grows over a buffered entry once the one after the last is present
    // and the window has room (with the window full, a matching tag can only be stale: nicraft_exec.sv)
    this.chainGo = fastEn && (role & 1) !== 0 && !this.eGrow && this.chainReady(lr, term, applied);
    this.evLogGrew = this.chainGo || (eEnd && act === A_ACCEPT);
    this.evAck = first && act === A_ACK;
    this.evNack = first && act === A_NACK;
    this.evSeqFirst = first && act === A_SEQ;
    this.evDup = first && act === A_DUP;
    this.evGap = first && (act === A_OOO ||
      (act === A_DROP && (why === D_FUTURE_INDEX || why === D_LOG_FULL) && (role & 1) !== 0) ||
      (act === A_HB && this.dIndex > last));
    this.evCommit = first && (act === A_ACCEPT || act === A_HB);
    this.evCommitIndex = this.dCommit < last ? this.dCommit : last;
    this.evCtlAccept = first && act === A_ACCEPT && this.dClient === 0;
    this.evFreshEnd = eEnd && act === A_ACCEPT && !(dFirst ? this.dRtx : this.eRtxReg);
    this.evFreshIndex = eIndex;
    // a chain middle forwards an accepted APPEND and a taken HEARTBEAT (the first beat's decision, held)
    this.fwd = fire && (dFirst ? role === ROLE_MIDDLE && (act === A_ACCEPT || act === A_OOO || act === A_HB) : this.eFwdReg);
    this.middle = role === ROLE_MIDDLE;
  }

  /** The E stage's effects at the clock edge: the log write port, the FIFOs, the counters, the log's tail. */
  clockE(term: number, nodeId: number, commit: number, succId: number, lr: LogRam, ctr: Float64Array): void {
    const last = this.lastIndex;
    let nLast = last;
    let oooValid = this.oooValid, oooMin = this.oooMin;
    const act = this.act;
    if (this.fire) {
      const dFirst = this.dFirst, dLast = this.dLast;
      const eIndex = this.eIndex;
      if (dFirst) {
        this.eActReg = act;
        this.eWhyReg = this.why;
        this.eIndexReg = eIndex;
        this.eRtxReg = this.dRtx;
        this.eFwdReg = this.fwd;
        if (act === A_SEQ) {
          // the APPEND this REQ becomes: same payload, new header. The received frame is the model's
          // own copy and nothing else refers to it any more (the RX buffer let it go, the beats after
          // the first carry no header), so it is rewritten in place.
          const a = route(this.dBuf!, nodeId, succId, commit);
          setType(a, T_APPEND); setRsvd(a, 0); setTerm(a, term); setLogIndex(a, (last + 1) >>> 0);
          this.eBuf = a;
        } else if (this.middle && (act === A_ACCEPT || act === A_OOO || act === A_HB)) {
          // a chain middle sends what it takes on as its own (nicraft_exec.sv: fwd_beat0): the log gets the
          // rewritten first beat too (its retransmissions then come from this node)
          const a = route(this.dBuf!, nodeId, succId, commit);
          if (act === A_HB) setLogIndex(a, last);
          this.eBuf = a;
        } else {
          this.eBuf = this.dBuf;
        }
        if (act === A_DROP || act === A_DUP) {
          ctr[C_DROPPED]!++;
          ctr[E_DROP_CTR[this.why & 0xff]!]!++;
        } else if (act === A_PUNT) ctr[C_PUNTED]!++;
        else if (act === A_HB) ctr[C_HEARTBEAT_RX]!++;
        else if (act === A_NACK) ctr[C_NACK_RX]!++;
        else if (act === A_ACK) ctr[C_ACK_RX]!++;
      }
      this.eBeatReg = dLast ? 0 : (this.eBeat + 1) & this.slotMask;
      const buf = this.eBuf!;
      if (this.eLogWe) {
        this.eLogMid = !dLast;
        lr.write(eIndex, this.eBeat, buf, this.dBeat);
        if (dFirst) {
          const pl = getPayloadLen(buf) + HDR;
          lr.writeLen(eIndex, pl < MIN_FRAME ? MIN_FRAME : pl & 0xffff);
        }
        if (dLast) {
          lr.writeTag(eIndex, term);
          if (act === A_SEQ) { nLast = eIndex; ctr[C_REQ_SEQUENCED]!++; }
          else if (act === A_ACCEPT) { nLast = eIndex; ctr[C_APPEND_ACCEPTED]!++; }
          else {
            ctr[C_APPEND_BUFFERED]!++;
            if (!this.oooValid || eIndex < this.oooMin) { oooValid = true; oooMin = eIndex; }
          }
        }
      }
      if (act === A_SEQ || this.fwd) this.txf.write(buf, dLast, 0);
      else if (act === A_PUNT) this.pnt.write(buf, dLast, this.why);
    }
    const expect = (last + 1) >>> 0;
    if (this.chainGo) nLast = expect;
    // the buffered entries beyond the gap are reached: no gap is known any more
    if (this.oooValid && this.evLogGrew && ((expect + 1) >>> 0) >= this.oooMin) oooValid = false;
    this.lastNext = nLast;
    this.oooValidNext = oooValid;
    this.oooMinNext = oooMin;
  }

  /** The D registers at the clock edge: the merge's beat (buf beat k, last, first; len bytes) when it hands one over. */
  clockD(valid: boolean, buf: Uint8Array | null, k: number, last: boolean, first: boolean, len: number, clusterId: number): void {
    if (!this.rxReady) return;
    if (valid) {
      this.dBuf = buf;
      this.dBeat = k;
      this.dLast = last;
      this.dFirst = first;
      this.dBad = first ? this.headerCheck(buf!, len, clusterId) : 0;
    }
    this.dValid = valid;
  }

  /** _reg <= _next (before the host's CSR write, which wins). */
  latch(): void {
    this.lastIndex = this.lastNext;
    this.oooValid = this.oooValidNext;
    this.oooMin = this.oooMinNext;
  }

  /** The stateless header checks of the D stage, in the RTL's order; 0 = good. */
  private headerCheck(b: Uint8Array, len: number, clusterId: number): number {
    if (len < HDR) return D_SHORT;
    if (getEthertype(b) !== ETYPE) return D_BAD_ETHERTYPE;
    if (getVersion(b) !== WVER) return D_BAD_VERSION;
    if (getClusterId(b) !== clusterId) return D_BAD_CLUSTER;
    const type = getType(b);
    this.dType = type;
    if (type < T_REQ || type > T_CONTROL) return D_BAD_TYPE;
    const plen = getPayloadLen(b);
    const want = plen + HDR < MIN_FRAME ? MIN_FRAME : plen + HDR;
    if (plen > this.MAXPL || want !== len) return D_BAD_LENGTH;
    this.dSrc = getSrcNode(b);
    this.dTerm = getTerm(b);
    this.dIndex = getLogIndex(b);
    this.dCommit = getCommitIndex(b);
    this.dClient = getClientId(b);
    this.dRtx = (getFlags(b) & F_RETRANSMIT) !== 0;
    return 0;
  }
}
