// The frame world (native/frame_world.cpp) through koffi: plane switches, endpoints and
// cross-links on the cluster's network model, timed in C++; what switches and endpoints do with
// frames is decided here, in TypeScript. Frames are opaque to the world: a send carries a tag (the
// caller's handle of the frame) and a length; an arrival gives the tag back.
//
//   const w = new FrameWorld({ planes: 3, endpoints: 7, crossLinks: true });
//   w.sendUplink(t, endpoint, plane, tag);           // an endpoint's MAC gets a frame at t (ps)
//   w.sendEgress(t, plane, port, tag);               // a switch sends out of a port at t
//   w.run(limitPs, (a) => ...)                       // arrivals before limitPs, in time order
//
// Sends are queued here and handed over with the next run() (one FFI call per batch, records in
// a shared buffer). Synchronization is conservative (frame_world.cpp): a batch holds every
// arrival in [t0, t0 + lookahead); the caller may then run its own events up to `safePs` and
// send at or after the batch's first arrival time.
import { declareApi } from '../native/ffi.js';
import { libraryPath, type Variant } from '../native/build.js';
import { DEFAULT_NETWORK, type NetworkModel } from './cluster.js';

/** An arrival at a switch's forwarding point (`port`: ingress port) or handed over at an endpoint. */
export const AT_SWITCH = 0;
export const AT_ENDPOINT = 1;

export interface Arrival {
  kind: typeof AT_SWITCH | typeof AT_ENDPOINT;
  /** ps */
  t: number;
  plane: number;
  /** AT_ENDPOINT: the endpoint */
  node: number;
  /** AT_SWITCH: the ingress port: an endpoint 0..E-1, or E + q for the cross-link from switch q.
   *  AT_ENDPOINT: the switch port it left by (= node). */
  port: number;
  tag: number;
  len: number;
}

/** The link and switch part of the cluster's NetworkModel that the frame world uses. */
export type FrameNetwork = Pick<NetworkModel, 'linkGbps' | 'nicTxNs' | 'nicRxNs' | 'cableNs' | 'switchNs' | 'switching' | 'egressBufferBytes'>;

export interface FrameWorldConfig {
  planes: number;
  endpoints: number;
  crossLinks: boolean;
  network?: Partial<FrameNetwork>;
  variant?: Variant;
}

/** The model's figures for one frame on an idle network (ps), as the native world computes them. */
export interface FrameModel {
  wirePs: number;
  /** an endpoint hands the frame to its MAC -> the frame is at the switch's forwarding point */
  upPs: number;
  /** a switch sends on a cross-link -> the frame is at the other switch's forwarding point */
  crossPs: number;
  /** a switch sends towards an endpoint -> the endpoint's MAC hands the frame over */
  downPs: number;
}

type Fn = (...args: unknown[]) => unknown;
interface Api { create: Fn; destroy: Fn; error: Fn; run: Fn; counters: Fn; model: Fn; stats: Fn }
function api(path: string): Api {
  return declareApi(path, 'frame-world', {
    create: 'void *nr_fw_create(const char *config, _Out_ char *err, uint32_t err_cap)',
    destroy: 'void nr_fw_destroy(void *h)',
    error: 'const char *nr_fw_error(void *h)',
    run: 'int64_t nr_fw_run(void *h, const void *sends, uint32_t n_sends, int64_t limit_ps, void *out, uint32_t cap)',
    counters: 'uint32_t nr_fw_counters(void *h, void *out, uint32_t n)',
    model: 'uint32_t nr_fw_model(void *h, uint32_t len, void *out, uint32_t n)',
    stats: 'int64_t nr_fw_stats(void *h, void *buf, uint32_t cap)',
  });
}

const REC_WORDS = 6;
const TWO32 = 2 ** 32;
/** Times at or beyond this are "never" (the native side uses INT64_MAX). */
export const NEVER_PS = Number.MAX_SAFE_INTEGER;
const MIN_FRAME = 60;

export class FrameWorld {
  readonly planes: number;
  readonly endpoints: number;
  readonly crossLinks: boolean;
  readonly network: FrameNetwork;
  private readonly a: Api;
  private h: unknown;
  private sendBuf = new Uint32Array(REC_WORDS * 256);
  private nSends = 0;
  private readonly outCap = 4096;
  private readonly outBuf = new Uint32Array(REC_WORDS * (4096 + 1));
  /** Time up to which (inclusive) the caller may run its own events after the last run(). */
  safePs = 0;
  /** Earliest event still pending in the world after the last run() (NEVER_PS: none). */
  nextPs = NEVER_PS;

  constructor(cfg: FrameWorldConfig) {
    this.planes = cfg.planes;
    this.endpoints = cfg.endpoints;
    this.crossLinks = cfg.crossLinks;
    const d = DEFAULT_NETWORK;
    this.network = {
      linkGbps: d.linkGbps, nicTxNs: d.nicTxNs, nicRxNs: d.nicRxNs, cableNs: d.cableNs, switchNs: d.switchNs,
      switching: d.switching, egressBufferBytes: d.egressBufferBytes, ...(cfg.network ?? {}),
    };
    this.a = api(libraryPath(cfg.variant ?? {}));
    const n = this.network;
    const ps = (ns: number): number => Math.round(ns * 1000);
    const conf: Record<string, string | number> = {
      planes: cfg.planes, endpoints: cfg.endpoints, cross_links: cfg.crossLinks ? 1 : 0, link_gbps: n.linkGbps,
      nic_tx_ps: ps(n.nicTxNs), nic_rx_ps: ps(n.nicRxNs), cable_ps: ps(n.cableNs), switch_ps: ps(n.switchNs),
      cut_through: n.switching === 'cut-through' ? 1 : 0, egress_buffer_bytes: n.egressBufferBytes,
    };
    const err = Buffer.alloc(512);
    this.h = this.a.create(Object.entries(conf).map(([k, v]) => `${k}=${v}`).join(' '), err, err.length);
    if (!this.h) throw new Error(`frame world: ${err.toString('utf8').replace(/\0.*$/s, '')}`);
  }

