// nicraft_plane_merge (hw/rtl/nicraft_plane_merge.sv): merge of the plane RX buffers, with copy
// suppression and a parallel ACK path.
//
// At the head of each plane's buffer the frame's key (rx-key.ts) is compared with the keys of the
// last WINDOW frames taken (younger than WINDOW_CYCLES) and with the heads of the lower-numbered
// planes: a match is a copy, dropped whole, in parallel on every plane, without a pipeline slot.
// First copy wins. Frames on a disabled plane are dropped the same way. Surviving frames go to the
// ACK path (a one-beat ACK the leader counts without the host, one a cycle) or to the main pipeline
// (everything else), frame-atomic round robin over the planes (rr-pick.ts).
import * as M_wire_gen from '../../wire/wire.gen.js';
import type { RxFifo } from './rx-fifo.js';
import type { RxKeys } from './rx-key.js';
import * as M_rr_pick from './rr-pick.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const { getLogIndex, getSrcNode } = M_wire_gen;
const { rrPick } = M_rr_pick;

/** A key older than this many cycles is forgotten (WINDOW_CYCLES: a retry is not a copy). */
export const COPY_WINDOW_CYCLES = 1024;

export class PlaneMerge {
  readonly P: number;
  /** WINDOW: keys remembered (DUP_WINDOW of nicraft_nic). */
  readonly W: number;
  // ---- registers
  /** main is inside a multi-beat frame of plane lockedSel */
  locked = false;
  lockedSel = 0;
  lastSel = 0;
  /** Per plane: the frame at the head is being dropped (a copy, or a disabled plane), and why. */
  readonly drop: Uint8Array;
  readonly dropOff: Uint8Array;
  /** The window of recent keys (a ring), with each key's insertion cycle. */
  readonly winA: Uint32Array;
  readonly winB: Uint32Array;
  readonly winC: Uint32Array;
  readonly winT: Uint32Array;
  winCount = 0;
  winPtr = 0;

  // ---- combinational, per cycle (comb())
  /** the plane has a head beat; it is a frame's first */
  readonly hValid: Uint8Array;
  readonly hFirst: Uint8Array;
  /** masks: head dropped whole this cycle as on a disabled plane / as a copy */
  offM = 0;
  dupM = 0;
  candMain = 0;
  candAck = 0;
  /** main output: the plane it takes from (m_axis_tvalid = selValid), its beat */
  sel = 0;
  selValid = false;
  mBuf: Uint8Array | null = null;
  mBeat = 0;
  mLast = false;
  mLen = 0;
  mFirst = false;
  /** ACK path: the plane (-1: none), the ACK's source and index */
  ackSel = -1;
  ackSrc = -1;
  ackIndex = 0;
  /** masks: a copy / a frame on a disabled plane ended (dropped) this cycle (dup_drop, off_drop) */
  dupDropM = 0;
  offDropM = 0;

  constructor(planes: number, window: number) {
    this.P = planes;
    this.W = window;
    this.drop = new Uint8Array(planes);
    this.dropOff = new Uint8Array(planes);
    this.winA = new Uint32Array(window);
    this.winB = new Uint32Array(window);
    this.winC = new Uint32Array(window);
    this.winT = new Uint32Array(window);
    this.hValid = new Uint8Array(planes);
    this.hFirst = new Uint8Array(planes);
  }

  reset(): void {
    this.locked = false; this.lockedSel = 0; this.lastSel = 0;
    this.drop.fill(0); this.dropOff.fill(0); this.winCount = 0; this.winPtr = 0;
  }

