// Issue 15, bug 3: the scenario and measurement harness.
//   * the failover phase ignored `faults` (a crash during a membership change or a snapshot could
//     not be written as a scenario);
//   * host latency 5,000 ns or an election timeout below the 5-us host tick died with an uncaught
//     `node 0 did not become the first leader` and printed nothing, not even the main phase;
//   * the schema and the core accepted a heartbeat interval above the election timeout;
//   * latency histograms overflowed past 262 us (2^16 cycles) and then reported the maximum as p50/p99;
//   * "committed %" equalled offered whenever nothing was lost, however late the completions.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { libraryPath } from '../../native/build.js';
import { Cluster } from '../../sim/cluster.js';
import { formatSummary, parseScenario, runOnce, runScenario, ScenarioError } from '../../sim/scenario.js';
import { RaftCluster } from '../../sim/raft-host.js';
import { Core } from '../../ctrl/core/raft.js';
import { SeededRand } from '../../ctrl/rand.js';

const T = 240_000;

beforeAll(() => {
  libraryPath();
}, 900_000);

/** A small failover scenario (the test of test/sim/raft.test.ts, one plane). */
const base = {
  name: 'harness', replicas: 3, planes: 1, seed: 5, durationUs: 20, warmupUs: 2, drainUs: 20,
  nic: { ackCount: 16, ackDelayCycles: 64, hbCommitDelayCycles: 4 },
  workload: { ratePct: 10, clients: 2, reply: 'snoop', retryUs: 20 },
};

/** The parse error's issues (the message names each bad field). */
function issuesOf(obj: unknown): string[] {
  try {
    parseScenario(obj);
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues;
    throw e;
  }
  return [];
}

describe('the failover phase honours faults and actions', () => {
  it('a follower crash and restart from the scenario faults happen in the failover phase', () => {
    const sc = parseScenario({
      ...base,
      faults: [{ kind: 'crash', node: 1, atUs: 60, untilUs: 90 }],
      failover: { crashAtUs: 150, afterUs: 250, drainUs: 2000 },
    });
    const { summary } = runScenario(sc, { noSweep: true });
    const f = summary.failover!;
    expect(f.faultsInjected.crash).toBe(1);
    expect(f.faultsInjected.restart).toBe(1);
    expect(f.agreement).toBe(true);
    expect(f.lostRequests).toBe(0);
  }, T);

  /** 5 replicas: node 0 compacts its log at +30 us, node 4 is removed at +40 us, node 1 crashes at +41 us (back at +120), the leader at +200 us. */
  const membershipCrash = {
    ...base,
    replicas: 5,
    failover: {
      crashAtUs: 200, afterUs: 300, drainUs: 2000,
      faults: [{ kind: 'crash', node: 1, atUs: 41, untilUs: 120 }],
      actions: [{ kind: 'compact', node: 0, atUs: 30 }, { kind: 'remove', node: 4, atUs: 40 }],
    },
  };

  it('a crash during a membership change and after a snapshot, written as a scenario: the actions and faults run at their times', () => {
    const { summary } = runScenario(parseScenario(membershipCrash), { noSweep: true });
    const f = summary.failover!;
    console.log(formatSummary(summary));
    expect(f.actions.length).toBe(2);
    expect(f.actions[0]).toMatch(/^\+30 µs compact node 0 at index \d+/);
    expect(f.actions[1]).toMatch(/^\+40 µs remove node 4 through leader node 0/);
    expect(f.faultsInjected).toEqual({ crash: 1, restart: 1 });
    expect(f.voters).toEqual([0, 1, 2, 3]);
    expect(f.electedUs).not.toBeNull();
  }, T);

  // FOUND with it (docs/fuzz.md, "Bugs found"): after the leader crash the new leader never
  // commits; node 1, restarted during the removal, keeps its NIC's fast path off (FAST_OFF punts)
  // while its core believes it on, the 4-voter quorum needs it, the new leader's NIC log fills
  // (DROP_LOG_FULL) and 3,403 requests are lost. Without the crash, or without the removal, the
  // same phase passes. Marked to flip: when the control plane is fixed this test reports an
  // unexpected pass; then make it a plain it().
  // Its timing needs 60-byte requests, the size it was found with (a 44-byte header + 16 before frame
  // authentication's 60-byte header, docs/auth.md): with 76-byte requests the bug does not show here.
  it.fails('KNOWN BUG: ... and the new leader commits and loses nothing', () => {
    const { summary } = runScenario(parseScenario({ ...membershipCrash, workload: { ...base.workload, payloadBytes: 0 } }), { noSweep: true });
    const f = summary.failover!;
    expect(f.firstCommitUs).not.toBeNull();
    expect(f.lostRequests).toBe(0);
    expect(f.agreement).toBe(true);
  }, T);

  it('a removed node is not held against agreement: it stops applying where it left', () => {
    const sc = parseScenario({ ...base, replicas: 5, failover: { crashAtUs: 200, afterUs: 300, drainUs: 2000, actions: [{ kind: 'remove', node: 4, atUs: 40 }] } });
    const f = runScenario(sc, { noSweep: true }).summary.failover!;
    expect(f.voters).toEqual([0, 1, 2, 3]);
    expect(f.lostRequests).toBe(0);
    expect(f.agreement).toBe(true);
  }, T);

  it('failover.faults: [] runs the leader crash alone (the scenario faults stay in the main phase)', () => {
    const sc = parseScenario({
      ...base,
      faults: [{ kind: 'crash', node: 1, atUs: 10, untilUs: 15 }],
      failover: { crashAtUs: 50, afterUs: 150, drainUs: 2000, faults: [] },
    });
    const { summary } = runScenario(sc, { noSweep: true });
    expect(summary.failover!.faultsInjected).toEqual({});
    expect(summary.faultsInjected.crash).toBe(1);
  }, T);
});

