// The network planes of a daemon: one UDP socket per plane, standing in for the NIC's plane ports.
//
// * A datagram received on plane p's socket is one frame for the NIC's plane p RX port.
// * A frame the NIC sends on plane p goes, by its destination MAC, to:
//     the group MAC (MAC_GROUP)       -> every other member's plane-p endpoint;
//     a node MAC (MAC_NODE_PREFIX+n)  -> member n's plane-p endpoint;
//     a client MAC (MAC_CLIENT_PREFIX+c) -> the address client c last sent from (learned from the
//       frames clients send; a client that never sent is unreachable and the frame is counted).
// * A plane can be blocked (drills and tests: POST /debug/planes): frames in and out of it are
//   dropped and counted, as if its link were cut.
// * Every datagram passes a filter first (PlaneNet.classify; the same rules as the kernel filter of
//   sockfilter.ts, which drops most junk before it reaches the process): what fails it is dropped
//   and counted per reason; what passes waits in a bounded queue of its class until the driver
//   takes it (take(): control messages first, then replication frames, then client requests, each
//   with a budget per turn).
// * Bundles (net.bundleBytes, default 1472): the frames for one destination (a member's endpoint
//   of a plane, or a client's address) in one driver turn go out as one datagram, frames back to
//   back, each self-delimiting by its header's payload length; a datagram of several frames passes
//   the filter only when every frame does and they fill it exactly (the kernel filter checks each
//   frame the same way). On loopback a datagram costs the sender the receiver's wake-up, so the
//   leader's sends were its largest cost (docs/deploying.md §10).
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIPv4 } from 'node:net';
import { ETHERTYPE, HDR_BYTES, MAC_CLIENT_PREFIX, MAC_GROUP, MAC_NODE_PREFIX, MIN_FRAME_BYTES, MsgType as W, WIRE_VERSION } from '../wire/wire.gen.js';
import { formatEndpoint, type Endpoint, type MemberConfig } from './config.js';

/** Why a datagram was dropped before it reached the NIC (the metric's `reason` label). */
export const RX_DROP_REASONS = [
  'short', 'oversize', 'bad_ethertype', 'bad_version', 'bad_cluster', 'bad_type', 'bad_length',
  'bad_destination', 'bad_source_mac', 'not_member', 'wrong_source_address', 'unexpected_type',
  'overload_control', 'overload_replication', 'overload_client',
] as const;
export type RxDropReason = (typeof RX_DROP_REASONS)[number];
const R = Object.fromEntries(RX_DROP_REASONS.map((r, i) => [r, i])) as Record<RxDropReason, number>;

/** Classes of accepted datagrams, in the order the driver takes them (`class` label). */
export const RX_CLASSES = ['control', 'replication', 'client'] as const;
export type RxClass = (typeof RX_CLASSES)[number];
export const CLASS_CONTROL = 0, CLASS_REPLICATION = 1, CLASS_CLIENT = 2;
/** Datagrams waiting per plane and class; beyond this they are dropped as overload_<class>. */
export const RX_QUEUE_CAP = [1024, 4096, 2048] as const;

export interface PlaneStats {
  plane: number;
  blocked: boolean;
  /** datagrams accepted (passed the filter and queued for the NIC) */
  rxFrames: number;
  txFrames: number;
  /** datagrams sent (a bundle to a client carries several frames) */
  txDatagrams: number;
  /** frames sent in bundles of more than one frame */
  txBundled: number;
  /** datagrams received that carried more than one frame (accepted) */
  rxBundles: number;
  /** frames to a client not sent again: the same frame was already queued for the same address in this turn (its other plane's copy) */
  txSameRoute: number;
  rxBlocked: number;
  txBlocked: number;
  /** frames to a client whose address is not known, or to an unknown node */
  txNoRoute: number;
  txErrors: number;
  /** datagrams dropped by the filter, per reason (RX_DROP_REASONS) */
  rxDropped: Record<RxDropReason, number>;
  /** datagrams accepted per class (RX_CLASSES) */
  rxAccepted: Record<RxClass, number>;
  /** datagrams waiting per class */
  rxQueued: Record<RxClass, number>;
  /** per peer node id: wall-clock ms of the last frame received from it on this plane */
  lastRxMs: Record<number, number>;
}

