// Chain-mode fault campaigns on the ModelNic cluster (verify/fuzz/chain.ts, sim/model-cluster.ts):
// each seed draws a chain of 2..5 replicas, 1..2 planes, payload, load, clients, retry timing, the
// chain master's timing and control-network delay, NIC silence detection or beats alone, and a
// schedule of crashes of a chain position (with or without a restart: the node rejoins at the tail),
// data-network partitions, loss, duplication, reordering delays and plane outages, read leases and
// crashes of the master (restarted from its stable storage); then the clients drain and the oracle
// checks one log across every node's persisted log, every reply a NIC sent against the log, no
// delivery gap, every request answered, the read-lease invariant. SEEDS=n scales, FROM=s moves the range,
// SEED=s replays one (`nicraft fuzz --chain --seed S` prints its events).
import { describe, expect, it } from 'vitest';
import { formatChainResult, runChainSeed, type ChainSeedResult } from '../../verify/fuzz/chain.js';
import { ModelCluster } from '../../sim/model-cluster.js';

const N = Number(process.env.SEEDS ?? 200);
const FROM = Number(process.env.FROM ?? 1);

function runRange(from: number, n: number): ChainSeedResult[] {
  const seeds = process.env.SEED ? [Number(process.env.SEED)] : Array.from({ length: n }, (_, i) => from + i);
  const out: ChainSeedResult[] = [];
  for (const s of seeds) {
    const r = runChainSeed(s, { backend: 'model', modelFabric: (c) => new ModelCluster(c) });
    if (!r.ok) console.log(`${formatChainResult(r)}\n  ${r.failures.slice(0, 10).join('\n  ')}\n  replay: ${r.replay}`);
    out.push(r);
  }
  return out;
}

describe('chain campaigns, ModelNic cluster', () => {
  // in chunks of 20 seeds (a test that holds the worker for minutes starves vitest's RPC)
  const rs: ChainSeedResult[] = [];
  const CHUNK = 20;
  for (let from = FROM; from < FROM + N; from += CHUNK) {
    const n = Math.min(CHUNK, FROM + N - from);
    it(`seeds ${from}..${from + n - 1}: one log, every reply matches it, every request answered`, () => {
      const got = runRange(from, n);
      rs.push(...got);
      expect(got.filter((r) => !r.ok).map((r) => r.replay)).toEqual([]);
    }, 300_000);
    if (process.env.SEED) break;
  }

  it(`the campaign (seeds ${FROM}..${FROM + N - 1}) crashed every position, rejoined nodes, drew every chain length`, () => {
    const sum = (f: (r: ChainSeedResult) => number): number => rs.reduce((a, r) => a + f(r), 0);
    const pos = { head: sum((r) => r.byPosition.head), middle: sum((r) => r.byPosition.middle), tail: sum((r) => r.byPosition.tail) };
    console.log(`[chain campaign, ModelNic] ${rs.length} seeds (${FROM}..), ${rs.filter((r) => r.ok).length} passed; crashes: head ${pos.head}, middle ${pos.middle}, tail ${pos.tail} ` +
      `(${sum((r) => r.skipped)} skipped); ${sum((r) => r.check.reconfigurations)} reconfigurations; ${sum((r) => r.check.completed)} requests answered, ` +
      `${sum((r) => r.check.replies)} replies checked, ${sum((r) => r.check.duplicates)} resent entries executed once; replicas ${[2, 3, 4, 5].map((k) => `${k}: ${rs.filter((r) => r.schedule.replicas === k).length}`).join(', ')}; ` +
      `NIC silence detection in ${rs.filter((r) => r.schedule.control.silenceCycles > 0).length}; read leases in ${rs.filter((r) => r.schedule.control.readLeaseNs > 0).length} ` +
      `(${sum((r) => r.master.leaseWaits)} changes waited for one); master restarts ${sum((r) => r.masterCrashes.length)} ` +
      `(${sum((r) => r.masterCrashes.filter((p) => p !== 'run').length)} during a change); ${sum((r) => r.simUs).toFixed(0)} us simulated`);
    if (!process.env.SEED && N >= 100) {
      expect(pos.head).toBeGreaterThan(20);
      expect(pos.middle).toBeGreaterThan(20);
      expect(pos.tail).toBeGreaterThan(20);
      expect(rs.filter((r) => r.events.some((e) => /joining/.test(e)) && r.check.order.length > 1).length).toBeGreaterThan(20);
      for (const k of [2, 3, 4, 5]) expect(rs.filter((r) => r.schedule.replicas === k).length).toBeGreaterThan(5);
      expect(sum((r) => r.masterCrashes.filter((p) => p !== 'run').length), 'master restarts during a change').toBeGreaterThan(10);
      expect(sum((r) => r.master.leaseWaits), 'changes that waited for a read lease').toBeGreaterThan(0);
    }
  });
});