  /** The combinational decisions of the cycle, from the planes' heads and the registers. */
  comb(rx: readonly RxFifo[], keys: RxKeys, planeEn: number, now: number, clusterId: number, leaderMode: boolean,
    term: number, nodeId: number, members: number, last: number): void {
    const P = this.P;
    const hValid = this.hValid, hFirst = this.hFirst;
    const kv = keys.keyValid, kA = keys.kA, kB = keys.kB, kC = keys.kC;
    let offM = 0, dupM = 0, candMain = 0, candAck = 0, dupDropM = 0, offDropM = 0;
    for (let p = 0; p < P; p++) {
      const pl = rx[p]!;
      const hv = pl.rdPtr !== pl.wrPtr;
      hValid[p] = hv ? 1 : 0;
      hFirst[p] = 0;
      kv[p] = 0;
      if (!hv) continue;
      const h = pl.cHead & pl.cMask;
      if (pl.rdBeat !== 0) {
        // the end of a frame being dropped
        if (this.drop[p] === 1 && pl.rdBeat === pl.cNb[h]! - 1) {
          if (this.dropOff[p]) offDropM |= 1 << p; else dupDropM |= 1 << p;
        }
        continue;
      }
      hFirst[p] = 1;
      const oneBeat = pl.cNb[h] === 1;
      if (!((planeEn >> p) & 1)) {
        offM |= 1 << p;
        if (oneBeat) offDropM |= 1 << p;
        continue;
      }
      if (keys.eval(p, pl.cBuf[h]!, pl.cLen[h]!, pl.cNb[h]!, clusterId, leaderMode, term, nodeId, members, last)) {
        // a copy: a key in the window, or the key of a lower plane's head this cycle
        let dup = false;
        const W = this.winCount;
        const ka = kA[p]!, kb = kB[p]!, kc = kC[p]!;
        for (let w = 0; w < W; w++) {
          if (this.winC[w] === kc && this.winB[w] === kb && this.winA[w] === ka &&
              ((now - this.winT[w]!) >>> 0) < COPY_WINDOW_CYCLES) { dup = true; break; }
        }
        if (!dup) {
          for (let q = 0; q < p; q++) {
            if (hFirst[q] && ((planeEn >> q) & 1) && kv[q] && kA[q] === ka && kB[q] === kb && kC[q] === kc) { dup = true; break; }
          }
        }
        if (dup) {
          dupM |= 1 << p;
          if (oneBeat) dupDropM |= 1 << p;
          continue;
        }
        if (keys.isAck[p]) { candAck |= 1 << p; continue; }
      }
      candMain |= 1 << p;
    }
    this.offM = offM; this.dupM = dupM; this.candMain = candMain; this.candAck = candAck;
    this.dupDropM = dupDropM; this.offDropM = offDropM;

    let sel = 0;
    let selValid = false;
    if (this.locked) {
      sel = this.lockedSel;
      selValid = hValid[sel] === 1;
    } else if (candMain !== 0) {
      sel = rrPick(candMain, this.lastSel, P);
      selValid = true;
    }
    this.sel = sel;
    this.selValid = selValid;
    if (selValid) {
      const pl = rx[sel]!;
      const h = pl.cHead & pl.cMask;
      this.mBuf = pl.cBuf[h]!;
      this.mBeat = pl.rdBeat;
      this.mLast = pl.rdBeat === pl.cNb[h]! - 1;
      this.mLen = pl.cLen[h]!;
      this.mFirst = !this.locked;
    }
    let ackSel = -1;
    if (candAck !== 0) for (let p = 0; p < P; p++) if ((candAck >> p) & 1) { ackSel = p; break; }
    this.ackSel = ackSel;
    if (ackSel >= 0) {
      const pl = rx[ackSel]!;
      const b = pl.cBuf[pl.cHead & pl.cMask]!;
      this.ackSrc = getSrcNode(b);
      this.ackIndex = getLogIndex(b);
    } else {
      this.ackSrc = -1;
    }
  }

  /** The clock edge: keys into the window, the pops, the per-plane frame state. mainGo: main's beat is taken. */
  clock(rx: readonly RxFifo[], keys: RxKeys, mainGo: boolean, now: number): void {
    const sel = this.sel, ackSel = this.ackSel;
    if (mainGo && !this.locked && keys.keyValid[sel]) this.winInsert(keys.kA[sel]!, keys.kB[sel]!, keys.kC[sel]!, now);
    if (ackSel >= 0) this.winInsert(keys.kA[ackSel]!, keys.kB[ackSel]!, keys.kC[ackSel]!, now);
    if (mainGo) {
      this.lastSel = sel;
      this.locked = !this.mLast;
      this.lockedSel = sel;
    }
    const dropM = this.offM | this.dupM;
    for (let p = 0; p < this.P; p++) {
      if (!this.hValid[p]) continue;
      const pl = rx[p]!;
      const mid = pl.rdBeat !== 0;
      const od = (dropM >> p) & 1;
      const pop = (mid && this.drop[p] === 1) || od === 1 || ackSel === p || (mainGo && sel === p);
      if (!pop) continue;
      const lastBeat = pl.headLast();
      pl.pop();
      if (lastBeat) {
        this.drop[p] = 0;
      } else if (!mid) {
        this.drop[p] = od;
        this.dropOff[p] = (this.offM >> p) & 1;
      }
    }
  }

  /** A key into the window (a ring: the newest overwrites the oldest). */
  private winInsert(a: number, b: number, c: number, now: number): void {
    const i = this.winPtr;
    this.winA[i] = a; this.winB[i] = b; this.winC[i] = c; this.winT[i] = now >>> 0;
    this.winPtr = i + 1 === this.W ? 0 : i + 1;
    if (this.winCount < this.W) this.winCount++;
  }
}
