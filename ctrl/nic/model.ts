// ModelNic: a behavioural model of the nicraft NIC (hw/rtl/nicraft_nic.sv) in TypeScript.
//
// Same wire and register contract as the RTL, same frames out of every port in the same order with
// the same bytes and reasons, same counters, CSRs and log contents, for the same input frames and
// host commands. It is used as the reference in differential tests (test/nic/diff.test.ts) and as a
// fast NIC wherever the RTL's cycle accuracy is not needed. See docs/model-nic.md.
//
// How it models the RTL. Every register that decides something observable is a field here, and
// tick() is one clock cycle: it evaluates the combinational decisions from the registers as they are
// at the start of the cycle (the same signals, the same priority order as the RTL), then applies
// every register update of the clock edge, reading only old values (non-blocking semantics; where
// the RTL assigns one register twice in a cycle, the later assignment wins here too). The data path
// is kept at frame granularity: a beat is "beat k of frame F" (F one Uint8Array), FIFOs hold frames
// and count beats (model-fifo.ts), the log RAM holds references to the beats written into it. So a
// one-beat frame costs one pass through tick() and no per-beat allocation.
//
// Host commands (CSR and log port accesses) and the frame ports follow the simulation shim
// (native/nic_shim.cpp), which is what VerilatedNic drives: commands one per cycle in order, a
// CSR read answers on the next cycle, a log read issues its beats one per cycle after the first
// answer, input frames are offered one beat per cycle from their `atCycle`, output frames carry the
// cycle of their last beat. The model is therefore cycle-accurate against the RTL in practice; the
// differential tests compare contents and order, and also report whether the cycles agree.
//
// It models the NIC under faults as well: the plane merge (copy suppression by key window, the
// parallel ACK path, PLANE_EN), the follower's reorder buffer and NACKs, the leader's go-back-N
// retransmission (NACK, RTO, round robin) and needs-repair events, per-plane TX FIFOs and counters.
// ModelNic.RTL_REVISION names the hw/rtl revision it is verified against, cycle for cycle.
//
// When nothing is in flight step() jumps to the next event (an input frame's cycle, a heartbeat,
// ACK, NACK or retransmit timer) instead of ticking through idle cycles.
import { FrameFifo, ShimRng } from './model-fifo.js';
import type { HostFrame, Nic, RxFrame, TxFrame } from './nic.js';
import {
  BEAT_BYTES, COUNTER_BASE, COUNTERS, CSR_BLOCKS, Csr, DropReason, ETHERTYPE, HDR_BYTES, HostReason,
  MIN_FRAME_BYTES, MsgType, WIRE_VERSION, type CounterName,
} from '../wire/wire.gen.js';

/** The RTL's parameters (nicraft_nic #(...)); DATA_WIDTH is fixed at 512. */
export interface NicParams {
  MAX_NODES: number;
  PLANES: number;
  LOG_DEPTH_LOG2: number;
  MAX_PAYLOAD: number;
  RX_FIFO_DEPTH_LOG2: number;
  HOST_FIFO_DEPTH_LOG2: number;
  TX_FIFO_DEPTH_LOG2: number;
}

/** The RTL's parameter defaults. */
export const NIC_DEFAULTS: Readonly<NicParams> = Object.freeze({
  MAX_NODES: 8,
  PLANES: 1,
  LOG_DEPTH_LOG2: 10,
  MAX_PAYLOAD: 256,
  RX_FIFO_DEPTH_LOG2: 6,
  HOST_FIFO_DEPTH_LOG2: 6,
  TX_FIFO_DEPTH_LOG2: 5,
});

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

// Execute-stage actions (the RTL's A_*).
const A_DROP = 0, A_SEQ = 1, A_ACCEPT = 2, A_PUNT = 3, A_ACK = 4, A_HB = 5, A_DUP = 6, A_NACK = 7, A_OOO = 8;
const ROLE_OFF = 0, ROLE_FOLLOWER = 1, ROLE_LEADER = 2;

const T_REQ = MsgType.REQ, T_APPEND = MsgType.APPEND, T_ACK = MsgType.ACK, T_NACK = MsgType.NACK;
const T_HEARTBEAT = MsgType.HEARTBEAT, T_REPLY = MsgType.REPLY, T_CONTROL = MsgType.CONTROL;

// Local copies of the wire constants: reading an imported binding can cost a getter call per use.
const BEAT: number = BEAT_BYTES, HDR: number = HDR_BYTES, MIN_FRAME: number = MIN_FRAME_BYTES;
const ETYPE: number = ETHERTYPE, WVER: number = WIRE_VERSION;
const D_SHORT: number = DropReason.SHORT, D_BAD_ETHERTYPE: number = DropReason.BAD_ETHERTYPE;
const D_BAD_VERSION: number = DropReason.BAD_VERSION, D_BAD_CLUSTER: number = DropReason.BAD_CLUSTER;
const D_BAD_LENGTH: number = DropReason.BAD_LENGTH, D_BAD_TYPE: number = DropReason.BAD_TYPE;
const D_MAC_ERROR: number = DropReason.MAC_ERROR, D_OVERSIZE: number = DropReason.OVERSIZE;
const D_LOG_FULL: number = DropReason.LOG_FULL, D_DUPLICATE: number = DropReason.DUPLICATE;
const D_BAD_ACK: number = DropReason.BAD_ACK, D_PUNT_FULL: number = DropReason.PUNT_FULL;
const D_RX_OVERFLOW: number = DropReason.RX_OVERFLOW, D_FUTURE_INDEX: number = DropReason.FUTURE_INDEX;
const H_COMMITTED: number = HostReason.COMMITTED, H_NOT_LEADER: number = HostReason.NOT_LEADER;
const H_TERM_NEWER: number = HostReason.TERM_NEWER, H_TERM_OLDER: number = HostReason.TERM_OLDER;
const H_NEEDS_REPAIR: number = HostReason.NEEDS_REPAIR, H_CONTROL: number = HostReason.CONTROL, H_FAST_OFF: number = HostReason.FAST_OFF;
const H_NOT_MEMBER: number = HostReason.NOT_MEMBER, H_OTHER: number = HostReason.OTHER;

const CI = (n: CounterName): number => COUNTERS.indexOf(n);
const C_RX_FRAMES = CI('RX_FRAMES'), C_TX_FRAMES = CI('TX_FRAMES'), C_REQ_SEQUENCED = CI('REQ_SEQUENCED');
const C_APPEND_ACCEPTED = CI('APPEND_ACCEPTED'), C_ACK_RX = CI('ACK_RX'), C_ACK_TX = CI('ACK_TX');
const C_HEARTBEAT_TX = CI('HEARTBEAT_TX'), C_HEARTBEAT_RX = CI('HEARTBEAT_RX'), C_REPLY_TX = CI('REPLY_TX');
const C_COMMITTED = CI('COMMITTED'), C_PUNTED = CI('PUNTED'), C_HOST_TX_FRAMES = CI('HOST_TX_FRAMES');
const C_DROPPED = CI('DROPPED');
const C_APPEND_BUFFERED = CI('APPEND_BUFFERED'), C_NACK_TX = CI('NACK_TX'), C_NACK_RX = CI('NACK_RX');
/** The plane merge forgets a copy key after this many cycles (WINDOW_CYCLES in the RTL). */
const COPY_WINDOW_CYCLES = 1024;
const C_RETRANSMIT_TX = CI('RETRANSMIT_TX'), C_NEEDS_REPAIR = CI('NEEDS_REPAIR');
const C_DROP_PLANE_DUP = CI('DROP_PLANE_DUP'), C_DROP_PLANE_OFF = CI('DROP_PLANE_OFF');
/** PLANE0_RX_FRAMES; plane p's RX_FRAMES, TX_FRAMES, DUPS, ERRORS, TX_DROPS follow at 5 p + 0..4. */
const C_PLANE0 = CI('PLANE0_RX_FRAMES');
const N_CTR = COUNTERS.length;
/** Drop reason code -> its counter, for the execute stage (the RTL's case: anything else counts as PUNT_FULL). */
const E_DROP_CTR: Int32Array = (() => {
  const a = new Int32Array(256).fill(CI('DROP_PUNT_FULL'));
  for (const [name, code] of Object.entries(DropReason)) {
    if (['SHORT', 'BAD_ETHERTYPE', 'BAD_VERSION', 'BAD_CLUSTER', 'BAD_LENGTH', 'BAD_TYPE', 'LOG_FULL', 'DUPLICATE', 'BAD_ACK', 'FUTURE_INDEX'].includes(name)) {
      a[code] = CI(`DROP_${name}` as CounterName);
    }
  }
  return a;
})();
const C_DROP_MAC_ERROR = CI('DROP_MAC_ERROR'), C_DROP_OVERSIZE = CI('DROP_OVERSIZE'), C_DROP_RX_OVERFLOW = CI('DROP_RX_OVERFLOW');

const BLK_IDENT = CSR_BLOCKS[0], BLK_RAFT = CSR_BLOCKS[1], BLK_COUNTERS = CSR_BLOCKS[2];
const TWO32 = 4294967296;
/** The shim's limits. */
const SYNC_LIMIT = 1_000_000;
const MAX_LOG_BEATS = 255;
const MAX_CAPTURE = 1 << 20;

const be32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
/** be32 of bytes that may lie past the end of b (zeros there, as the rest of a beat). */
function be32z(b: Uint8Array, o: number): number {
  if (o + 4 <= b.length) return be32(b, o);
  let v = 0;
  for (let i = 0; i < 4; i++) v = (v << 8) | (o + i < b.length ? b[o + i]! : 0);
  return v >>> 0;
}
const put32 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v >>> 24; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff;
};
function putNodeMac(b: Uint8Array, o: number, node: number): void {
  b[o] = 0x02; b[o + 1] = 0x4e; b[o + 2] = 0x52; b[o + 3] = 0; b[o + 4] = 0; b[o + 5] = node & 0xff;
}
function putGroupMac(b: Uint8Array, o: number): void {
  b[o] = 0x01; b[o + 1] = 0x4e; b[o + 2] = 0x52; b[o + 3] = 0; b[o + 4] = 0; b[o + 5] = 0xff;
}
function clog2(x: number): number {
  let r = 0;
  while ((1 << r) < x) r++;
  return r;
}

/** One network plane's RX side: the shim's input queue and nicraft_rx_fifo. */
class RxPlane {
  // input queue (frames not yet fully offered), as the shim's InPort
  inBuf: Uint8Array[] = [];
  inAt: number[] = [];
  inUser: number[] = [];
  inHead = 0;
  inBeat = 0;
  gapP = 0;
  // nicraft_rx_fifo: beat pointers (unbounded integers; the RTL's are DEPTH_LOG2+1 bits wide)
  wrPtr = 0;
  wrCur = 0;
  rdPtr = 0;
  // frames committed to the buffer (good frames only), oldest first
  readonly cBuf: Array<Uint8Array | null>;
  readonly cLen: Int32Array;
  readonly cNb: Int32Array;
  readonly cMask: number;
  cHead = 0;
  cTail = 0;
  rdBeat = 0;
  dropFrame = false;
  dropWhy = 0;
  beatsReg = 0;
  bytesReg = 0;
  frameInReg = false;
  dropValidReg = false;
  dropReasonReg = 0;

