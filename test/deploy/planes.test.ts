// The plane filter (ctrl/daemon/planes.ts) and its kernel twin (ctrl/daemon/sockfilter.ts):
// * the BPF program, run by a small interpreter of classic BPF here, accepts exactly what
//   PlaneNet.classify accepts, on valid frames of every kind and on junk of every kind (random
//   bytes, headers with one thing wrong, frames claiming to be a member from elsewhere), from a
//   member's endpoint and from other addresses;
// * attached to a real socket, it lets the valid frames through and drops the junk in the kernel
//   (counted in /proc/net/udp), passing one in `sampleEvery` on;
// * PlaneNet: what passes waits in its class's queue; take() hands out control messages first,
//   then replication frames, then client requests, within a budget; a full queue drops and counts;
// * PlaneNet: frames for one client address in one turn go out as one bundle datagram (each plane's
//   copy of a frame once), which splitFrames takes apart; a datagram whose lengths do not add up is refused.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRand } from '../../ctrl/rand.js';
import type { Endpoint, MemberConfig } from '../../ctrl/daemon/config.js';
import { CLASS_CLIENT, CLASS_CONTROL, CLASS_REPLICATION, PlaneNet, RX_DROP_REASONS, RX_QUEUE_CAP, splitFrames } from '../../ctrl/daemon/planes.js';
import { attachKernelFilter, buildKernelFilter, type BpfInsn } from '../../ctrl/daemon/sockfilter.js';
import { encodeFrame, HDR_BYTES, MAC_GROUP, MsgType as W, clientMac, nodeMac } from '../../ctrl/wire/wire.gen.js';
import { pool } from './flooder.js';

const open: Socket[] = [];
afterAll(() => { for (const s of open) { try { s.close(); } catch { /* closed */ } } });

const bind = (address = '127.0.0.1'): Promise<Socket> => new Promise((res) => {
  const s = createSocket('udp4');
  open.push(s);
  s.bind(0, address, () => res(s));
});

/** Runs a classic BPF program on a UDP datagram as a UDP socket's filter sees it; returns the bytes kept (0: dropped). */
function runBpf(prog: BpfInsn[], payload: Uint8Array, src: { ip: number; port: number }, random: () => number): number {
  const udp = new Uint8Array(8 + payload.length);
  udp[0] = src.port >> 8; udp[1] = src.port & 0xff;
  udp.set(payload, 8);
  const ip = new Uint8Array(20);
  ip[12] = src.ip >>> 24; ip[13] = (src.ip >>> 16) & 0xff; ip[14] = (src.ip >>> 8) & 0xff; ip[15] = src.ip & 0xff;
  let A = 0;
  let X = 0;
  const M = new Uint32Array(16);
  const load = (k: number, size: number): number | undefined => {
    let buf = udp;
    let off = k;
    if (k >= 0xfffff000) return k === 0xfffff000 + 56 ? random() >>> 0 : undefined;
    if (k >= 0xfff00000) { buf = ip; off = k - 0xfff00000; }
    if (off + size > buf.length) return undefined;
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + buf[off + i]!;
    return v >>> 0;
  };
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc]!;
    switch (code) {
      case 0x20: case 0x28: case 0x30: {
        const v = load(k, code === 0x20 ? 4 : code === 0x28 ? 2 : 1);
        if (v === undefined) return 0;
        A = v;
        break;
      }
      case 0x40: case 0x48: case 0x50: {
        const v = load((X + k) >>> 0, code === 0x40 ? 4 : code === 0x48 ? 2 : 1);
        if (v === undefined) return 0;
        A = v;
        break;
      }
      case 0x60: A = M[k]!; break;
      case 0x61: X = M[k]!; break;
      case 0x01: X = k; break;
      case 0x02: M[k] = A; break;
      case 0x03: M[k] = X; break;
      case 0x0c: A = (A + X) >>> 0; break;
      case 0x1c: A = (A - X) >>> 0; break;
      case 0x2d: pc += A > X ? jt : jf; break;
      case 0x05: pc += k; break;
      case 0x80: A = udp.length; break;
      case 0x00: A = k; break;
      case 0x04: A = (A + k) >>> 0; break;
      case 0x14: A = (A - k) >>> 0; break;
      case 0x54: A = (A & k) >>> 0; break;
      case 0x07: X = A; break;
      case 0x15: pc += A === k ? jt : jf; break;
      case 0x25: pc += A > k ? jt : jf; break;
      case 0x35: pc += A >= k ? jt : jf; break;
      case 0x45: pc += (A & k) !== 0 ? jt : jf; break;
      case 0x1d: pc += A === X ? jt : jf; break;
      case 0x06: return k;
      default: throw new Error(`bpf: opcode ${code} at ${pc}`);
    }
  }
  throw new Error('bpf: fell off the end');
}

