// Junk datagrams for test/deploy/flood.test.ts, and the small C program that sends them
// (test/deploy/flood_send.c: sendmmsg at a fixed rate, so that the flood itself costs the machine
// little CPU; a Node sender pays 15-25 us per datagram and starves the daemons it floods on a
// small machine). Loopback only. Kinds of junk:
//   random      random bytes, 1..300 long
//   header      a nicraft header (right ethertype and version) with one thing wrong: another
//               cluster, an unknown type, a payload length that disagrees, a destination that is
//               another node, a member id that is not a member, a client's MAC on a replica frame,
//               a node's MAC with another node's id, a request whose header contradicts its MAC
//   impostor    a well-formed frame claiming to be a member (APPEND, HEARTBEAT with term 2^32-1,
//               ACK, NACK, CONTROL), from the flooder's address (not that member's endpoint)
// The datagrams are drawn with a seeded generator (the seed is in the spec and printed by the test).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../ctrl/deploy/cluster.js';
import { SeededRand } from '../../ctrl/rand.js';
import { encodeFrame, MAC_GROUP, MsgType as W, clientMac, nodeMac } from '../../ctrl/wire/wire.gen.js';

export interface FloodSpec {
  /** one entry per plane port of every node */
  targets: Array<{ node: number; plane: number; host: string; port: number }>;
  clusterId: number;
  memberIds: number[];
  seed: number;
  /** datagrams in each target's pool (sent round-robin, the pool in a loop) */
  poolSize: number;
}

export const KINDS = ['random', 'header', 'impostor'] as const;
export type Kind = (typeof KINDS)[number];

/** What flood_send prints when it stops. */
export interface FloodReport {
  sent: number;
  seconds: number;
  ratePerS: number;
  sendErrors: number;
  perTarget: Array<{ port: number; sent: number; byKind: Record<Kind, number> }>;
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
        case 3: b = frame(rand, { dst: nodeMac(others.find((x) => x !== m) ?? 7), src: nodeMac(m), type: W.ACK, clusterId: cid, srcNode: m, dstNode: 0 }); break;
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

/** Writes the datagram file flood_send reads (format: test/deploy/flood_send.c). */
export function writeFloodFile(spec: FloodSpec, path: string): void {
  const rand = new SeededRand(spec.seed);
  const parts: Buffer[] = [];
  const u32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
  const u16 = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
  parts.push(u32(spec.targets.length));
  for (const t of spec.targets) {
    const ip = t.host.split('.').reduce((a, o) => a * 256 + Number(o), 0);
    const p = pool(rand, spec, t.node, spec.poolSize);
    parts.push(u32(ip), u16(t.port), u32(p.length));
    for (const d of p) parts.push(Buffer.from([d.kind]), u16(d.bytes.length), Buffer.from(d.bytes));
  }
  writeFileSync(path, Buffer.concat(parts));
}

/** Compiles flood_send (cached in build/ by the source's hash); returns the executable's path. */
export function floodSender(): string {
  const src = join(ROOT, 'test/deploy/flood_send.c');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const dir = join(ROOT, 'build', 'tools');
  const exe = join(dir, `flood_send-${hash}`);
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${exe}.${process.pid}.tmp`;
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', tmp, src], { stdio: 'inherit' });
    execFileSync('mv', [tmp, exe]);
  }
  return exe;
}
