// KV clients over UDP (ctrl/app/client.ts on real sockets): one socket shared by every client of
// a pool, each client a session with its own id. By default (`planes: 'duplicate'`) a request goes
// to the target node on every plane (the leader NIC sequences the first copy and drops the others,
// DROP_REQ_DUP), so a lost plane costs no timeout; 'spread' sends each attempt on one plane (the next
// attempt on the next), a number on that plane only. Replies come back on every plane and the client
// keeps the first. A datagram from a node may carry several replies (a bundle: the node sends the
// frames for one address in one turn together, planes.ts).
//
// Client ids are drawn from the OS's randomness (24 bits, as the client MAC carries): the
// replicas keep a session per id, and a new process must not reuse the sequence numbers of an
// earlier one under the same id.
import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { KvClient, planeModeIssue, type ClientPlaneMode, type Outcome } from '../app/client.js';
import type { Command } from '../app/kv.js';
import { decodeHeader } from '../wire/wire.gen.js';
import { FrameSigner, contextOf, deriveKey } from '../nic/auth-keys.js';
import type { ClusterFile, Endpoint } from '../daemon/config.js';
import { literalLookup, splitFrames } from '../daemon/planes.js';

export interface PoolOptions {
  /** per-attempt timeout (default 500 ms) and attempts per operation (default 20) */
  attemptTimeoutMs?: number;
  maxAttempts?: number;
  /** how often the clients' timers are checked (default 5 ms) */
  tickMs?: number;
  /** where gets go first: 'leader' (default) or 'any' replica round robin (KvClient readFrom; followers answer under read leases) */
  readFrom?: 'leader' | 'any';
  /** how requests use the planes: 'duplicate' (default: every plane), 'spread' (one per attempt, rotating), or one plane */
  planes?: ClientPlaneMode;
  /** requests to one node endpoint in one turn share a datagram of at most this many bytes (default
   *  1472; 0: one request per datagram): the nodes' net.bundleBytes must take them (the default does) */
  bundleBytes?: number;
  /** the largest request payload the nodes' NICs take (their nic.maxPayloadBytes; default: the
   *  cluster file's maxPayloadBytes): a larger command fails at the client, unsent */
  maxPayloadBytes?: number;
}

const nowNs = (): number => Number(process.hrtime.bigint());

export class ClientPool {
  private readonly clients = new Map<number, KvClient>();
  private readonly timer: NodeJS.Timeout;
  private readonly endpoints: Map<number, Endpoint[]>;
  private closed = false;
  stats = { sent: 0, received: 0, stray: 0, datagrams: 0 };
  /** frame authentication: signs the REQs with the client key; packet numbers from the wall clock in us (above any earlier run's) */
  private readonly signer: FrameSigner | null;