describe('slow hosts and short timeouts: validated up front, or working, and the main phase always printed', () => {
  it('host latency 5,000 ns: the first election waits for the slow host and the failover runs', () => {
    const sc = parseScenario({ ...base, host: { latencyNs: 5000 }, failover: { crashAtUs: 100, afterUs: 400, drainUs: 3000 } });
    const { summary } = runScenario(sc, { noSweep: true });
    expect(summary.failoverError).toBeUndefined();
    const f = summary.failover!;
    expect(f.bootUs).toBeGreaterThan(40);
    expect(f.electedUs).not.toBeNull();
    expect(f.agreement).toBe(true);
  }, T);

  it('an election timeout below the host tick, or too short for the host latency, is rejected naming the field and the range', () => {
    const short = issuesOf({ ...base, failover: { electionTimeoutUs: 3, heartbeatUs: 1 } });
    expect(short.some((m) => /^failover\.electionTimeoutUs: 3 us is less than 4 host ticks .*>= 20 us/.test(m))).toBe(true);
    const slow = issuesOf({ ...base, host: { latencyNs: 5000 }, failover: { electionTimeoutUs: 60, heartbeatUs: 10 } });
    expect(slow.some((m) => /^failover\.electionTimeoutUs: 60 us is below 20 x host\.latencyNs \(5000 ns\).*>= 100 us/.test(m))).toBe(true);
  });

  it('a failover phase that fails still prints the main phase, and says why', () => {
    // node 0 never campaigns: the first election of the phase cannot be node 0's
    const spy = vi.spyOn(RaftCluster.prototype, 'campaign').mockImplementation(() => undefined);
    try {
      const sc = parseScenario({ ...base, failover: { crashAtUs: 50, afterUs: 100 } });
      const { summary } = runScenario(sc, { noSweep: true });
      expect(summary.failover).toBeUndefined();
      expect(summary.failoverError).toMatch(/node 0 was not elected within the 40 µs before traffic/);
      const text = formatSummary(summary);
      expect(text).toMatch(/committed +[\d.]+% of line rate within the offered window/);
      expect(text).toMatch(/failover +FAILED: failover: node 0 was not elected/);
    } finally {
      spy.mockRestore();
    }
  }, T);
});

