// nicraft_plane_merge (hw/rtl/nicraft_plane_merge.sv): merge of the plane RX buffers, with copy
// suppression and a parallel ACK path.
//
// Each plane's buffer head is classified as it leaves the buffer (rx-key.ts: copy key, key_valid,
// is_ack, with the state of that cycle) and goes through two registers per plane, A then B: the
// merge decides on the B heads, two cycles after a beat left the buffer. A B head's key is compared
// with the keys of the last WINDOW frames taken (younger than WINDOW_CYCLES) and with the B heads of
// the lower-numbered planes: a match is a copy, dropped whole, in parallel on every plane, without a
// pipeline slot. First copy wins. Frames on a disabled plane are dropped the same way. Surviving
// frames go to the ACK path (a one-beat ACK the leader counts without the host, one a cycle) or to
// the main pipeline (everything else), frame-atomic round robin over the planes (rr-pick.ts).
import type { RxFifo } from './rx-fifo.js';
import type { RxKeys } from './rx-key.js';
import * as M_wire_gen from '../../wire/wire.gen.js';
import * as M_rr_pick from './rr-pick.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const { getLogIndex, getSrcNode } = M_wire_gen;
const { rrPick } = M_rr_pick;

/** A key older than this many cycles is forgotten (WINDOW_CYCLES: a retry is not a copy). */
export const COPY_WINDOW_CYCLES = 1024;

/** One of the two per-plane registers (A or B): a beat (frame bytes, beat number, beats, length) and its classification. */
class Stage {
  readonly v: Uint8Array;
  readonly buf: Array<Uint8Array | null>;
  readonly beat: Int32Array;
  readonly nb: Int32Array;
  readonly len: Int32Array;
  readonly kv: Uint8Array;
  readonly ack: Uint8Array;
  readonly req: Uint8Array;
  readonly kA: Uint32Array;
  readonly kB: Uint32Array;
  readonly kC: Uint32Array;

  constructor(planes: number) {
    this.v = new Uint8Array(planes);
    this.buf = new Array<Uint8Array | null>(planes).fill(null);
    this.beat = new Int32Array(planes);
    this.nb = new Int32Array(planes);
    this.len = new Int32Array(planes);
    this.kv = new Uint8Array(planes);
    this.ack = new Uint8Array(planes);
    this.req = new Uint8Array(planes);
    this.kA = new Uint32Array(planes);
    this.kB = new Uint32Array(planes);
    this.kC = new Uint32Array(planes);
  }

  clear(): void {
    this.v.fill(0);
    this.buf.fill(null);
  }

  /** Plane p takes stage o's beat. */
  take(p: number, o: Stage): void {
    this.v[p] = o.v[p]!;
    this.buf[p] = o.buf[p]!; this.beat[p] = o.beat[p]!; this.nb[p] = o.nb[p]!; this.len[p] = o.len[p]!;
    this.kv[p] = o.kv[p]!; this.ack[p] = o.ack[p]!; this.req[p] = o.req[p]!; this.kA[p] = o.kA[p]!; this.kB[p] = o.kB[p]!; this.kC[p] = o.kC[p]!;
  }
}

export class PlaneMerge {
  readonly P: number;
  /** WINDOW: keys remembered (DUP_WINDOW of nicraft_nic). */
  readonly W: number;
  // ---- registers
  /** the per-plane stages: A (the beat that left the buffer last cycle), B (the merge's heads) */
  private readonly a: Stage;
  private readonly b: Stage;
  /** main is inside a multi-beat frame of plane lockedSel */
  locked = false;
  lockedSel = 0;
  lastSel = 0;
  /** Per plane: the frame at the head is being dropped (a copy, or a disabled plane), and why. */
  readonly drop: Uint8Array;
  readonly dropOff: Uint8Array;
  /** ... a copy of a client's REQ */
  readonly dropReq: Uint8Array;
  /** The window of recent keys (a ring), with each key's insertion cycle. */
  readonly winA: Uint32Array;
  readonly winB: Uint32Array;
  readonly winC: Uint32Array;
  readonly winT: Uint32Array;
  winCount = 0;
  winPtr = 0;

