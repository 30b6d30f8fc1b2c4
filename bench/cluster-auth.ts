// Cluster load sweep with frame authentication off and on, side by side (issue 16: "the cluster sweep
// with authentication on: the same sustained loads as without, and the added latency"):
// bench/out/cluster-auth.json.
//
// The co-simulated cluster of RTL NICs of the cluster benchmark (sim/cluster.ts, native/fabric.cpp,
// the documented network model, 2 planes), the benchmark's NIC settings (BENCH_NIC, the ACK gap of
// its replica count), follower replies (each follower NIC replies to its share of the clients: the
// reply mode the benchmark sustains to 100%). The fabric's own traffic generator does not sign its
// REQs yet, so the clients here are the fabric's external clients driven from TypeScript: open loop,
// paced at the offered rate (a token bucket, clients in round robin, each request on one plane, round
// robin), one-beat requests (MIN_PAYLOAD: 4 bytes, 64-byte frames), REQs signed with the client key
// when authentication is on. With authentication on every NIC gets the node and client keys through
// the AUTH_* CSRs before AUTH_EN and FAST_EN (the static host, StaticHost, plus the key writes).
// Both settings run with the same driver, so the comparison is like for like; the main sweep
// (bench/cluster.ts, the C++ generator) is not this driver.
//
// A point is sustained as in the cluster benchmark: every request answered, no drop (fabric and NIC
// counters, except the by-design second-plane copies), p99.9 under twice the path's network floor.
//
//   npx tsx bench/cluster-auth.ts [--replicas 3,5] [--loads 50,85.5,95,100] [--requests 20000] [--seed 1]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../native/build.js';
import { Cluster, StaticHost, frameLen, lineRateFps, periodPs, type HostContext, type NicSettings } from '../sim/cluster.js';
import { FrameSigner, contextOf, deriveKey, keyWrites } from '../ctrl/nic/auth-keys.js';
import { ModelNic } from '../ctrl/nic/model.js';
import { BEAT_BYTES, Csr, Flag, HDR_BYTES, MsgType, clientMac, encodeFrame, getClientId, getSeq, getType, nodeMac } from '../ctrl/wire/wire.gen.js';
import { dropsOf, pinnedLibrary, replyFloorPs, variantOf } from './report/measure.js';
import { BENCH_HOST, BENCH_NIC, MIN_PAYLOAD, benchAckGapCycles } from './report/sections.js';
import { DEFAULT_NETWORK } from '../sim/cluster.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const REPLICAS = arg('replicas', '3').split(',').map(Number);
const LOADS = arg('loads', '50,85.5,95,100').split(',').map(Number);
const REQUESTS = Number(arg('requests', '20000'));
const SEED = Number(arg('seed', '1'));
const PLANES = 2;
const CLIENTS = 2;
const WARMUP_US = 5;
const DRAIN_US = 60;
const NODE_SECRET = new Uint8Array(32).fill(0x4e);
const CLIENT_SECRET = new Uint8Array(32).fill(0x43);

/** The static host of the benchmark, with the frame keys installed before AUTH_EN and FAST_EN. */
class AuthHost extends StaticHost {
  constructor(nic: NicSettings, private readonly writes: Array<[number, number]>) {
    super(nic, 0, true);
  }
  override start(ctx: HostContext): void {
    for (const [a, v] of this.writes) ctx.nic.writeCsr(a, v);
    super.start(ctx);
  }
}

