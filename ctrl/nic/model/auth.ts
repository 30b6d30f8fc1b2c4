// Frame authentication (issue 16; docs/auth.md), mirroring hw/rtl/nicraft_auth_csr.sv (registers and
// the round keys) with the hash keys the RTL keeps in each nicraft_auth_mac (one store here: every
// engine receives the same writes in the same cycle), nicraft_rx_auth.sv (per plane: the MAC's latency as a delay line in front of the RX
// buffer, the verdict and the replay windows) and nicraft_tx_sign.sv (the signing buffer between the TX
// arbiter and the fan-out). The MAC itself is ctrl/wire/auth.ts (bit-exact with nicraft_auth_mac.sv).
import { createHash } from 'node:crypto';
import { FrameKey, hashKeyBytes } from '../../wire/auth.js';
import * as M_wire_gen from '../../wire/wire.gen.js';
const { Csr, DropReason, MsgType, ETHERTYPE, HDR_BYTES, BEAT_BYTES } = M_wire_gen;

export const MAC_LATENCY = 13;
/** tags computed, by key digest and frame without its ICV (AuthCsr.tag) */
const TAG_MEMO = new Map<string, Uint8Array>();
export const REPLAY_WINDOW = 32;
const ICV_OFF = 52;
const D_NO_KEY: number = DropReason.NO_KEY, D_AUTH_FAIL: number = DropReason.AUTH_FAIL, D_REPLAY: number = DropReason.REPLAY;
const T_REQ: number = MsgType.REQ, T_REPLY: number = MsgType.REPLY;
const ETH: number = ETHERTYPE, HDR: number = HDR_BYTES, BEAT: number = BEAT_BYTES;

/** Client class (REQ, REPLY: the client key) or node class (every other type). */
export const frameClass = (type: number): number => (type === T_REQ || type === T_REPLY ? 1 : 0);

/** The 16-byte nonce of a frame (docs/auth.md): class, key id byte, src_node, 0, client_id, pn, 0, 0. */
export function frameNonce(f: Uint8Array): Uint8Array {
  const n = new Uint8Array(16);
  n[0] = frameClass(f[15]!);
  n[1] = f[44]!;
  n[2] = f[19]!;
  n.set(f.subarray(34, 38), 4);
  n.set(f.subarray(46, 52), 8);
  return n;
}

/** The frame as the MAC covers it: its ICV bytes zero. */
export function macInput(f: Uint8Array): Uint8Array {
  const m = f.slice();
  m.fill(0, ICV_OFF, ICV_OFF + 8);
  return m;
}

/** A nicraft frame with a whole header: checked on receive, signed on transmit. */
export const authCovered = (f: Uint8Array): boolean => f.length >= HDR && ((f[12]! << 8) | f[13]!) === ETH;

/** nicraft_auth_csr: the AUTH_* registers (write-only) and the four key contexts. */
export class AuthCsr {
  authEn = false;
  keyValid = 0;
  txKid = 0;
  keyAddr = 0;
  pnLo = 0;
  /** registered strobes of the last cycle's writes (the RTL's pn_load_reg, replay_clear_reg) */
  pnLoad = false;
  pnValue = 0;
  replayClear = 0;
  private pnLoadNext = false;
  private pnValueNext = 0;
  private replayClearNext = 0;
  /** per context: round keys (176 bytes), hash key words as bytes */
  readonly rk: Uint8Array[] = [];
  readonly hk: Uint8Array[] = [];
  private readonly cache: Array<FrameKey | null> = [null, null, null, null];
  /** per context: a digest of its key material (the tag memo's key; set with the FrameKey) */
  private readonly fp: string[] = ['', '', '', ''];
  private readonly tkWords: number;

  constructor(readonly maxBeats: number) {
    this.tkWords = Math.ceil((maxBeats * 512 + 63) / 32);
    for (let c = 0; c < 4; c++) {
      this.rk.push(new Uint8Array(176));
      this.hk.push(new Uint8Array(this.tkWords * 4));
    }
  }