/** Node 1's PlaneNet on one plane socket (rx) and member 2's socket (peer), both on loopback, cluster 4. */
async function twoMembers(): Promise<{ rx: Socket; peer: Socket; clusterId: number; net: PlaneNet }> {
  const rx = await bind();
  const peer = await bind();
  const clusterId = 4;
  const members: MemberConfig[] = [
    { id: 1, planes: [{ host: '127.0.0.1', port: rx.address().port }] },
    { id: 2, planes: [{ host: '127.0.0.1', port: peer.address().port }] },
  ];
  return { rx, peer, clusterId, net: new PlaneNet(1, members, [rx], { clusterId, maxPayload: 256 }) };
}

const ipv4 = (h: string): number => h.split('.').reduce((a, o) => a * 256 + Number(o), 0);

function frameOf(o: { dst: number; src: number; type: number; clusterId: number; srcNode: number; dstNode?: number; clientId?: number; payload?: number }): Uint8Array {
  return encodeFrame({
    dstMac: o.dst, srcMac: o.src, type: o.type, clusterId: o.clusterId, flags: 0, srcNode: o.srcNode, dstNode: o.dstNode ?? 0xff,
    term: 3, logIndex: 10, commitIndex: 9, clientId: o.clientId ?? 0, seq: 1,
  }, new Uint8Array(o.payload ?? 20).fill(7));
}

