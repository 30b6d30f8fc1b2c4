// The cluster benchmark (bench/cluster.ts, `nicraft bench`) in its tiny mode: the JSON matches its
// schema and has the fields docs/benchmarks.md promises, the figures are consistent with each
// other, the plots render to SVG (Vega-Lite -> Vega -> SVG, headless) and the HTML report embeds
// them, and --only keeps the other sections of an existing cluster.json.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { libraryPath } from '../../native/build.js';
import { register } from '../../bench/report/cli.js';
import { renderSvg } from '../../bench/report/plots.js';
import { parseSection, runClusterBench } from '../../bench/report/run.js';
import { clusterBenchSchema, type ClusterBench } from '../../bench/report/schema.js';
import { DEFAULT_NETWORK, frameLen, lineRateFps } from '../../sim/cluster.js';

const BUILD = 900_000;
let dir = '';
let json: ClusterBench;
let files: string[] = [];

beforeAll(async () => {
  libraryPath({ params: { PLANES: 2 } });
  dir = mkdtempSync(join(tmpdir(), 'nicraft-bench-test-'));
  ({ json, files } = await runClusterBench({ mode: 'tiny', outDir: dir, quiet: true }));
}, BUILD);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cluster benchmark, tiny mode', () => {
  it('writes cluster.json that matches the schema, with every section', () => {
    const onDisk = clusterBenchSchema.parse(JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')));
    expect(onDisk.mode).toBe('tiny');
    // read scaling: leader and any per replica count (tiny: 1 and 3), gets answered, followers under leases with 3
    expect(onDisk.readScaling.map((r) => `${r.replicas}/${r.readFrom}`)).toEqual(['1/leader', '1/any', '3/leader', '3/any']);
    for (const r of onDisk.readScaling) {
      expect(r.readsPerSec).toBeGreaterThan(0);
      expect(r.latencyNs.p99).toBeGreaterThanOrEqual(r.latencyNs.p50);
    }
    expect(onDisk.readScaling.find((r) => r.replicas === 3 && r.readFrom === 'any')!.readsBy.follower).toBeGreaterThan(0);
    expect(onDisk.readScaling.find((r) => r.replicas === 3 && r.readFrom === 'leader')!.readsBy.follower).toBe(0);
    // chain replication's reads: through the log vs under read leases, side by side
    expect(onDisk.chainReads.map((r) => `${r.replicas}/${r.reads}`)).toEqual(['3/log', '3/lease']);
    for (const r of onDisk.chainReads) {
      expect(r.gets, `${r.replicas}/${r.reads}`).toBeGreaterThan(0);
      if (r.reads === 'log') { expect(r.leaseReads).toBe(0); expect(r.logEntriesPerOp).toBeGreaterThanOrEqual(0.99); }
      else { expect(r.leaseReads).toBeGreaterThan(0); expect(r.logEntriesPerOp).toBeLessThan(0.9); }
    }
    expect(onDisk.sectionsRun).toEqual(['load', 'modes', 'payload', 'software', 'failover', 'planeLoss', 'elections', 'simSpeed', 'readScaling', 'wor']);
    // replication modes side by side (issue 21; tiny: 50% and 85.5%, 3 replicas): chain mode with the tail's
    // replies sustains both, its floor is the chain's (REQ, two APPEND hops, REPLY), every point says its mode
    expect(onDisk.modes!.map((r) => `${r.replicas}/${r.mode}/${r.reply}`)).toEqual(['3/leader/nic', '3/leader/follower', '3/chain/tail']);
    const chainRow = onDisk.modes!.find((r) => r.mode === 'chain')!;
    expect(chainRow.at50?.sustained).toBe(true);
    expect(chainRow.at85?.sustained).toBe(true);
    expect(chainRow.maxSustainedPct).toBeGreaterThanOrEqual(85);
    // failover of each chain position (the chain master reconfigures): a first commit after each crash, nothing
    // lost, one log; leader mode's row has the leader crash's first commit
    expect(chainRow.failover!.map((f) => f.position)).toEqual(['head', 'middle', 'tail']);
    for (const f of chainRow.failover!) {
      expect(f.firstCommitUs, `${f.position}`).toBeGreaterThan(0);
      expect(f.ok, `${f.position}`).toBe(true);
      // (installed: the master has the head's INSTALLED answer, which can come after the head's first commit)
      expect(f.installedUs!).toBeGreaterThanOrEqual(f.detectUs!);
      expect(f.firstCommitUs!).toBeGreaterThan(f.detectUs!);
    }
    // where the time goes at 85.5% (tiny: sustained by the chain): floor + NIC pipelines + the wait under load
    const b = chainRow.breakdown85!;
    expect(b.floorNs).toBeCloseTo(chainRow.networkFloorNs, 3);
    expect(b.nicAndRoundingNs).toBeGreaterThan(0);
    expect(b.floorNs + b.nicAndRoundingNs + b.loadP99Ns).toBeCloseTo(b.p99Ns, 1);
    // the payload sweep of both modes, a reply per request
    const mp = onDisk.modesPayload!;
    expect(new Set(mp.map((p) => p.replication))).toEqual(new Set(['leader', 'chain']));
    expect(mp.filter((p) => p.replication === 'chain').map((p) => p.frameBytes)).toEqual(mp.filter((p) => p.replication === 'leader').map((p) => p.frameBytes));
    for (const p of mp) expect(p.reply).toBe('follower');
    const leaderRow = onDisk.modes!.find((r) => r.mode === 'leader')!;
    expect(leaderRow.failover![0]!.position).toBe('leader');
    expect(leaderRow.failover![0]!.firstCommitUs).toBeGreaterThan(0);
    const chainPts = onDisk.modesPoints!.filter((p) => p.replication === 'chain');
    expect(chainPts.length).toBe(2);
    const leaderFollower = onDisk.modesPoints!.find((p) => p.replication === 'leader' && p.reply === 'follower')!;
    // the chain's path has the snooping path's four hops; leader mode's follower replies (3 replicas) three
    expect(chainPts[0]!.networkFloorNs).toBeGreaterThan(leaderFollower.networkFloorNs + 400);
    for (const p of chainPts) expect(p.latencyNs.p50).toBeGreaterThan(p.networkFloorNs);
    // spurious elections (tiny: one 30 us run at 85.5% with electing hosts, no crash): none
    const el = onDisk.elections!;
    expect(el.runs.map((r) => `${r.run} ${r.replicas}r ${r.offeredPct}%`)).toEqual(['load sweep 3r 85.5%']);
    expect(el.spuriousElections).toBe(0);
    expect(el.runs[0]!.agreement).toBe(true);
    // wor (docs/wor.md): the shared log's appends and 2PC, measured in the ModelNic co-simulation
    const w = onDisk.wor!;
    expect(w.appendsPerSec).toBeGreaterThan(0);
    expect(w.appendLatencyNs.p99).toBeGreaterThanOrEqual(w.appendLatencyNs.p50);
    expect(w.appendLatencyNs.p50).toBeGreaterThan(w.loneWriteLatencyNs.p50 * 0.5);
    expect(w.txnCommitLatencyNs.p50).toBeGreaterThan(w.loneWriteLatencyNs.p50);
    expect(w.txnRoundTrips).toBe(2);
    expect(w.txns.committed).toBeGreaterThan(0);
    expect(onDisk.config.seed).toBe(1);
    for (const p of [...onDisk.loadSweep, ...onDisk.softwarePath]) {
      expect(p.replicas).toBe(3);
      for (const k of ['offeredPct', 'committedGbps', 'committedMpps', 'networkFloorNs'] as const) expect(p[k]).toBeGreaterThan(0);
      expect(p.latencyNs.p50).toBeGreaterThan(0);
      expect(p.latencyNs.p99).toBeGreaterThanOrEqual(p.latencyNs.p50);
      expect(p.latencyNs.p999).toBeGreaterThanOrEqual(p.latencyNs.p99);
      expect(p.seed).toBe(1);
    }
    expect(onDisk.loadSweep.some((p) => p.reply === 'snoop')).toBe(true);
    expect(onDisk.loadSweep.some((p) => p.reply === 'nic')).toBe(true);
    // follower replies (tiny: 85.5%): sustained, every request answered by a follower NIC
    const fol = onDisk.loadSweep.filter((p) => p.reply === 'follower');
    expect(fol.length).toBeGreaterThan(0);
    for (const p of fol) expect(p.sustained && p.lostRequests === 0).toBe(true);
    // the floor of the path a follower reply takes (3 hops with 3 replicas: follower commit) bounds every request
    for (const p of fol) expect(p.latencyNs.min).toBeGreaterThan(p.networkFloorNs);
    expect(onDisk.hostReplySweep.length).toBeGreaterThan(0);
    expect(onDisk.softwarePath.length).toBeGreaterThan(0);
    // failover: the real control plane; first commit after the crash, and full throughput (or null: not within the run)
    expect(onDisk.failover).not.toBeNull();
    expect(onDisk.failover!.firstCommitUs).toBeGreaterThan(0);
    expect(onDisk.failover!.fullThroughputUs === null || onDisk.failover!.fullThroughputUs >= onDisk.failover!.firstCommitUs!).toBe(true);
    expect(onDisk.failover!.timeline.length).toBeGreaterThan(10);
    // NIC failure detection (demo.yaml failover.nicDetect): the new leader's first commit comes before
    // the election timeout (100 us) could even have fired, and the crash is the one election
    const fo = onDisk.failover as unknown as { electionTimeoutUs: number; summary: { elections: number; agreement: boolean } };
    expect(onDisk.failover!.firstCommitUs!).toBeLessThan(fo.electionTimeoutUs);
    expect(fo.summary.elections).toBe(1);
    expect(fo.summary.agreement).toBe(true);
    expect(onDisk.simSpeed!.rows[0]!.tsCyclesPerSec).toBeGreaterThan(0);
    expect(onDisk.simSpeed!.rows[0]!.cppCyclesPerSec).toBeGreaterThan(0);
    expect(onDisk.simSpeed!.modelNic).toMatch(/not available/);
    expect(onDisk.comparison.map((c) => c.system)).toEqual(expect.arrayContaining(['Waverunner', 'Mu', 'eRPC Raft']));
  });

  it('the figures agree with each other and with the network model', () => {
    const head = json.loadSweep.find((p) => p.reply === 'snoop' && p.offeredPct > 85 && p.offeredPct < 86)!;
    expect(head.sustained).toBe(true);
    expect(head.committedGbps).toBeCloseTo(85.5, 0);
    // 85.5% of the line rate in frames of the configured request size (a 64-byte frame, one beat, 68
    // bytes with the FCS since the 60-byte authenticated header: 121.4 Mpps; it was 127.2 with 60)
    const len = frameLen(json.config.payloadBytes);
    expect(len).toBe(64);
    expect(head.committedMpps).toBeCloseTo((0.855 * lineRateFps(DEFAULT_NETWORK, len)) / 1e6, 0);
    expect(head.committedMpps).toBeCloseTo(121.4, 0);
    // two hops of the network model, 4 bytes longer than before authentication: 2026.88 + 2 x 0.32
    expect(head.networkFloorNs).toBeCloseTo(2027.52, 2);
    expect(head.latencyNs.min).toBeGreaterThan(head.networkFloorNs);
    const b = json.breakdown!;
    const sum = b.networkFloorNs + b.cycleRoundingNs + b.nicPipelineNs + b.ackAndQueueingP99Ns;
    expect(sum).toBeCloseTo(b.p99Ns, 3);
    expect(b.meetsWaverunner).toBe(b.p99Ns <= 1800);
    expect(b.statement.length).toBeGreaterThan(50);
    // the software path pays six host crossings: it is slower than the fast path at the same load
    const sw = json.softwarePath[0]!, hw = json.softwareComparison!.hardwareAtSameLoads[0]!;
    expect(sw.offeredPct).toBeCloseTo(hw.offeredPct, 3);
    expect(sw.latencyNs.p50).toBeGreaterThan(hw.latencyNs.p50 + 6 * json.config.host.latencyNs - 1);
    expect(json.softwareComparison!.ratio[0]!.p50).toBeGreaterThan(2);
    // the host reply adds two host crossings to the fast path
    const hr = json.hostReplySweep[0]!;
    expect(hr.latencyNs.min).toBeGreaterThanOrEqual(hr.networkFloorNs + 2 * json.config.host.latencyNs);
    // plane loss: before, during (and its two parts), after
    expect(json.planeLoss!.modes.map((m) => m.planes)).toEqual(['spread', 'duplicate']);
    for (const m of json.planeLoss!.modes) {
      expect(m.phases.map((p) => p.phase.split(/[ :]/)[0])).toEqual(['before', 'during', 'during', 'during', 'after']);
      expect(m.phases[0]!.committedPct).toBeCloseTo(85.5, 0);
      expect(m.sweep.length).toBeGreaterThan(0);
    }
    // duplicate mode: every request on both planes, the leader NIC drops the later copies (none sequenced twice)
    // and a lost plane costs no resend and no request
    const dup = json.planeLoss!.modes[1]!;
    expect(dup.leaderReqCopiesDropped).toBeGreaterThan(0);
    expect(dup.sequencedTwice).toBe(0);
    expect(dup.retries).toBe(0);
    expect(dup.lostRequests).toBe(0);
    expect(dup.reqFrames).toBeGreaterThan(json.planeLoss!.modes[0]!.reqFrames);
  });

  it('renders every plot to SVG and embeds them in report.html', () => {
    const svgs = files.filter((f) => f.endsWith('.svg'));
    expect(svgs.map((f) => f.replace(/^.*cluster-/, ''))).toEqual(expect.arrayContaining([
      'latency-vs-load.svg', 'cdf-85.svg', 'modes.svg', 'modes-payload.svg', 'payload.svg', 'software.svg', 'failover.svg', 'plane-loss.svg', 'sim-speed.svg',
    ]));
    for (const f of svgs) {
      const s = readFileSync(f, 'utf8');
      expect(s.startsWith('<svg')).toBe(true);
      expect(s).toMatch(/<path/);
    }
    const load = readFileSync(join(dir, 'cluster-latency-vs-load.svg'), 'utf8');
    expect(load).toContain('offered load (% of 100 Gb/s line rate)');
    expect(load).toContain('latency (ns, log scale)');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect((html.match(/<svg/g) ?? []).length).toBe(svgs.length);
    for (const h of ['1. Load sweep', '1b. Leader and chain replication', '2. Payload sweep', '3. Hardware vs software path', '4. Failover', '5. Plane loss', '6. Simulation speed', '7. Comparison']) {
      expect(html).toContain(h);
    }
  });

  it('renders a Vega-Lite spec headless', async () => {
    const svg = await renderSvg({ data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] }, mark: 'line', encoding: { x: { field: 'x', type: 'quantitative', title: 'x (us)' }, y: { field: 'y', type: 'quantitative' } } });
    expect(svg).toContain('x (us)');
  }, 30_000);

  it('--only re-runs one section and keeps the others', async () => {
    const before = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterBench;
    const { json: after } = await runClusterBench({ mode: 'tiny', outDir: dir, quiet: true, only: [parseSection('plane-loss')] });
    expect(after.loadSweep).toEqual(before.loadSweep);
    expect(after.failover).toEqual(before.failover);
    expect(after.planeLoss).toEqual(before.planeLoss);   // deterministic: the same seed gives the same figures
    expect(() => parseSection('nope')).toThrow(/unknown section/);
  }, 60_000);

  it('nicraft bench is registered with its options', () => {
    const program = new Command();
    register(program);
    const cmd = program.commands.find((c) => c.name() === 'bench')!;
    expect(cmd.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--quick', '--replicas', '--only', '--seed', '--out']));
  });
});