  reset(): void {
    this.authEn = false;
    this.keyValid = 0;
    this.txKid = 0;
    this.keyAddr = 0;
    this.pnLoad = this.pnLoadNext = false;
    this.replayClear = this.replayClearNext = 0;
  }

  /** Whether the address is one of ours (the write is then ours alone). */
  static owns(addr: number): boolean {
    return addr >= Csr.RAFT_AUTH_EN && addr <= Csr.RAFT_AUTH_REPLAY_CLEAR;
  }

  write(addr: number, v: number): void {
    switch (addr) {
      case Csr.RAFT_AUTH_EN: this.authEn = (v & 1) === 1; break;
      case Csr.RAFT_AUTH_KEY_VALID: this.keyValid = v & 0xf; break;
      case Csr.RAFT_AUTH_TX_KID: this.txKid = v & 1; break;
      case Csr.RAFT_AUTH_KEY_ADDR: this.keyAddr = v & 0x3fff; break;
      case Csr.RAFT_AUTH_KEY_DATA: {
        const ctx = (this.keyAddr >> 12) & 3, w = this.keyAddr & 0xfff;
        const put = (b: Uint8Array, off: number): void => { b[off] = v & 0xff; b[off + 1] = (v >>> 8) & 0xff; b[off + 2] = (v >>> 16) & 0xff; b[off + 3] = v >>> 24; };
        if (w < 44) { put(this.rk[ctx]!, 4 * w); this.cache[ctx] = null; }
        else if (w >= 64 && w < 64 + this.tkWords) { put(this.hk[ctx]!, 4 * (w - 64)); this.cache[ctx] = null; }
        this.keyAddr = (this.keyAddr + 1) & 0x3fff;
        break;
      }
      case Csr.RAFT_AUTH_TX_PN_LO: this.pnLo = v >>> 0; break;
      case Csr.RAFT_AUTH_TX_PN_HI: this.pnLoadNext = true; this.pnValueNext = (v & 0xffff) * 4294967296 + (this.pnLo >>> 0); break;
      case Csr.RAFT_AUTH_REPLAY_CLEAR: this.replayClearNext = v & 0xff; break;
      default: break;
    }
  }

  /** The clock edge of the strobe registers (after this cycle's write, if any, was applied). */
  latch(): void {
    this.pnLoad = this.pnLoadNext;
    this.pnValue = this.pnValueNext;
    this.replayClear = this.replayClearNext;
    this.pnLoadNext = false;
    this.replayClearNext = 0;
  }

  /** Nothing pending (strobes down). */
  idle(): boolean {
    return !this.pnLoad && !this.pnLoadNext && this.replayClear === 0 && this.replayClearNext === 0;
  }

  key(ctx: number): FrameKey {
    let k = this.cache[ctx];
    if (!k) {
      k = new FrameKey(this.rk[ctx]!, this.hk[ctx]!.subarray(0, hashKeyBytes(this.maxBeats)), this.maxBeats);
      this.cache[ctx] = k;
      this.fp[ctx] = createHash('sha256').update(this.rk[ctx]!).update(k.hashKey).update(`${this.maxBeats}`).digest('base64');
    }
    return k;
  }

  /** The tag of a frame under context ctx (8 bytes). */
  tag(ctx: number, frame: Uint8Array): Uint8Array {
    const k = this.key(ctx);
    // A simulation shortcut, not the hardware's: the tag is a pure function of the key material and
    // the frame without its ICV bytes, and a frame is checked by every receiver on every plane with
    // the same keys, so tags are remembered across NICs (bounded; the fault campaigns spent a third
    // of their time here with authentication on).
    const b = Buffer.from(frame.buffer, frame.byteOffset, frame.length);
    const id = `${this.fp[ctx]}${b.toString('base64', 0, ICV_OFF)}:${b.toString('base64', ICV_OFF + 8)}`;
    const hit = TAG_MEMO.get(id);
    if (hit) return hit.slice();
    const t = k.tag(macInput(frame), frameNonce(frame));
    if (TAG_MEMO.size >= 8192) TAG_MEMO.clear();
    TAG_MEMO.set(id, t.slice());
    return t;
  }
}