describe('a heartbeat interval above the election timeout', () => {
  it('is rejected by the scenario schema, naming the field and the range', () => {
    const bad = issuesOf({ ...base, failover: { electionTimeoutUs: 100, heartbeatUs: 150 } });
    expect(bad.some((m) => /^failover\.heartbeatUs: 150 us must be at most a quarter of failover\.electionTimeoutUs \(100 us\), i\.e\. <= 25 us/.test(m))).toBe(true);
  });
  it("is rejected by the core's config check", () => {
    const cfg = { id: 1, clusterId: 1, voters: [1, 2, 3], electionTimeoutNs: 100_000, heartbeatIntervalNs: 150_000, rand: new SeededRand(1) };
    // above the timeout: the range check of ctrl/core/config.ts; between half and all of it: the timing rule
    expect(() => new Core(cfg)).toThrow(/heartbeatIntervalNs must be below electionTimeoutNs \(100000\) \(got 150000\)/);
    expect(() => new Core({ ...cfg, heartbeatIntervalNs: 60_000 })).toThrow(/heartbeatIntervalNs: 60000 ns must be at most half of electionTimeoutNs \(100000 ns\)/);
    expect(() => new Core({ ...cfg, heartbeatIntervalNs: 50_000 })).not.toThrow();
    expect(() => new Core({ ...cfg, electionTimeoutNs: 0 })).toThrow(/electionTimeoutNs/);
  });
});

describe('measurement', () => {
  /** Requests from the client are lost for 510 us: most complete at a retry (50 us, doubling) up to ~700 us after they were sent. */
  const late = {
    name: 'late', replicas: 3, planes: 1, seed: 3, durationUs: 600, warmupUs: 5, drainUs: 1500,
    workload: { ratePct: 0.5, clients: 1, reply: 'nic', retryUs: 50 },
    faults: [{ kind: 'drop', atUs: 50, untilUs: 560, from: ['c0'] }],
  };

  it('latency percentiles past 262 us (2^16 cycles) are exact, never clamped to the maximum', () => {
    const sc = parseScenario(late);
    const { summary: s } = runOnce(sc);
    const l = s.latencyCycles;
    // most samples are past the dense range: before the fix p50 and p99 both came out as the maximum
    expect(l.p50).toBeGreaterThan(65_536);
    expect(l.p50).toBeLessThan(l.max);
    // the percentiles from the exported histogram, computed here: the same values
    const c = new Cluster(runOnceConfig(sc));
    try {
      c.run(runOnceTotal(sc));
      const lat = c.latency();
      const h = c.histogram(lat.max + 1);
      expect(h.reduce((a, b) => a + b, 0)).toBe(lat.count);
      const pct = (q: number): number => {
        const need = Math.max(1, Math.ceil(lat.count * q - 1e-9));
        let acc = 0;
        for (let v = 0; v < h.length; v++) { acc += h[v]!; if (acc >= need) return v; }
        return -1;
      };
      expect([lat.p50, lat.p99, lat.p999]).toEqual([pct(0.5), pct(0.99), pct(0.999)]);
    } finally {
      c.destroy();
    }
  }, T);

  it('committed within the offered window is reported apart from the total with the drain', () => {
    const sc = parseScenario(late);
    const { summary: s } = runOnce(sc);
    expect(s.lostRequests).toBe(0);
    // every request completed, but those sent in the loss window only after it ended
    expect(s.committedTotalPct).toBeCloseTo(s.offeredPct, 1);
    expect(s.committedPct).toBeLessThan(s.offeredPct * 0.9);
    expect(formatSummary(s)).toMatch(/with the completions of the drain/);
  }, T);
});

// the Cluster config runOnce builds, for the histogram cross-check
import { clusterConfig } from '../../sim/scenario-config.js';
function runOnceConfig(sc: ReturnType<typeof parseScenario>): ReturnType<typeof clusterConfig>['cfg'] {
  return clusterConfig(sc).cfg;
}
function runOnceTotal(sc: ReturnType<typeof parseScenario>): number {
  return clusterConfig(sc).total;
}