function point(replicas: number, ratePct: number, auth: boolean) {
  const net = { ...DEFAULT_NETWORK };
  const P = periodPs(net);
  const cyc = (us: number) => Math.round(us * net.clockMHz);
  const variant = variantOf({ planes: PLANES });
  const maxBeats = Math.ceil((HDR_BYTES + new ModelNic().params.MAX_PAYLOAD) / BEAT_BYTES);
  const nodeKey = deriveKey(NODE_SECRET, 'node', 0, maxBeats);
  const clientKey = deriveKey(CLIENT_SECRET, 'client', 0, maxBeats);
  const writes: Array<[number, number]> = auth
    ? [
      ...keyWrites(contextOf('node', 0), nodeKey, maxBeats), ...keyWrites(contextOf('client', 0), clientKey, maxBeats),
      [Csr.RAFT_AUTH_KEY_VALID, (1 << contextOf('node', 0)) | (1 << contextOf('client', 0))],
      [Csr.RAFT_AUTH_TX_PN_LO, 1], [Csr.RAFT_AUTH_TX_PN_HI, 0], [Csr.RAFT_AUTH_EN, 1],
    ]
    : [];
  const nic: NicSettings = { ...BENCH_NIC, ackGapCycles: benchAckGapCycles(replicas, PLANES, net) } as NicSettings;
  const len = frameLen(MIN_PAYLOAD);
  const perCycle = (ratePct / 100) * lineRateFps(net, len) * P * 1e-12;
  const start = cyc(WARMUP_US) + 2000;         // after the key writes (one CSR write per cycle, behind the host latency)
  const warm = start + cyc(WARMUP_US);
  const stop = start + Math.ceil(REQUESTS / perCycle);
  const total = stop + cyc(DRAIN_US);
  const cluster = new Cluster({
    replicas, planes: PLANES, seed: SEED, network: net, nic,
    hostLatencyCycles: cyc(BENCH_HOST.latencyNs / 1000), hostPollCycles: Math.max(1, cyc(BENCH_HOST.pollNs / 1000)),
    host: () => new AuthHost(nic, writes),
    variant, libPath: pinnedLibrary(variant),
    workload: { mode: 'open', ratePct: 0, clients: 1, payloadBytes: MIN_PAYLOAD, reply: 'follower', planes: 'spread', retryCycles: 0, startCycle: 16, stopCycle: 0, maxRequests: 0, measureFromCycle: 0 },
    externalClients: CLIENTS,
  });
  const t0 = performance.now();
  const signer = auth ? new FrameSigner({ [contextOf('client', 0)]: clientKey }, maxBeats) : null;
  const sentAt: number[][] = Array.from({ length: CLIENTS }, () => []);
  const lat: number[] = [];
  let sent = 0, answered = 0, duplicates = 0, late = 0;
  const idOf = (k: number) => 1 + 1 + k;    // the generator's client is id 1; external client k is 2 + k
  const poll = () => {
    for (let k = 0; k < CLIENTS; k++) {
      for (const f of cluster.clientPoll(k)) {
        if (f.badFcs || f.frame.length < HDR_BYTES || getType(f.frame) !== MsgType.REPLY || getClientId(f.frame) !== idOf(k)) continue;
        const seq = getSeq(f.frame);
        const s = sentAt[k]![seq];
        if (s === undefined || s < 0) { duplicates++; continue; }
        sentAt[k]![seq] = -1;
        answered++;
        if (s >= warm) lat.push(f.cycle - s);
      }
    }
  };
  const due = (n: number) => start + Math.floor(n / perCycle);
  const send = () => {
    const now = cluster.cycle;
    if (now > due(sent)) late++;
    while (sent < REQUESTS && due(sent) <= now) {
      const k = sent % CLIENTS;
      const seq = 1 + Math.floor(sent / CLIENTS);
      let f = encodeFrame({
        dstMac: nodeMac(0), srcMac: clientMac(idOf(k)), type: MsgType.REQ, clusterId: 1, flags: Flag.FOLLOWER_REPLY,
        srcNode: 0xff, dstNode: 0, term: 0, logIndex: 0, commitIndex: 0, clientId: idOf(k), seq,
      }, new Uint8Array(MIN_PAYLOAD).fill(seq & 0xff));
      if (signer) f = signer.sign(f, 0, seq);
      cluster.clientSend(k, sent % PLANES, f);
      sentAt[k]![seq] = now;
      sent++;
    }
    if (sent < REQUESTS) cluster.setTimer(due(sent), send);
  };
  cluster.setTimer(start, send);
  cluster.addPoller(poll);
  try {
    cluster.run(total);
    poll();
    lat.sort((a, b) => a - b);
    const q = (p: number) => lat.length ? lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)]! : -1;
    const ns = (c: number) => c * P / 1000;
    const drops = dropsOf(cluster);
    const floorNs = replyFloorPs(net, MIN_PAYLOAD, 'follower', replicas) / 1000;
    const counters = cluster.nicCounters();
    const authDrops = counters.reduce((a, c) => a + Number((c?.DROP_AUTH_FAIL ?? 0n) + (c?.DROP_NO_KEY ?? 0n) + (c?.DROP_REPLAY ?? 0n)), 0);
    const p999 = ns(q(0.999));
    const r = {
      replicas, auth, offeredPct: ratePct, frameBytes: len, requests: sent, answered, lost: sent - answered, duplicates,
      samples: lat.length,
      latencyCycles: { p50: q(0.5), p99: q(0.99), p999: q(0.999), max: lat[lat.length - 1] ?? -1 },
      latencyNs: { p50: ns(q(0.5)), p99: ns(q(0.99)), p999 },
      networkFloorNs: Math.round(floorNs * 10) / 10,
      drops: drops.total, dropsByReason: drops.byReason, authDrops,
      sendLateTimers: late,
      sustained: sent === answered && drops.total === 0 && lat.length > 0 && p999 < 2 * floorNs,
      wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
    };
    console.log(`[cluster-auth] ${replicas}r ${String(ratePct).padStart(5)}% auth ${auth ? 'on ' : 'off'}  p50/p99/p99.9 ${r.latencyCycles.p50}/${r.latencyCycles.p99}/${r.latencyCycles.p999} cycles (${r.latencyNs.p50}/${r.latencyNs.p99}/${r.latencyNs.p999} ns)  ${answered}/${sent} answered  drops ${drops.total}  ${r.sustained ? 'sustained' : 'NOT sustained'}  ${r.wallSeconds} s`);
    return r;
  } finally {
    cluster.destroy();
  }
}