/** One wire beat in the delay line. */
interface LineBeat { buf: Uint8Array; k: number; macError: boolean }

/** nicraft_rx_auth: a plane's delay line, verdict and replay windows. */
export class RxAuth {
  private readonly line: Array<LineBeat | null> = new Array<LineBeat | null>(MAC_LATENCY).fill(null);
  private pos = 0;
  private inLine = 0;
  /** step()'s answer: one object, overwritten by every step (the caller reads it at once; no allocation per beat) */
  private readonly res: { beat: LineBeat | null; drop: number } = { beat: null, drop: 0 };
  readonly top: Float64Array;
  readonly seen: Uint32Array;

  constructor(readonly maxNodes: number) {
    this.top = new Float64Array(maxNodes);
    this.seen = new Uint32Array(maxNodes);
  }

  reset(): void {
    this.line.fill(null);
    this.inLine = 0;
    this.top.fill(0);
    this.seen.fill(0);
  }

  idle(): boolean { return this.inLine === 0; }

  /**
   * A clock edge: the beat on the wire this cycle enters (or null), the beat that entered MAC_LATENCY
   * cycles ago leaves, with its verdict if it is its frame's last (the registers as they are this cycle).
   * The answer is valid until the next step.
   */
  step(inBeat: LineBeat | null, a: AuthCsr): { beat: LineBeat | null; drop: number } {
    const out = this.line[this.pos]!;
    this.line[this.pos] = inBeat;
    this.pos = this.pos + 1 === MAC_LATENCY ? 0 : this.pos + 1;
    if (inBeat) this.inLine++;
    if (out) this.inLine--;
    const clr = a.replayClear;
    if (!a.authEn) {
      // AUTH_EN off: straight through (the line keeps shifting, its output unused)
      if (clr !== 0) this.clear(clr);
      const r = this.res;
      r.beat = inBeat;
      r.drop = 0;
      return r;
    }
    let drop = 0;
    if (out) {
      const f = out.buf;
      const last = (out.k + 1) * BEAT >= f.length;
      if (last && authCovered(f)) {
        const cls = frameClass(f[15]!);
        const ctx = 2 * cls + (f[44]! & 1);
        const src = f[19]!;
        const node = cls === 0 && src < this.maxNodes;
        let fresh = true, above = false, ahead = 0, behind = 0;
        const pn = ((f[46]! << 8) | f[47]!) * 4294967296 + (((f[48]! << 24) | (f[49]! << 16) | (f[50]! << 8) | f[51]!) >>> 0);
        if (node) {
          const top = this.top[src]!;
          above = pn > top;
          ahead = pn - top;
          behind = top - pn;
          fresh = above || (behind < REPLAY_WINDOW && ((this.seen[src]! >>> behind) & 1) === 0);
        }
        if (((a.keyValid >> ctx) & 1) === 0) drop = D_NO_KEY;
        else {
          const t = a.tag(ctx, f);
          let ok = true;
          for (let i = 0; i < 8; i++) if (t[i] !== f[ICV_OFF + i]) { ok = false; break; }
          if (!ok) drop = D_AUTH_FAIL;
          else if (node && !fresh) drop = D_REPLAY;
        }
        if (drop === 0 && node && !out.macError) {
          if (above) {
            this.top[src] = pn;
            this.seen[src] = ((ahead >= REPLAY_WINDOW ? 0 : (this.seen[src]! << ahead) >>> 0) | 1) >>> 0;
          } else {
            this.seen[src] = (this.seen[src]! | (1 << behind)) >>> 0;
          }
        }
      }
    }
    if (clr !== 0) this.clear(clr);
    const r = this.res;
    r.beat = out;
    r.drop = drop;
    return r;
  }