/** A socket could not be bound (the CLI reports the field and exits 2). */
export class BindError extends Error {
  constructor(readonly field: string, readonly endpoint: string, readonly code: string | undefined, message: string) {
    super(message);
    this.name = 'BindError';
  }
}

const CLIENT_CAP = 65_536;

/**
 * The sockets' address lookup: an IPv4 literal (what the configs hold) is answered at once, in the
 * same call (Node's default lookup answers a literal in a later tick: a nextTick per datagram sent).
 */
export function literalLookup(host: string, family: unknown, cb: (err: Error | null, address: string, family: number) => void): void {
  if (isIPv4(host)) { cb(null, host, 4); return; }
  dnsLookup(host, 4, (err, address) => cb(err, address, 4));
}

/** Binds a UDP socket exclusively (receive buffer: recvBufferBytes asked); rejects with a BindError naming the field. */
export function bindUdp(e: Endpoint, field: string, recvBufferBytes = 4 << 20): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: 'udp4', reuseAddr: false, lookup: literalLookup });
    const onError = (err: NodeJS.ErrnoException): void => {
      s.close();
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : err.code === 'EADDRNOTAVAIL' ? 'is not an address of this machine' : `cannot be bound (${err.message})`;
      reject(new BindError(field, formatEndpoint(e), err.code, `${field}: UDP ${formatEndpoint(e)} ${why}`));
    };
    s.once('error', onError);
    s.bind({ port: e.port, address: e.host, exclusive: true }, () => {
      s.off('error', onError);
      try {
        s.setRecvBufferSize(recvBufferBytes);
        s.setSendBufferSize(4 << 20);
      } catch { /* the kernel's limits apply */ }
      resolve(s);
    });
  });
}

/**
 * The frames of a datagram: one frame, or a bundle (frames back to back, each max(MIN_FRAME_BYTES, HDR_BYTES +
 * payload_len) bytes by its header). Undefined when the lengths do not add up to the datagram's
 * (a short or truncated frame): the caller drops the whole datagram.
 */
export function splitFrames(d: Uint8Array): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < d.length) {
    if (d.length - off < HDR_BYTES) return undefined;
    const len = frameBytesAt(d, off);
    if (off + len > d.length) return undefined;
    out.push(d.subarray(off, off + len));
    off += len;
  }
  return out.length ? out : undefined;
}

/** The length of the frame whose header starts at `off`: header and payload (its payload_len), at least a minimum frame. */
export function frameBytesAt(d: Uint8Array, off: number): number {
  const plen = (d[off + 42]! << 8) | d[off + 43]!;
  return plen + HDR_BYTES < MIN_FRAME_BYTES ? MIN_FRAME_BYTES : plen + HDR_BYTES;
}

function mac(b: Uint8Array, off: number): number {
  return b[off]! * 2 ** 40 + b[off + 1]! * 2 ** 32 + ((b[off + 2]! << 24) >>> 0) + (b[off + 3]! << 16) + (b[off + 4]! << 8) + b[off + 5]!;
}

/** What the filter needs to know about the cluster. */
export interface PlaneFilter {
  clusterId: number;
  /** the NIC's largest payload (frames with a longer one are dropped as bad_length) */
  maxPayload: number;
  /** the largest bundle of frames in one datagram, sent and accepted (default DEFAULT_BUNDLE_BYTES; 0: none) */
  bundleBytes?: number;
}

/** A datagram a plane's socket delivered and the filter accepted, kept by PlaneNet.enableCapture (debug.frameInjection). */
export interface CapturedDatagram {
  address: string;
  port: number;
  atMs: number;
  /** a copy of the datagram (one frame, or a bundle) */
  datagram: Uint8Array;
}

/** Datagrams kept per plane by the capture (the most recent ones). */
export const CAPTURE_DATAGRAMS = 256;

/** A bundle fits an Ethernet MTU of 1500 (IPv4 and UDP headers: 28 bytes): no IP fragments. */
export const DEFAULT_BUNDLE_BYTES = 1472;

interface OutQueue {
  sock: Socket;
  st: PlaneStats;
  frames: Uint8Array[];
  bytes: number;
}

