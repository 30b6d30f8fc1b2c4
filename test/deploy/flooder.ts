// A junk-datagram flooder for test/deploy/flood.test.ts (its own process, so that its sending does
// not share the event loop of the clients whose latency the test measures). Loopback only.
//
//   node --import tsx test/deploy/flooder.ts '<json FloodSpec>'
//
// It prints `flooding` once it sends, and on SIGTERM (or after spec.maxSeconds) one JSON line with
// what it sent: per target port and per kind, and the achieved rate. Kinds of junk:
//   random      random bytes, 1..300 long
//   header      a nicraft header (right ethertype and version) with one thing wrong: another
//               cluster, an unknown type, a payload length that disagrees, a destination that is
//               another node, a member id that is not a member, a client's MAC on a replica frame,
//               a node's MAC with another node's id
//   impostor    a well-formed frame claiming to be a member (APPEND, HEARTBEAT with term 2^32-1,
//               ACK, NACK, CONTROL), from the flooder's address (not that member's endpoint)
// The datagrams are drawn from a pool built with a seeded generator (the seed is in the spec).
import { createSocket, type Socket } from 'node:dgram';
import { SeededRand } from '../../ctrl/rand.js';
import { encodeFrame, MAC_GROUP, MsgType as W, clientMac, nodeMac } from '../../ctrl/wire/wire.gen.js';

export interface FloodSpec {
  /** one entry per plane port of every node */
  targets: Array<{ node: number; plane: number; host: string; port: number }>;
  clusterId: number;
  memberIds: number[];
  /** datagrams per second over all targets */
  rate: number;
  seed: number;
  maxSeconds: number;
}

export const KINDS = ['random', 'header', 'impostor'] as const;
export type Kind = (typeof KINDS)[number];

export interface FloodReport {
  sent: number;
  seconds: number;
  ratePerS: number;
  sendErrors: number;
  perTarget: Array<{ node: number; plane: number; port: number; sent: number; byKind: Record<Kind, number> }>;
}

function frame(rand: SeededRand, o: { dst: number; src: number; type: number; clusterId: number; srcNode: number; dstNode: number; term?: number; payload?: number }): Uint8Array {
  const payload = new Uint8Array(o.payload ?? 16);
  for (let i = 0; i < payload.length; i++) payload[i] = rand.int(256);
  return encodeFrame({
    dstMac: o.dst, srcMac: o.src, type: o.type, clusterId: o.clusterId, flags: 0, srcNode: o.srcNode, dstNode: o.dstNode,
    term: o.term ?? 1 + rand.int(5), logIndex: rand.int(100_000), commitIndex: rand.int(100_000), clientId: rand.int(1 << 24), seq: rand.int(1 << 30),
  }, payload);
}

