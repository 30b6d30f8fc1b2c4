// The parameters of nicraft_nic (hw/rtl/nicraft_nic.sv) and what the engines derive from them.
import * as M_wire_gen from '../../wire/wire.gen.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const { BEAT_BYTES, HDR_BYTES } = M_wire_gen;

/** The RTL's parameters (nicraft_nic #(...)); DATA_WIDTH is fixed at 512. */
export interface NicParams {
  MAX_NODES: number;
  PLANES: number;
  LOG_DEPTH_LOG2: number;
  MAX_PAYLOAD: number;
  RX_FIFO_DEPTH_LOG2: number;
  HOST_FIFO_DEPTH_LOG2: number;
  TX_FIFO_DEPTH_LOG2: number;
  /** the planes' skew the copy window covers, in cycles (0..256) */
  PLANE_SKEW_CYCLES: number;
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
  PLANE_SKEW_CYCLES: 32,
});

function clog2(x: number): number {
  let r = 0;
  while ((1 << r) < x) r++;
  return r;
}

/** The localparams of nicraft_nic, as the engines use them. */
export interface Derived {
  readonly p: Readonly<NicParams>;
  /** PLANES */
  readonly P: number;
  /** MAX_NODES */
  readonly MAXN: number;
  /** log RAM entries (LOG_DEPTH) and the slot mask */
  readonly LD: number;
  readonly ldMask: number;
  /** SLOT_BEATS_LOG2 and its mask */
  readonly S: number;
  readonly slotMask: number;
  /** MAX_BEATS: beats of the largest frame */
  readonly MB: number;
  /** MAX_PAYLOAD, MAX_FRAME_BYTES */
  readonly MAXPL: number;
  readonly MFB: number;
  /** RX buffer depth in beats */
  readonly RXD: number;
  /** DUP_WINDOW: keys the plane merge remembers */
  readonly DUPW: number;
}

/** Checks the parameters as the RTL's initial blocks do and derives the localparams. */
export function derive(p: NicParams): Derived {
  const mfb = HDR_BYTES + p.MAX_PAYLOAD;
  const mb = Math.ceil(mfb / BEAT_BYTES);
  if (!(p.PLANES >= 1 && p.PLANES <= 3)) throw new Error('ModelNic: PLANES must be 1..3');
  if (!(p.MAX_NODES >= 1 && p.MAX_NODES <= 8)) throw new Error('ModelNic: MAX_NODES must be 1..8');
  if (!(p.MAX_PAYLOAD >= 16 && mfb <= 65535)) throw new Error('ModelNic: MAX_PAYLOAD out of range');
  if (!(p.LOG_DEPTH_LOG2 >= 2 && p.LOG_DEPTH_LOG2 <= 20)) throw new Error('ModelNic: LOG_DEPTH_LOG2 must be 2..20');
  if (2 ** p.RX_FIFO_DEPTH_LOG2 < 2 * mb || 2 ** p.HOST_FIFO_DEPTH_LOG2 < 2 * mb + 2) throw new Error('ModelNic: FIFOs must hold two maximum frames');
  if (!(p.TX_FIFO_DEPTH_LOG2 >= 1 && p.TX_FIFO_DEPTH_LOG2 <= 16 && p.HOST_FIFO_DEPTH_LOG2 <= 16 && p.RX_FIFO_DEPTH_LOG2 <= 16)) {
    throw new Error('ModelNic: FIFO depths must be 2..2^16');
  }
  const dupw = p.PLANES > 1 ? 2 * 2 ** p.RX_FIFO_DEPTH_LOG2 + 16 + 2 * p.PLANE_SKEW_CYCLES : 16;
  if (!(Number.isInteger(p.PLANE_SKEW_CYCLES) && p.PLANE_SKEW_CYCLES >= 0 && p.PLANE_SKEW_CYCLES <= 256 && dupw <= 1024)) {
    throw new Error('ModelNic: PLANE_SKEW_CYCLES must be 0..256 (and the copy window 2*RX buffer beats + 16 + 2*PLANE_SKEW_CYCLES at most 1024)');
  }
  const S = mb > 1 ? clog2(mb) : 1;
  const LD = 1 << p.LOG_DEPTH_LOG2;
  return {
    p: Object.freeze({ ...p }),
    P: p.PLANES,
    MAXN: p.MAX_NODES,
    LD,
    ldMask: LD - 1,
    S,
    slotMask: (1 << S) - 1,
    MB: mb,
    MAXPL: p.MAX_PAYLOAD,
    MFB: mfb,
    RXD: 1 << p.RX_FIFO_DEPTH_LOG2,
    DUPW: dupw,
  };
}

/** RAFT_ROLE values. */
export const ROLE_OFF = 0, ROLE_FOLLOWER = 1, ROLE_LEADER = 2, ROLE_MIDDLE = 3;
