// Frame authentication cost on the ModelNic (the cycle-accurate mirror of the RTL; make bench-auth), or
// with --rtl on the RTL itself (VerilatedNic, the default variant; bench/out/auth-rtl.json):
// a leader NIC (a one-node cluster: every entry commits at once) offered one REQ per cycle (one beat: 4-byte payload; and two beats: 20-byte payload),
// with AUTH_EN off and on (client REQs signed with the client key): requests sequenced per cycle, drops,
// and the latency from a REQ's last beat on the wire to its APPEND's last beat out, in cycles.
// (The RTL benchmark, bench/nic.ts, drives native/world_b2b.cpp, whose C++ clients do not sign yet.)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelNic } from '../ctrl/nic/model.js';
import { VerilatedNic } from '../ctrl/nic/verilated.js';
import type { Nic } from '../ctrl/nic/nic.js';
import { FrameSigner, contextOf, deriveKey, keyWrites } from '../ctrl/nic/auth-keys.js';
import { Csr, HDR_BYTES, MsgType, clientMac, decodeHeader, encodeFrame, nodeMac, MAC_GROUP } from '../ctrl/wire/wire.gen.js';
import type { RxFrame } from '../ctrl/nic/nic.js';

const CYCLES = Number(process.env.AUTH_BENCH_CYCLES ?? 20_000);
const RTL = process.argv.includes('--rtl');

function run(auth: boolean, payload: number): Record<string, number | boolean> {
  const model = new ModelNic();
  const n: Nic = RTL ? new VerilatedNic() : model;
  const maxBeats = Math.ceil((HDR_BYTES + model.params.MAX_PAYLOAD) / 64);
  const secret = new Uint8Array(32).fill(3), csecret = new Uint8Array(32).fill(5);
  const w: Array<[number, number]> = [
    [Csr.RAFT_NODE_ID, 0], [Csr.RAFT_TERM, 1], [Csr.RAFT_MEMBERS, 1], [Csr.RAFT_QUORUM, 1], [Csr.RAFT_LEADER_ID, 0],
  ];
  if (auth) {
    w.push(...keyWrites(contextOf('node', 0), deriveKey(secret, 'node', 0, maxBeats), maxBeats));
    w.push(...keyWrites(contextOf('client', 0), deriveKey(csecret, 'client', 0, maxBeats), maxBeats));
    w.push([Csr.RAFT_AUTH_KEY_VALID, 5], [Csr.RAFT_AUTH_TX_PN_LO, 1], [Csr.RAFT_AUTH_TX_PN_HI, 0], [Csr.RAFT_AUTH_EN, 1]);
  }
  w.push([Csr.RAFT_ROLE, 2], [Csr.RAFT_FAST_EN, 1]);
  for (const [a, v] of w) n.writeCsr(a, v);
  n.flush();
  const signer = new FrameSigner({ [contextOf('client', 0)]: deriveKey(csecret, 'client', 0, maxBeats) }, maxBeats);
  const t0 = n.cycle + 10;
  const beats = Math.ceil((HDR_BYTES + payload) / 64);
  const frames: RxFrame[] = [];
  const sentAt = new Map<number, number>();
  for (let i = 0; i < CYCLES / beats; i++) {
    let f = encodeFrame({ dstMac: nodeMac(0), srcMac: clientMac(1), type: MsgType.REQ, clusterId: 1, flags: 0, srcNode: 0xff, dstNode: 0, term: 0, logIndex: 0, commitIndex: 0, clientId: 1 + (i % 50), seq: i }, new Uint8Array(payload).fill(i & 0xff));
    if (auth) f = signer.sign(f);
    const at = t0 + i * beats;
    frames.push({ frame: f, atCycle: at });
    sentAt.set(i, at + beats - 1);   // its last beat
  }
  n.pushRx(0, frames);
  // a one-node cluster (QUORUM 1): entries commit at once and go to the host, which takes them; the APPENDs go out on plane 0
  const lat: number[] = [];
  let appends = 0;
  for (let c = 0; c < CYCLES + 2000; c += 1000) {
    n.step(1000);
    for (const t of n.pullTx(0)) {
      const h = decodeHeader(t.frame);
      if (h.type !== MsgType.APPEND) continue;
      appends++;
      const s = sentAt.get(h.seq);
      if (s !== undefined) lat.push(t.cycle - s);
    }
    n.pollHost();
  }
  const c = n.readCounters();
  lat.sort((a, b) => a - b);
  void MAC_GROUP;
  if (RTL) (n as VerilatedNic).close();
  return {
    auth, payloadBytes: payload, beatsPerReq: beats, offeredReqs: frames.length, sequenced: Number(c.REQ_SEQUENCED),
    // the offered REQs span frames*beats cycles (one beat a cycle)
    reqsPerCycle: Number((Number(c.REQ_SEQUENCED) / (frames.length * beats)).toFixed(4)),
    beatsTakenPerCycle: Number((Number(c.REQ_SEQUENCED) * beats / (frames.length * beats)).toFixed(4)),
    dropped: Number(c.DROPPED), authFail: Number(c.DROP_AUTH_FAIL), appendsOut: appends,
    latencyMinCycles: lat[0] ?? -1, latencyP50Cycles: lat[Math.floor(lat.length / 2)] ?? -1, latencyMaxCycles: lat[lat.length - 1] ?? -1,
  };
}

const rows = [];
for (const payload of [4, 20]) for (const auth of [false, true]) rows.push(run(auth, payload));
for (const r of rows) console.log(JSON.stringify(r));
mkdirSync(join(process.cwd(), 'bench/out'), { recursive: true });
writeFileSync(join(process.cwd(), `bench/out/auth-${RTL ? 'rtl' : 'model'}.json`), JSON.stringify({ nic: RTL ? 'VerilatedNic (default variant)' : 'ModelNic', cycles: CYCLES, rows }, null, 2) + '\n');