  // ---- combinational, per cycle (comb())
  /** the buffer has a head beat (it leaves for A when A moves) */
  private readonly sValid: Uint8Array;
  /** the B head is valid; it is a frame's first beat; its key counts */
  readonly hValid: Uint8Array;
  readonly hFirst: Uint8Array;
  readonly hKeyValid: Uint8Array;
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
  /** ... of dupDropM: the copy was a client's REQ (req_dup_drop) */
  reqDupDropM = 0;

  constructor(planes: number, window: number) {
    this.P = planes;
    this.W = window;
    this.a = new Stage(planes);
    this.b = new Stage(planes);
    this.drop = new Uint8Array(planes);
    this.dropOff = new Uint8Array(planes);
    this.dropReq = new Uint8Array(planes);
    this.winA = new Uint32Array(window);
    this.winB = new Uint32Array(window);
    this.winC = new Uint32Array(window);
    this.winT = new Uint32Array(window);
    this.sValid = new Uint8Array(planes);
    this.hValid = new Uint8Array(planes);
    this.hFirst = new Uint8Array(planes);
    this.hKeyValid = new Uint8Array(planes);
  }

  reset(): void {
    this.locked = false; this.lockedSel = 0; this.lastSel = 0;
    this.drop.fill(0); this.dropOff.fill(0); this.dropReq.fill(0); this.winCount = 0; this.winPtr = 0;
    this.a.clear(); this.b.clear();
  }

  /** No beat in the stages and no frame under way. */
  idle(): boolean {
    if (this.locked) return false;
    for (let p = 0; p < this.P; p++) if (this.a.v[p] || this.b.v[p]) return false;
    return true;
  }