/**
 * The sockets of a node's planes, with the filter every datagram passes before any other work:
 * a few comparisons of its header (the NIC's own stateless checks: length, ethertype, version,
 * cluster, type, payload length), its destination (this node or the group), and its source: a
 * frame with a node's source MAC must come from that member's endpoint of this plane (address and
 * port) and carry its id; a frame with a client's source MAC must be a REQ. Anything else is
 * dropped and counted per reason. Accepted frames wait in one bounded queue per class (control
 * messages, replication frames from members, client requests); the driver takes them in that order
 * with a budget per turn (take()), so a flood of requests cannot delay the cluster's own traffic,
 * and a queue that is full drops (overload_<class>) rather than grow.
 */
export class PlaneNet {
  readonly stats: PlaneStats[];
  private readonly peers: Map<number, Endpoint[]>;
  private readonly clients = new Map<number, { address: string; port: number }>();
  private readonly drops: Uint32Array[];
  private readonly accepted: Uint32Array[];
  /** per plane, per class: queued datagrams */
  private readonly queues: Uint8Array[][][];
  /** per plane, per member id (index): the member's endpoint on that plane as "address:port" and its port */
  private readonly memberAddr: Array<Array<{ address: string; port: number } | undefined>>;
  private readonly selfMac: number;
  private queuedTotal = 0;
  private closed = false;
  /** frames waiting for the end of this turn, per destination address and port (queueOut) */
  private readonly outQueues = new Map<string, Map<number, OutQueue>>();
  private flushQueued = false;
  /** the largest bundle datagram sent, and accepted (bytes; 0: one frame per datagram) */
  readonly bundleBytes: number;
  /** the longest datagram accepted: a largest frame, or a bundle */
  private readonly maxDatagram: number;
  /** called when a datagram was queued (the driver schedules a turn) */
  onReadable?: () => void;
  onError?: (plane: number, err: Error) => void;

  constructor(readonly selfId: number, members: MemberConfig[], private readonly sockets: Socket[], private readonly filter: PlaneFilter) {
    this.bundleBytes = filter.bundleBytes ?? DEFAULT_BUNDLE_BYTES;
    this.maxDatagram = Math.max(HDR_BYTES + filter.maxPayload, this.bundleBytes);
    this.peers = new Map(members.filter((m) => m.id !== selfId).map((m) => [m.id, m.planes]));
    this.selfMac = MAC_NODE_PREFIX + selfId;
    this.drops = sockets.map(() => new Uint32Array(RX_DROP_REASONS.length));
    this.accepted = sockets.map(() => new Uint32Array(RX_CLASSES.length));
    this.queues = sockets.map(() => RX_CLASSES.map(() => []));
    this.memberAddr = sockets.map((_, plane) => {
      const a: Array<{ address: string; port: number } | undefined> = [];
      for (const m of members) if (m.id !== selfId) a[m.id] = { address: m.planes[plane]!.host, port: m.planes[plane]!.port };
      return a;
    });
    this.stats = sockets.map((_, plane) => ({
      plane, blocked: false, rxFrames: 0, txFrames: 0, txDatagrams: 0, txBundled: 0, rxBundles: 0, txSameRoute: 0, rxBlocked: 0, txBlocked: 0, txNoRoute: 0, txErrors: 0, lastRxMs: {},
      rxDropped: {} as Record<RxDropReason, number>, rxAccepted: {} as Record<RxClass, number>, rxQueued: {} as Record<RxClass, number>,
    }));
    sockets.forEach((s, plane) => {
      s.on('message', (msg, rinfo) => this.receive(plane, msg, rinfo.address, rinfo.port));
      s.on('error', (err) => this.onError?.(plane, err));
    });
  }

  get planes(): number {
    return this.sockets.length;
  }

  setBlocked(plane: number, blocked: boolean): void {
    this.stats[plane]!.blocked = blocked;
  }

  /** The socket of a plane: its receive buffer as the kernel granted it (bytes) and the datagrams waiting in Node's send queue. */
  socketInfo(plane: number): { recvBufferBytes: number | null; sendQueueDatagrams: number | null } {
    const s = this.sockets[plane]!;
    let recvBufferBytes: number | null = null, sendQueueDatagrams: number | null = null;
    try { recvBufferBytes = s.getRecvBufferSize(); } catch { /* closed */ }
    try { sendQueueDatagrams = s.getSendQueueCount(); } catch { /* closed */ }
    return { recvBufferBytes, sendQueueDatagrams };
  }

  knownClients(): number {
    return this.clients.size;
  }

