// Chain reconfiguration on RTL NICs (sim/chain-world.ts, ctrl/chain): a crash of each chain position
// (3 and 5 replicas) is detected (NIC silence reports, beats), the chain relinked without the node
// (its successor caught up from the new head's log), the epoch bumped, and a restarted node rejoins at
// the tail; and 10 seeds of the chain campaign (verify/fuzz/chain.ts) on RTL NICs. Seeds are fixed and
// printed. RTL_SEEDS=n scales the campaign, RTL_FROM=s moves it.
import { beforeAll, describe, expect, it } from 'vitest';
import { libraryPath } from '../../native/build.js';
import { ChainWorld, runChainFailover } from '../../sim/chain-world.js';
import { ChainMaster, chainPlaceIn } from '../../ctrl/chain/master.js';
import { formatChainResult, runChainSeed, type ChainSeedResult } from '../../verify/fuzz/chain.js';

const RTL_N = Number(process.env.RTL_SEEDS ?? 10);
const RTL_FROM = Number(process.env.RTL_FROM ?? 1);

beforeAll(() => {
  libraryPath();
  libraryPath({ params: { PLANES: 2 } });
}, 900_000);

describe('chain master and places', () => {
  it('places in any order; a bad initial configuration is named', () => {
    expect(chainPlaceIn([2, 0, 1], 2)).toMatchObject({ role: 2, succ: 0, chain: 0 });
    expect(chainPlaceIn([2, 0, 1], 0)).toMatchObject({ role: 3, pred: 2, succ: 1, leaderId: 2, members: 0b011, quorum: 2 });
    expect(chainPlaceIn([2, 0, 1], 1)).toMatchObject({ role: 1, pred: 0, tail: true, chain: 0x1ff, members: 0b011, quorum: 1 });
    expect(chainPlaceIn([4], 4)).toMatchObject({ role: 2, succ: 0xff, quorum: 1 });
    expect(() => chainPlaceIn([0, 1], 2)).toThrow(/not in the order/);
    const o = { nodes: [0, 1, 2], epoch: 1, suspectNs: 10, roundTimeoutNs: 10 };
    expect(() => new ChainMaster({ ...o, order: [] })).toThrow(/empty/);
    expect(() => new ChainMaster({ ...o, order: [0, 3] })).toThrow(/not one of the nodes/);
    expect(() => new ChainMaster({ ...o, order: [0, 0] })).toThrow(/repeats/);
    expect(() => new ChainWorld({ replicas: 3, planes: 1, seed: 1, control: { suspectNs: 5_000, ctlDelayNs: 5_000 } })).toThrow(/suspectNs .* must be at least 2 x \(beatNs \+ ctlDelayNs\)/);
  });
});

describe('chain failover on RTL NICs', () => {
  const cases = [
    { replicas: 3, position: 'head' }, { replicas: 3, position: 'middle' }, { replicas: 3, position: 'tail' },
    { replicas: 5, position: 'head' }, { replicas: 5, position: 'middle' }, { replicas: 5, position: 'tail' },
  ] as const;
  for (const k of cases) {
    it(`${k.replicas} replicas, a crash of the ${k.position} at 60% load (seed 3): relinked, nothing lost, one log`, () => {
      const r = runChainFailover({ ...k, planes: 2, seed: 3, ratePct: 60, retryBudgetPct: 6, retryUs: 20, payloadBytes: 16, clients: 2, crashAtUs: 40, afterUs: 120 });
      console.log(`[chain failover] ${JSON.stringify(r)}`);
      expect(r.problems).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.completed).toBe(r.offered);
      expect(r.firstCommitUs).not.toBeNull();
      expect(r.detectUs!).toBeGreaterThan(0);
      expect(r.installedUs!).toBeGreaterThan(r.detectUs!);
      expect(r.firstCommitUs!).toBeGreaterThan(r.detectUs!);
    }, 300_000);
  }

  it('a crashed middle restarts and rejoins at the tail after catching up from its persisted log and the head (3 replicas, seed 5)', () => {
    const us = 250;
    const w = new ChainWorld({ replicas: 3, planes: 1, seed: 5, workload: { ratePct: 30, clients: 2, stopCycle: 150 * us, retryCycles: 10 * us },
      faults: [{ kind: 'crash', at: 40 * us, node: 1, until: 120 * us }] });
    try {
      w.run(200 * us);
      w.drain(3000 * us);
      w.cluster.runUntil(() => w.master.phase === 'run', 1000 * us, 5000);
      const c = w.check();
      console.log(`[chain rejoin] ${JSON.stringify({ ...c, installs: w.installs })}\n${w.events.join('\n')}`);
      expect(c.problems).toEqual([]);
      expect(w.installs.map((i) => i.order)).toEqual([[0, 2], [0, 2, 1]]);
      expect(w.installs[1]!.epoch).toBe(3);
      // the rejoiner took the entries committed while it was down straight into its persisted log, the rest into its NIC's
      expect(w.nodes[1]!.stats.entriesToHostLog).toBeGreaterThan(0);
      expect(w.nodes[1]!.stats.installs).toBe(1);
      expect(w.nodes[1]!.incarnation).toBe(1);
      // every node persisted the same log
      expect(w.nodes[1]!.committed.length).toBe(w.nodes[0]!.committed.length);
    } finally {
      w.destroy();
    }
  }, 300_000);
});

describe('chain campaigns, RTL NICs', () => {
  // one test per seed (a test that holds the worker long starves vitest's RPC)
  const rs: ChainSeedResult[] = [];
  for (let i = 0; i < RTL_N; i++) {
    const seed = RTL_FROM + i;
    it(`seed ${seed}: one log, every reply matches it, every request answered`, () => {
      const r = runChainSeed(seed, { backend: 'rtl' });
      rs.push(r);
      console.log(formatChainResult(r) + (r.ok ? '' : `\n  ${r.failures.slice(0, 10).join('\n  ')}`));
      expect(r.failures).toEqual([]);
    }, 300_000);
  }
  it(`seeds ${RTL_FROM}..${RTL_FROM + RTL_N - 1} crashed chain nodes`, () => {
    expect(rs.reduce((a, r) => a + r.crashes, 0)).toBeGreaterThan(3);
  });
});
