// Chain replication in the co-simulated cluster of RTL NICs (issue 21, docs/replication-modes.md): the
// static chain 0 -> 1 -> ... (sim/cluster.ts chainPlace) with the tail's replies. Every request gets a
// reply, every node commits the same entries in the same order (checked entry by entry from the
// committed frames each host receives), each node's uplink carries each command once (the head sends
// its APPENDs to its successor alone), gaps from lost frames are repaired hop by hop (NACKs to the
// predecessor, resent from its log), for 3 and 5 replicas, 1 and 2 planes, small and larger payloads.
// Seeds are fixed and printed with each case.
import { beforeAll, describe, expect, it } from 'vitest';
import { libraryPath } from '../../native/build.js';
import { Cluster, chainPlace, type ClusterConfig, type HostContext, type HostSoftware, StaticHost, type NicSettings } from '../../sim/cluster.js';
import { Csr, HostReason, getClientId, getLogIndex, getSeq } from '../../ctrl/wire/wire.gen.js';
import { ScenarioError, loadScenario, parseScenario } from '../../sim/scenario-config.js';
import { CHAIN_NIC_SETTINGS } from '../../sim/chain-world.js';

const BUILD = 900_000;
const CHAIN_NIC: NicSettings = CHAIN_NIC_SETTINGS;

beforeAll(() => {
  libraryPath();
  libraryPath({ params: { PLANES: 2 } });
}, BUILD);

function counters(c: Cluster, node: number): Record<string, number> {
  const x = c.nicCounters()[node];
  return Object.fromEntries(Object.entries(x ?? {}).map(([k, v]) => [k, Number(v)]));
}

/** Runs a chain cluster whose static hosts record the committed entries they receive: node -> [index, client, seq]. */
function runChain(cfg: Omit<ClusterConfig, 'host' | 'keepCommitted' | 'replication'>, cycles: number) {
  const committed: Array<Array<[number, number, number]>> = Array.from({ length: cfg.replicas }, () => []);
  const host = (n: number): HostSoftware => {
    const s = new StaticHost(CHAIN_NIC, 0, true, true);
    return {
      start: (ctx: HostContext) => s.start(ctx),
      onHostFrames: (_ctx: HostContext, frames) => {
        for (const f of frames) {
          if (f.reason !== HostReason.COMMITTED) continue;
          committed[n]!.push([getLogIndex(f.frame), getClientId(f.frame), getSeq(f.frame)]);
        }
      },
    };
  };
  const c = new Cluster({ ...cfg, replication: 'chain', keepCommitted: true, host, nic: CHAIN_NIC });
  try {
    c.run(cycles);
    return { st: c.stats(), ctr: Array.from({ length: cfg.replicas }, (_, i) => counters(c, i)), committed, chain: Array.from({ length: cfg.replicas }, (_, i) => c.nics[i]!.readCsr(Csr.RAFT_CHAIN)) };
  } finally {
    c.destroy();
  }
}

describe('chain places', () => {
  it('head, middles and tail: roles, predecessors, successors, MEMBERS, QUORUM and CHAIN words', () => {
    expect([0, 1, 2].map((n) => chainPlace(n, 0, 3))).toEqual([
      { pos: 0, pred: 0, succ: 1, tail: false, role: 2, leaderId: 0, members: 0b011, quorum: 2, chain: 1 },
      { pos: 1, pred: 0, succ: 2, tail: false, role: 3, leaderId: 0, members: 0b110, quorum: 2, chain: 2 },
      { pos: 2, pred: 1, succ: 0xff, tail: true, role: 1, leaderId: 1, members: 0b110, quorum: 1, chain: 0x1ff },
    ]);
    // a head other than node 0: the chain wraps (leader 3 of 5: 3 -> 4 -> 0 -> 1 -> 2)
    expect([3, 4, 0, 1, 2].map((n) => { const p = chainPlace(n, 3, 5); return [p.pos, p.pred, p.succ, p.role]; }))
      .toEqual([[0, 3, 4, 2], [1, 3, 0, 3], [2, 4, 1, 3], [3, 0, 2, 3], [4, 1, 0xff, 1]]);
    // one replica: a head without a successor, alone in its quorum
    expect(chainPlace(0, 0, 1)).toMatchObject({ role: 2, succ: 0xff, quorum: 1, chain: 0xff });
  });
});