describe('the plane filter and the kernel filter', () => {
  it('the BPF program accepts exactly what PlaneNet.classify accepts (valid frames and junk, from members and elsewhere)', async () => {
    const seed = Number(process.env.PLANES_SEED ?? 20_240_601);
    console.log(`planes filter seed ${seed} (PLANES_SEED replays)`);
    const rand = new SeededRand(seed);
    const sock = await bind();
    const clusterId = 5;
    const members: MemberConfig[] = [1, 2, 3].map((id) => ({ id, planes: [{ host: '127.0.0.1', port: 30000 + id }, { host: '127.0.0.3', port: 31000 + id }] }));
    const self = 2;
    let agreed = 0;
    let bundlesAccepted = 0;
    const accepted = new Map<string, number>();
    // one frame per datagram (net.bundleBytes 0), and bundles of frames (the default, 1472)
    for (const bundleBytes of [0, 1472])
    for (const plane of [0, 1]) {
      const net = new PlaneNet(self, members, [sock, sock], { clusterId, maxPayload: 256, bundleBytes });
      const eps = new Map<number, Endpoint>(members.filter((m) => m.id !== self).map((m) => [m.id, m.planes[plane]!]));
      const prog = buildKernelFilter({ clusterId, selfId: self, maxPayload: 256, members: eps, sampleEvery: 0, bundleBytes });
      expect(prog.length).toBeLessThan(bundleBytes ? 4096 : 200);
      // valid frames of every kind, and their variants
      const frames: Uint8Array[] = [];
      for (const m of [1, 3]) {
        for (const type of [W.APPEND, W.ACK, W.NACK, W.HEARTBEAT, W.CONTROL, W.REQ, W.REPLY]) {
          for (const dst of [nodeMac(self), MAC_GROUP, nodeMac(m)]) {
            for (const payload of [0, 16, 17, 200, 256]) frames.push(frameOf({ dst, src: nodeMac(m), type, clusterId, srcNode: m, payload }));
          }
        }
      }
      for (const type of [W.REQ, W.APPEND, W.CONTROL]) {
        for (const c of [1, 77, 0xffffff]) {
          frames.push(frameOf({ dst: nodeMac(self), src: clientMac(c), type, clusterId, srcNode: 0xff, clientId: c }));
          frames.push(frameOf({ dst: nodeMac(self), src: clientMac(c), type, clusterId, srcNode: 0xff, clientId: c + 1 }));
          frames.push(frameOf({ dst: nodeMac(self), src: clientMac(c), type, clusterId, srcNode: 1, clientId: c }));
        }
      }
      frames.push(frameOf({ dst: nodeMac(self), src: clientMac(0), type: W.REQ, clusterId, srcNode: 0xff, clientId: 0 }));
      // every frame also with one byte changed at a random place (most of them become junk)
      for (const f of [...frames]) {
        const g = f.slice();
        g[rand.int(Math.min(g.length, 46))] ^= 1 << rand.int(8);
        frames.push(g);
      }
      frames.push(...pool(rand, { targets: [], clusterId, memberIds: [1, 2, 3], seed, poolSize: 0 }, self, 3000).map((d) => d.bytes));
      if (bundleBytes) {
        // bundles: 2 to 6 frames back to back, all valid ones from one sender (member 1's, or client
        // requests), or with one frame changed, cut short, or followed by junk; up to and past bundleBytes
        const valid1 = frames.filter((f) => f.length <= 300 && f[11] === 1 && f[6] === 0x02);
        const validC = frames.filter((f) => f[6] === 0x02 && f[7] === 0x4e && f[8] === 0x43);
        for (let i = 0; i < 600; i++) {
          const from = i % 2 ? valid1 : validC;
          const n = 2 + rand.int(5);
          const parts = Array.from({ length: n }, () => from[rand.int(from.length)]!);
          const b = new Uint8Array(parts.reduce((a, f) => a + f.length, 0));
          let o = 0;
          for (const f of parts) { b.set(f, o); o += f.length; }
          frames.push(b);
          const bad = b.slice();
          bad[rand.int(bad.length)] ^= 1 << rand.int(8);
          frames.push(bad, b.subarray(0, b.length - 1 - rand.int(30)), new Uint8Array([...b, ...frames[rand.int(frames.length)]!]));
        }
      }
      const sources = [
        ...members.filter((m) => m.id !== self).map((m) => ({ address: m.planes[plane]!.host, port: m.planes[plane]!.port })),
        { address: '127.0.0.1', port: 30001 + 1000 * (1 - plane) }, // member 1's port on the other plane's address
        { address: '127.0.0.9', port: 30001 },
        { address: '127.0.0.1', port: 45678 },
      ];
      for (const f of frames) {
        for (const src of sources) {
          const ours = net.classify(plane, f, src.address, src.port);
          const kernel = runBpf(prog, f, { ip: ipv4(src.address), port: src.port }, () => 0x12345677);
          expect(kernel > 0, `plane ${plane}, from ${src.address}:${src.port}, frame ${Buffer.from(f.subarray(0, 46)).toString('hex')}: classify ${ours < 0 ? RX_DROP_REASONS[-1 - ours] : ours}`).toBe(ours >= 0);
          if (ours >= 0) accepted.set(String(ours), (accepted.get(String(ours)) ?? 0) + 1);
          if (ours >= 0 && splitFrames(f)!.length > 1) bundlesAccepted++;
          agreed++;
        }
      }
    }
    console.log(`${agreed} verdicts agree; accepted per class ${JSON.stringify(Object.fromEntries(accepted))}; bundles accepted ${bundlesAccepted}`);
    expect(bundlesAccepted).toBeGreaterThan(100);
    // the comparison covered every class, and most inputs are junk
    expect(accepted.get(String(CLASS_CONTROL))).toBeGreaterThan(0);
    expect(accepted.get(String(CLASS_REPLICATION))).toBeGreaterThan(0);
    expect(accepted.get(String(CLASS_CLIENT))).toBeGreaterThan(0);
    expect(agreed).toBeGreaterThan(20_000);
  });

  it('sampling: with sampleEvery N, the junk passes when the kernel\'s random number is 0 mod N', () => {
    const prog = buildKernelFilter({ clusterId: 1, selfId: 1, maxPayload: 256, members: new Map([[2, { host: '127.0.0.1', port: 1 }]]), sampleEvery: 64 });
    const junk = new Uint8Array([1, 2, 3]);
    expect(runBpf(prog, junk, { ip: 1, port: 1 }, () => 64 * 7)).toBeGreaterThan(0);
    expect(runBpf(prog, junk, { ip: 1, port: 1 }, () => 64 * 7 + 5)).toBe(0);
    expect(() => buildKernelFilter({ clusterId: 1, selfId: 1, maxPayload: 256, members: new Map(), sampleEvery: 3 })).toThrow(/power of two/);
  });

  it('attached to a real socket: valid frames arrive, junk is dropped in the kernel and counted there', async (ctx) => {
    if (process.platform !== 'linux') return ctx.skip();
    const rx = await bind();
    const peer = await bind();
    const stranger = await bind('127.0.0.2');
    const port = rx.address().port;
    const clusterId = 9;
    // the program with bundles (the daemon's default): the kernel must take it (indirect loads, scratch memory, long jumps)
    const prog = buildKernelFilter({ clusterId, selfId: 1, maxPayload: 256, members: new Map([[2, { host: '127.0.0.1', port: peer.address().port }]]), sampleEvery: 0, bundleBytes: 1472 });
    const r = await attachKernelFilter(rx, prog);
    expect(r).toEqual({ ok: true });
    const got: string[] = [];
    rx.on('message', (m) => got.push(Buffer.from(m).subarray(0, 16).toString('hex')));
    const good = [
      frameOf({ dst: nodeMac(1), src: nodeMac(2), type: W.CONTROL, clusterId, srcNode: 2, payload: 60 }),
      frameOf({ dst: MAC_GROUP, src: nodeMac(2), type: W.APPEND, clusterId, srcNode: 2, payload: 30 }),
    ];
    const rand = new SeededRand(3);
    const junk = pool(rand, { targets: [], clusterId, memberIds: [1, 2], seed: 3, poolSize: 0 }, 1, 300).map((d) => d.bytes);
    const send = (s: Socket, b: Uint8Array): Promise<void> => new Promise((res) => s.send(b, port, '127.0.0.1', () => res()));
    for (const g of good) await send(peer, g);
    await send(peer, new Uint8Array([...good[0]!, ...good[1]!])); // a bundle of both: passes
    await send(peer, new Uint8Array([...good[0]!, ...good[1]!, 1, 2, 3])); // a bundle with trailing junk: dropped
    for (const g of good) await send(stranger, g); // right frames, wrong source
    for (const j of junk) await send(stranger, j); // (from the peer, the impostors would be the real thing)
    const client = frameOf({ dst: nodeMac(1), src: clientMac(5), type: W.REQ, clusterId, srcNode: 0xff, clientId: 5 });
    await send(stranger, client);
    await new Promise((res) => setTimeout(res, 200));
    expect(got.length).toBe(4);
    const line = readFileSync('/proc/net/udp', 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[1]?.endsWith(`:${port.toString(16).toUpperCase().padStart(4, '0')}`));
    const drops = Number(line!.trim().split(/\s+/).pop());
    expect(drops).toBe(3 + junk.length);
  });

  it('PlaneNet: queues per class, control first within a budget, a full queue drops and counts', async () => {
    const { rx, peer, clusterId, net } = await twoMembers();
    let readable = 0;
    net.onReadable = () => readable++;
    const port = rx.address().port;
    rx.setRecvBufferSize(4 << 20);
    let n = 0;
    const send = async (b: Uint8Array): Promise<void> => {
      await new Promise<void>((res) => peer.send(b, port, '127.0.0.1', () => res()));
      if (++n % 100 === 0) await new Promise((res) => setTimeout(res, 5)); // let the receiver read
    };
    const cap = RX_QUEUE_CAP[CLASS_CLIENT];
    for (let i = 0; i < cap + 10; i++) await send(frameOf({ dst: nodeMac(1), src: clientMac(100 + i), type: W.REQ, clusterId, srcNode: 0xff, clientId: 100 + i }));
    for (let i = 0; i < 5; i++) await send(frameOf({ dst: MAC_GROUP, src: nodeMac(2), type: W.HEARTBEAT, clusterId, srcNode: 2 }));
    for (let i = 0; i < 3; i++) await send(frameOf({ dst: nodeMac(1), src: nodeMac(2), type: W.CONTROL, clusterId, srcNode: 2, payload: 50 }));
    await new Promise((res) => setTimeout(res, 300));
    const st = net.snapshot()[0]!;
    expect(st.rxDropped.overload_client).toBe(10);
    expect(st.rxAccepted).toEqual({ control: 3, replication: 5, client: cap });
    expect(readable).toBe(cap + 8);
    const first = net.take([2, 4, 3])[0]!;
    expect(first.map((f) => f[15])).toEqual([W.CONTROL, W.CONTROL, W.HEARTBEAT, W.HEARTBEAT, W.HEARTBEAT, W.HEARTBEAT, W.REQ, W.REQ, W.REQ]);
    expect(net.queued).toBe(1 + 1 + cap - 3);
    const rest = net.take([100, 100, 10_000])[0]!;
    expect(rest.length).toBe(1 + 1 + cap - 3);
    expect(net.queued).toBe(0);
    expect(net.knownClients()).toBe(cap);
  });

  it('PlaneNet.inject (debug.frameInjection): the claimed source goes through the filter; the capture keeps what the socket delivered', async () => {
    const { rx, peer, clusterId, net } = await twoMembers();
    net.enableCapture();
    const hb = frameOf({ dst: MAC_GROUP, src: nodeMac(2), type: W.HEARTBEAT, clusterId, srcNode: 2 });
    // claimed from member 2's endpoint: accepted; from any other port: refused as from the socket
    expect(net.inject(0, hb, '127.0.0.1', peer.address().port)).toBe(CLASS_REPLICATION);
    expect(net.inject(0, hb, '127.0.0.1', peer.address().port + 1)).toBe(-1 - RX_DROP_REASONS.indexOf('wrong_source_address'));
    expect(net.inject(0, hb.subarray(0, 20), '127.0.0.1', peer.address().port)).toBe(-1 - RX_DROP_REASONS.indexOf('short'));
    net.setBlocked(0, true);
    expect(net.inject(0, hb, '127.0.0.1', peer.address().port)).toBe('blocked');
    net.setBlocked(0, false);
    expect(() => net.inject(1, hb, '127.0.0.1', peer.address().port)).toThrow(/plane 1 is not a plane/);
    const st = net.snapshot()[0]!;
    expect(st.rxAccepted.replication).toBe(1);
    expect(st.rxDropped.wrong_source_address).toBe(1);
    expect(st.rxDropped.short).toBe(1);
    expect(st.rxBlocked).toBe(1);
    expect(net.take([0, 10, 0])[0]!.length).toBe(1);
    // injected datagrams are not captured; one from the socket is, with its source
    expect(net.captured(0)).toEqual([]);
    await new Promise<void>((res) => peer.send(hb, rx.address().port, '127.0.0.1', () => res()));
    await new Promise((res) => setTimeout(res, 100));
    const cap = net.captured(0);
    expect(cap.length).toBe(1);
    expect(cap[0]!.port).toBe(peer.address().port);
    expect(Buffer.from(cap[0]!.datagram).equals(Buffer.from(hb))).toBe(true);
  });

  it('PlaneNet: the frames for one client address in a turn go out as one bundle, each plane\'s copy once; splitFrames', async () => {
    const p0 = await bind();
    const p1 = await bind();
    const cl = await bind();
    const clusterId = 5;
    const members: MemberConfig[] = [{ id: 1, planes: [{ host: '127.0.0.1', port: p0.address().port }, { host: '127.0.0.1', port: p1.address().port }] }];
    const net = new PlaneNet(1, members, [p0, p1], { clusterId, maxPayload: 256, bundleBytes: 400 });
    const got: Uint8Array[] = [];
    cl.on('message', (m) => got.push(new Uint8Array(m)));
    // the clients 7 and 8 (one pool: one address) send a request on both planes: the node learns their address
    for (const c of [7, 8]) for (const p of [p0, p1]) {
      const req = frameOf({ dst: nodeMac(1), src: clientMac(c), type: W.REQ, clusterId, srcNode: 0xff, clientId: c });
      await new Promise<void>((res) => cl.send(req, p.address().port, '127.0.0.1', () => res()));
    }
    await new Promise((res) => setTimeout(res, 100));
    expect(net.knownClients()).toBe(2);
    // three replies, each sent on both planes in one turn (as the NIC does), and one larger reply
    const reply = (c: number, payload: number) => frameOf({ dst: clientMac(c), src: nodeMac(1), type: W.REPLY, clusterId, srcNode: 1, clientId: c, payload });
    const r = [reply(7, 8), reply(8, 8), reply(7, 20), reply(8, 200)];
    for (const f of r.slice(0, 3)) { net.send(0, f); net.send(1, f.slice()); }
    net.send(0, r[3]!); // (HDR_BYTES 60) 68 + 68 + 80 + 260 bytes > 400: a second datagram
    await new Promise((res) => setTimeout(res, 200));
    expect(got.length).toBe(2);
    const frames = got.flatMap((d) => splitFrames(d)!);
    expect(frames.map((f) => Buffer.from(f).toString('hex'))).toEqual(r.map((f) => Buffer.from(f).toString('hex')));
    const st = net.snapshot();
    expect(st[0]!.txFrames + st[1]!.txFrames).toBe(7);
    expect(st[0]!.txDatagrams + st[1]!.txDatagrams).toBe(2);
    expect(st[0]!.txSameRoute + st[1]!.txSameRoute).toBe(3);
    expect(st[0]!.txBundled).toBe(3);
    // splitFrames: one frame, a bundle, and lengths that do not add up
    expect(splitFrames(r[0]!)!.length).toBe(1);
    expect(splitFrames(new Uint8Array([...r[0]!, ...r[3]!]))!.map((f) => f.length)).toEqual([HDR_BYTES + 8, HDR_BYTES + 200]);
    expect(splitFrames(new Uint8Array([...r[0]!, 1, 2, 3]))).toBeUndefined();
    expect(splitFrames(r[3]!.subarray(0, 100))).toBeUndefined();
    expect(splitFrames(new Uint8Array(0))).toBeUndefined();
    net.close();
  });
});
