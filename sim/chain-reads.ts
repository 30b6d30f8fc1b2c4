// Reads over chain replication (bench/report/sections.ts readScaling, `chainReads[]`; docs/replication-modes.md
// "Reads without the log"): the KV store on a chain (sim/chain-kv.ts: the chain master and nodes, the
// KV application on every host, RTL NICs or the ModelNic cluster) and a closed loop of KV clients (the
// client library, ctrl/app/client.ts), each with one operation in flight: a get with probability
// `readShare`, else a put. Two ways to read:
//
//   'log'    every get goes to the head and through the log (a slot, the whole chain, the tail's answer);
//   'lease'  read leases on, gets go to the members round robin (readFrom 'any'): a member under its
//            lease answers from its store once it applied its NIC's LAST_INDEX; the head's NIC
//            sequences the gets sent to it (they go through the log as in 'log').
//
// The hosts take frames from their NICs and the clients from the network at each host poll (every
// hostPollCycles, 1 us by default, as in every world of sim/cluster.ts); a client sends its next
// operation at the poll that gave it the reply. Latencies are measured from the send to the reply's
// arrival at the client's port (cycle exact).
//
// Figures: get and put latency (request sent to reply received) p50/p99 in the measured window, how
// many gets were answered under a lease, and log entries per operation (gets through the log take one).
import { p50p99, type P50P99 } from './percentile.js';
import { ChainKvWorld } from './chain-kv.js';
import { KvClient } from '../ctrl/app/client.js';
import { SeededRand } from '../ctrl/rand.js';

export interface ChainReadsSpec {
  replicas: number;
  reads: 'log' | 'lease';
  /** KV clients, one operation in flight each (default 8) */
  clients?: number;
  /** share of gets (default 0.9) */
  readShare?: number;
  keys?: number;
  warmupUs?: number;
  measureUs?: number;
  seed?: number;
  backend?: 'rtl' | 'model';
}

export interface ChainReadsResult {
  replicas: number;
  reads: 'log' | 'lease';
  backend: 'rtl' | 'model';
  clients: number;
  gets: number;
  puts: number;
  getsPerSec: number;
  getLatencyNs: P50P99;
  putLatencyNs: P50P99;
  /** gets answered under a read lease by a member's host (the rest went through the log) */
  leaseReads: number;
  /** of them, answered after waiting for the store to apply the floor */
  leaseReadsWaited: number;
  /** log entries appended in the window per completed operation */
  logEntriesPerOp: number;
  measureUs: number;
}


export function runChainReads(spec: ChainReadsSpec): ChainReadsResult {
  const n = spec.replicas;
  const clients = spec.clients ?? 8;
  const share = spec.readShare ?? 0.9;
  const keys = spec.keys ?? 16;
  const warmupUs = spec.warmupUs ?? 50;
  const measureUs = spec.measureUs ?? 200;
  const seed = spec.seed ?? 1;
  const backend = spec.backend ?? 'rtl';
  const lease = spec.reads === 'lease';
  // the control plane's timing: beats every 2 us, 1 us one way; leases of 8 us (renewed every 2 us)
  const kw = new ChainKvWorld({
    replicas: n, planes: 1, seed, clients, backend,
    control: { beatNs: 2_000, suspectNs: 10_000, ctlDelayNs: 1_000, readLeaseNs: lease ? 8_000 : 0 },
  });
  try {
    const w = kw.world;
    const rand = new SeededRand((seed * 7919 + n * 31 + (lease ? 1 : 0)) >>> 0);
    const te = new TextEncoder();
    let measuring = false;
    let stopped = false;
    const getLat: number[] = [];
    const putLat: number[] = [];
    let seq = 0;
    const cs = Array.from({ length: clients }, (_, k) => ({
      k,
      lastAtNs: 0,
      kv: new KvClient({
        clientId: kw.clientIdBase + k + 1, clusterId: 1, nodes: kw.nodes, attemptTimeoutNs: 100_000, maxAttempts: 20,
        readFrom: lease ? 'any' : 'leader',
        transport: { send: (_to, f) => kw.net.send(k, 0, f) },
      }),
    }));
    const issue = (c: (typeof cs)[number]): void => {
      if (stopped) return;
      const t0 = kw.net.nowNs();
      const key = `k${rand.int(keys)}`;
      const get = rand.next() < share;
      c.kv.invoke(get ? { op: 'get', key } : { op: 'put', key, value: te.encode(`v${++seq}`) }, (o) => {
        // the reply's arrival at the client (the poller hands it over at the next host poll)
        if (o.kind === 'ok' && measuring) (get ? getLat : putLat).push(c.lastAtNs - t0);
        issue(c);
      });
    };
    kw.cluster.addPoller(() => {
      const t = kw.net.nowNs();
      for (const c of cs) {
        for (const f of kw.net.pollAt(c.k)) {
          c.lastAtNs = f.atNs;
          c.kv.receive(f.frame, t);
        }
        c.kv.tick(t);
      }
    });
    // the leases are granted with the first beats; then the clients start
    w.run(kw.us(10));
    for (const c of cs) issue(c);
    w.run(kw.us(warmupUs));
    const stats0 = kw.apps.map((a) => ({ ...a.stats }));
    const log0 = Math.max(...w.nodes.map((x) => x.committed.length));
    measuring = true;
    const c0 = w.cluster.cycle;
    w.run(kw.us(measureUs));
    measuring = false;
    stopped = true;
    const secs = ((w.cluster.cycle - c0) * kw.nsPerCycle) / 1e9;
    const log1 = Math.max(...w.nodes.map((x) => x.committed.length));
    const leaseReads = kw.apps.reduce((a, x, i) => a + x.stats.leaseReads - stats0[i]!.leaseReads, 0);
    const waited = kw.apps.reduce((a, x, i) => a + x.stats.leaseReadsWaited - stats0[i]!.leaseReadsWaited, 0);
    const ops = getLat.length + putLat.length;
    const problems = w.check().problems.filter((p) => !/never answered/.test(p));
    if (problems.length) throw new Error(`chain reads (${n} replicas, ${spec.reads}): ${problems.slice(0, 3).join('; ')}`);
    return {
      replicas: n, reads: spec.reads, backend, clients,
      gets: getLat.length, puts: putLat.length,
      getsPerSec: Math.round(getLat.length / secs),
      getLatencyNs: p50p99(getLat),
      putLatencyNs: p50p99(putLat),
      leaseReads, leaseReadsWaited: waited,
      logEntriesPerOp: ops ? Math.round(((log1 - log0) / ops) * 1000) / 1000 : 0,
      measureUs,
    };
  } finally {
    kw.destroy();
  }
}