describe('chain replication, RTL NICs', () => {
  const cases: Array<{ replicas: number; planes: number; ratePct: number; payloadBytes: number; seed: number }> = [
    { replicas: 3, planes: 2, ratePct: 90, payloadBytes: 4, seed: 1 },
    { replicas: 5, planes: 2, ratePct: 60, payloadBytes: 4, seed: 2 },
    { replicas: 3, planes: 1, ratePct: 50, payloadBytes: 100, seed: 3 },
  ];
  for (const k of cases) {
    it(`fault-free, ${k.replicas} replicas, ${k.planes} plane(s), ${k.ratePct}%, ${k.payloadBytes}-byte payloads (seed ${k.seed}): every request answered by the tail, one log`, () => {
      const r = runChain({
        replicas: k.replicas, planes: k.planes, seed: k.seed,
        workload: { ratePct: k.ratePct, clients: 2, stopCycle: 12_000, reply: 'follower', payloadBytes: k.payloadBytes },
      }, 20_000);
      console.log(`[chain] ${JSON.stringify(k)}: offered ${r.st.offered}, completed ${r.st.completed}, per node committed ${r.committed.map((x) => x.length).join('/')}`);
      expect(r.st.offered).toBeGreaterThan(1000);
      expect(r.st.completed).toBe(r.st.offered);
      expect(r.st.retries).toBe(0);
      const n = k.replicas;
      const tail = n - 1;
      // the tail answered every request; no other node replied
      expect(r.ctr[tail]!.REPLY_TX).toBe(r.st.offered);
      for (let i = 0; i < tail; i++) expect(r.ctr[i]!.REPLY_TX).toBe(0);
      // one log: every node committed the same entries in the same order, indexes 1, 2, 3, ...
      for (let i = 0; i < n; i++) {
        expect(r.committed[i]!.length).toBe(r.st.offered);
        expect(r.committed[i]!.map((e) => e[0])).toEqual(r.committed[0]!.map((_, j) => j + 1));
        expect(r.committed[i]).toEqual(r.committed[0]);
      }
      // each node's uplink carries each command once: the head's APPENDs go to its successor alone, each
      // middle forwards what it takes (and nothing is dropped but the second plane's copies)
      expect(r.ctr[0]!.REQ_SEQUENCED).toBe(r.st.offered);
      for (let i = 1; i < n; i++) expect(r.ctr[i]!.APPEND_ACCEPTED + r.ctr[i]!.APPEND_BUFFERED).toBe(r.st.offered);
      for (let i = 0; i < n; i++) {
        const drops = Object.entries(r.ctr[i]!).filter(([key, v]) => key.startsWith('DROP_') && key !== 'DROP_PLANE_DUP' && v !== 0);
        expect(drops, `node ${i} drops`).toEqual([]);
        expect(r.ctr[i]!.RETRANSMIT_TX).toBe(0);
      }
      // the CHAIN registers as the static hosts wrote them (successor, tail bit)
      expect(r.chain).toEqual(Array.from({ length: n }, (_, i) => chainPlace(i, 0, n).chain));
    }, 300_000);
  }

  it('lost frames: gaps are repaired hop by hop (NACKs to the predecessor), nothing lost, one log (seed 4)', () => {
    const r = runChain({
      replicas: 3, planes: 2, seed: 4,
      workload: { ratePct: 60, clients: 2, stopCycle: 15_000, reply: 'follower', retryCycles: 5000 },
      faults: [{ kind: 'drop', at: 2000, until: 12_000, prob: 0.03 }],
    }, 40_000);
    console.log(`[chain] loss 3%: offered ${r.st.offered}, completed ${r.st.completed}, retries ${r.st.retries}; NACK_TX ${r.ctr.map((x) => x.NACK_TX).join('/')}, RETRANSMIT_TX ${r.ctr.map((x) => x.RETRANSMIT_TX).join('/')}`);
    expect(r.st.completed).toBe(r.st.offered);
    // both hops repaired gaps: the middle NACKed the head, the tail NACKed the middle, which resent from its log
    expect(r.ctr[1]!.NACK_TX).toBeGreaterThan(0);
    expect(r.ctr[2]!.NACK_TX).toBeGreaterThan(0);
    expect(r.ctr[0]!.RETRANSMIT_TX).toBeGreaterThan(0);
    expect(r.ctr[1]!.RETRANSMIT_TX).toBeGreaterThan(0);
    // every node committed the same log (a client's resend is a new entry: the application answers it once)
    expect(r.committed[1]).toEqual(r.committed[0]);
    expect(r.committed[2]).toEqual(r.committed[0]);
    expect(r.committed[0]!.length).toBeGreaterThanOrEqual(r.st.offered);
    expect(r.committed[0]!.map((e) => e[0])).toEqual(r.committed[0]!.map((_, j) => j + 1));
  }, 300_000);
});

describe('chain scenarios', () => {
  it('sim/scenarios/chain.yaml is a valid chain scenario', () => {
    const sc = loadScenario('sim/scenarios/chain.yaml');
    expect(sc.replication).toBe('chain');
    expect(sc.workload.reply).toBe('follower');
    expect(sc.chainFailover?.positions).toEqual(['head', 'middle', 'tail']);
  });

  it('a chain scenario names the fields that do not fit chain mode', () => {
    const msg = (o: unknown): string => {
      try { parseScenario(o); } catch (e) { expect(e).toBeInstanceOf(ScenarioError); return (e as Error).message; }
      throw new Error('accepted');
    };
    const base = { name: 'c', replication: 'chain', replicas: 3, planes: 2, durationUs: 10, workload: { reply: 'follower' } };
    expect(msg({ ...base, workload: { reply: 'nic' } })).toMatch(/workload\.reply: must be 'follower' with replication 'chain'/);
    expect(msg({ ...base, replication: 'ring' })).toMatch(/replication: must be one of 'leader' \| 'chain'/);
    expect(msg({ ...base, sweep: [{ reply: 'snoop', ratePct: [50] }] })).toMatch(/sweep\[0\]\.reply/);
    expect(msg({ ...base, failover: {} })).toMatch(/failover: the Raft control plane's failover phase is leader mode's; with replication 'chain' use chainFailover/);
    expect(msg({ ...base, replicas: 1, chainFailover: {} })).toMatch(/chainFailover\.positions: 'middle' needs at least 3 replicas/);
    expect(msg({ ...base, chainFailover: { suspectUs: 5, ctlDelayUs: 5 } })).toMatch(/chainFailover\.suspectUs: 5 us must be at least 2 x/);
    expect(msg({ ...base, chainFailover: { positions: ['side'] } })).toMatch(/chainFailover\.positions/);
    expect(msg({ ...base, replication: 'leader', workload: {}, chainFailover: {} })).toMatch(/chainFailover: only with replication 'chain'/);
    expect(parseScenario({ ...base, chainFailover: { positions: ['tail'] } }).chainFailover).toMatchObject({ positions: ['tail'], crashAtUs: 100, suspectUs: 10, silenceCycles: 750 });
    expect(parseScenario(base).replication).toBe('chain');
  });
});
