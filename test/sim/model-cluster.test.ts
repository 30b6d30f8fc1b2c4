// The ModelNic cluster runtime (sim/model-cluster.ts) under the chain world (sim/chain-world.ts): a
// fault-free chain answers every request through its tail, crashes of the head, a middle and the tail
// reconfigure the chain (and a restarted node rejoins at the tail), and one fault-free case against
// the RTL co-simulation (sim/cluster.ts): the same completions and the same reply latency. Seeds are
// fixed and printed with each case.
import { beforeAll, describe, expect, it } from 'vitest';
import { libraryPath } from '../../native/build.js';
import { ChainWorld, type ChainFabric, type ChainWorldConfig } from '../../sim/chain-world.js';
import { Cluster, type ClusterConfig } from '../../sim/cluster.js';
import { ModelCluster } from '../../sim/model-cluster.js';
import { MsgType, getSeq, getType } from '../../ctrl/wire/wire.gen.js';

const US = 250;   // cycles per microsecond at 250 MHz

function model(c: ClusterConfig): ChainFabric {
  return new ModelCluster(c);
}

/** Wraps a fabric's tapPoll to record, by seq, the cycle of each request's first send and of its first REPLY (ChainWorld drains the tap). */
function tapped(make: (c: ClusterConfig) => ChainFabric, replicas: number) {
  const req = new Map<number, number>();
  const rep = new Map<number, number>();
  const fabric = (c: ClusterConfig): ChainFabric => {
    const f = make(c);
    const orig = f.tapPoll.bind(f);
    f.tapPoll = () => {
      const r = orig();
      for (const t of r) {
        const ty = getType(t.frame), s = getSeq(t.frame);
        if (t.src >= replicas && ty === MsgType.REQ) { if (!req.has(s)) req.set(s, t.cycle); }
        else if (t.src < replicas && ty === MsgType.REPLY && !rep.has(s)) rep.set(s, t.cycle);
      }
      return r;
    };
    return f;
  };
  const latencies = (): number[] => {
    const out: number[] = [];
    for (const [s, c] of rep) { const r = req.get(s); if (r !== undefined) out.push(c - r); }
    return out.sort((a, b) => a - b);
  };
  return { fabric, latencies };
}

const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)]!;

describe('ModelCluster: a fault-free chain', () => {
  for (const planes of [1, 2]) {
    const seed = 11 + planes;
    it(`3 replicas, ${planes} plane(s), 30% load, 100 us (seed ${seed}): every request answered by the tail`, () => {
      const t0 = performance.now();
      const w = new ChainWorld({
        replicas: 3, planes, seed, fabric: model,
        workload: { ratePct: 30, clients: 2, stopCycle: 100 * US, retryCycles: 2500 },
      });
      try {
        w.run(100 * US);
        expect(w.drain(100 * US)).toBe(true);
        const c = w.check();
        const st = w.cluster.stats();
        const ctr = w.cluster.nicCounters().map((x) => x ?? ({} as Record<string, bigint>));
        const ms = performance.now() - t0;
        console.log(`[model-cluster] fault-free, ${planes} plane(s), seed ${seed}: offered ${st.offered}, completed ${st.completed}, retries ${st.retries}, ` +
          `dup_replies ${st.dup_replies}, log ${c.logLength}, REPLY_TX ${ctr.map((x) => x.REPLY_TX).join('/')}, cycle ${w.cluster.cycle}, ${ms.toFixed(0)} ms`);
        expect(c.problems).toEqual([]);
        expect(c.ok).toBe(true);
        expect(st.offered).toBeGreaterThan(3000);
        expect(st.completed).toBe(st.offered);
        expect(st.retries).toBe(0);
        expect(st.stray_replies).toBe(0);
        // the tail's NIC sent every reply (once per plane: the client counts the copies as dup_replies)
        expect(Number(ctr[2]!.REPLY_TX)).toBe(st.offered);
        expect(Number(ctr[0]!.REPLY_TX)).toBe(0);
        expect(Number(ctr[1]!.REPLY_TX)).toBe(0);
        expect(st.dup_replies).toBe((planes - 1) * st.offered);
        expect(c.logLength).toBe(st.offered);
        expect(c.epoch).toBe(1);
        expect(c.order).toEqual([0, 1, 2]);
      } finally {
        w.destroy();
      }
    }, 60_000);
  }
});