  constructor(depth: number) {
    const cap = depth * 2;
    this.cMask = cap - 1;
    this.cBuf = new Array<Uint8Array | null>(cap).fill(null);
    this.cLen = new Int32Array(cap);
    this.cNb = new Int32Array(cap);
  }

  resetFifo(): void {
    this.wrPtr = this.wrCur = this.rdPtr = 0;
    for (let i = 0; i < this.cBuf.length; i++) this.cBuf[i] = null;
    this.cHead = this.cTail = this.rdBeat = 0;
    this.dropFrame = false;
    this.beatsReg = this.bytesReg = 0;
    this.frameInReg = this.dropValidReg = false;
    this.dropReasonReg = 0;
  }

  clearInput(): void {
    this.inBuf = [];
    this.inAt = [];
    this.inUser = [];
    this.inHead = 0;
    this.inBeat = 0;
  }

  compact(): void {
    if (this.inHead > 1024 && this.inHead * 2 > this.inBuf.length) {
      this.inBuf = this.inBuf.slice(this.inHead);
      this.inAt = this.inAt.slice(this.inHead);
      this.inUser = this.inUser.slice(this.inHead);
      this.inHead = 0;
    }
  }
}

const enum Kind { CsrWrite, CsrRead, LogWrite, LogRead }
interface Cmd {
  kind: Kind;
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
/** RTL RTO_SHIFT_MAX: the retransmit timeout backs off to at most RTO << 6. */
const RTO_SHIFT_MAX = 6;

export class ModelNic implements Nic {
  /**
   * The git revision of hw/rtl this model implements (verified cycle for cycle by test/nic/diff.test.ts).
   * When hw/rtl moves on, the differential test runs against this revision and says so.
   */
  static readonly RTL_REVISION = 'f3351dd';

  readonly planes: number;
  /** The parameters this model was built with. */
  readonly params: Readonly<NicParams>;
  /** Port number of the host (as SimNic: planes are 0..planes-1). */
  readonly hostPort: number;

  // ---- derived parameters
  private readonly P: number;
  private readonly MAXN: number;
  private readonly LD: number;
  private readonly ldMask: number;
  private readonly S: number;
  private readonly slotMask: number;
  private readonly MB: number;
  private readonly MAXPL: number;
  private readonly MFB: number;
  private readonly RXD: number;
  private readonly txAfLimit: number;
  private readonly puntAfLimit: number;
  private readonly dlvAfLimit: number;
  private readonly ptxAfLimit: number;
  private readonly rtxAfLimit = 16 - 3;
  private readonly evtAfLimit = 8 - 2;
  /** Copy window of the plane merge (DUP_WINDOW). */
  private readonly W: number;
  private readonly PARAMS0: number;
  private readonly PARAMS1: number;
  private readonly resetCycles: number;

  // ---- time
  private cyc = 0;
  private cycleReg = 0;
  private closed = false;

  // ---- CSR state
  private nodeId = 0;
  private clusterId = 1;
  private role = ROLE_OFF;
  private term = 0;
  private leaderId = 0;
  private members = 1;
  private quorum = 1;
  private fastEn = false;
  private hbInterval = 1000;
  private hbCommitDelay = 32;
  private ackCount = 1;
  private ackDelay = 16;
  private termStart = 1;
  private lastIndex = 0;
  private commitIndex = 0;
  private appliedIndex = 0;
  private matchSel = 0;
  private readonly match: Uint32Array;
  private planeEn = 7;
  private nackInterval = 64;
  private rto = 512;
  private nackDelay = 16;
  private readonly ctr = new Float64Array(N_CTR);

  // ---- RX planes, merge
  private readonly rx: RxPlane[];
  private readonly present: Uint8Array;
  private rxLocked = false;
  private rxLockedSel = 0;
  private rxLastSel = 0;
  /** Per plane: the frame at the head is being dropped (a copy, or a disabled plane), and why. */
  private readonly mDrop: Uint8Array;
  private readonly mDropOff: Uint8Array;
  private readonly winA: Uint32Array;
  private readonly winB: Uint32Array;
  private readonly winC: Uint32Array;
  private winCount = 0;
  private winPtr = 0;
  /** Insertion cycle of each window key: a key older than COPY_WINDOW_CYCLES is forgotten. */
  private readonly winT: Uint32Array;
  // scratch: the planes' heads this cycle
  private readonly hValid: Uint8Array;
  private readonly hFirst: Uint8Array;
  private readonly hKeyValid: Uint8Array;
  private readonly hKA: Uint32Array;
  private readonly hKB: Uint32Array;
  private readonly hKC: Uint32Array;
  private readonly matchNext: Uint32Array;

  // ---- D stage
  private rxInFrame = false;
  private dValid = false;
  private dBuf: Uint8Array | null = null;
  private dBeat = 0;
  private dLast = false;
  private dFirst = false;
  private dBad = 0;
  private dType = 0;
  private dTerm = 0;
  private dIndex = 0;
  private dCommit = 0;
  private dSrc = 0;
  private dClient = 0;

  // ---- E stage
  private eActReg = A_DROP;
  private eWhyReg = 0;
  private eIndexReg = 0;
  private eBeatReg = 0;
  /** Bytes of the frame the E stage is writing (a SEQ's APPEND, else the received frame). */
  private eBuf: Uint8Array | null = null;

  // ---- log RAM: one reference per beat (beat k of frame buf: bytes off..off+n, zeros after)
  private readonly logBuf: Array<Uint8Array | null>;
  private readonly logOff: Int32Array;
  private readonly logN: Int32Array;
  private readonly logLen: Uint16Array;
  /** Tag RAM: {term, index} of the entry in each slot. */
  private readonly tagTerm: Uint32Array;
  private readonly tagIndex: Uint32Array;
  private oooValid = false;
  private oooMin = 0;
  private logRspValid = false;
  private logRspBuf: Uint8Array | null = null;
  private logRspOff = 0;
  private logRspN = 0;
  private logRspLen = 0;

  // ---- delivery
  private dlvBeat = 0;
  /** a host write of APPLIED_INDEX made inside a frame's delivery waits for its end (RTL applied_wr_pend_reg) */
  private appliedPend = false;
  private appliedPendVal = 0;
  private dlvRdValid = false;
  private dlvRdFirst = false;
  private dlvRdLast = false;
  private dlvRdLen = 0;
  private dlvRdBuf: Uint8Array | null = null;
  private dlvRdOff = 0;
  private dlvRdN = 0;
  private dlvAsm = new Uint8Array(1024);
  private dlvAsmLen = 0;

  // ---- generators
  private ackedIndex = 0;
  private ackAge = 0;
  private forceAck = false;
  private hbTimer = 0;
  private commitSent = 0;
  private nackWant = false;
  private gapAge = 0;
  private nackTimer = 0;
  private nackSent = 0;
  private ctlSeq = 0;

  // ---- go-back-N retransmission (leader)
  private rtxPend = 0;
  private readonly rtxPendIndex: Uint32Array;
  private readonly rtxPendEnd: Uint32Array;
  private rtxLastPick = 0;
  /** Retransmission round (7 bits), carried in the rsvd byte of retransmitted APPENDs. */
  private rtxRound = 0;
  private rtxStart = 0;
  private readonly rtoTimer: Float64Array;
  /** the RTO doubles after each expiry without progress (RTL rto_shift_reg, up to RTO_SHIFT_MAX) */
  private readonly rtoShift: Uint8Array;
  /** Some retransmit timer may be non-zero. */
  private rtoRun = false;
  private repairSent = 0;
  private rtxActive = false;
  private rtxNode = 0;
  private rtxNext = 0;
  private rtxEnd = 0;
  private rtxBeat = 0;
  private rtxRdValid = false;
  private rtxRdFirst = false;
  private rtxRdLast = false;
  private rtxRdLen = 0;
  private rtxRdNode = 0;
  private rtxRdBuf: Uint8Array | null = null;
  private rtxRdOff = 0;
  private rtxRdN = 0;
  private rtxAsm = new Uint8Array(1024);
  private rtxAsmLen = 0;

  // ---- quorum (two register stages; q1 = stage 1 result, q = output)
  private q1Index = 0;
  private q1Valid = false;
  private qIndex = 0;
  private qValid = false;
  private qVer = 1;
  private qCacheVer = 0;
  private qCacheIndex = 0;
  private qCacheValid = false;

  // ---- FIFOs
  private readonly txf: FrameFifo;
  private readonly gen: FrameFifo;
  private readonly pnt: FrameFifo;
  private readonly dlv: FrameFifo;
  private readonly rtx: FrameFifo;
  private readonly evt: FrameFifo;
  /** Per-plane TX FIFOs (user 1: the frame's bytes are shared with the log RAM, copy on output). */
  private readonly ptx: FrameFifo[];
  private txInFrame = false;
  private txTake = 0;

  // ---- host RX merge (port 0 deliveries, port 1 punts), TX merge (0 APPEND, 1 generated, 2 host)
  private hLocked = false;
  private hLockedSel = 0;
  private hLastSel = 0;
  private tLocked = false;
  private tLockedSel = 0;
  private tLastSel = 0;

  // ---- host TX input queue
  private htBuf: Uint8Array[] = [];
  private htAt: number[] = [];
  private htHead = 0;
  private htBeat = 0;
  private htHolding = false;
  private htGapP = 0;

  // ---- output ports
  private readonly readyP: Float64Array;
  private readonly txReady: Uint8Array;
  private fracReady = 0;
  /** Readiness when no port has a fractional probability (recomputed by setReadyProbability). */
  private fixedHostRxReady = true;
  private readonly rng: ShimRng;
  private txOut: TxFrame[][];
  private hostOut: HostFrame[] = [];

  // ---- host commands (as the shim: in order, one per cycle)
  private cmds: Cmd[] = [];
  private barrier = -1;
  private csrRdValid = false;
  private csrRdData = 0;
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
    const p: NicParams = { ...NIC_DEFAULTS, ...vp, ...(opts.params ?? {}) };
    this.params = Object.freeze({ ...p });
    const mfb = HDR + p.MAX_PAYLOAD;
    const mb = Math.ceil(mfb / BEAT);
    if (!(p.PLANES >= 1 && p.PLANES <= 3)) throw new Error('ModelNic: PLANES must be 1..3');
    if (!(p.MAX_NODES >= 1 && p.MAX_NODES <= 8)) throw new Error('ModelNic: MAX_NODES must be 1..8');
    if (!(p.MAX_PAYLOAD >= 16 && mfb <= 65535)) throw new Error('ModelNic: MAX_PAYLOAD out of range');
    if (!(p.LOG_DEPTH_LOG2 >= 2 && p.LOG_DEPTH_LOG2 <= 20)) throw new Error('ModelNic: LOG_DEPTH_LOG2 must be 2..20');
    if (2 ** p.RX_FIFO_DEPTH_LOG2 < 2 * mb || 2 ** p.HOST_FIFO_DEPTH_LOG2 < 2 * mb + 2) throw new Error('ModelNic: FIFOs must hold two maximum frames');
    if (!(p.TX_FIFO_DEPTH_LOG2 >= 1 && p.TX_FIFO_DEPTH_LOG2 <= 16 && p.HOST_FIFO_DEPTH_LOG2 <= 16 && p.RX_FIFO_DEPTH_LOG2 <= 16)) {
      throw new Error('ModelNic: FIFO depths must be 2..2^16');
    }
    this.P = this.planes = p.PLANES;
    this.hostPort = p.PLANES;
    this.MAXN = p.MAX_NODES;
    this.LD = 1 << p.LOG_DEPTH_LOG2;
    this.ldMask = this.LD - 1;
    this.MB = mb;
    this.S = mb > 1 ? clog2(mb) : 1;
    this.slotMask = (1 << this.S) - 1;
    this.MAXPL = p.MAX_PAYLOAD;
    this.MFB = mfb;
    this.RXD = 1 << p.RX_FIFO_DEPTH_LOG2;
    this.txAfLimit = (1 << p.TX_FIFO_DEPTH_LOG2) - 2;
    this.puntAfLimit = (1 << p.HOST_FIFO_DEPTH_LOG2) - (mb + 1);
    this.dlvAfLimit = (1 << p.HOST_FIFO_DEPTH_LOG2) - 3;
    this.ptxAfLimit = (1 << p.TX_FIFO_DEPTH_LOG2) - (mb + 1);
    this.W = p.PLANES > 1 ? 2 * (1 << p.RX_FIFO_DEPTH_LOG2) + 16 : 16;
    this.PARAMS0 = (((mb > 1 ? 1 << this.S : 1) & 0xff) << 24 | (p.LOG_DEPTH_LOG2 & 0xff) << 16 | (p.PLANES & 0xff) << 8 | (p.MAX_NODES & 0xff)) >>> 0;
    this.PARAMS1 = ((512 << 16) | (p.MAX_PAYLOAD & 0xffff)) >>> 0;
    this.resetCycles = opts.resetCycles ?? 16;

