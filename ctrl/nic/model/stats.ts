// nicraft_stats (hw/rtl/nicraft_stats.sv): the counters block, NR_CTR_COUNT 64-bit event counters.
//
// In the RTL every engine reports its events of the cycle as strobes and this block counts them. In
// the model an engine's strobe is an increment of `ctr[C_...]` (the counter indices below), made by
// the engine where the RTL raises the strobe; the RX side's strobes (the RX buffers' frame and drop
// strobes, the plane merge's copy and disabled-plane drops) are counted here (rx()). CTR_CLEAR wins
// over the cycle's events: the wiring applies it after every engine.
import type { CounterName } from '../../wire/wire.gen.js';
import * as M_wire_gen from '../../wire/wire.gen.js';
import type { RxFifo } from './rx-fifo.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const { COUNTERS, DropReason } = M_wire_gen;

const CI = (n: CounterName): number => COUNTERS.indexOf(n);
export const N_CTR = COUNTERS.length;
export const C_RX_FRAMES = CI('RX_FRAMES'), C_TX_FRAMES = CI('TX_FRAMES'), C_REQ_SEQUENCED = CI('REQ_SEQUENCED');
export const C_APPEND_ACCEPTED = CI('APPEND_ACCEPTED'), C_ACK_RX = CI('ACK_RX'), C_ACK_TX = CI('ACK_TX');
export const C_HEARTBEAT_TX = CI('HEARTBEAT_TX'), C_HEARTBEAT_RX = CI('HEARTBEAT_RX'), C_REPLY_TX = CI('REPLY_TX');
export const C_COMMITTED = CI('COMMITTED'), C_PUNTED = CI('PUNTED'), C_HOST_TX_FRAMES = CI('HOST_TX_FRAMES');
export const C_DROPPED = CI('DROPPED');
export const C_APPEND_BUFFERED = CI('APPEND_BUFFERED'), C_NACK_TX = CI('NACK_TX'), C_NACK_RX = CI('NACK_RX');
export const C_RETRANSMIT_TX = CI('RETRANSMIT_TX'), C_NEEDS_REPAIR = CI('NEEDS_REPAIR'), C_RETRANSMIT_STALE = CI('RETRANSMIT_STALE');
export const C_LEADER_SILENT = CI('LEADER_SILENT');
export const C_DROP_PLANE_DUP = CI('DROP_PLANE_DUP'), C_DROP_REQ_DUP = CI('DROP_REQ_DUP'), C_DROP_PLANE_OFF = CI('DROP_PLANE_OFF');
export const C_DROP_MAC_ERROR = CI('DROP_MAC_ERROR'), C_DROP_OVERSIZE = CI('DROP_OVERSIZE'), C_DROP_RX_OVERFLOW = CI('DROP_RX_OVERFLOW');
export const C_DROP_AUTH_FAIL = CI('DROP_AUTH_FAIL'), C_DROP_NO_KEY = CI('DROP_NO_KEY'), C_DROP_REPLAY = CI('DROP_REPLAY');
/** PLANE0_RX_FRAMES; plane p's RX_FRAMES, TX_FRAMES, DUPS, ERRORS, TX_DROPS follow at 5 p + 0..4. */
export const C_PLANE0 = CI('PLANE0_RX_FRAMES');
/** Drop reason code -> its counter, for the execute engine's drops (the RTL's case: anything else counts as PUNT_FULL). */
export const E_DROP_CTR: Int32Array = (() => {
  const a = new Int32Array(256).fill(CI('DROP_PUNT_FULL'));
  for (const [name, code] of Object.entries(DropReason)) {
    if (['SHORT', 'BAD_ETHERTYPE', 'BAD_VERSION', 'BAD_CLUSTER', 'BAD_LENGTH', 'BAD_TYPE', 'LOG_FULL', 'DUPLICATE', 'BAD_ACK', 'FUTURE_INDEX', 'NOT_MEMBER', 'NOT_LEADER'].includes(name)) {
      a[code] = CI(`DROP_${name}` as CounterName);
    }
  }
  return a;
})();

const D_MAC_ERROR: number = DropReason.MAC_ERROR, D_OVERSIZE: number = DropReason.OVERSIZE;
const D_AUTH_FAIL: number = DropReason.AUTH_FAIL, D_NO_KEY: number = DropReason.NO_KEY, D_REPLAY: number = DropReason.REPLAY;
const TWO32 = 4294967296;

export class Stats {
  /** The counters (exact up to 2^53 in a double). */
  readonly ctr = new Float64Array(N_CTR);

  clear(): void {
    this.ctr.fill(0);
  }

  /**
   * The RX side's strobes of plane p: the RX buffer's registered frame-in and drop strobes, and the
   * plane merge's copy (dup; reqDup: a client's REQ) and disabled-plane (off) drops of a frame ending this cycle.
   */
  rx(p: number, fifo: RxFifo, dupDrop: boolean, offDrop: boolean, reqDup = false): void {
    const ctr = this.ctr;
    const pc = C_PLANE0 + 5 * p;
    if (fifo.frameInReg) { ctr[C_RX_FRAMES]!++; ctr[pc]!++; }
    if (fifo.dropValidReg) {
      ctr[C_DROPPED]!++;
      ctr[pc + 3]!++;
      const r = fifo.dropReasonReg;
      if (r === D_MAC_ERROR) ctr[C_DROP_MAC_ERROR]!++;
      else if (r === D_OVERSIZE) ctr[C_DROP_OVERSIZE]!++;
      else if (r === D_AUTH_FAIL) ctr[C_DROP_AUTH_FAIL]!++;
      else if (r === D_NO_KEY) ctr[C_DROP_NO_KEY]!++;
      else if (r === D_REPLAY) ctr[C_DROP_REPLAY]!++;
      else ctr[C_DROP_RX_OVERFLOW]!++;
    }
    if (dupDrop) { ctr[C_DROPPED]!++; ctr[reqDup ? C_DROP_REQ_DUP : C_DROP_PLANE_DUP]!++; ctr[pc + 2]!++; }
    if (offDrop) { ctr[C_DROPPED]!++; ctr[C_DROP_PLANE_OFF]!++; ctr[pc + 3]!++; }
  }

  /** The read mux's word: counter idx, high word when hi (or 0 past the last counter). */
  read(idx: number, hi: boolean): number {
    if (idx >= N_CTR) return 0;
    const v = this.ctr[idx]!;
    return hi ? Math.floor(v / TWO32) >>> 0 : v % TWO32;
  }
}