  /** The stats with the drop and class counters filled in. */
  snapshot(): PlaneStats[] {
    return this.stats.map((s, p) => ({
      ...s,
      lastRxMs: { ...s.lastRxMs },
      rxDropped: Object.fromEntries(RX_DROP_REASONS.map((r, i) => [r, this.drops[p]![i]!])) as Record<RxDropReason, number>,
      rxAccepted: Object.fromEntries(RX_CLASSES.map((c, i) => [c, this.accepted[p]![i]!])) as Record<RxClass, number>,
      rxQueued: Object.fromEntries(RX_CLASSES.map((c, i) => [c, this.queues[p]![i]!.length])) as Record<RxClass, number>,
    }));
  }

  /** Datagrams waiting in the queues. */
  get queued(): number {
    return this.queuedTotal;
  }

  /**
   * Takes at most budget[c] datagrams of each class c (over all planes, the planes in turn), in
   * class order; returns them per plane, in the order taken.
   */
  take(budget: readonly number[]): Uint8Array[][] {
    const out: Uint8Array[][] = this.sockets.map(() => []);
    for (let c = 0; c < RX_CLASSES.length; c++) {
      let left = budget[c]!;
      let any = true;
      while (left > 0 && any) {
        any = false;
        for (let p = 0; p < this.queues.length && left > 0; p++) {
          const q = this.queues[p]![c]!;
          if (q.length === 0) continue;
          const n = Math.min(q.length, Math.max(1, Math.floor(left / this.queues.length)));
          for (let k = 0; k < n; k++) out[p]!.push(q[k]!);
          this.queues[p]![c] = n === q.length ? [] : q.slice(n);
          left -= n;
          this.queuedTotal -= n;
          any = true;
        }
      }
    }
    return out;
  }

  /**
   * The filter's verdict on a datagram (no side effect): its class (>= 0), or -1 - the index of the
   * drop reason in RX_DROP_REASONS. The queues' room is not looked at here.
   */
  classify(plane: number, msg: Uint8Array, address: string, port: number, frames?: number[]): number {
    const len = msg.length;
    // the NIC's stateless header checks, in its order (docs/wire-format.md, drop reasons)
    if (len < HDR_BYTES) return -1 - R.short;
    if (len > this.maxDatagram) return -1 - R.oversize;
    // one frame, or (bundleBytes > 0) frames back to back that fill the datagram: every one must pass
    let first = -1;
    for (let off = 0; off < len;) {
      if (len - off < HDR_BYTES) return -1 - R.bad_length;
      const flen = frameBytesAt(msg, off);
      const c = this.classifyFrame(plane, msg, off, len, flen, address, port);
      if (c < 0) return c;
      frames?.push(off, flen, c);
      if (first < 0) first = c;
      off += flen;
    }
    return first;
  }

  /** The checks of one frame at `off` (`want` bytes by its header) of a datagram of `len` bytes (at least a header left): its class, or -1 - the drop reason. */
  private classifyFrame(plane: number, msg: Uint8Array, off: number, len: number, want: number, address: string, port: number): number {
    if (((msg[off + 12]! << 8) | msg[off + 13]!) !== ETHERTYPE) return -1 - R.bad_ethertype;
    if (msg[off + 14] !== WIRE_VERSION) return -1 - R.bad_version;
    if (((msg[off + 16]! << 8) | msg[off + 17]!) !== this.filter.clusterId) return -1 - R.bad_cluster;
    const type = msg[off + 15]!;
    if (type < W.REQ || type > W.CONTROL) return -1 - R.bad_type;
    const plen = (msg[off + 42]! << 8) | msg[off + 43]!;
    // a single frame fills the datagram; a frame of a bundle fits in what is left
    if (plen > this.filter.maxPayload || (this.bundleBytes > 0 ? off + want > len : want !== len)) return -1 - R.bad_length;
    const dst = mac(msg, off);
    if (dst !== this.selfMac && dst !== MAC_GROUP) return -1 - R.bad_destination;
    const src = mac(msg, off + 6);
    if (src >= MAC_NODE_PREFIX && src < MAC_NODE_PREFIX + 0x100) {
      // a member: only from its own endpoint on this plane, with its own id in the header
      const id = src - MAC_NODE_PREFIX;
      const ep = this.memberAddr[plane]![id];
      if (!ep || msg[off + 19] !== id) return -1 - R.not_member;
      if (ep.port !== port || ep.address !== address) return -1 - R.wrong_source_address;
      if (type === W.CONTROL) return CLASS_CONTROL;
      if (type === W.APPEND || type === W.ACK || type === W.NACK || type === W.HEARTBEAT) return CLASS_REPLICATION;
      return -1 - R.unexpected_type;
    }
    if (src >= MAC_CLIENT_PREFIX && src < MAC_CLIENT_PREFIX + 0x1000000) {
      // a client: requests only, its id (not 0) in the header
      if (type !== W.REQ) return -1 - R.unexpected_type;
      const id = src - MAC_CLIENT_PREFIX;
      if (msg[off + 19] !== 0xff || ((msg[off + 34]! << 24) | (msg[off + 35]! << 16) | (msg[off + 36]! << 8) | msg[off + 37]!) >>> 0 !== id || id === 0) return -1 - R.bad_source_mac;
      return CLASS_CLIENT;
    }
    return -1 - R.bad_source_mac;
  }