  private constructor(readonly cluster: ClusterFile, private readonly sock: Socket, private readonly o: Required<PoolOptions>) {
    this.endpoints = new Map(cluster.members.map((m) => [m.id, m.planes]));
    const ca = cluster.clientAuth;
    this.signer = ca ? new FrameSigner({ [contextOf('client', ca.slot)]: deriveKey(ca.secret, 'client', ca.slot) }, undefined, Date.now() * 1000) : null;
    sock.on('message', (msg) => this.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.length)));
    this.timer = setInterval(() => {
      const t = nowNs();
      for (const c of this.clients.values()) c.tick(t);
    }, o.tickMs);
  }

  static async open(cluster: ClusterFile, opts: PoolOptions = {}): Promise<ClientPool> {
    // the mode against the planes every member has (checked before a socket is opened)
    const bad = planeModeIssue(opts.planes ?? 'duplicate', ClientPool.planeCount(cluster), 'planes');
    if (bad) throw new Error(bad);
    const sock = createSocket({ type: 'udp4', lookup: literalLookup });
    const loopback = cluster.members.every((m) => m.planes.every((e) => e.host.startsWith('127.')));
    await new Promise<void>((res, rej) => {
      sock.once('error', rej);
      sock.bind(loopback ? { port: 0, address: '127.0.0.1' } : { port: 0 }, () => { sock.off('error', rej); res(); });
    });
    try {
      sock.setRecvBufferSize(4 << 20);
      sock.setSendBufferSize(4 << 20);
    } catch { /* kernel limits */ }
    return new ClientPool(cluster, sock, { attemptTimeoutMs: 500, maxAttempts: 20, tickMs: 5, readFrom: 'leader', planes: 'duplicate', bundleBytes: 1472, maxPayloadBytes: cluster.maxPayloadBytes, ...opts });
  }

  /** The largest request payload the clients send (bytes). */
  get maxPayloadBytes(): number {
    return this.o.maxPayloadBytes;
  }

  /** The planes every member has (the fewest of any member). */
  static planeCount(cluster: ClusterFile): number {
    return Math.max(1, Math.min(...cluster.members.map((m) => m.planes.length)));
  }

  /** A new client session (a fresh random id). */
  client(): PoolClient {
    let id = 0;
    do id = randomInt(1, 0x1000000); while (this.clients.has(id));
    // the first attempt goes to a random member (then the redirects find the leader)
    const ids = this.cluster.members.map((m) => m.id);
    const r = randomInt(0, ids.length);
    const kv = new KvClient({
      clientId: id,
      clusterId: this.cluster.clusterId,
      nodes: [...ids.slice(r), ...ids.slice(0, r)],
      attemptTimeoutNs: this.o.attemptTimeoutMs * 1e6,
      maxAttempts: this.o.maxAttempts,
      maxPayloadBytes: this.o.maxPayloadBytes,
      readFrom: this.o.readFrom,
      planes: { count: ClientPool.planeCount(this.cluster), mode: this.o.planes },
      transport: { send: (to, frame, plane) => this.send(to, frame, plane) },
      ...(this.signer ? { sign: (f: Uint8Array) => this.signer!.sign(f, this.cluster.clientAuth!.slot) } : {}),
    });
    kv.tick(nowNs());
    this.clients.set(id, kv);
    return new PoolClient(id, kv, () => this.clients.delete(id));
  }

  private send(to: number, frame: Uint8Array, plane?: number): void {
    if (this.closed) return;
    const eps = this.endpoints.get(to) ?? [];
    for (const e of plane === undefined ? eps : eps.slice(plane, plane + 1)) {
      this.stats.sent++;
      if (this.o.bundleBytes <= 0) { this.stats.datagrams++; this.sock.send(frame, e.port, e.host); continue; }
      // requests to one endpoint in this turn share a datagram (the node's filter takes bundles)
      let q = this.out.get(e);
      if (!q) this.out.set(e, (q = { frames: [], bytes: 0 }));
      if (q.bytes + frame.length > this.o.bundleBytes && q.frames.length) this.flushOne(e, q);
      q.frames.push(frame);
      q.bytes += frame.length;
      if (!this.flushQueued) { this.flushQueued = true; queueMicrotask(this.flush); }
    }
  }

  private readonly out = new Map<Endpoint, { frames: Uint8Array[]; bytes: number }>();
  private flushQueued = false;

  private flushOne(e: Endpoint, q: { frames: Uint8Array[]; bytes: number }): void {
    if (q.frames.length === 0) return;
    const data = q.frames.length === 1 ? q.frames[0]! : Buffer.concat(q.frames, q.bytes);
    q.frames = [];
    q.bytes = 0;
    this.stats.datagrams++;
    this.sock.send(data, e.port, e.host);
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.closed) return;
    for (const [e, q] of this.out) this.flushOne(e, q);
    this.out.clear();
  };

  /** A datagram from a node: one reply, or a bundle of replies (to clients of this pool: one address). */
  private receive(msg: Uint8Array): void {
    const frames = splitFrames(msg);
    if (!frames) { this.stats.stray++; return; }
    const t = nowNs();
    for (const f of frames) {
      let h;
      try { h = decodeHeader(f); } catch { this.stats.stray++; continue; }
      const c = this.clients.get(h.clientId);
      if (!c) { this.stats.stray++; continue; }
      this.stats.received++;
      c.receive(f, t);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.sock.close();
  }
}

export class PoolClient {
  constructor(readonly id: number, readonly kv: KvClient, private readonly release: () => void) {}

  invoke(cmd: Command): Promise<Outcome> {
    this.kv.tick(nowNs()); // the attempt deadline counts from now
    return this.kv.invokeAsync(cmd);
  }

  close(): void {
    this.release();
  }
}
