// Read leases of chain mode (docs/replication-modes.md, "Reads without the log"): the master grants a
// lease with each installed member's beat and installs no later epoch before the lease of every member
// that did not freeze has ended; a node answers reads without the log only under a lease of the epoch it
// runs in, after applying its NIC's LAST_INDEX as it was when the get came. Unit tests of the master and
// the node, a ModelNic world in which a live head is taken out on a silence report (its lease then
// holds the change back), and the check that finds a master that does not wait (a deliberate bug).
import { describe, expect, it } from 'vitest';
import { ChainMaster, type ChainCmd } from '../../ctrl/chain/master.js';
import { ChainNode, type ChainNodeEnv } from '../../ctrl/chain/node.js';
import { Csr, StatusBit } from '../../ctrl/wire/wire.gen.js';
import type { Nic } from '../../ctrl/nic/nic.js';
import { ChainWorld } from '../../sim/chain-world.js';
import { ModelCluster } from '../../sim/model-cluster.js';

function leases(out: ChainMaster['out']): Array<{ to: number; cmd: Extract<ChainCmd, { k: 'lease' }> }> {
  return out.filter((o): o is { to: number; cmd: Extract<ChainCmd, { k: 'lease' }> } => o.cmd.k === 'lease');
}

describe('chain master: read leases', () => {
  it('grants a lease to each installed member that beats while the chain runs, none to others or during a change', () => {
    const m = new ChainMaster({ nodes: [0, 1, 2, 3], order: [0, 1, 2], epoch: 1, suspectNs: 10_000, roundTimeoutNs: 100_000, readLeaseNs: 6_000 });
    for (const n of [0, 1, 2, 3]) m.onBeat(n, 0, 1_000, 500);
    const got = leases(m.out.splice(0));
    expect(got.map((g) => g.to)).toEqual([0, 1, 2]);
    expect(got[0]!.cmd).toEqual({ k: 'lease', epoch: 1, fromNs: 500, leaseNs: 6_000 });
    // node 3 beats: it joins; during the change no lease is granted
    m.tick(2_000);
    expect(m.phase).toBe('freeze');
    m.out.splice(0);
    m.onBeat(0, 0, 2_500, 2_000);
    expect(leases(m.out)).toEqual([]);
    // without readLeaseNs: none at all
    const off = new ChainMaster({ nodes: [0, 1], order: [0, 1], epoch: 1, suspectNs: 10_000, roundTimeoutNs: 100_000 });
    off.onBeat(0, 0, 1_000, 500);
    expect(off.out).toEqual([]);
  });

  it('a change that took out a member holding a lease installs only once that lease has certainly ended', () => {
    const m = new ChainMaster({ nodes: [0, 1, 2], order: [0, 1, 2], epoch: 1, suspectNs: 10_000, roundTimeoutNs: 100_000, readLeaseNs: 8_000, maxClockDrift: 0.01 });
    for (const n of [0, 1, 2]) m.onBeat(n, 0, 1_000, 900);
    m.out.splice(0);
    // node 2 (the tail) reports node 1 silent: node 1 is taken out while alive (it keeps beating, unanswered by FREEZE)
    m.onSilent(2, 1, 1, 2_000);
    m.tick(3_000);
    expect(m.attempt?.order).toEqual([0, 2]);
    const cmds = m.out.splice(0);
    expect(cmds.map((c) => [c.to, c.cmd.k])).toEqual([[0, 'freeze'], [2, 'freeze']]);
    m.onReply(0, { k: 'frozen', epoch: 2, last: 10, commit: 8, incarnation: 0 }, 4_000);
    m.onReply(2, { k: 'frozen', epoch: 2, last: 10, commit: 10, incarnation: 0 }, 4_000);
    // node 1's lease: granted at 1,000 for 8,000 ns, with twice the drift bound: ends at 1,000 + 8,160
    expect(m.phase).toBe('leaseWait');
    expect(m.out).toEqual([]);
    m.tick(9_000);
    expect(m.out).toEqual([]);
    m.tick(9_160);
    expect(m.phase).toBe('install');
    expect(m.out.map((c) => [c.to, c.cmd.k])).toEqual([[2, 'install']]);
    expect(m.stats.leaseWaits).toBe(1);
    expect(m.stats.leaseWaitNs).toBeCloseTo(5_160, 6);
  });

  it('members that froze hold no lease: a change among them does not wait', () => {
    const m = new ChainMaster({ nodes: [0, 1, 2, 3], order: [0, 1, 2], epoch: 1, suspectNs: 10_000, roundTimeoutNs: 100_000, readLeaseNs: 8_000 });
    for (const n of [0, 1, 2, 3]) m.onBeat(n, 0, 1_000, 900);
    m.tick(2_000); // node 3 joins
    m.out.splice(0);
    for (const n of [0, 1, 2]) m.onReply(n, { k: 'frozen', epoch: 2, last: 5, commit: 5, incarnation: 0 }, 3_000);
    m.onReply(3, { k: 'frozen', epoch: 2, last: 0, commit: 0, incarnation: 0 }, 3_000);
    expect(m.phase).toBe('catchup');
    m.onReply(3, { k: 'caught', epoch: 2, last: 5 }, 3_500);
    expect(m.phase).toBe('install');
    expect(m.stats.leaseWaits).toBe(0);
  });

  it('rejects a negative lease or an impossible drift bound', () => {
    expect(() => new ChainMaster({ nodes: [0], order: [0], epoch: 1, suspectNs: 1, roundTimeoutNs: 1, readLeaseNs: -1 })).toThrow(/readLeaseNs/);
    expect(() => new ChainMaster({ nodes: [0], order: [0], epoch: 1, suspectNs: 1, roundTimeoutNs: 1, maxClockDrift: 0.7 })).toThrow(/maxClockDrift/);
  });
});