  private readonly scratch: number[] = [];

  /** debug.frameInjection: per plane, the last CAPTURE_DATAGRAMS datagrams that came from the socket and passed the filter (undefined: off) */
  private captures?: CapturedDatagram[][];

  /** Keeps a copy of the last CAPTURE_DATAGRAMS datagrams each plane's socket delivered and the filter accepted (captured()). */
  enableCapture(): void {
    this.captures ??= this.sockets.map(() => []);
  }

  /** The datagrams captured on a plane, oldest first (empty unless enableCapture was called). */
  captured(plane: number): CapturedDatagram[] {
    if (plane < 0 || plane >= this.sockets.length || !Number.isInteger(plane)) throw new RangeError(`plane ${plane} is not a plane (0..${this.sockets.length - 1})`);
    return this.captures?.[plane]?.slice() ?? [];
  }

  /**
   * Hands a datagram to a plane's receive path as if its socket had delivered it from
   * `address:port` (debug.frameInjection: a network attacker who can forge UDP source addresses, as
   * anyone on an Ethernet segment can). Everything a datagram from the socket goes through follows:
   * the blocked plane, the filter (with the claimed source), the class queues, the NIC. Only the
   * kernel filter (the same rules as the daemon's, test/deploy/planes.test.ts) is not on this path.
   * Returns the filter's verdict (classify()); 'blocked' when the plane is blocked.
   */
  inject(plane: number, msg: Uint8Array, address: string, port: number): number | 'blocked' {
    if (plane < 0 || plane >= this.sockets.length || !Number.isInteger(plane)) throw new RangeError(`plane ${plane} is not a plane (0..${this.sockets.length - 1})`);
    if (this.closed) throw new Error('the planes are closed');
    return this.receive(plane, Buffer.from(msg), address, port, false);
  }

  private receive(plane: number, msg: Buffer, address: string, port: number, fromSocket = true): number | 'blocked' {
    const st = this.stats[plane]!;
    if (st.blocked) { st.rxBlocked++; return 'blocked'; }
    const fr = this.scratch;
    fr.length = 0;
    const verdict = this.classify(plane, msg, address, port, fr);
    if (verdict < 0) { this.drops[plane]![-1 - verdict]!++; return verdict; }
    if (fromSocket && this.captures) {
      const c = this.captures[plane]!;
      if (c.length >= CAPTURE_DATAGRAMS) c.shift();
      c.push({ address, port, atMs: Date.now(), datagram: Uint8Array.from(msg) });
    }
    let queued = 0;
    for (let k = 0; k < fr.length; k += 3) {
      const off = fr[k]!, flen = fr[k + 1]!, cls = fr[k + 2]!;
      const q = this.queues[plane]![cls]!;
      if (q.length >= RX_QUEUE_CAP[cls]!) { this.drops[plane]![R.overload_control + cls]!++; continue; }
      if (cls === CLASS_CLIENT) {
        // the client's address is learned (its replies go there)
        const id = mac(msg, off + 6) - MAC_CLIENT_PREFIX;
        const known = this.clients.get(id);
        if (!known || known.port !== port || known.address !== address) {
          if (!known && this.clients.size >= CLIENT_CAP) this.clients.delete(this.clients.keys().next().value!);
          this.clients.set(id, { address, port });
        }
      } else {
        st.lastRxMs[msg[off + 19]!] = Date.now();
      }
      st.rxFrames++;
      this.accepted[plane]![cls]!++;
      // a plain Uint8Array over the frame: a Buffer's slice() is a view, not a copy, and the NIC
      // models and the core copy frames with slice() (a Buffer frame would be changed in place)
      q.push(new Uint8Array(msg.buffer, msg.byteOffset + off, flen));
      this.queuedTotal++;
      queued++;
    }
    if (fr.length > 3) st.rxBundles++;
    if (queued) this.onReadable?.();
    return verdict;
  }