  private clear(mask: number): void {
    for (let n = 0; n < this.maxNodes; n++) if ((mask >> n) & 1) { this.top[n] = 0; this.seen[n] = 0; }
  }
}

interface SignBeat { buf: Uint8Array | null; last: boolean; shared: boolean }

/** nicraft_tx_sign: the signing buffer (beats in order), the tags' arrival times, the packet number. */
export class TxSign {
  readonly depth: number;
  private readonly beats: SignBeat[] = [];
  /** per frame in the buffer (or in the engine): the cycle from which its tag counts (tags_reg) */
  private readonly tagAt: number[] = [];
  private inFrame = false;
  private outFrame = false;
  pn = 0;
  /** the frame being accepted: signed, its class and key id (taken at its first beat) and packet number */
  private fSign = false;
  private fKid = 0;
  private fPn = 0;

  constructor(maxBeats: number) {
    let d = 1;
    while (d < MAC_LATENCY + maxBeats + 2) d *= 2;
    this.depth = d;
  }

  reset(): void {
    this.beats.length = 0;
    this.tagAt.length = 0;
    this.inFrame = this.outFrame = false;
    this.pn = 0;
  }

  idle(): boolean { return this.beats.length === 0 && this.tagAt.length === 0; }

  /** s_axis_tready (start of the cycle). */
  ready(): boolean { return this.beats.length !== this.depth; }

  /** m_axis_tvalid at cycle t (start of the cycle). */
  outValid(t: number): boolean {
    if (this.beats.length === 0) return false;
    return this.outFrame || (this.tagAt.length !== 0 && this.tagAt[0]! <= t);
  }

  /** The head beat leaves (to the fan-out): its frame bytes on its last beat, whether they are shared. */
  pop(): SignBeat {
    const b = this.beats.shift()!;
    if (!this.outFrame) this.tagAt.shift();
    this.outFrame = !b.last;
    return b;
  }

  /**
   * A beat from the TX arbiter at cycle t (buf: the frame on its last beat). first-beat fields come from
   * the frame itself (the model holds whole frames): the packet number is taken at the first beat.
   */
  accept(t: number, buf: Uint8Array | null, lastBeat: boolean, shared: boolean, a: AuthCsr, peek: Uint8Array | null): void {
    if (!this.inFrame) {
      // the first beat: its header decides (peek: the frame, when the model holds it already; a frame
      // of the NIC's own FIFOs still being written is a nicraft frame of at least a header)
      this.fSign = a.authEn && (peek ? authCovered(peek) : true);
      this.fKid = a.txKid;
      this.fPn = this.pn;
      if (this.fSign && !a.pnLoad) this.pn = this.pn + 1 >= 2 ** 48 ? 0 : this.pn + 1;
    }
    if (a.pnLoad) this.pn = a.pnValue;
    this.inFrame = !lastBeat;
    let out = buf;
    let sh = shared;
    if (lastBeat && buf && this.fSign) {
      const f = buf.slice();
      f[44] = this.fKid;
      const pn = this.fPn;
      const hi = Math.floor(pn / 4294967296), lo = pn >>> 0;
      f[46] = (hi >>> 8) & 0xff; f[47] = hi & 0xff;
      f[48] = lo >>> 24; f[49] = (lo >>> 16) & 0xff; f[50] = (lo >>> 8) & 0xff; f[51] = lo & 0xff;
      f.fill(0, ICV_OFF, ICV_OFF + 8);
      f.set(a.tag(2 * frameClass(f[15]!) + this.fKid, f), ICV_OFF);
      out = f;
      sh = false;
    }
    this.beats.push({ buf: out, last: lastBeat, shared: sh });
    if (lastBeat) this.tagAt.push(t + MAC_LATENCY + 1);
  }

  /** A cycle without an accepted beat: the packet number load still happens. */
  idleCycle(a: AuthCsr): void {
    if (a.pnLoad) this.pn = a.pnValue;
  }
}