/** A NIC of registers only (what ChainNode reads and writes in these tests). */
function fakeNic(): Nic & { csr: Map<number, number> } {
  const csr = new Map<number, number>();
  const nic = {
    csr, planes: 1, cycle: 0,
    readCsr: (a: number) => (a === Csr.RAFT_STATUS ? StatusBit.FROZEN : csr.get(a) ?? 0),
    readCsrs: (as: readonly number[]) => as.map((a) => csr.get(a) ?? 0),
    writeCsr: (a: number, v: number) => { csr.set(a, v); },
  };
  return nic as unknown as Nic & { csr: Map<number, number> };
}

describe('chain node: read floor under a lease', () => {
  function node(): { n: ChainNode; nic: ReturnType<typeof fakeNic>; clock: { t: number } } {
    const nic = fakeNic();
    const clock = { t: 0 };
    const env: ChainNodeEnv = { nic, nodeId: 1, reply: () => {}, sendEntries: () => {}, silent: () => {}, log: () => {}, nowNs: () => clock.t };
    const n = new ChainNode(env, { ackCount: 32, ackDelayCycles: 48, hbIntervalCycles: 1000, hbCommitDelayCycles: 32 }, 1);
    n.boot(1, [0, 1, 2]);
    return { n, nic, clock };
  }

  it('no lease: no floor; a lease of its epoch: the NIC LAST_INDEX until the lease ends', () => {
    const { n, nic, clock } = node();
    expect(n.readFloor()).toBeNull();
    n.onCommand({ k: 'lease', epoch: 1, fromNs: 100, leaseNs: 5_000 });
    nic.csr.set(Csr.RAFT_LAST_INDEX, 42);
    clock.t = 5_099;
    expect(n.readFloor()).toBe(42);
    clock.t = 5_100;
    expect(n.readFloor()).toBeNull();
    expect(n.stats.leases).toBe(1);
  });

  it('a FREEZE or a crash drops the lease; a grant of another epoch is refused and counted', () => {
    const { n, clock } = node();
    n.onCommand({ k: 'lease', epoch: 1, fromNs: 0, leaseNs: 10_000 });
    clock.t = 1_000;
    expect(n.readFloor()).not.toBeNull();
    n.onCommand({ k: 'freeze', epoch: 2, truncate: false });
    expect(n.readFloor()).toBeNull();
    // a grant of epoch 1 that was on its way: the node is not installed in it any more
    n.onCommand({ k: 'lease', epoch: 1, fromNs: 900, leaseNs: 10_000 });
    expect(n.readFloor()).toBeNull();
    expect(n.stats.staleLeases).toBe(1);
    const b = node();
    b.n.onCommand({ k: 'lease', epoch: 1, fromNs: 0, leaseNs: 10_000 });
    b.n.crash();
    b.n.restart();
    expect(b.n.readFloor()).toBeNull();
  });
});

describe('chain world: a live member taken out holds the change back until its lease ended', () => {
  // head 0 cut off from 1 and 2 on the data network (the control network still reaches it: it stays alive
  // and beats); node 1's NIC reports it silent, the master takes it out and makes 1 the head
  function run(mutation?: 'no-lease-wait'): ChainWorld {
    const us = 250;
    const w = new ChainWorld({
      replicas: 3, planes: 1, seed: 7, fabric: (c) => new ModelCluster(c),
      workload: { ratePct: 20, clients: 2, payloadBytes: 64, stopCycle: 150 * us, retryCycles: 20 * us },
      control: { beatNs: 4_000, suspectNs: 20_000, ctlDelayNs: 2_000, tickNs: 1_000, silenceCycles: 750, hbIntervalCycles: 250, readLeaseNs: 17_000 },
      ...(mutation ? { masterMutation: mutation } : {}),
    });
    w.run(60 * us);
    w.addFault({ kind: 'partition', at: w.cluster.cycle, until: w.cluster.cycle + 15 * us, groups: [[0], [1, 2]] });
    w.run(100 * us);
    w.drain(3_000 * us);
    return w;
  }

  it('the master waits for node 0 lease; no node holds a lease of an older epoch at any install; the run checks out', () => {
    const w = run();
    try {
      const c = w.check();
      console.log(`[chain-lease] ${w.events.filter((e) => /lease|freezing|installed/.test(e)).join(' | ')}`);
      expect(c.problems).toEqual([]);
      expect(w.installs[0]?.order).toEqual([1, 2]);
      expect(w.master.stats.leaseWaits).toBe(1);
      expect(w.master.stats.leaseWaitNs).toBeGreaterThan(0);
      expect(w.leaseViolations).toEqual([]);
      expect(w.master.stats.leasesGranted).toBeGreaterThan(20);
    } finally {
      w.destroy();
    }
  });

  it('the check bites: a master that installs without waiting leaves node 0 with a lease of epoch 1', () => {
    const w = run('no-lease-wait');
    try {
      const c = w.check();
      expect(w.leaseViolations.length).toBeGreaterThan(0);
      expect(c.ok).toBe(false);
      expect(c.problems.join('\n')).toMatch(/read lease: node 0 holds a read lease of epoch 1/);
    } finally {
      w.destroy();
    }
  });

  it('a lease shorter than a renewal takes is refused, naming the field', () => {
    expect(() => new ChainWorld({ replicas: 2, planes: 1, seed: 1, fabric: (c) => new ModelCluster(c), control: { beatNs: 2_000, ctlDelayNs: 2_000, readLeaseNs: 5_000 } }))
      .toThrow(/readLeaseNs \(5000\) must be 0 \(off\) or more than beatNs \+ 2 x ctlDelayNs = 6000/);
  });
});
