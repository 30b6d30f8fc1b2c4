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
import { createSocket, type Socket } from 'node:dgram';
import { MAC_CLIENT_PREFIX, MAC_GROUP, MAC_NODE_PREFIX } from '../wire/wire.gen.js';
import { formatEndpoint, type Endpoint, type MemberConfig } from './config.js';

export interface PlaneStats {
  plane: number;
  blocked: boolean;
  rxFrames: number;
  txFrames: number;
  rxBlocked: number;
  txBlocked: number;
  /** frames to a client whose address is not known, or to an unknown node */
  txNoRoute: number;
  txErrors: number;
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

/** Binds a UDP socket exclusively; rejects with a BindError naming the field. */
export function bindUdp(e: Endpoint, field: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: 'udp4', reuseAddr: false });
    const onError = (err: NodeJS.ErrnoException): void => {
      s.close();
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : err.code === 'EADDRNOTAVAIL' ? 'is not an address of this machine' : `cannot be bound (${err.message})`;
      reject(new BindError(field, formatEndpoint(e), err.code, `${field}: UDP ${formatEndpoint(e)} ${why}`));
    };
    s.once('error', onError);
    s.bind({ port: e.port, address: e.host, exclusive: true }, () => {
      s.off('error', onError);
      try {
        s.setRecvBufferSize(4 << 20);
        s.setSendBufferSize(4 << 20);
      } catch { /* the kernel's limits apply */ }
      resolve(s);
    });
  });
}

function mac(b: Uint8Array, off: number): number {
  return b[off]! * 2 ** 40 + b[off + 1]! * 2 ** 32 + ((b[off + 2]! << 24) >>> 0) + (b[off + 3]! << 16) + (b[off + 4]! << 8) + b[off + 5]!;
}

export class PlaneNet {
  readonly stats: PlaneStats[];
  private readonly peers: Map<number, Endpoint[]>;
  private readonly clients = new Map<number, { address: string; port: number }>();
  private closed = false;
  onFrame?: (plane: number, frame: Uint8Array) => void;
  onError?: (plane: number, err: Error) => void;

  constructor(readonly selfId: number, members: MemberConfig[], private readonly sockets: Socket[]) {
    this.peers = new Map(members.filter((m) => m.id !== selfId).map((m) => [m.id, m.planes]));
    this.stats = sockets.map((_, plane) => ({ plane, blocked: false, rxFrames: 0, txFrames: 0, rxBlocked: 0, txBlocked: 0, txNoRoute: 0, txErrors: 0, lastRxMs: {} }));
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

  knownClients(): number {
    return this.clients.size;
  }

  private receive(plane: number, msg: Buffer, address: string, port: number): void {
    const st = this.stats[plane]!;
    if (st.blocked) { st.rxBlocked++; return; }
    if (msg.length < 12) return; // not even two MACs: not a frame
    st.rxFrames++;
    const src = mac(msg, 6);
    if (src >= MAC_CLIENT_PREFIX && src < MAC_CLIENT_PREFIX + 0x1000000) {
      const id = src - MAC_CLIENT_PREFIX;
      const known = this.clients.get(id);
      if (!known || known.port !== port || known.address !== address) {
        if (!known && this.clients.size >= CLIENT_CAP) this.clients.delete(this.clients.keys().next().value!);
        this.clients.set(id, { address, port });
      }
    } else if (src >= MAC_NODE_PREFIX && src < MAC_NODE_PREFIX + 0x100) {
      st.lastRxMs[src - MAC_NODE_PREFIX] = Date.now();
    }
    // a plain Uint8Array over the datagram: a Buffer's slice() is a view, not a copy, and the NIC
    // models and the core copy frames with slice() (a Buffer frame would be changed in place)
    this.onFrame?.(plane, new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
  }

  /** Sends a frame the NIC put on `plane`, by its destination MAC. */
  send(plane: number, frame: Uint8Array): void {
    if (this.closed) return;
    const st = this.stats[plane]!;
    if (st.blocked) { st.txBlocked++; return; }
    const dst = mac(frame, 0);
    const sock = this.sockets[plane]!;
    if (dst === MAC_GROUP) {
      for (const eps of this.peers.values()) this.out(sock, st, frame, eps[plane]!.port, eps[plane]!.host);
    } else if (dst >= MAC_NODE_PREFIX && dst < MAC_NODE_PREFIX + 0x100) {
      const eps = this.peers.get(dst - MAC_NODE_PREFIX);
      if (eps) this.out(sock, st, frame, eps[plane]!.port, eps[plane]!.host);
      else st.txNoRoute++;
    } else if (dst >= MAC_CLIENT_PREFIX && dst < MAC_CLIENT_PREFIX + 0x1000000) {
      const c = this.clients.get(dst - MAC_CLIENT_PREFIX);
      if (c) this.out(sock, st, frame, c.port, c.address);
      else st.txNoRoute++;
    } else {
      st.txNoRoute++;
    }
  }

  private out(sock: Socket, st: PlaneStats, frame: Uint8Array, port: number, host: string): void {
    st.txFrames++;
    sock.send(frame, port, host, (err) => {
      if (err) st.txErrors++;
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) {
      try { s.close(); } catch { /* already closed */ }
    }
  }
}
