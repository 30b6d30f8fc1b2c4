// Read scaling on RTL NICs (issue 19; bench/cluster.ts section readScaling, docs/benchmarks.md):
// a read-heavy closed loop (95% gets by default) against the real control plane (sim/raft-host.ts)
// with the software path's host cost model (sim/software-host.ts: one core per host, perFrameNs per
// frame in or out), gets from the leader only or from any replica (followers under read leases).
//
//   * gets go through the host path, as the daemon takes them (ctrl/daemon/node.ts: a get is
//     answered by the host's software without the log): a request reaches a host `hostLatency`
//     after it was sent, costs a frame in and a frame out on that host's core, and its reply
//     reaches the client `hostLatency` after the batch that produced it is done. At the leader:
//     a lease read (ReadIndex when the lease is not valid); at a follower: a read under its read
//     lease, or a refusal, after which the get goes to the leader (counted in the latency).
//     `readFrom` 'leader' sends every get to the leader; 'any' round robin over the replicas.
//     Both modes take the read index from the next tick's progress read (no register read per
//     get: core readIndexAtTick, and the follower's rule).
//   * writes (puts) go through the fast path as clients send them (REQ into the leader NIC, the
//     leader's host replies when it applies): KvClients on fabric endpoints, started whenever the
//     writes fall behind the write share of the completed operations.
//   * with 'any', follower leases are on (core followerReads): while they are out, the leader's NIC
//     commits only what every voter holds, which is what writesLatencyNs shows next to 'leader'.
//
// Figures: gets completed per second of simulated time in the measured window, their latency
// (request sent to reply received) p50/p99, and the writes' p99.

import { p50p99, type P50P99 } from './percentile.js';
import { RaftCluster } from './raft-host.js';
import { KvClient } from '../ctrl/app/client.js';
import { SeededRand } from '../ctrl/rand.js';
import { DEFAULT_SOFTWARE_COST, type SoftwareCost } from './software-host.js';

export interface ReadScalingSpec {
  replicas: number;
  readFrom: 'leader' | 'any';
  /** share of gets among the operations (default 0.95) */
  readShare?: number;
  /** gets in flight (closed loop; default 64 per replica: enough to saturate every host core) */
  outstanding?: number;
  warmupUs?: number;
  measureUs?: number;
  seed?: number;
  cost?: SoftwareCost;
  keys?: number;
  /** write clients (default 16) */
  writers?: number;
  /** the hosts' tick (default 2 us): a get waits for the next one for its read index */
  tickNs?: number;
}

export interface ReadScalingResult {
  replicas: number;
  readFrom: 'leader' | 'any';
  readsPerSec: number;
  writesPerSec: number;
  latencyNs: P50P99;
  writesLatencyNs: P50P99;
  reads: number;
  writes: number;
  /** gets answered by the leader / by a follower under its lease; refusals that went to the leader */
  readsBy: { leader: number; follower: number; refused: number };
  /** host core utilisation per replica in the window (0..1) */
  hostBusy: number[];
  /** the leader's follower-lease mode at the end */
  leaseMode: string;
  measureUs: number;
}