    this.match = new Uint32Array(this.MAXN);
    this.matchNext = new Uint32Array(this.MAXN);
    this.rtxPendIndex = new Uint32Array(this.MAXN);
    this.rtxPendEnd = new Uint32Array(this.MAXN);
    this.rtoTimer = new Float64Array(this.MAXN);
    this.rtoShift = new Uint8Array(this.MAXN);
    this.mDrop = new Uint8Array(this.P);
    this.mDropOff = new Uint8Array(this.P);
    this.winA = new Uint32Array(this.W);
    this.winB = new Uint32Array(this.W);
    this.winC = new Uint32Array(this.W);
    this.winT = new Uint32Array(this.W);
    this.hValid = new Uint8Array(this.P);
    this.hFirst = new Uint8Array(this.P);
    this.hKeyValid = new Uint8Array(this.P);
    this.hKA = new Uint32Array(this.P);
    this.hKB = new Uint32Array(this.P);
    this.hKC = new Uint32Array(this.P);
    this.tagTerm = new Uint32Array(1 << p.LOG_DEPTH_LOG2);
    this.tagIndex = new Uint32Array(1 << p.LOG_DEPTH_LOG2);
    this.rx = [];
    for (let i = 0; i < this.P; i++) this.rx.push(new RxPlane(this.RXD));
    this.present = new Uint8Array(this.P);
    const slots = this.LD << this.S;
    this.logBuf = new Array<Uint8Array | null>(slots).fill(null);
    this.logOff = new Int32Array(slots);
    this.logN = new Int32Array(slots);
    this.logLen = new Uint16Array(this.LD);
    this.txf = new FrameFifo(p.TX_FIFO_DEPTH_LOG2);
    this.gen = new FrameFifo(3);
    this.pnt = new FrameFifo(p.HOST_FIFO_DEPTH_LOG2);
    this.dlv = new FrameFifo(p.HOST_FIFO_DEPTH_LOG2);
    this.rtx = new FrameFifo(4);
    this.evt = new FrameFifo(3);
    this.ptx = [];
    for (let i = 0; i < this.P; i++) this.ptx.push(new FrameFifo(p.TX_FIFO_DEPTH_LOG2));
    this.readyP = new Float64Array(this.P + 1).fill(1);
    this.txReady = new Uint8Array(this.P).fill(1);
    this.rng = new ShimRng(opts.seed ?? 1);
    this.txOut = [];
    for (let i = 0; i < this.P; i++) this.txOut.push([]);
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
    for (const pl of this.rx) { pl.clearInput(); pl.resetFifo(); }
    this.htBuf = []; this.htAt = []; this.htHead = 0; this.htBeat = 0; this.htHolding = false;
    // the RTL's reset values (log RAM keeps its contents, as a RAM does)
    this.cycleReg = 0;
    this.rxInFrame = false;
    this.rxLocked = false; this.rxLockedSel = 0; this.rxLastSel = 0;
    this.hLocked = false; this.hLockedSel = 0; this.hLastSel = 0;
    this.tLocked = false; this.tLockedSel = 0; this.tLastSel = 0;
    this.dValid = false; this.dFirst = false; this.dBad = 0; this.dBuf = null;
    this.eActReg = A_DROP; this.eWhyReg = 0; this.eIndexReg = 0; this.eBeatReg = 0; this.eBuf = null;
    this.nodeId = 0; this.clusterId = 1; this.role = ROLE_OFF; this.term = 0; this.leaderId = 0;
    this.members = 1; this.quorum = 1; this.fastEn = false;
    this.hbInterval = 1000; this.hbCommitDelay = 32; this.ackCount = 1; this.ackDelay = 16; this.termStart = 1;
    this.lastIndex = 0; this.commitIndex = 0; this.appliedIndex = 0; this.matchSel = 0;
    this.match.fill(0);
    this.ctr.fill(0);
    this.logRspValid = false;
    this.dlvRdValid = false; this.dlvBeat = 0; this.appliedPend = false; this.appliedPendVal = 0; this.dlvAsmLen = 0;
    this.ackedIndex = 0; this.ackAge = 0; this.forceAck = false; this.hbTimer = 0; this.commitSent = 0;
    this.csrRdValid = false;
    this.q1Valid = false; this.q1Index = 0; this.qValid = false; this.qIndex = 0; this.qVer++;
    this.txf.clear(); this.gen.clear(); this.pnt.clear(); this.dlv.clear(); this.rtx.clear(); this.evt.clear();
    for (const f of this.ptx) f.clear();
    this.mDrop.fill(0); this.mDropOff.fill(0); this.winCount = 0; this.winPtr = 0;
    this.planeEn = 7; this.nackInterval = 64; this.rto = 512; this.nackDelay = 16;
    this.nackWant = false; this.nackTimer = 0; this.nackSent = 0; this.gapAge = 0; this.oooValid = false; this.ctlSeq = 0;
    this.txInFrame = false; this.txTake = 0;
    this.rtxPend = 0; this.repairSent = 0; this.rtxActive = false; this.rtxRdValid = false; this.rtxAsmLen = 0; this.rtxRound = 0;
    this.rtoTimer.fill(0); this.rtoShift.fill(0); this.rtxPendIndex.fill(0); this.rtxPendEnd.fill(0);
    this.cyc += this.resetCycles > 0 ? this.resetCycles : 1;
  }

  step(cycles: number): void {
    this.live();
    if (!Number.isInteger(cycles) || cycles < 0) throw new RangeError(`ModelNic.step: bad cycle count ${cycles}`);
    this.run(this.cyc + cycles);
  }

  readCsr(addr: number): number {
    this.live();
    const t = this.push(Kind.CsrRead, addr >>> 0, 0);
    this.results.set(t, { value: 0, data: null, beatsLeft: 0, done: false });
    this.wait(t);
    return this.take(t).value;
  }

  readCsrs(addrs: readonly number[]): number[] {
    this.live();
    if (addrs.length === 0) return [];
    const tags = addrs.map((a) => {
      const t = this.push(Kind.CsrRead, a >>> 0, 0);
      this.results.set(t, { value: 0, data: null, beatsLeft: 0, done: false });
      return t;
    });
    for (const t of tags) this.wait(t);
    return tags.map((t) => this.take(t).value);
  }

  writeCsr(addr: number, value: number): void {
    this.live();
    this.push(Kind.CsrWrite, addr >>> 0, value >>> 0);
  }

  readCounters(): Record<CounterName, bigint> {
    const addrs: number[] = [];
    for (let i = 0; i < N_CTR; i++) addrs.push(COUNTER_BASE + 8 * i, COUNTER_BASE + 8 * i + 4);
    const v = this.readCsrs(addrs);
    const out = {} as Record<CounterName, bigint>;
    COUNTERS.forEach((name, i) => {
      out[name] = (BigInt(v[2 * i + 1]!) << 32n) | BigInt(v[2 * i]!);
    });
    return out;
  }

  clearCounters(): void {
    this.writeCsr(Csr.COUNTERS_CTR_CLEAR, 1);
  }

  sendHost(frames: Uint8Array | readonly Uint8Array[]): void {
    this.live();
    const list = frames instanceof Uint8Array ? [frames] : frames;
    for (const f of list) if (f.length === 0) throw new RangeError('ModelNic.sendHost: empty frame');
    for (const f of list) {
      this.htBuf.push(f.slice());
      this.htAt.push(0);
    }
  }

  pollHost(): HostFrame[] {
    this.live();
    const out = this.hostOut;
    this.hostOut = [];
    return out;
  }