  /** The combinational decisions of the cycle, from the buffers' heads, the B heads and the registers. */
  comb(rx: readonly RxFifo[], keys: RxKeys, planeEn: number, now: number, clusterId: number, leaderMode: boolean,
    term: number, nodeId: number, members: number, last: number): void {
    const P = this.P;
    const b = this.b;
    const hValid = this.hValid, hFirst = this.hFirst, hKeyValid = this.hKeyValid;
    // the buffers' heads as they leave for A: classified with the state of this cycle (first beats only)
    for (let p = 0; p < P; p++) {
      const pl = rx[p]!;
      const sv = pl.rdPtr !== pl.wrPtr;
      this.sValid[p] = sv ? 1 : 0;
      keys.keyValid[p] = 0;
      keys.isAck[p] = 0;
      keys.isReq[p] = 0;
      if (!sv || pl.rdBeat !== 0) continue;
      const h = pl.cHead & pl.cMask;
      keys.eval(p, pl.cBuf[h]!, pl.cLen[h]!, pl.cNb[h]!, clusterId, leaderMode, term, nodeId, members, last);
    }
    // the merge on the B heads
    let offM = 0, dupM = 0, candMain = 0, candAck = 0, dupDropM = 0, offDropM = 0, reqDupDropM = 0;
    for (let p = 0; p < P; p++) {
      const hv = b.v[p] === 1;
      hValid[p] = hv ? 1 : 0;
      hFirst[p] = 0;
      hKeyValid[p] = 0;
      if (!hv) continue;
      const oneBeat = b.nb[p] === 1;
      if (b.beat[p] !== 0) {
        // the end of a frame being dropped
        if (this.drop[p] === 1 && b.beat[p] === b.nb[p]! - 1) {
          if (this.dropOff[p]) offDropM |= 1 << p;
          else { dupDropM |= 1 << p; if (this.dropReq[p]) reqDupDropM |= 1 << p; }
        }
        continue;
      }
      hFirst[p] = 1;
      if (!((planeEn >> p) & 1)) {
        offM |= 1 << p;
        if (oneBeat) offDropM |= 1 << p;
        continue;
      }
      if (b.kv[p]) {
        hKeyValid[p] = 1;
        // a copy: a key in the window, or the key of a lower plane's head this cycle
        let dup = false;
        const W = this.winCount;
        const ka = b.kA[p]!, kb = b.kB[p]!, kc = b.kC[p]!;
        for (let w = 0; w < W; w++) {
          if (this.winC[w] === kc && this.winB[w] === kb && this.winA[w] === ka &&
              ((now - this.winT[w]!) >>> 0) < COPY_WINDOW_CYCLES) { dup = true; break; }
        }
        if (!dup) {
          for (let q = 0; q < p; q++) {
            if (hFirst[q] && ((planeEn >> q) & 1) && hKeyValid[q] && b.kA[q] === ka && b.kB[q] === kb && b.kC[q] === kc) { dup = true; break; }
          }
        }
        if (dup) {
          dupM |= 1 << p;
          if (oneBeat) { dupDropM |= 1 << p; if (b.req[p]) reqDupDropM |= 1 << p; }
          continue;
        }
        if (b.ack[p]) { candAck |= 1 << p; continue; }
      }
      candMain |= 1 << p;
    }
    this.offM = offM; this.dupM = dupM; this.candMain = candMain; this.candAck = candAck;
    this.dupDropM = dupDropM; this.offDropM = offDropM; this.reqDupDropM = reqDupDropM;

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
      this.mBuf = b.buf[sel]!;
      this.mBeat = b.beat[sel]!;
      this.mLast = b.beat[sel] === b.nb[sel]! - 1;
      this.mLen = b.len[sel]!;
      this.mFirst = !this.locked;
    }
    let ackSel = -1;
    if (candAck !== 0) for (let p = 0; p < P; p++) if ((candAck >> p) & 1) { ackSel = p; break; }
    this.ackSel = ackSel;
    if (ackSel >= 0) {
      const f = b.buf[ackSel]!;
      this.ackSrc = getSrcNode(f);
      this.ackIndex = getLogIndex(f);
    } else {
      this.ackSrc = -1;
    }
  }

  /**
   * The clock edge: keys into the window; per plane, B's beat leaves (taken or dropped), B takes A's
   * beat, A takes the buffer's head (classified this cycle: keys). mainGo: main's beat is taken.
   */
  clock(rx: readonly RxFifo[], keys: RxKeys, mainGo: boolean, now: number): void {
    const sel = this.sel, ackSel = this.ackSel;
    const a = this.a, b = this.b;
    if (mainGo && !this.locked && this.hKeyValid[sel]) this.winInsert(b.kA[sel]!, b.kB[sel]!, b.kC[sel]!, now);
    if (ackSel >= 0) this.winInsert(b.kA[ackSel]!, b.kB[ackSel]!, b.kC[ackSel]!, now);
    if (mainGo) {
      this.lastSel = sel;
      this.locked = !this.mLast;
      this.lockedSel = sel;
    }
    const dropM = this.offM | this.dupM;
    for (let p = 0; p < this.P; p++) {
      let bLoad = b.v[p] === 0;
      if (!bLoad) {
        const mid = b.beat[p] !== 0;
        const od = (dropM >> p) & 1;
        if ((mid && this.drop[p] === 1) || od === 1 || ackSel === p || (mainGo && sel === p)) {
          if (b.beat[p] === b.nb[p]! - 1) this.drop[p] = 0;
          else if (!mid) { this.drop[p] = od; this.dropOff[p] = (this.offM >> p) & 1; this.dropReq[p] = (this.dupM >> p) & 1 & this.b.req[p]!; }
          bLoad = true;
        }
      }
      const aLoad = a.v[p] === 0 || bLoad;
      if (bLoad) b.take(p, a);
      if (!aLoad) continue;
      if (this.sValid[p]) {
        const pl = rx[p]!;
        const h = pl.cHead & pl.cMask;
        a.v[p] = 1;
        a.buf[p] = pl.cBuf[h]!; a.beat[p] = pl.rdBeat; a.nb[p] = pl.cNb[h]!; a.len[p] = pl.cLen[h]!;
        a.kv[p] = keys.keyValid[p]!; a.ack[p] = keys.isAck[p]!; a.req[p] = keys.isReq[p]!;
        a.kA[p] = keys.kA[p]!; a.kB[p] = keys.kB[p]!; a.kC[p] = keys.kC[p]!;
        pl.pop();
      } else {
        a.v[p] = 0;
        a.buf[p] = null;
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