export function runReadScaling(spec: ReadScalingSpec): ReadScalingResult {
  const n = spec.replicas;
  const share = spec.readShare ?? 0.95;
  const outstanding = spec.outstanding ?? 64 * n;
  const writers = spec.writers ?? 16;
  const warmupUs = spec.warmupUs ?? 100;
  const measureUs = spec.measureUs ?? 200;
  const keys = spec.keys ?? 64;
  const seed = spec.seed ?? 1;
  const any = spec.readFrom === 'any';
  const rc = new RaftCluster({
    replicas: n, planes: 1, seed, kvClients: 0, rawClients: writers, workload: { clients: 1, ratePct: 0 },
    raft: {
      followerReads: any && n > 1, readIndexAtTick: true, tickNs: spec.tickNs ?? 2_000,
      hostCost: spec.cost ?? DEFAULT_SOFTWARE_COST,
    },
  });
  try {
    rc.campaign(0);
    if (!rc.runUntil(() => rc.leader() >= 0, rc.us(2000))) throw new Error(`read scaling: no leader (${rc.statusLines().join('; ')})`);
    const nsPer = rc.nsPerCycle;
    const now = (): number => rc.cycle * nsPer;
    const lat = rc.cluster.hostLatencyCycles;
    const rand = new SeededRand((seed * 7919 + n * 31 + (any ? 1 : 0)) >>> 0);
    const te = new TextEncoder();
    // writers: KvClients on the raw fabric endpoints (client ids after the traffic generator's)
    const ws = Array.from({ length: writers }, (_, k) => {
      const kv = new KvClient({
        clientId: rc.trafficClients + k + 1, clusterId: 1, nodes: Array.from({ length: n }, (_, i) => i + 1),
        attemptTimeoutNs: 200_000, maxAttempts: 20, transport: { send: (_to, f) => rc.cluster.clientSend(k, 0, f) },
      });
      return { k, kv, busy: false };
    });
    let measuring = false;
    let windowStart = 0;
    const readLat: number[] = [];
    const writeLat: number[] = [];
    let readsDone = 0;
    let writesIssued = 0;
    let writesDone = 0;
    let readsInWindow = 0;
    let writesInWindow = 0;
    const readsBy = { leader: 0, follower: 0, refused: 0 };
    let rr = 0;
    let inflight = 0;
    let stopped = false;
    let wseq = 0;

    const issueGet = (): void => {
      inflight++;
      const key = `k${rand.int(keys)}`;
      const t0 = now();
      const lead = rc.leader();
      const first = any ? rr++ % n : lead;
      const attempt = (port: number, fallback: boolean): void => {
        const host = rc.hosts[port]!;
        host.context().setTimer(rc.cycle + lat, () => {
          host.hostGet(host.context(), key, (r) => {
            // the reply reaches the client hostLatency after it left the host
            host.context().setTimer(rc.cycle + lat, () => {
              if (r.via === 'refused') {
                readsBy.refused++;
                const l = rc.leader();
                if (!fallback && l >= 0 && l !== port) { attempt(l, true); return; }
                // no leader to ask: try again later from the start
                host.context().setTimer(rc.cycle + rc.us(5), () => attempt(Math.max(0, rc.leader()), true));
                return;
              }
              if (r.via === 'follower') readsBy.follower++;
              else readsBy.leader++;
              readsDone++;
              inflight--;
              if (measuring) {
                readsInWindow++;
                readLat.push(now() - t0);
              }
              if (!stopped) issueGet();
            });
          });
        });
      };
      attempt(first < 0 ? 0 : first, !any);
    };

    const pumpWrites = (): void => {
      const t = now();
      for (const w of ws) {
        for (const f of rc.cluster.clientPoll(w.k)) if (!f.badFcs) w.kv.receive(f.frame, t);
        w.kv.tick(t);
      }
      if (stopped) return;
      // keep the writes at (1 - share) of the operations completed
      const want = Math.floor(((readsDone + writesDone) * (1 - share)) / share) - (writesIssued - writesDone) + 1;
      let room = Math.max(0, Math.min(want - writesDone, writers));
      for (const w of ws) {
        if (room <= 0) break;
        if (w.busy) continue;
        room--;
        w.busy = true;
        writesIssued++;
        const t0 = t;
        const key = `k${rand.int(keys)}`;
        w.kv.invoke({ op: 'put', key, value: te.encode(`w${++wseq}`) }, (o) => {
          w.busy = false;
          writesDone++;
          if (o.kind === 'ok' && measuring) {
            writesInWindow++;
            writeLat.push(now() - t0);
          }
        });
      }
    };
    rc.cluster.addPoller(pumpWrites);
    // a few writes first, so that the followers hold leases (with 'any') before the gets start
    rc.run(rc.us(60));
    for (let i = 0; i < outstanding; i++) issueGet();
    rc.run(rc.us(warmupUs));
    measuring = true;
    windowStart = now();
    const busy0 = rc.hosts.map((h) => h.busyCycles);
    const c0 = rc.cycle;
    rc.run(rc.us(measureUs));
    const cycles = rc.cycle - c0;
    stopped = true;
    measuring = false;
    const secs = (cycles * nsPer) / 1e9;
    const leaderPort = rc.leader();
    return {
      replicas: n, readFrom: spec.readFrom,
      readsPerSec: Math.round(readsInWindow / secs),
      writesPerSec: Math.round(writesInWindow / secs),
      latencyNs: p50p99(readLat),
      writesLatencyNs: p50p99(writeLat),
      reads: readsInWindow, writes: writesInWindow, readsBy,
      hostBusy: rc.hosts.map((h, i) => Math.round(((h.busyCycles - busy0[i]!) / cycles) * 1000) / 1000),
      leaseMode: leaderPort >= 0 ? rc.hosts[leaderPort]!.replica!.core.status().leases.mode : 'no leader',
      measureUs,
    };
  } finally {
    rc.destroy();
  }
}