const points: Array<{ replicas: number; offeredPct: number; off: ReturnType<typeof point>; on: ReturnType<typeof point>; addedLatencyCycles: { p50: number; p99: number; p999: number }; sameSustained: boolean }> = [];
for (const n of REPLICAS) {
  for (const load of LOADS) {
    const off = point(n, load, false);
    const on = point(n, load, true);
    points.push({
      replicas: n, offeredPct: load, off, on,
      addedLatencyCycles: { p50: on.latencyCycles.p50 - off.latencyCycles.p50, p99: on.latencyCycles.p99 - off.latencyCycles.p99, p999: on.latencyCycles.p999 - off.latencyCycles.p999 },
      sameSustained: on.sustained === off.sustained,
    });
  }
}
const maxSustained = (auth: 'off' | 'on', n: number) => Math.max(-1, ...points.filter((p) => p.replicas === n && p[auth].sustained).map((p) => p.offeredPct));
const out = {
  config: {
    world: 'sim/cluster.ts (RTL NICs, native/fabric.cpp, DEFAULT_NETWORK), 2 planes, BENCH_NIC with the ACK gap of the replica count, follower replies',
    clients: `${CLIENTS} external clients driven from TypeScript, open loop paced at the offered rate (% of the line rate in ${frameLen(MIN_PAYLOAD)}-byte frames), round robin, each request on one plane (round robin), no retries`,
    payloadBytes: MIN_PAYLOAD, frameBytes: frameLen(MIN_PAYLOAD), requestsPerPoint: REQUESTS, warmupUs: WARMUP_US, drainUs: DRAIN_US, seed: SEED,
    auth: 'on: node and client keys in every NIC through the AUTH_* CSRs, AUTH_EN=1, REQs signed with the client key (FrameSigner)',
    sustained: 'every request answered, no drop (fabric and NIC, but the second-plane copies), p99.9 < 2 x the network floor of follower replies',
    command: `npx tsx bench/cluster-auth.ts ${process.argv.slice(2).join(' ')}`.trim(),
  },
  loadSweep: points,
  maxSustainedPct: Object.fromEntries(REPLICAS.map((n) => [String(n), { off: maxSustained('off', n), on: maxSustained('on', n) }])),
};
const file = join(ROOT, 'bench/out/cluster-auth.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
console.log(`highest sustained load (of ${LOADS.join(', ')}%): ${REPLICAS.map((n) => `${n} replicas off ${out.maxSustainedPct[String(n)]!.off}%, on ${out.maxSustainedPct[String(n)]!.on}%`).join('; ')}`);
console.log(`wrote ${file}`);