describe('ModelCluster: crashes reconfigure the chain', () => {
  const run = (cfg: Omit<ChainWorldConfig, 'fabric'>, label: string) => {
    const t0 = performance.now();
    const w = new ChainWorld({ ...cfg, fabric: model });
    try {
      w.run(200 * US);
      const drained = w.drain(2000 * US);
      const c = w.check();
      const st = w.cluster.stats();
      console.log(`[model-cluster] ${label} (seed ${cfg.seed}):\n  ${w.events.join('\n  ')}\n  -> epoch ${c.epoch}, order [${c.order.join(',')}], ` +
        `offered ${st.offered}, completed ${st.completed}, retries ${st.retries}, duplicates ${c.duplicates}, log ${c.logLength}, ` +
        `installed at ${JSON.stringify(w.installs.map((x) => [x.epoch, x.cycle]))}, ${(performance.now() - t0).toFixed(0)} ms`);
      return { w, c, drained };
    } finally {
      w.destroy();
    }
  };
  const base = (seed: number): Omit<ChainWorldConfig, 'fabric'> => ({
    replicas: 3, planes: 1, seed, workload: { ratePct: 30, clients: 2, stopCycle: 150 * US, retryCycles: 2500 },
  });

  for (const [node, name] of [[1, 'the middle'], [0, 'the head'], [2, 'the tail']] as const) {
    it(`${name} (node ${node}) crashes at 40 us: the master takes it out (epoch 2), every request answered`, () => {
      const seed = 5 + node;
      const { c, drained } = run({ ...base(seed), faults: [{ kind: 'crash', at: 40 * US, node }] }, `crash of node ${node} at 40 us`);
      expect(drained).toBe(true);
      expect(c.problems).toEqual([]);
      expect(c.ok).toBe(true);
      expect(c.epoch).toBe(2);
      expect(c.order).toEqual([0, 1, 2].filter((k) => k !== node));
      expect(c.completed).toBe(c.offered);
    }, 60_000);
  }

  it('the middle crashes at 40 us and restarts at 120 us: it rejoins at the tail', () => {
    const { c, drained } = run({ ...base(8), faults: [{ kind: 'crash', at: 40 * US, until: 120 * US, node: 1 }] }, 'crash of node 1 at 40 us, restart at 120 us');
    expect(drained).toBe(true);
    expect(c.problems).toEqual([]);
    expect(c.ok).toBe(true);
    expect(c.epoch).toBe(3);
    expect(c.order).toEqual([0, 2, 1]);
    expect(c.order.at(-1)).toBe(1);
  }, 60_000);
});

describe('ModelCluster against the RTL cluster', () => {
  beforeAll(() => {
    libraryPath();
  }, 900_000);

  it('fault-free, 3 replicas, 1 plane, 30% load, 100 us (seed 21): the same completions, reply latency within 10%', () => {
    const seed = 21;
    const cfg: Omit<ChainWorldConfig, 'fabric'> = { replicas: 3, planes: 1, seed, workload: { ratePct: 30, clients: 2, stopCycle: 100 * US, retryCycles: 2500 } };
    const results: Array<{ name: string; completed: number; offered: number; p50: number; p99: number; client: number; ms: number }> = [];
    for (const [name, make] of [['RTL', (c: ClusterConfig): ChainFabric => new Cluster(c)], ['model', model]] as const) {
      const t0 = performance.now();
      const tap = tapped(make, cfg.replicas);
      const w = new ChainWorld({ ...cfg, fabric: tap.fabric });
      try {
        w.run(100 * US);
        expect(w.drain(100 * US)).toBe(true);
        expect(w.check().ok).toBe(true);
        const st = w.cluster.stats();
        const lat = tap.latencies();
        const client = (w.cluster as unknown as { latency(): { p50: number } }).latency().p50;
        results.push({ name, completed: st.completed!, offered: st.offered!, p50: median(lat), p99: lat[Math.floor(lat.length * 0.99)]!, client, ms: performance.now() - t0 });
        expect(lat.length).toBe(st.offered);
      } finally {
        w.destroy();
      }
    }
    const [rtl, mod] = results as [typeof results[0], typeof results[0]];
    for (const r of results) {
      console.log(`[model-cluster] vs RTL, seed ${seed}: ${r.name}: offered ${r.offered}, completed ${r.completed}, ` +
        `tap latency (REQ sent -> tail's REPLY sent) p50 ${r.p50} p99 ${r.p99} cycles, client latency p50 ${r.client} cycles, ${r.ms.toFixed(0)} ms`);
    }
    expect(mod.offered).toBe(rtl.offered);
    expect(mod.completed).toBe(rtl.completed);
    expect(Math.abs(mod.p50 - rtl.p50)).toBeLessThanOrEqual(0.1 * rtl.p50);
    expect(Math.abs(mod.client - rtl.client)).toBeLessThanOrEqual(0.1 * rtl.client);
  }, 900_000);
});