  /** Sends a frame the NIC put on `plane`, by its destination MAC. */
  send(plane: number, frame: Uint8Array): void {
    if (this.closed) return;
    const st = this.stats[plane]!;
    if (st.blocked) { st.txBlocked++; return; }
    const dst = mac(frame, 0);
    const sock = this.sockets[plane]!;
    if (dst === MAC_GROUP) {
      for (const eps of this.peers.values()) this.toMember(sock, st, frame, eps[plane]!.port, eps[plane]!.host);
    } else if (dst >= MAC_NODE_PREFIX && dst < MAC_NODE_PREFIX + 0x100) {
      const eps = this.peers.get(dst - MAC_NODE_PREFIX);
      if (eps) this.toMember(sock, st, frame, eps[plane]!.port, eps[plane]!.host);
      else st.txNoRoute++;
    } else if (dst >= MAC_CLIENT_PREFIX && dst < MAC_CLIENT_PREFIX + 0x1000000) {
      const c = this.clients.get(dst - MAC_CLIENT_PREFIX);
      if (c) this.queueOut(sock, st, frame, c.port, c.address, true);
      else st.txNoRoute++;
    } else {
      st.txNoRoute++;
    }
  }

  /** A frame for a member's endpoint: bundled with the others for it in this turn (bundleBytes > 0), else sent at once. */
  private toMember(sock: Socket, st: PlaneStats, frame: Uint8Array, port: number, host: string): void {
    if (this.bundleBytes > 0) { this.queueOut(sock, st, frame, port, host, false); return; }
    st.txFrames++;
    st.txDatagrams++;
    sock.send(frame, port, host, (err) => {
      if (err) st.txErrors++;
    });
  }

  /**
   * A frame queued per destination address and port and sent, with the other frames for that
   * destination queued in this turn, as one bundle datagram (frames back to back, each
   * self-delimiting by its header's payload length; at most `bundleBytes`; 0: one frame per
   * datagram) when the current task ends (a microtask: no added delay). For a client (`dedupe`):
   * the same frame queued again for that address in the same turn (its copy from another plane: the
   * NIC sends every frame on every plane, and a client's address is one per client, so every
   * plane's copy would take the same path) is not sent twice (counted in txSameRoute).
   */
  private queueOut(sock: Socket, st: PlaneStats, frame: Uint8Array, port: number, host: string, dedupe: boolean): void {
    st.txFrames++;
    let byPort = this.outQueues.get(host);
    if (!byPort) this.outQueues.set(host, (byPort = new Map()));
    let q = byPort.get(port);
    if (!q) byPort.set(port, (q = { sock, st, frames: [], bytes: 0 }));
    if (dedupe) {
      for (const f of q.frames) {
        if (f.length === frame.length && Buffer.compare(f, frame) === 0) { st.txSameRoute++; return; }
      }
    }
    if (q.bytes + frame.length > this.bundleBytes && q.frames.length) this.flushOne(host, port, q);
    q.frames.push(frame);
    q.bytes += frame.length;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  private flushOne(host: string, port: number, q: OutQueue): void {
    const n = q.frames.length;
    if (n === 0) return;
    const data = n === 1 ? q.frames[0]! : Buffer.concat(q.frames, q.bytes);
    q.frames = [];
    q.bytes = 0;
    const st = q.st;
    st.txDatagrams++;
    if (n > 1) st.txBundled += n;
    q.sock.send(data, port, host, (err) => {
      if (err) st.txErrors++;
    });
  }

  /** Sends every queued bundle (the microtask queued by queueOut). */
  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.closed) { this.outQueues.clear(); return; }
    for (const [host, byPort] of this.outQueues) for (const [port, q] of byPort) this.flushOne(host, port, q);
    this.outQueues.clear();
  };

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) {
      try { s.close(); } catch { /* already closed */ }
    }
  }
}