  private get handle(): unknown {
    if (!this.h) throw new Error('FrameWorld: used after destroy()');
    return this.h;
  }

  /** The switch port of the cross-link towards switch q. */
  crossPort(q: number): number {
    return this.endpoints + q;
  }

  private push(t: number, tag: number, len: number, nodePort: number, kindPlane: number): void {
    if (this.nSends * REC_WORDS === this.sendBuf.length) {
      const b = new Uint32Array(this.sendBuf.length * 2);
      b.set(this.sendBuf);
      this.sendBuf = b;
    }
    const o = this.nSends++ * REC_WORDS;
    const b = this.sendBuf;
    b[o] = t % TWO32;
    b[o + 1] = Math.floor(t / TWO32);
    b[o + 2] = tag;
    b[o + 3] = len;
    b[o + 4] = nodePort;
    b[o + 5] = kindPlane;
  }

  /** Endpoint `node` hands a frame to its MAC on `plane` at t (ps). */
  sendUplink(t: number, node: number, plane: number, tag: number, len = MIN_FRAME): void {
    this.push(t, tag >>> 0, len, node & 0xffff, plane << 8);
  }

  /** Switch `plane` sends a frame out of `port` (an endpoint, or crossPort(q)), ready at t (ps). */
  sendEgress(t: number, plane: number, port: number, tag: number, len = MIN_FRAME): void {
    this.push(t, tag >>> 0, len, (port & 0xffff) << 16, 1 | (plane << 8));
  }

  /**
   * Hands over the queued sends and delivers the next batch of arrivals before limitPs (time
   * order), calling fn for each. Returns how many; sets safePs and nextPs.
   */
  run(limitPs: number, fn: (a: Arrival) => void): number {
    const limit = limitPs >= NEVER_PS ? 2n ** 63n - 1n : BigInt(Math.floor(limitPs));
    const n = Number(this.a.run(this.handle, this.sendBuf, this.nSends, limit, this.outBuf, this.outCap + 1));
    this.nSends = 0;
    if (n < 0) throw new Error(`frame world: ${String(this.a.error(this.handle))}`);
    const o = this.outBuf;
    const t = (lo: number, hi: number): number => (hi >= 0x200000 ? NEVER_PS : hi * TWO32 + lo);
    this.safePs = t(o[0]!, o[1]!);
    this.nextPs = t(o[3]!, o[4]!);
    for (let i = 1; i <= n; i++) {
      const k = i * REC_WORDS;
      const np = o[k + 4]!, kp = o[k + 5]!;
      fn({
        kind: (kp & 0xff) as Arrival['kind'], t: o[k + 1]! * TWO32 + o[k]!, plane: (kp >>> 8) & 0xff,
        node: np & 0xffff, port: np >>> 16, tag: o[k + 2]!, len: o[k + 3]!,
      });
    }
    return n;
  }

  /** Frames that entered a link (each traversal once), cross-link frames, buffer drops, arrivals. */
  counters(): { linkFrames: number; crossFrames: number; bufferDrops: number; atSwitch: number; atEndpoint: number; lookaheadPs: number } {
    const b = new BigUint64Array(6);
    this.a.counters(this.handle, b, 6);
    const v = Array.from(b, Number);
    return { linkFrames: v[0]!, crossFrames: v[1]!, bufferDrops: v[2]!, atSwitch: v[3]!, atEndpoint: v[4]!, lookaheadPs: v[5]! };
  }

  /** The native model's figures for a frame of len bytes (cross-checks the TypeScript arithmetic). */
  model(len = MIN_FRAME): FrameModel {
    const b = new BigInt64Array(4);
    this.a.model(this.handle, len, b, 4);
    const v = Array.from(b, Number);
    return { wirePs: v[0]!, upPs: v[1]!, crossPs: v[2]!, downPs: v[3]! };
  }

  /** Per-link counters, name -> value (plane<p>.e<i>.*, plane<p>.x<q>.*, drop.buffer, ...). */
  stats(): Record<string, number> {
    let buf = Buffer.alloc(1 << 14);
    for (;;) {
      const n = Number(this.a.stats(this.handle, buf, buf.length));
      if (n < 0) { buf = Buffer.alloc(-n * 2); continue; }
      const out: Record<string, number> = {};
      for (const l of buf.toString('utf8', 0, n).split('\n')) {
        const eq = l.indexOf('=');
        if (eq > 0) out[l.slice(0, eq)] = Number(l.slice(eq + 1));
      }
      return out;
    }
  }

  destroy(): void {
    if (!this.h) return;
    this.a.destroy(this.h);
    this.h = undefined;
  }
}