  logRead(index: number): Uint8Array {
    this.live();
    const t = this.push(Kind.LogRead, index >>> 0, 0);
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
      this.cmds.push({ kind: Kind.LogWrite, tag, addr: index >>> 0, value: 0, beat: b, len, data });
    }
  }

  flush(): void {
    this.live();
    while (this.open.size > 0) this.run(this.cyc + 1);
  }

  pushRx(plane: number, frames: ReadonlyArray<Uint8Array | RxFrame>, atCycle?: number): void {
    this.live();
    this.checkPlane(plane, 'pushRx');
    const pl = this.rx[plane]!;
    for (const f of frames) {
      const fr = f instanceof Uint8Array ? f : f.frame;
      if (fr.length === 0) throw new RangeError('ModelNic.pushRx: empty frame');
    }
    for (const f of frames) {
      if (f instanceof Uint8Array) {
        pl.inBuf.push(f.slice())
        pl.inAt.push(atCycle ?? 0);
        pl.inUser.push(0);
      } else {
        pl.inBuf.push(f.frame.slice());
        pl.inAt.push(f.atCycle ?? atCycle ?? 0);
        pl.inUser.push(f.macError ? 1 : 0);
      }
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
    if (port === this.P) this.htGapP = v;
    else this.rx[port]!.gapP = v;
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
    if (port === this.P) return this.htBuf.length - this.htHead;
    const pl = this.rx[port]!;
    return pl.inBuf.length - pl.inHead;
  }

  // =============================================================================================
  // Host commands

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

  private push(kind: Kind, addr: number, value: number): number {
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

  // =============================================================================================
  // Time

  /** Runs until cycle `end`, ticking while anything is in flight and jumping over idle stretches. */
  private run(end: number): void {
    while (this.cyc < end) {
      if (!this.dValid && this.idle()) {
        const to = Math.min(this.nextEvent(), end);
        if (to > this.cyc) {
          this.skip(to - this.cyc);
          continue;
        }
      }
      this.tick();
    }
  }

  /** Follower n's current retransmit timeout: RTO << shift, in 32 bits as the RTL computes it. */
  private rtoLimit(n: number): number {
    return (this.rto << this.rtoShift[n]!) >>> 0;
  }

  /** Members whose retransmit timer runs (leader: a member other than this node that lags). */
  private rtoRunning(n: number): boolean {
    return n !== this.nodeId && ((this.members >> n) & 1) === 1 && this.match[n]! < this.lastIndex;
  }

  /** True when a tick would change nothing but the free-running timers. */
  private idle(): boolean {
    if (this.dValid || this.cmds.length !== 0 || this.csrRdValid || this.logRspValid || this.dlvRdValid || this.rtxRdValid) return false;
    if (this.txf.used !== 0 || this.gen.used !== 0 || this.pnt.used !== 0 || this.dlv.used !== 0 || this.rtx.used !== 0 || this.evt.used !== 0) return false;
    for (let p = 0; p < this.P; p++) if (this.ptx[p]!.used !== 0) return false;
    if (this.appliedIndex !== this.commitIndex || this.dlvBeat !== 0 || this.rxLocked || this.hLocked || this.tLocked || this.txInFrame) return false;
    if (this.rtxActive || this.rtxPend !== 0) return false;
    const c = this.cyc;
    for (let p = 0; p < this.P; p++) {
      const pl = this.rx[p]!;
      if (pl.wrCur !== pl.rdPtr || pl.beatsReg !== 0 || pl.dropFrame || pl.frameInReg || pl.dropValidReg) return false;
      if (pl.inHead < pl.inBuf.length && pl.inAt[pl.inHead]! <= c) return false;
    }
    if (this.htHolding || (this.htHead < this.htBuf.length && this.htAt[this.htHead]! <= c)) return false;
    if (this.ackWant() || this.hbWant() || this.nackGo()) return false;
    const followerMode = this.fastEn && this.role === ROLE_FOLLOWER;
    if (followerMode && this.chainGo()) return false;
    if (this.fastEn && this.role === ROLE_LEADER) {
      for (let n = 0; n < this.MAXN; n++) if (this.rtoRunning(n) && this.rtoTimer[n]! >= this.rtoLimit(n)) return false;
    }
    this.quorumBest();
    if (this.q1Valid !== this.qCacheValid || this.q1Index !== this.qCacheIndex) return false;
    if (this.qValid !== this.q1Valid || this.qIndex !== this.q1Index) return false;
    if (this.commitAdv()) return false;
    return true;
  }

  /** The next cycle at which something happens, when idle. */
  private nextEvent(): number {
    let next = Infinity;
    for (let p = 0; p < this.P; p++) {
      const pl = this.rx[p]!;
      if (pl.inHead < pl.inBuf.length) next = Math.min(next, pl.inAt[pl.inHead]!);
    }
    if (this.htHead < this.htBuf.length) next = Math.min(next, this.htAt[this.htHead]!);
    const c = this.cyc;
    if (this.fastEn && this.role === ROLE_LEADER) {
      let k = this.hbInterval - this.hbTimer;
      if (this.commitIndex !== this.commitSent) k = Math.min(k, this.hbCommitDelay - this.hbTimer);
      if (k > 0) next = Math.min(next, c + k);
      for (let n = 0; n < this.MAXN; n++) {
        if (this.rtoRunning(n)) {
          const kr = this.rtoLimit(n) - this.rtoTimer[n]!;
          if (kr > 0) next = Math.min(next, c + kr);
        }
      }
    }
    if (this.fastEn && this.role === ROLE_FOLLOWER) {
      if (this.lastIndex !== this.ackedIndex) {
        const k = this.ackDelay - this.ackAge;
        if (k > 0) next = Math.min(next, c + k);
      }
      if (this.nackWant) {
        let k = this.nackDelay - this.gapAge;
        if (((this.lastIndex + 1) >>> 0) === this.nackSent) k = Math.max(k, this.nackInterval - this.nackTimer);
        if (k > 0) next = Math.min(next, c + k);
      }
    }
    return next;
  }

  /** Advances k idle cycles at once. */
  private skip(k: number): void {
    this.cyc += k;
    this.cycleReg += k;
    this.hbTimer = (this.hbTimer + k) >>> 0;
    this.nackTimer = Math.min(this.nackTimer + k, 0xffffffff);
    if (this.nackWant) this.gapAge = Math.min(this.gapAge + k, 0xffffffff);
    if (this.lastIndex !== this.ackedIndex) this.ackAge = (this.ackAge + k) >>> 0;
    const leaderMode = this.fastEn && this.role === ROLE_LEADER;
    for (let n = 0; n < this.MAXN; n++) {
      if (leaderMode && this.rtoRunning(n)) this.rtoTimer[n] = this.rtoTimer[n]! + k;
      else { this.rtoTimer[n] = 0; this.rtoShift[n] = 0; }
    }
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

  private ackWant(): boolean {
    if (!(this.fastEn && this.role === ROLE_FOLLOWER)) return false;
    const unacked = (this.lastIndex - this.ackedIndex) >>> 0;
    return (unacked !== 0 || this.forceAck) && (unacked >= this.ackCount || this.ackAge >= this.ackDelay || this.forceAck);
  }

  private hbWant(): boolean {
    return this.fastEn && this.role === ROLE_LEADER &&
      (this.hbTimer >= this.hbInterval || (this.commitIndex !== this.commitSent && this.hbTimer >= this.hbCommitDelay));
  }

  private nackGo(): boolean {
    return this.fastEn && this.role === ROLE_FOLLOWER && this.nackWant && this.gapAge >= this.nackDelay &&
      (((this.lastIndex + 1) >>> 0) !== this.nackSent || this.nackTimer >= this.nackInterval);
  }

  /** The slot of the entry after the last holds that entry (reorder buffer), ignoring the E stage. */
  private chainGo(): boolean {
    const e = (this.lastIndex + 1) >>> 0;
    const s = e & this.ldMask;
    return this.tagIndex[s] === e && this.tagTerm[s] === this.term;
  }

  private commitAdv(): boolean {
    const q = this.qIndex;
    return this.fastEn && this.role === ROLE_LEADER && this.qValid && q > this.commitIndex && q >= this.termStart && q <= this.lastIndex;
  }

  /** nicraft_quorum's combinational result for the current match indexes (cached per input version). */
  private quorumBest(): void {
    if (this.qCacheVer === this.qVer) return;
    this.qCacheVer = this.qVer;
    let best = 0;
    let valid = false;
    const q = this.quorum;
    if (q !== 0) {
      const n = this.MAXN;
      const mem = this.members;
      for (let i = 0; i < n; i++) {
        if (!((mem >> i) & 1)) continue;
        const mi = i === this.nodeId ? this.lastIndex : this.match[i]!;
        let cnt = 0;
        for (let j = 0; j < n; j++) {
          if ((mem >> j) & 1 && (j === this.nodeId ? this.lastIndex : this.match[j]!) >= mi) cnt++;
        }
        if (cnt >= q && mi >= best) { best = mi; valid = true; }
      }
    }
    this.qCacheIndex = best;
    this.qCacheValid = valid;
  }

  /** The n bytes of a beat (buf[off..off+n]) as their own array. */
  private static beatCopy(b: Uint8Array, off: number, n: number): Uint8Array {
    return b.subarray(off, off + n);
  }

  /** Appends `keep` bytes of a log beat (buf[off..off+n], zeros after) to an assembly buffer. */
  private static asmBeat(asm: Uint8Array, pos: number, b: Uint8Array | null, off: number, n: number, keep: number): void {
    const m = b === null ? 0 : n < keep ? n : keep;
    for (let i = 0; i < m; i++) asm[pos + i] = b![off + i]!;
    for (let i = m; i < keep; i++) asm[pos + i] = 0;
  }

  // =============================================================================================
  // One clock cycle

  private tick(): void {
    const t = this.cyc;
    const P = this.P;
    const rng = this.rng;

    // ---- the shim drives the inputs: network planes, then the host TX port, then output readiness
    for (let p = 0; p < P; p++) {
      const pl = this.rx[p]!;
      let pr = 0;
      if (pl.inHead < pl.inBuf.length && pl.inAt[pl.inHead]! <= t) pr = pl.gapP > 0 && rng.next() < pl.gapP ? 0 : 1;
      this.present[p] = pr;
    }
    let hostPresent = this.htHolding;
    if (!hostPresent && this.htHead < this.htBuf.length && this.htAt[this.htHead]! <= t) {
      hostPresent = !(this.htGapP > 0 && rng.next() < this.htGapP);
      this.htHolding = hostPresent;
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

    // ---- combinational: snapshot of the registers the decisions read
    const role = this.role, fastEn = this.fastEn, term = this.term, nodeId = this.nodeId;
    const last = this.lastIndex, commit = this.commitIndex, applied = this.appliedIndex;
    const leaderMode = fastEn && role === ROLE_LEADER;
    const followerMode = fastEn && role === ROLE_FOLLOWER;
    const windowFull = ((last - applied) >>> 0) >= this.LD;
    const planeEn = this.planeEn & ((1 << P) - 1);
    const ctr = this.ctr;

    // ---- plane heads: copy keys, the ACK path, the merge (nicraft_plane_merge)
    const hValid = this.hValid, hFirst = this.hFirst, hKeyValid = this.hKeyValid;
    const hKA = this.hKA, hKB = this.hKB, hKC = this.hKC;
    let offM = 0, dupM = 0, candMain = 0, candAck = 0;
    for (let p = 0; p < P; p++) {
      const pl = this.rx[p]!;
      const hv = pl.rdPtr !== pl.wrPtr;
      hValid[p] = hv ? 1 : 0;
      hFirst[p] = 0;
      hKeyValid[p] = 0;
      if (!hv || pl.rdBeat !== 0) continue;
      hFirst[p] = 1;
      if (!((planeEn >> p) & 1)) { offM |= 1 << p; continue; }
      const h = pl.cHead & pl.cMask;
      const b = pl.cBuf[h]!;
      const len = pl.cLen[h]!;
      const basicOk = len >= HDR && ((b[12]! << 8) | b[13]!) === ETYPE && b[14] === WVER && ((b[16]! << 8) | b[17]!) === this.clusterId;
      const ty = basicOk ? b[15]! : 0;
      const kv = basicOk && (ty === T_REQ || ty === T_APPEND || ty === T_ACK || ty === T_NACK || ty === T_HEARTBEAT);
      let isAck = false;
      if (kv) {
        const src = b[19]!;
        hKeyValid[p] = 1;
        if (ty === T_REQ) { hKA[p] = ((ty << 24) | (src << 16)) >>> 0; hKB[p] = be32(b, 34); hKC[p] = be32(b, 38); }
        else if (ty === T_APPEND) { hKA[p] = ((ty << 24) | (src << 16) | ((b[21]! & 0x7f) << 1) | ((b[18]! >> 1) & 1)) >>> 0; hKB[p] = be32(b, 22); hKC[p] = be32(b, 26); }
        else { hKA[p] = ((ty << 24) | (src << 16)) >>> 0; hKB[p] = be32(b, 22); hKC[p] = be32(b, 38); }
        isAck = ty === T_ACK && pl.cNb[h] === 1 && len === MIN_FRAME && b[42] === 0 && b[43] === 0 && leaderMode &&
          hKB[p] === term && src < this.MAXN && ((this.members >> src) & 1) === 1 && src !== nodeId && be32(b, 26) <= last;
        // a copy: a key in the window, or the key of a lower plane's head this cycle
        let dup = false;
        const W = this.winCount;
        const ka = hKA[p]!, kb = hKB[p]!, kc = hKC[p]!;
        const now = this.cycleReg >>> 0;
        for (let w = 0; w < W; w++) {
          if (this.winC[w] === kc && this.winB[w] === kb && this.winA[w] === ka &&
              ((now - this.winT[w]!) >>> 0) < COPY_WINDOW_CYCLES) { dup = true; break; }
        }
        if (!dup) {
          for (let q = 0; q < p; q++) {
            if (hFirst[q] && ((planeEn >> q) & 1) && hKeyValid[q] && hKA[q] === ka && hKB[q] === kb && hKC[q] === kc) { dup = true; break; }
          }
        }
        if (dup) { dupM |= 1 << p; continue; }
      }
      if (isAck) candAck |= 1 << p; else candMain |= 1 << p;
    }
    let sel = 0;
    let selValid = false;
    if (this.rxLocked) {
      sel = this.rxLockedSel;
      selValid = hValid[sel] === 1;
    } else if (candMain !== 0) {
      for (let i = 1; i <= P; i++) {
        const s = (this.rxLastSel + i) % P;
        if ((candMain >> s) & 1) { sel = s; selValid = true; break; }
      }
    }
    let ackSel = -1;
    if (candAck !== 0) for (let p = 0; p < P; p++) if ((candAck >> p) & 1) { ackSel = p; break; }

    const adv = this.txf.used <= this.txAfLimit;
    const dValid = this.dValid;
    const rxReady = !dValid || adv;
    const fire = dValid && adv;
    const dFirst = this.dFirst;
    const mainGo = selValid && rxReady;

    // E: the decision (made on the first beat, held for the others)
    let act = this.eActReg;
    let why = this.eWhyReg;
    let eIndex = this.eIndexReg;
    let eBeat = this.eBeatReg;
    if (fire && dFirst) {
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
        if (!fastEn || role === ROLE_OFF) { act = A_PUNT; why = H_FAST_OFF; }
        else if (dTerm > term) { act = A_PUNT; why = H_TERM_NEWER; }
        else if (dTerm < term) { act = A_PUNT; why = H_TERM_OLDER; }
        else if (dType === T_APPEND || dType === T_HEARTBEAT) {
          if (role !== ROLE_FOLLOWER || dSrc !== this.leaderId) { act = A_PUNT; why = H_NOT_MEMBER; }
          else if (dType === T_HEARTBEAT) { act = A_HB; why = 0; }
          else if (dIndex === ((last + 1) >>> 0)) {
            if (windowFull) { act = A_DROP; why = D_LOG_FULL; } else { act = A_ACCEPT; why = 0; }
          } else if (dIndex <= last) { act = A_DUP; why = D_DUPLICATE; }
          else if (((dIndex - last) >>> 0) > this.LD) { act = A_DROP; why = D_FUTURE_INDEX; }
          else if (((dIndex - applied) >>> 0) > this.LD) { act = A_DROP; why = D_LOG_FULL; }
          else { act = A_OOO; why = 0; }
        } else {
          const srcOk = dSrc < this.MAXN && ((this.members >> dSrc) & 1) === 1 && dSrc !== nodeId;
          if (role !== ROLE_LEADER || !srcOk) { act = A_PUNT; why = H_NOT_MEMBER; }
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
    const eLogWe = fire && (act === A_SEQ || act === A_ACCEPT || act === A_OOO);
    const eLastGrow = fire && this.dLast && (act === A_ACCEPT || act === A_SEQ);
    const mainAck = fire && dFirst && act === A_ACK;
    const mainNack = fire && dFirst && act === A_NACK;

    // log port
    const lpRead = cmd !== null && cmd.kind === Kind.LogRead;
    let lpAccept = false;
    let lpWrite = false;
    if (cmd !== null && cmd.kind === Kind.LogWrite) {
      lpAccept = !eLogWe;
      const inSlot = cmd.beat < (1 << this.S) && (cmd.beat !== 0 || (cmd.len & 0xffff) <= this.MFB);
      lpWrite = lpAccept && inSlot;
    }

    // reorder buffer: the log grows over a buffered entry
    const expect = (last + 1) >>> 0;
    const chainGo = followerMode && !eLastGrow && this.chainGo();
    const logGrew = chainGo || (fire && this.dLast && act === A_ACCEPT);

    // commit: the quorum (leader) or the leader's commit index (follower)
    this.quorumBest();
    const commitAdv = this.commitAdv();
    let fCommitAdv = false;
    let fCand = 0;
    if (fire && dFirst && (act === A_ACCEPT || act === A_HB)) {
      fCand = this.dCommit < last ? this.dCommit : last;
      fCommitAdv = fCand > commit;
    }
    const commitNext = commitAdv ? this.qIndex : fCommitAdv ? fCand : commit;
    const dlvTarget = commitAdv ? this.qIndex : commit;

    // delivery, generators
    const dlvGo = (this.dlvBeat !== 0 || applied !== dlvTarget) && this.dlv.used <= this.dlvAfLimit && this.gen.used <= 5;
    let genReply = false;
    if (this.dlvRdValid && this.dlvRdFirst && role === ROLE_LEADER) {
      const b = this.dlvRdBuf;
      genReply = b !== null && this.dlvRdN > 18 && (b[this.dlvRdOff + 18]! & 1) === 1;
    }
    const nackGo = this.nackGo();
    const genCtl = !genReply && (this.ackWant() || this.hbWant() || nackGo);
    const genNack = genCtl && nackGo;
    const genWe = genReply || (genCtl && this.gen.used < this.gen.depth);

    // go-back-N: the follower to serve next, its range, a needs-repair event
    const MAXN = this.MAXN;
    let pick = 0;
    let pickValid = false;
    if (this.rtxPend !== 0) {
      for (let i = 1; i <= MAXN; i++) {
        const n = (this.rtxLastPick + i) % MAXN;
        if ((this.rtxPend >> n) & 1) { pick = n; pickValid = true; break; }
      }
    }
    const pendEnd = this.rtxPendEnd[pick]!;
    const rtxTo = pendEnd !== 0 && ((pendEnd - 1) >>> 0) < last ? (pendEnd - 1) >>> 0 : last;
    const pendFrom = this.rtxPendIndex[pick]!;
    const mPlus = (this.match[pick]! + 1) >>> 0;
    const rtxFrom = pendFrom > mPlus ? pendFrom : mPlus;
    const logOldest = last > this.LD ? (last - this.LD + 1) >>> 0 : 1;
    const startOk = leaderMode && !this.rtxActive && pickValid;
    const needsRepair = startOk && rtxFrom <= last && rtxFrom < logOldest;
    const evtWe = needsRepair && !((this.repairSent >> pick) & 1) && this.evt.used <= this.evtAfLimit;
    const rtxActive0 = this.rtxActive, rtxStart0 = this.rtxStart;
    // a frame once started is read to its last beat even if leader mode ends meanwhile
    const rtxGo = this.rtxActive && (leaderMode || this.rtxBeat !== 0) && !lpRead && this.rtx.used <= this.rtxAfLimit;

    // match indexes: the ACK path, ACKs and NACKs in the main pipeline
    let ackSrc = -1;
    let ackIndex = 0;
    if (ackSel >= 0) {
      const pl = this.rx[ackSel]!;
      const b = pl.cBuf[pl.cHead & pl.cMask]!;
      ackSrc = b[19]!;
      ackIndex = be32(b, 26);
    }
    const matchNext = this.matchNext;
    let movedM = 0;
    const matchEvent = ackSrc >= 0 || mainAck || mainNack;
    for (let n = 0; matchEvent && n < MAXN; n++) {
      let mn = this.match[n]!;
      if (ackSrc === n && ackIndex > mn) mn = ackIndex;
      if (mainAck && this.dSrc === n && this.dIndex > mn) mn = this.dIndex;
      if (mainNack && this.dSrc === n && ((this.dIndex - 1) >>> 0) > mn) mn = (this.dIndex - 1) >>> 0;
      matchNext[n] = mn;
      if (mn !== this.match[n]) movedM |= 1 << n;
    }

    // CSR read: the mux sees the state as it is at the start of the cycle
    const oldCsrRdValid = this.csrRdValid;
    const oldCsrRdData = this.csrRdData;
    if (cmd !== null && cmd.kind === Kind.CsrRead) this.csrRdData = this.csrMux(cmd.addr & 0xffff);
    this.csrRdValid = cmd !== null && cmd.kind === Kind.CsrRead;

    // ---- counters of the RX side: registered strobes of the buffers, copies and disabled planes
    if (ackSel >= 0) ctr[C_ACK_RX]!++;
    for (let p = 0; p < P; p++) {
      const pl = this.rx[p]!;
      const pc = C_PLANE0 + 5 * p;
      if (pl.frameInReg) { ctr[C_RX_FRAMES]!++; ctr[pc]!++; }
      if (pl.dropValidReg) {
        ctr[C_DROPPED]!++;
        ctr[pc + 3]!++;
        const r = pl.dropReasonReg;
        if (r === D_MAC_ERROR) ctr[C_DROP_MAC_ERROR]!++;
        else if (r === D_OVERSIZE) ctr[C_DROP_OVERSIZE]!++;
        else ctr[C_DROP_RX_OVERFLOW]!++;
      }
      if (hValid[p]) {
        const h = pl.cHead & pl.cMask;
        if (pl.rdBeat === pl.cNb[h]! - 1) {
          const mid = pl.rdBeat !== 0;
          const dropMid = mid && this.mDrop[p] === 1;
          if ((dropMid && !this.mDropOff[p]) || ((dupM >> p) & 1)) {
            ctr[C_DROPPED]!++; ctr[C_DROP_PLANE_DUP]!++; ctr[pc + 2]!++;
          }
          if ((dropMid && this.mDropOff[p]) || ((offM >> p) & 1)) {
            ctr[C_DROPPED]!++; ctr[C_DROP_PLANE_OFF]!++; ctr[pc + 3]!++;
          }
        }
      }
    }

    // ---- per-plane TX FIFOs -> the wire (each plane on its own)
    // (no closures in tick(): under tsx every closure costs a __name call per cycle)
    let ptxRoomM = 0;
    for (let p = 0; p < P; p++) if (((planeEn >> p) & 1) && this.ptx[p]!.used <= this.ptxAfLimit) ptxRoomM |= 1 << p;
    for (let p = 0; p < P; p++) {
      const f = this.ptx[p]!;
      if (f.used === 0 || !this.txReady[p]) continue;
      if (f.headLast()) {
        const s = f.headBuf();
        this.txOut[p]!.push({ frame: f.headUser() === 1 || p > 0 ? s.slice() : s, cycle: t });
        ctr[C_PLANE0 + 5 * p + 1]!++;
      }
      f.read();
    }

    // ---- TX arbiter (0 APPEND FIFO, 1 retransmissions, 2 generated, 3 host TX) -> per-plane FIFOs
    {
      let ts = 0;
      let tv = false;
      const vm = (this.txf.used > 0 ? 1 : 0) | (this.rtx.used > 0 ? 2 : 0) | (this.gen.used > 0 ? 4 : 0) | (hostPresent ? 8 : 0);
      if (this.tLocked) {
        ts = this.tLockedSel;
        tv = ((vm >> ts) & 1) === 1;
      } else if (vm !== 0) {
        for (let i = 1; i <= 4; i++) {
          const s = (this.tLastSel + i) & 3;
          if ((vm >> s) & 1) { ts = s; tv = true; break; }
        }
      }
      const txFirst = !this.txInFrame;
      const txTready = !txFirst || ptxRoomM !== 0 || planeEn === 0;
      if (tv && txTready) {
        let lastBeat: boolean;
        let buf: Uint8Array | null = null;
        if (ts === 0) { lastBeat = this.txf.headLast(); if (lastBeat) buf = this.txf.headBuf(); this.txf.read(); }
        else if (ts === 1) { lastBeat = this.rtx.headLast(); if (lastBeat) buf = this.rtx.headBuf(); this.rtx.read(); }
        else if (ts === 2) { lastBeat = this.gen.headLast(); if (lastBeat) buf = this.gen.headBuf(); this.gen.read(); }
        else {
          const hb = this.htBuf[this.htHead]!;
          const k = this.htBeat;
          lastBeat = (k + 1) * BEAT >= hb.length;
          this.htHolding = false;
          if (lastBeat) {
            buf = hb;
            this.htBuf[this.htHead] = undefined as unknown as Uint8Array;
            this.htHead++;
            this.htBeat = 0;
            if (this.htHead > 1024 && this.htHead * 2 > this.htBuf.length) {
              this.htBuf = this.htBuf.slice(this.htHead); this.htAt = this.htAt.slice(this.htHead); this.htHead = 0;
            }
            ctr[C_HOST_TX_FRAMES]!++;
          } else this.htBeat++;
        }
        const take = txFirst ? ptxRoomM : this.txTake;
        for (let p = 0; p < P; p++) {
          if ((take >> p) & 1) this.ptx[p]!.write(buf, lastBeat, ts === 0 ? 1 : 0);
          else if (txFirst && ((planeEn >> p) & 1)) ctr[C_PLANE0 + 5 * p + 4]!++;
        }
        if (txFirst) this.txTake = ptxRoomM;
        this.txInFrame = !lastBeat;
        if (lastBeat) ctr[C_TX_FRAMES]!++;
        this.tLastSel = ts;
        this.tLocked = !lastBeat;
        this.tLockedSel = ts;
      }
    }

    // ---- host RX arbiter (0 deliveries, 1 punts, 2 needs-repair events) -> host RX queue
    {
      let hs = 0;
      let hv = false;
      const vm = (this.dlv.used > 0 ? 1 : 0) | (this.pnt.used > 0 ? 2 : 0) | (this.evt.used > 0 ? 4 : 0);
      if (this.hLocked) {
        hs = this.hLockedSel;
        hv = ((vm >> hs) & 1) === 1;
      } else if (vm !== 0) {
        for (let i = 1; i <= 3; i++) {
          const s = (this.hLastSel + i) % 3;
          if ((vm >> s) & 1) { hs = s; hv = true; break; }
        }
      }
      if (hv && hostRxReady) {
        const f = hs === 0 ? this.dlv : hs === 1 ? this.pnt : this.evt;
        const lastBeat = f.headLast();
        if (lastBeat) this.hostOut.push({ frame: f.headBuf(), reason: f.headUser() & 0xff, cycle: t });
        f.read();
        this.hLastSel = hs;
        this.hLocked = !lastBeat;
        this.hLockedSel = hs;
      }
    }

    // ---- generated frames: a NIC reply (from the delivery read registers) or an ACK / NACK / heartbeat
    if (genWe) {
      const g = new Uint8Array(MIN_FRAME);
      if (genReply) {
        const b = this.dlvRdBuf!;
        const o = this.dlvRdOff;
        const n = this.dlvRdN;
        const bb = o === 0 && n === b.length ? b : ModelNic.beatCopy(b, o, n);
        const client = be32z(bb, 34);
        g[0] = 0x02; g[1] = 0x4e; g[2] = 0x43; g[3] = (client >>> 16) & 0xff; g[4] = (client >>> 8) & 0xff; g[5] = client & 0xff;
        putNodeMac(g, 6, nodeId);
        g[12] = ETYPE >> 8; g[13] = ETYPE & 0xff; g[14] = WVER; g[15] = T_REPLY;
        g[16] = this.clusterId >> 8; g[17] = this.clusterId & 0xff; g[18] = bb.length > 18 ? bb[18]! : 0; g[19] = nodeId; g[20] = 0xff;
        put32(g, 22, be32z(bb, 22)); put32(g, 26, be32z(bb, 26)); put32(g, 30, commit); put32(g, 34, client); put32(g, 38, be32z(bb, 38));
        ctr[C_REPLY_TX]!++;
      } else {
        const leader = role === ROLE_LEADER;
        if (leader) putGroupMac(g, 0); else putNodeMac(g, 0, this.leaderId);
        putNodeMac(g, 6, nodeId);
        g[12] = ETYPE >> 8; g[13] = ETYPE & 0xff; g[14] = WVER; g[15] = leader ? T_HEARTBEAT : nackGo ? T_NACK : T_ACK;
        g[16] = this.clusterId >> 8; g[17] = this.clusterId & 0xff; g[19] = nodeId; g[20] = leader ? 0xff : this.leaderId;
        put32(g, 22, term); put32(g, 26, !leader && nackGo ? expect : last); put32(g, 30, commit);
        if (!leader && nackGo && this.oooValid) put32(g, 34, this.oooMin);
        put32(g, 38, this.ctlSeq);
        if (leader) ctr[C_HEARTBEAT_TX]!++;
        else if (genNack) ctr[C_NACK_TX]!++;
        else ctr[C_ACK_TX]!++;
      }
      this.gen.write(g, true, 0);
    }

    // ---- delivery: the beat read last cycle goes into the FIFO; the next one is read (old log contents)
    if (this.dlvRdValid) {
      const lastBeat = this.dlvRdLast;
      const len = this.dlvRdLen;
      const keep = lastBeat ? ((len & 63) === 0 ? 64 : len & 63) : 64;
      if (this.dlv.used < this.dlv.depth) {
        const b = this.dlvRdBuf;
        const o = this.dlvRdOff;
        const n = b === null ? 0 : this.dlvRdN;
        const m = n < keep ? n : keep;
        if (this.dlvAsmLen === 0 && lastBeat && b !== null && o === 0 && m === keep) {
          // the common case: a whole one-beat entry
          this.dlv.write(b.slice(0, keep), true, H_COMMITTED);
        } else {
          const pos = this.dlvAsmLen;
          if (pos + keep <= MAX_CAPTURE) {
            if (pos + keep > this.dlvAsm.length) {
              const nb = new Uint8Array(Math.max(pos + keep, this.dlvAsm.length * 2));
              nb.set(this.dlvAsm.subarray(0, pos));
              this.dlvAsm = nb;
            }
            ModelNic.asmBeat(this.dlvAsm, pos, b, o, n, keep);
            this.dlvAsmLen = pos + keep;
          }
          if (lastBeat) {
            this.dlv.write(this.dlvAsm.slice(0, this.dlvAsmLen), true, H_COMMITTED);
            this.dlvAsmLen = 0;
          } else {
            this.dlv.write(null, false, H_COMMITTED);
          }
        }
      }
      if (lastBeat) ctr[C_COMMITTED]!++;
    }
    let nApplied = applied;
    if (dlvGo) {
      const idx = (applied + 1) >>> 0;
      const slot = idx & this.ldMask;
      const len = this.logLen[slot]!;
      const lastBeatIdx = len === 0 ? 0 : (len - 1) >> 6;
      const isLast = this.dlvBeat >= lastBeatIdx;
      const addr = (slot << this.S) | this.dlvBeat;
      this.dlvRdBuf = this.logBuf[addr]!;
      this.dlvRdOff = this.logOff[addr]!;
      this.dlvRdN = this.logN[addr]!;
      this.dlvRdFirst = this.dlvBeat === 0;
      this.dlvRdLast = isLast;
      this.dlvRdLen = len;
      if (isLast) { nApplied = this.appliedPend ? this.appliedPendVal : idx; this.appliedPend = false; this.dlvBeat = 0; } else this.dlvBeat = (this.dlvBeat + 1) & this.slotMask;
    }
    this.dlvRdValid = dlvGo;

    // ---- retransmission: the beat read last cycle goes into the FIFO (header rewritten); the next one is read
    if (this.rtxRdValid) {
      const lastBeat = this.rtxRdLast;
      const len = this.rtxRdLen;
      const keep = lastBeat ? ((len & 63) === 0 ? 64 : len & 63) : 64;
      if (this.rtx.used < this.rtx.depth) {
        let b = this.rtxRdBuf;
        let o = this.rtxRdOff;
        let n = b === null ? 0 : this.rtxRdN;
        if (this.rtxRdFirst) {
          const h = new Uint8Array(BEAT);
          ModelNic.asmBeat(h, 0, b, o, n, BEAT);
          putNodeMac(h, 0, this.rtxRdNode);
          h[20] = this.rtxRdNode;
          h[18] = h[18]! | 2;
          h[21] = this.rtxRound;
          put32(h, 30, commit);
          b = h; o = 0; n = BEAT;
        }
        const pos = this.rtxAsmLen;
        if (pos + keep > this.rtxAsm.length) {
          const nb = new Uint8Array(Math.max(pos + keep, this.rtxAsm.length * 2));
          nb.set(this.rtxAsm.subarray(0, pos));
          this.rtxAsm = nb;
        }
        ModelNic.asmBeat(this.rtxAsm, pos, b, o, n, keep);
        this.rtxAsmLen = pos + keep;
        if (lastBeat) {
          this.rtx.write(this.rtxAsm.slice(0, this.rtxAsmLen), true, 0);
          this.rtxAsmLen = 0;
        } else {
          this.rtx.write(null, false, 0);
        }
      }
      if (lastBeat) ctr[C_RETRANSMIT_TX]!++;
    }
    const rtxNode = this.rtxNode;
    const rtxNextOld = this.rtxNext;
    if (rtxGo) {
      const slot = rtxNextOld & this.ldMask;
      const len = this.logLen[slot]!;
      const lastBeatIdx = len === 0 ? 0 : (len - 1) >> 6;
      const isLast = this.rtxBeat >= lastBeatIdx;
      const addr = (slot << this.S) | this.rtxBeat;
      this.rtxRdBuf = this.logBuf[addr]!;
      this.rtxRdOff = this.logOff[addr]!;
      this.rtxRdN = this.logN[addr]!;
      this.rtxRdFirst = this.rtxBeat === 0;
      this.rtxRdLast = isLast;
      this.rtxRdLen = len;
      this.rtxRdNode = rtxNode;
      if (isLast) {
        this.rtxBeat = 0;
        const m1 = (this.match[rtxNode]! + 1) >>> 0;
        const n1 = (rtxNextOld + 1) >>> 0;
        this.rtxNext = m1 > n1 ? m1 : n1;
        if (n1 > this.rtxEnd || this.match[rtxNode]! >= this.rtxEnd) this.rtxActive = false;
      } else this.rtxBeat = (this.rtxBeat + 1) & this.slotMask;
    }
    this.rtxRdValid = rtxGo;

    // ---- needs-repair event for the host
    if (evtWe) {
      const g = new Uint8Array(MIN_FRAME);
      putNodeMac(g, 0, nodeId);
      putNodeMac(g, 6, pick);
      g[12] = ETYPE >> 8; g[13] = ETYPE & 0xff; g[14] = WVER; g[15] = T_NACK;
      g[16] = this.clusterId >> 8; g[17] = this.clusterId & 0xff; g[19] = pick; g[20] = nodeId;
      put32(g, 22, term); put32(g, 26, rtxFrom); put32(g, 30, commit);
      this.evt.write(g, true, H_NEEDS_REPAIR);
      ctr[C_NEEDS_REPAIR]!++;
    }

    // ---- log port: reads see the old contents
    const oldLogRspValid = this.logRspValid;
    const oldRspBuf = this.logRspBuf, oldRspOff = this.logRspOff, oldRspN = this.logRspN, oldRspLen = this.logRspLen;
    if (lpRead) {
      const slot = cmd.addr & this.ldMask;
      const addr = (slot << this.S) | (cmd.beat & this.slotMask);
      this.logRspBuf = this.logBuf[addr]!;
      this.logRspOff = this.logOff[addr]!;
      this.logRspN = this.logN[addr]!;
      this.logRspLen = this.logLen[slot]!;
    }
    this.logRspValid = lpRead;

    // ---- E stage effects
    let nLast = last;
    let hbReset = false;
    const oooValid0 = this.oooValid, oooMin0 = this.oooMin;
    if (fire) {
      const dLast = this.dLast;
      if (dFirst) {
        this.eActReg = act;
        this.eWhyReg = why;
        this.eIndexReg = eIndex;
        if (act === A_SEQ) {
          // the APPEND this REQ becomes: same payload, new header. The received frame is the model's
          // own copy and nothing else refers to it any more (the RX buffer let it go, the beats after
          // the first carry no header), so it is rewritten in place.
          const a = this.dBuf!;
          putGroupMac(a, 0);
          putNodeMac(a, 6, nodeId);
          a[15] = T_APPEND; a[19] = nodeId; a[20] = 0xff; a[21] = 0;
          put32(a, 22, term); put32(a, 26, (last + 1) >>> 0); put32(a, 30, commit);
          this.eBuf = a;
        } else {
          this.eBuf = this.dBuf;
        }
        if (act === A_DROP || act === A_DUP) {
          ctr[C_DROPPED]!++;
          ctr[E_DROP_CTR[why & 0xff]!]!++;
        } else if (act === A_PUNT) ctr[C_PUNTED]!++;
        else if (act === A_HB) ctr[C_HEARTBEAT_RX]!++;
        else if (act === A_NACK) ctr[C_NACK_RX]!++;
        else if (act === A_ACK) ctr[C_ACK_RX]!++;
      }
      this.eBeatReg = dLast ? 0 : (eBeat + 1) & this.slotMask;
      const buf = this.eBuf!;
      const beatOff = this.dBeat * BEAT;
      if (eLogWe) {
        const slot = eIndex & this.ldMask;
        const addr = (slot << this.S) | eBeat;
        this.logBuf[addr] = buf;
        this.logOff[addr] = beatOff;
        const rem = buf.length - beatOff;
        this.logN[addr] = rem < BEAT ? rem : BEAT;
        if (dFirst) {
          const pl = ((buf[42]! << 8) | buf[43]!) + HDR;
          this.logLen[slot] = pl < MIN_FRAME ? MIN_FRAME : pl & 0xffff;
        }
        if (dLast) {
          this.tagTerm[slot] = term;
          this.tagIndex[slot] = eIndex;
          if (act === A_SEQ) { nLast = eIndex; ctr[C_REQ_SEQUENCED]!++; }
          else if (act === A_ACCEPT) { nLast = eIndex; ctr[C_APPEND_ACCEPTED]!++; }
          else {
            ctr[C_APPEND_BUFFERED]!++;
            if (!oooValid0 || eIndex < oooMin0) { this.oooValid = true; this.oooMin = eIndex; }
          }
        }
      }
      if (act === A_SEQ) {
        this.txf.write(buf, dLast, 0);
        if (dFirst) hbReset = true;
      } else if (act === A_PUNT) {
        this.pnt.write(buf, dLast, why);
      }
      if (act === A_DUP && dFirst) this.forceAck = true;
    }
    if (lpWrite) {
      const c = cmd!;
      const slot = c.addr & this.ldMask;
      const addr = (slot << this.S) | (c.beat & this.slotMask);
      const off = c.beat * BEAT;
      const d = c.data!;
      const rem = d.length - off;
      this.logBuf[addr] = d;
      this.logOff[addr] = off;
      this.logN[addr] = rem <= 0 ? 0 : rem < BEAT ? rem : BEAT;
      if (c.beat === 0) {
        this.logLen[slot] = c.len & 0xffff;
        this.tagTerm[slot] = be32z(d, 22);
        this.tagIndex[slot] = be32z(d, 26);
      }
    }
    if (chainGo) nLast = expect;
    if (oooValid0 && logGrew && ((expect + 1) >>> 0) >= oooMin0) this.oooValid = false;

    // ---- generators: timers, NACK state (the generator block comes after the E stage in the RTL: it wins)
    if (hbReset) { this.hbTimer = 0; this.commitSent = commit; }
    this.nackTimer = Math.min(this.nackTimer + 1, 0xffffffff);
    if (genWe && !genReply) this.ctlSeq = (this.ctlSeq + 1) >>> 0;
    if (logGrew) {
      this.gapAge = 0;
      this.nackWant = oooValid0 && ((expect + 1) >>> 0) < oooMin0;
    } else if (this.nackWant) this.gapAge = Math.min(this.gapAge + 1, 0xffffffff);
    if (fire && dFirst && (act === A_OOO ||
        (act === A_DROP && (why === D_FUTURE_INDEX || why === D_LOG_FULL) && role === ROLE_FOLLOWER) ||
        (act === A_HB && this.dIndex > last))) {
      this.nackWant = true;
    }
    if (genWe && genNack) {
      this.nackTimer = 0;
      this.nackSent = expect;
      this.ackedIndex = last; this.ackAge = 0;
    } else if (genWe && !genReply) {
      if (role === ROLE_LEADER) { this.hbTimer = 0; this.commitSent = commit; }
      else { this.ackedIndex = last; this.ackAge = 0; this.forceAck = false; }
    } else {
      if (last !== this.ackedIndex) this.ackAge = (this.ackAge + 1) >>> 0;
      if (!hbReset) this.hbTimer = (this.hbTimer + 1) >>> 0;
    }

    // ---- match indexes, retransmit timers, repair events, the go-back-N engine's requests
    let pend = this.rtxPend;
    // (when nothing moved and no timer runs, the loop would change nothing)
    const rtoLoop = movedM !== 0 || leaderMode || this.rtoRun;
    this.rtoRun = leaderMode;
    for (let n = 0; rtoLoop && n < MAXN; n++) {
      const moved = ((movedM >> n) & 1) === 1;
      const mOld = this.match[n]!;
      if (moved) { this.match[n] = matchNext[n]!; this.repairSent &= ~(1 << n); }
      const mNext = moved ? matchNext[n]! : mOld;
      if (!leaderMode || n === nodeId || !((this.members >> n) & 1) || mNext >= last || moved) {
        this.rtoTimer[n] = 0;
        this.rtoShift[n] = 0;
      } else if (this.rtoTimer[n]! >= this.rtoLimit(n)) {
        this.rtoTimer[n] = 0;
        if (this.rtoShift[n]! !== RTO_SHIFT_MAX) this.rtoShift[n] = this.rtoShift[n]! + 1;
        if (!((this.rtxPend >> n) & 1)) {
          pend |= 1 << n;
          this.rtxPendIndex[n] = (mOld + 1) >>> 0;
          this.rtxPendEnd[n] = 0;
        }
      } else {
        this.rtoTimer[n] = this.rtoTimer[n]! + 1;
      }
    }
    if (movedM !== 0) this.qVer++;
    if (evtWe) this.repairSent |= 1 << pick;
    if (startOk) {
      pend &= ~(1 << pick);
      this.rtxLastPick = pick;
      this.rtxRound = (this.rtxRound + 1) & 0x7f;
      if (rtxFrom <= rtxTo && !needsRepair) {
        this.rtxActive = true;
        this.rtxNode = pick;
        this.rtxNext = rtxFrom;
        this.rtxStart = rtxFrom;
        this.rtxEnd = rtxTo;
        this.rtxBeat = 0;
      }
    }
    if (mainNack) {
      const s = this.dSrc & 7;
      const di = this.dIndex;
      if (!(rtxActive0 && rtxNode === s && di >= rtxStart0 && di <= rtxNextOld)) {
        pend |= 1 << s;
        if (!((this.rtxPend >> s) & 1) || di < this.rtxPendIndex[s]!) {
          this.rtxPendIndex[s] = di;
          this.rtxPendEnd[s] = this.dClient;
        }
      }
    }
    // (this.rtxBeat is already this cycle's result: non-zero = inside a frame, finished first)
    if (!leaderMode) { if (this.rtxBeat === 0) this.rtxActive = false; pend = 0; }
    this.rtxPend = pend;

    // ---- RX buffers: the wire's beats (judged on the read pointers as they were at the start of the cycle)
    for (let p = 0; p < P; p++) {
      const pl = this.rx[p]!;
      const fullCur = pl.wrCur - pl.rdPtr === this.RXD;
      pl.frameInReg = false;
      pl.dropValidReg = false;
      if (!this.present[p]) continue;
      const buf = pl.inBuf[pl.inHead]!;
      const k = pl.inBeat;
      const len = buf.length;
      const rem = len - k * BEAT;
      const nbytes = rem < BEAT ? rem : BEAT;
      const lastBeat = rem <= BEAT;
      const oldDrop = pl.dropFrame;
      const oldBeats = pl.beatsReg;
      let nWrCur = pl.wrCur;
      if (!oldDrop) {
        if (oldBeats >= this.MB) { pl.dropFrame = true; pl.dropWhy = D_OVERSIZE; }
        else if (fullCur) { pl.dropFrame = true; pl.dropWhy = D_RX_OVERFLOW; }
        else nWrCur = pl.wrCur + 1;
      }
      pl.beatsReg = oldBeats < this.MB + 1 ? oldBeats + 1 : oldBeats;
      pl.bytesReg = (pl.bytesReg + nbytes) & 0xffff;
      if (lastBeat) {
        pl.frameInReg = true;
        const total = (pl.bytesReg) & 0xffff;
        pl.beatsReg = 0;
        pl.bytesReg = 0;
        pl.dropFrame = false;
        if (oldDrop || fullCur || oldBeats >= this.MB || (pl.inUser[pl.inHead]! & 1) === 1) {
          nWrCur = pl.wrPtr;
          pl.dropValidReg = true;
          pl.dropReasonReg = oldBeats >= this.MB ? D_OVERSIZE : oldDrop ? pl.dropWhy : fullCur ? D_RX_OVERFLOW : D_MAC_ERROR;
        } else {
          pl.wrPtr = pl.wrCur + 1;
          nWrCur = pl.wrCur + 1;
          const e = pl.cTail & pl.cMask;
          pl.cBuf[e] = buf;
          pl.cLen[e] = total;
          pl.cNb[e] = k + 1;
          pl.cTail++;
        }
        pl.inBuf[pl.inHead] = undefined as unknown as Uint8Array;
        pl.inHead++;
        pl.inBeat = 0;
        pl.compact();
      } else {
        pl.inBeat = k + 1;
      }
      pl.wrCur = nWrCur;
    }

    // ---- D stage: the merge hands a beat over
    if (rxReady) {
      if (selValid) {
        const pl = this.rx[sel]!;
        const h = pl.cHead & pl.cMask;
        const first = !this.rxLocked;
        this.dBuf = pl.cBuf[h]!;
        this.dBeat = pl.rdBeat;
        this.dLast = pl.rdBeat === pl.cNb[h]! - 1;
        this.dFirst = first;
        this.dBad = first ? this.headerCheck(this.dBuf, pl.cLen[h]!) : 0;
      }
      this.dValid = selValid;
    }

    // ---- the merge: copy keys into the window, the pops, the per-plane frame state
    if (mainGo && !this.rxLocked && hKeyValid[sel]) this.winInsert(hKA[sel]!, hKB[sel]!, hKC[sel]!);
    if (ackSel >= 0) this.winInsert(hKA[ackSel]!, hKB[ackSel]!, hKC[ackSel]!);
    if (mainGo) {
      const pl = this.rx[sel]!;
      const lastBeat = pl.rdBeat === pl.cNb[pl.cHead & pl.cMask]! - 1;
      this.rxLastSel = sel;
      this.rxLocked = !lastBeat;
      this.rxLockedSel = sel;
    }
    for (let p = 0; p < P; p++) {
      if (!hValid[p]) continue;
      const pl = this.rx[p]!;
      const mid = pl.rdBeat !== 0;
      const od = ((offM | dupM) >> p) & 1;
      const pop = (mid && this.mDrop[p] === 1) || od === 1 || ackSel === p || (mainGo && sel === p);
      if (!pop) continue;
      const h = pl.cHead & pl.cMask;
      const lastBeat = pl.rdBeat === pl.cNb[h]! - 1;
      pl.rdPtr++;
      if (lastBeat) {
        pl.cBuf[h] = null;
        pl.cHead++;
        pl.rdBeat = 0;
        this.mDrop[p] = 0;
      } else {
        if (!mid) { this.mDrop[p] = od; this.mDropOff[p] = (offM >> p) & 1; }
        pl.rdBeat++;
      }
    }

    // ---- shim: commands issued this cycle, then the answers to earlier ones
    if (cmd !== null) {
      if (cmd.kind === Kind.CsrWrite) { this.cmds.shift(); this.finishReq(cmd.tag); }
      else if (cmd.kind === Kind.CsrRead) { this.cmds.shift(); this.csrWait.push(cmd.tag); }
      else if (cmd.kind === Kind.LogRead) {
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

    // ---- registers, then CSR writes (the host's writes win over the engines' updates)
    this.lastIndex = nLast;
    this.commitIndex = commitNext;
    this.appliedIndex = nApplied;
    if (nLast !== last) this.qVer++;
    if (cmd !== null && cmd.kind === Kind.CsrWrite) this.csrWrite(cmd.addr & 0xffff, cmd.value);

    // ---- quorum pipeline (inputs as they were at the start of the cycle: the cache was computed above)
    this.qIndex = this.q1Index;
    this.qValid = this.q1Valid;
    this.q1Index = this.qCacheIndex;
    this.q1Valid = this.qCacheValid;

    this.cycleReg++;
    this.cyc = t + 1;
  }

  /** A key into the plane merge's window of recent copy keys (a ring: the newest overwrites the oldest). */
  private winInsert(a: number, b: number, c: number): void {
    const i = this.winPtr;
    this.winA[i] = a; this.winB[i] = b; this.winC[i] = c; this.winT[i] = this.cycleReg >>> 0;
    this.winPtr = i + 1 === this.W ? 0 : i + 1;
    if (this.winCount < this.W) this.winCount++;
  }

  /** The stateless header checks of the D stage, in the RTL's order; 0 = good. */
  private headerCheck(b: Uint8Array, len: number): number {
    if (len < HDR) return D_SHORT;
    if (((b[12]! << 8) | b[13]!) !== ETYPE) return D_BAD_ETHERTYPE;
    if (b[14] !== WVER) return D_BAD_VERSION;
    if (((b[16]! << 8) | b[17]!) !== this.clusterId) return D_BAD_CLUSTER;
    const type = b[15]!;
    this.dType = type;
    if (type < T_REQ || type > T_CONTROL) return D_BAD_TYPE;
    const plen = (b[42]! << 8) | b[43]!;
    const want = plen + HDR < MIN_FRAME ? MIN_FRAME : plen + HDR;
    if (plen > this.MAXPL || want !== len) return D_BAD_LENGTH;
    this.dSrc = b[19]!;
    this.dTerm = be32(b, 22);
    this.dIndex = be32(b, 26);
    this.dCommit = be32(b, 30);
    this.dClient = be32(b, 34);
    return 0;
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
        this.cmds.unshift({ kind: Kind.LogRead, tag: o.tag, addr: index, value: 0, beat: b & 0xff, len: 0, data: null });
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

  /** The CSR read mux. */
  private csrMux(addr: number): number {
    switch (addr) {
      case Csr.IDENT_TYPE: return BLK_IDENT.type;
      case Csr.IDENT_VERSION: return BLK_IDENT.version;
      case Csr.IDENT_NEXT: return BLK_RAFT.base;
      case Csr.IDENT_PARAMS0: return this.PARAMS0;
      case Csr.IDENT_PARAMS1: return this.PARAMS1;
      case Csr.IDENT_WIRE_VERSION: return ((ETYPE << 16) | WVER) >>> 0;
      case Csr.IDENT_CYCLE_LO: return this.cycleReg % TWO32;
      case Csr.IDENT_CYCLE_HI: return Math.floor(this.cycleReg / TWO32) >>> 0;
      case Csr.RAFT_TYPE: return BLK_RAFT.type;
      case Csr.RAFT_VERSION: return BLK_RAFT.version;
      case Csr.RAFT_NEXT: return BLK_COUNTERS.base;
      case Csr.RAFT_NODE_ID: return this.nodeId;
      case Csr.RAFT_CLUSTER_ID: return this.clusterId;
      case Csr.RAFT_ROLE: return this.role;
      case Csr.RAFT_TERM: return this.term;
      case Csr.RAFT_LEADER_ID: return this.leaderId;
      case Csr.RAFT_MEMBERS: return this.members;
      case Csr.RAFT_QUORUM: return this.quorum;
      case Csr.RAFT_FAST_EN: return this.fastEn ? 1 : 0;
      case Csr.RAFT_HB_INTERVAL: return this.hbInterval;
      case Csr.RAFT_ACK_COUNT: return this.ackCount;
      case Csr.RAFT_ACK_DELAY: return this.ackDelay;
      case Csr.RAFT_TERM_START: return this.termStart;
      case Csr.RAFT_LAST_INDEX: return this.lastIndex;
      case Csr.RAFT_COMMIT_INDEX: return this.commitIndex;
      case Csr.RAFT_APPLIED_INDEX: return this.appliedIndex;
      case Csr.RAFT_MATCH_SEL: return this.matchSel;
      case Csr.RAFT_MATCH_INDEX: {
        // MATCH_SEL is 3 bits whatever MAX_NODES is: Verilator drops the index bits above the
        // array's and reads 0 past its end (see docs/model-nic.md)
        const s = this.matchSel;
        if (s >= this.MAXN) return 0;
        return s === this.nodeId ? this.lastIndex : this.match[s]!;
      }
      case Csr.RAFT_STATUS:
        return ((this.txf.used > this.txAfLimit ? 4 : 0) |
          (((this.lastIndex - this.appliedIndex) >>> 0) >= this.LD ? 2 : 0) |
          (this.dlv.used > this.dlvAfLimit ? 1 : 0));
      case Csr.RAFT_HB_COMMIT_DELAY: return this.hbCommitDelay;
      case Csr.RAFT_PLANE_EN: return this.planeEn;
      case Csr.RAFT_NACK_INTERVAL: return this.nackInterval;
      case Csr.RAFT_RTO: return this.rto;
      case Csr.RAFT_NACK_DELAY: return this.nackDelay;
      case Csr.COUNTERS_TYPE: return BLK_COUNTERS.type;
      case Csr.COUNTERS_VERSION: return BLK_COUNTERS.version;
      case Csr.COUNTERS_NEXT: return 0;
      default: {
        const off = (addr - COUNTER_BASE) & 0xffff;
        const idx = off >> 3;
        if (addr < COUNTER_BASE || idx >= N_CTR) return 0;
        const v = this.ctr[idx]!;
        return off & 4 ? Math.floor(v / TWO32) >>> 0 : v % TWO32;
      }
    }
  }

  /** CSR writes (after every engine update of the cycle: the host's write wins). */
  private csrWrite(addr: number, v: number): void {
    switch (addr) {
      case Csr.RAFT_NODE_ID: this.nodeId = v & 0xff; this.qVer++; break;
      case Csr.RAFT_CLUSTER_ID: this.clusterId = v & 0xffff; break;
      case Csr.RAFT_ROLE: this.role = v & 3; break;
      case Csr.RAFT_TERM: this.term = v; break;
      case Csr.RAFT_LEADER_ID: this.leaderId = v & 0xff; break;
      case Csr.RAFT_MEMBERS: this.members = v & 0xff; this.qVer++; break;
      case Csr.RAFT_QUORUM: this.quorum = v & 0xf; this.qVer++; break;
      case Csr.RAFT_FAST_EN: this.fastEn = (v & 1) === 1; break;
      case Csr.RAFT_HB_INTERVAL: this.hbInterval = v; break;
      case Csr.RAFT_HB_COMMIT_DELAY: this.hbCommitDelay = v; break;
      case Csr.RAFT_PLANE_EN: this.planeEn = v & 7; break;
      case Csr.RAFT_NACK_INTERVAL: this.nackInterval = v; break;
      case Csr.RAFT_RTO: this.rto = v; break;
      case Csr.RAFT_NACK_DELAY: this.nackDelay = v; break;
      case Csr.RAFT_ACK_COUNT: this.ackCount = v; break;
      case Csr.RAFT_ACK_DELAY: this.ackDelay = v; break;
      case Csr.RAFT_TERM_START: this.termStart = v; break;
      case Csr.RAFT_LAST_INDEX: this.lastIndex = v; this.ackedIndex = v; this.qVer++; break;
      case Csr.RAFT_COMMIT_INDEX: this.commitIndex = v; break;
      case Csr.RAFT_APPLIED_INDEX:
        // dlvBeat is already this cycle's result: non-zero = inside a frame after this cycle
        if (this.dlvBeat !== 0) { this.appliedPend = true; this.appliedPendVal = v; } else { this.appliedIndex = v; this.appliedPend = false; }
        break;
      case Csr.RAFT_MATCH_SEL: this.matchSel = v & 7; break;
      case Csr.RAFT_MATCH_INDEX: {
        const s = this.matchSel;
        if (s < this.MAXN) { this.match[s] = v; this.qVer++; }
        break;
      }
      case Csr.COUNTERS_CTR_CLEAR:
        if (v & 1) this.ctr.fill(0);
        break;
      default:
        break;
    }
  }
}