/** A pool of junk datagrams for one target node. */
export function pool(rand: SeededRand, spec: FloodSpec, node: number, n: number): Array<{ kind: number; bytes: Uint8Array }> {
  const out: Array<{ kind: number; bytes: Uint8Array }> = [];
  const cid = spec.clusterId;
  const others = spec.memberIds.filter((m) => m !== node);
  const member = (): number => others[rand.int(others.length)]!;
  for (let k = 0; k < n; k++) {
    const kind = k % 3;
    let b: Uint8Array;
    if (kind === 0) {
      b = new Uint8Array(1 + rand.int(300));
      for (let i = 0; i < b.length; i++) b[i] = rand.int(256);
    } else if (kind === 1) {
      const m = member();
      switch (rand.int(8)) {
        case 0: b = frame(rand, { dst: nodeMac(node), src: nodeMac(m), type: W.APPEND, clusterId: (cid + 1 + rand.int(100)) & 0xffff, srcNode: m, dstNode: node }); break;
        case 1: { b = frame(rand, { dst: nodeMac(node), src: nodeMac(m), type: W.HEARTBEAT, clusterId: cid, srcNode: m, dstNode: node }); b[15] = [0, 8, 9, 0x7f, 0xff][rand.int(5)]!; break; }
        case 2: { b = frame(rand, { dst: nodeMac(node), src: nodeMac(m), type: W.APPEND, clusterId: cid, srcNode: m, dstNode: node, payload: 40 }); b[43] = (b[43]! + 1 + rand.int(50)) & 0xff; break; }
        case 3: b = frame(rand, { dst: nodeMac(member() === node ? 0x7 : member()), src: nodeMac(m), type: W.ACK, clusterId: cid, srcNode: m, dstNode: 0 }); break;
        case 4: { const bad = 8 + rand.int(200); b = frame(rand, { dst: MAC_GROUP, src: nodeMac(bad), type: W.HEARTBEAT, clusterId: cid, srcNode: bad, dstNode: 0xff }); break; }
        case 5: b = frame(rand, { dst: nodeMac(node), src: clientMac(1 + rand.int(1000)), type: W.APPEND, clusterId: cid, srcNode: 0xff, dstNode: node }); break;
        case 6: b = frame(rand, { dst: nodeMac(node), src: nodeMac(m), type: W.CONTROL, clusterId: cid, srcNode: others.find((x) => x !== m) ?? 0, dstNode: node }); break;
        default: b = frame(rand, { dst: nodeMac(node), src: clientMac(1 + rand.int(1000)), type: W.REQ, clusterId: cid, srcNode: 3, dstNode: node }); break; // a request whose header contradicts its MAC
      }
    } else {
      const m = member();
      switch (rand.int(5)) {
        case 0: b = frame(rand, { dst: MAC_GROUP, src: nodeMac(m), type: W.APPEND, clusterId: cid, srcNode: m, dstNode: 0xff, payload: 24 + rand.int(100) }); break;
        case 1: b = frame(rand, { dst: MAC_GROUP, src: nodeMac(m), type: W.HEARTBEAT, clusterId: cid, srcNode: m, dstNode: 0xff, term: 0xffffffff, payload: 0 }); break;
        case 2: b = frame(rand, { dst: nodeMac(node), src: nodeMac(m), type: W.ACK, clusterId: cid, srcNode: m, dstNode: node, payload: 0 }); break;
        case 3: b = frame(rand, { dst: nodeMac(node), src: nodeMac(m), type: W.NACK, clusterId: cid, srcNode: m, dstNode: node, payload: 0 }); break;
        default: b = frame(rand, { dst: nodeMac(node), src: nodeMac(m), type: W.CONTROL, clusterId: cid, srcNode: m, dstNode: node, term: 1000 + rand.int(1000), payload: 60 }); break;
      }
    }
    out.push({ kind, bytes: b });
  }
  return out;
}

async function bind(address: string): Promise<Socket | undefined> {
  const s = createSocket('udp4');
  return new Promise((res) => {
    s.once('error', () => { s.close(); res(undefined); });
    s.bind({ address, port: 0 }, () => {
      try { s.setSendBufferSize(4 << 20); } catch { /* kernel limits */ }
      res(s);
    });
  });
}

async function main(spec: FloodSpec): Promise<void> {
  const rand = new SeededRand(spec.seed);
  const socks = (await Promise.all(['127.0.0.1', '127.0.0.2'].map(bind))).filter((s): s is Socket => !!s);
  const pools = spec.targets.map((t) => pool(rand, spec, t.node, 3000));
  const per = spec.targets.map((t) => ({ node: t.node, plane: t.plane, port: t.port, sent: 0, byKind: { random: 0, header: 0, impostor: 0 } as Record<Kind, number> }));
  let sent = 0;
  let errors = 0;
  let stop = false;
  const t0 = process.hrtime.bigint();
  const elapsedS = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  const finish = (): void => {
    if (stop) return;
    stop = true;
    const seconds = elapsedS();
    const report: FloodReport = { sent, seconds, ratePerS: sent / seconds, sendErrors: errors, perTarget: per };
    process.stdout.write(`${JSON.stringify(report)}\n`, () => {
      for (const s of socks) s.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', finish);
  process.stdout.write('flooding\n');
  let k = 0;
  const cb = (err: Error | null): void => { if (err) errors++; };
  const loop = (): void => {
    if (stop) return;
    if (elapsedS() >= spec.maxSeconds) return finish();
    const due = Math.min(4000, Math.floor(spec.rate * elapsedS()) - sent);
    for (let i = 0; i < due; i++) {
      const ti = k % spec.targets.length;
      const t = spec.targets[ti]!;
      const p = pools[ti]!;
      const d = p[(k / spec.targets.length | 0) % p.length]!;
      socks[k % socks.length]!.send(d.bytes, t.port, t.host, cb);
      per[ti]!.sent++;
      per[ti]!.byKind[KINDS[d.kind]!]++;
      sent++;
      k++;
    }
    if (due <= 0) setTimeout(loop, 1);
    else setImmediate(loop);
  };
  loop();
}

if (process.argv[2]) void main(JSON.parse(process.argv[2]) as FloodSpec);
