// Floods cost nothing but counters: three daemons (model NIC, two planes) under a closed-loop load,
// measured in alternating windows, clean and flooded, side by side in one run. In a flooded window
// a small program (test/deploy/flood_send.c, its datagrams from test/deploy/flooder.ts) sends junk
// to every plane port of every node, from non-member addresses on loopback: random bytes, nicraft headers with one thing wrong, and
// well-formed frames claiming to be a member (APPEND, HEARTBEAT with term 2^32-1, ACK, NACK,
// CONTROL). Checked: no election (every node's term and the leader unchanged, no node left the
// follower/leader roles), the flooded p99 within 2x of the clean p99, and every junk datagram
// counted in /metrics: by the plane filter (per reason) or by the kernel (receive buffer full).
//
// FLOOD_RATE (datagrams/s over all ports, default 60000), FLOOD_WINDOWS (default 8: 4 clean and 4
// flooded, in ABBA order) and FLOOD_WINDOW_S (default 3) change the run; FLOOD_SEED the junk (the
// seed is printed).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, type LocalCluster } from '../../ctrl/deploy/cluster.js';
import { runLoad, Workload } from '../../ctrl/deploy/load.js';
import { ClientPool } from '../../ctrl/deploy/udp-client.js';
import { floodSender, writeFloodFile, type FloodReport, type FloodSpec } from './flooder.js';
import { makeCluster, removeTempDirs, sleep, tempDir } from './harness.js';

const clusters: LocalCluster[] = [];
const floods: ChildProcess[] = [];
afterAll(async () => {
  for (const f of floods) if (f.exitCode === null) f.kill('SIGKILL');
  for (const lc of clusters) await lc.stopAll('SIGKILL');
  removeTempDirs();
});

const RATE = Number(process.env.FLOOD_RATE ?? 60_000);
const WINDOW_S = Number(process.env.FLOOD_WINDOW_S ?? 3);
const WINDOWS = 2 * Math.max(1, Math.round(Number(process.env.FLOOD_WINDOWS ?? 8) / 2));
const SEED = Number(process.env.FLOOD_SEED ?? randomInt(1, 2 ** 31));

/** Starts flood_send on the datagram file; resolves once it sends, with a function that stops it and returns its report. */
async function startFlood(exe: string, file: string, rate: number, maxSeconds: number): Promise<() => Promise<FloodReport>> {
  const child = spawn(exe, [file, String(rate), String(maxSeconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  floods.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((res, rej) => {
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.includes('flooding\n')) res();
    });
    child.once('exit', (code) => rej(new Error(`flood_send exited (${code}) before it started`)));
  });
  return async () => {
    const done = new Promise<void>((res) => (child.exitCode !== null ? res() : child.once('exit', () => res())));
    child.kill('SIGTERM');
    await done;
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`no report from flood_send: ${out}`);
    return JSON.parse(line) as FloodReport;
  };
}

/** name{labels} value samples of one metric, from every node's /metrics. */
function samples(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const m = /^[^{]+\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(m[1]!.split(',').map((kv) => { const [k, v] = kv.split('='); return [k!, v!.replace(/"/g, '')]; }));
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

interface NodeFigures {
  /** per plane: drops by reason */
  drops: Map<number, Record<string, number>>;
  kernel: Map<number, number>;
  elections: number;
}

async function figures(lc: LocalCluster, id: number): Promise<NodeFigures> {
  const text = await lc.metrics(id);
  const drops = new Map<number, Record<string, number>>();
  for (const s of samples(text, 'nicraft_plane_rx_dropped_datagrams_total')) {
    const p = Number(s.labels.plane);
    drops.set(p, { ...(drops.get(p) ?? {}), [s.labels.reason!]: s.value });
  }
  const kernel = new Map(samples(text, 'nicraft_plane_udp_kernel_dropped_datagrams_total').map((s) => [Number(s.labels.plane), s.value]));
  return { drops, kernel, elections: 0 };
}

/** CPU seconds (user + system) a process used so far (Linux /proc). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

function roleLines(lc: LocalCluster, id: number): string[] {
  return lc.logText(id).split('\n').filter((l) => /"msg":"role (precandidate|candidate|leader) term/.test(l));
}

/** The daemon's late-tick warnings (the process was not scheduled for a while). */
function lateLines(lc: LocalCluster, id: number): string[] {
  return lc.logText(id).split('\n').filter((l) => /"msg":"tick \d+ ms late/.test(l));
}

/** The pino time (ms since the epoch) of a log line, or NaN. */
function lineTimeMs(line: string): number {
  const m = /"time":(\d+)/.exec(line);
  return m ? Number(m[1]) : NaN;
}

const JUNK_REASONS = ['short', 'oversize', 'bad_ethertype', 'bad_version', 'bad_cluster', 'bad_type', 'bad_length', 'bad_destination', 'bad_source_mac', 'not_member', 'wrong_source_address', 'unexpected_type'];

describe('deployment: a flood of junk datagrams', () => {
  it(`3 daemons under load, junk at every plane port of every node (${RATE}/s over all ports): no election, p99 within 2x of the clean run, every drop counted`, async () => {
    console.log(`flood seed ${SEED} (FLOOD_SEED=${SEED} replays the junk), rate ${RATE}/s, windows of ${WINDOW_S} s`);
    // FLOOD_KERNEL_FILTER=0: the daemons without the kernel filter (every datagram reaches the daemon filter)
    // The election timeout is etcd's default (1 s) rather than the model backend's 300 ms: on a shared
    // 2-core CI machine, three daemons, the load client and the sender can leave a daemon unscheduled
    // for 300 ms in a clean window too (CI failed once that way); what this test claims is that the
    // flood moves nothing, at a timeout a deployment would use. FLOOD_ELECTION_MS changes it.
    const electionTimeoutMs = Number(process.env.FLOOD_ELECTION_MS ?? 1000);
    const lc = await makeCluster('flood', {
      replicas: 3, planes: 2, backend: 'model',
      overrides: { timing: { electionTimeoutMs }, ...(process.env.FLOOD_KERNEL_FILTER === '0' ? { net: { kernelFilter: false } } : {}) },
    });
    clusters.push(lc);
    await lc.startAll();
    const leader = await lc.waitLeader();
    const pool = await ClientPool.open(lc.cluster, { attemptTimeoutMs: 500, maxAttempts: 40 });
    const w = new Workload();
    const spec: FloodSpec = {
      targets: lc.cluster.members.flatMap((m) => m.planes.map((e, plane) => ({ node: m.id, plane, host: e.host, port: e.port }))),
      clusterId: lc.cluster.clusterId, memberIds: lc.ids, seed: SEED, poolSize: 4000,
    };
    const exe = floodSender();
    const junkFile = join(tempDir('flood'), 'junk.bin');
    writeFloodFile(spec, junkFile);
    const hist = { clean: hdr.build({ highestTrackableValue: 600_000_000 }), flooded: hdr.build({ highestTrackableValue: 600_000_000 }), sink: hdr.build({ highestTrackableValue: 600_000_000 }) };
    const ops = { clean: 0, flooded: 0, sink: 0 };
    const load = (into: 'clean' | 'flooded' | 'sink') => runLoad(pool, { clients: 8, durationS: WINDOW_S, keys: 8, readShare: 0.5, mix: 'mixed', valueBytes: 16, onLatency: (us) => hist[into].recordValue(us) }, w);
    try {
      await runLoad(pool, { clients: 8, durationS: 3, keys: 8 }, w); // warm-up
      const before = await Promise.all(lc.ids.map((id) => lc.status(id)));
      const kernelFilter = (before[0] as unknown as { kernelFilter: { sampleEvery: number } | null }).kernelFilter;
      const rolesBefore = lc.ids.map((id) => roleLines(lc, id).length);
      const lateBefore = lc.ids.map((id) => lateLines(lc, id).length);
      const baseline = await Promise.all(lc.ids.map((id) => figures(lc, id)));
      const reports: FloodReport[] = [];
      const lines: string[] = [];
      // FLOOD_SINK=1 (an experiment, not a check): also windows flooding sockets nobody reads (the
      // kernel drops there), to tell the machine's cost of the flood from the daemons'
      const sinks = process.env.FLOOD_SINK === '1' ? await Promise.all(spec.targets.map(() => new Promise<Socket>((res) => { const s = createSocket('udp4'); s.bind(0, '127.0.0.1', () => res(s)); }))) : [];
      const sinkFile = join(tempDir('flood'), 'sink.bin');
      if (sinks.length) writeFloodFile({ ...spec, targets: spec.targets.map((t, i) => ({ ...t, port: sinks[i]!.address().port })) }, sinkFile);
      // ABBA order, so that a drift of the machine's load weighs on both the same
      const order: Array<'clean' | 'flooded' | 'sink'> = [];
      for (let k = 0; k < WINDOWS / 2; k++) order.push(...(k % 2 === 0 ? ['clean', 'flooded'] as const : ['flooded', 'clean'] as const));
      if (sinks.length) for (let k = order.length; k > 0; k -= 2) order.splice(k, 0, 'sink');
      const spans: Array<{ into: string; startMs: number; endMs: number }> = [];
      for (const into of order) {
        const startMs = Date.now();
        const cpu0 = lc.ids.map((id) => cpuSeconds(lc.pid(id)));
        const w0 = performance.now();
        const stop = into !== 'clean' ? await startFlood(exe, into === 'sink' ? sinkFile : junkFile, RATE, WINDOW_S + 20) : undefined;
        const r = await load(into === 'sink' ? 'sink' : into);
        ops[into] += r.ops.completed;
        let rate = '';
        if (stop) {
          const rep = await stop();
          if (into === 'flooded') reports.push(rep);
          rate = `, ${rep.sent} junk datagrams in ${rep.seconds.toFixed(1)} s = ${Math.round(rep.ratePerS)}/s`;
        }
        const wall = (performance.now() - w0) / 1000;
        const cpu = lc.ids.map((id, i) => `${Math.round((100 * (cpuSeconds(lc.pid(id)) - cpu0[i]!)) / wall)}%`).join('/');
        spans.push({ into, startMs, endMs: Date.now() });
        lines.push(`${into.padEnd(7)}: ${r.ops.completed} ops (${r.opsPerSec.toFixed(0)}/s), p50 ${r.latencyUs.p50} us, p99 ${r.latencyUs.p99} us, ${r.ops.indeterminate} indeterminate, daemons' CPU ${cpu} of a core${rate}`);
      }
      await sleep(300); // the last datagrams are read
      const after = await Promise.all(lc.ids.map((id) => lc.status(id)));
      const figs = await Promise.all(lc.ids.map((id) => figures(lc, id)));
      const rolesAfter = lc.ids.map((id) => roleLines(lc, id).length);

      // the figures
      const p99 = { clean: hist.clean.getValueAtPercentile(99), flooded: hist.flooded.getValueAtPercentile(99) };
      const p50 = { clean: hist.clean.getValueAtPercentile(50), flooded: hist.flooded.getValueAtPercentile(50) };
      const sent = reports.reduce((a, r) => a + r.sent, 0);
      const secs = reports.reduce((a, r) => a + r.seconds, 0);
      lines.push(`clean   overall: ${hist.clean.totalCount} ops, p50 ${p50.clean} us, p99 ${p99.clean} us`);
      lines.push(`flooded overall: ${hist.flooded.totalCount} ops, p50 ${p50.flooded} us, p99 ${p99.flooded} us (ratio ${(p99.flooded / p99.clean).toFixed(2)})`);
      if (sinks.length) lines.push(`sink    overall: ${hist.sink.totalCount} ops, p50 ${hist.sink.getValueAtPercentile(50)} us, p99 ${hist.sink.getValueAtPercentile(99)} us (the same flood at sockets nobody reads)`);
      for (const s of sinks) s.close();
      lines.push(`junk: ${sent} datagrams in ${secs.toFixed(1)} s = ${Math.round(sent / secs)}/s over ${spec.targets.length} ports (${Math.round(sent / secs / spec.targets.length)}/s per port)`);
      let totalCounted = 0;
      let totalKernel = 0;
      const byReason: Record<string, number> = {};
      for (const t of spec.targets) {
        const k = lc.ids.indexOf(t.node);
        const junk = reports.reduce((a, r) => a + r.perTarget.find((x) => x.port === t.port)!.sent, 0);
        const d = figs[k]!.drops.get(t.plane) ?? {};
        const d0 = baseline[k]!.drops.get(t.plane) ?? {};
        const counted = JUNK_REASONS.reduce((a, r) => a + (d[r] ?? 0) - (d0[r] ?? 0), 0);
        const kernel = (figs[k]!.kernel.get(t.plane) ?? 0) - (baseline[k]!.kernel.get(t.plane) ?? 0);
        for (const r of Object.keys(d)) byReason[r] = (byReason[r] ?? 0) + (d[r] ?? 0) - (d0[r] ?? 0);
        totalCounted += counted;
        totalKernel += kernel;
        lines.push(`  n${t.node} plane ${t.plane}: junk sent ${junk}, dropped by the filter ${counted}, by the kernel ${kernel}`);
        // every junk datagram is counted once: by the filter, or by the kernel (which may also have dropped real frames)
        expect(counted, `n${t.node} plane ${t.plane}`).toBeLessThanOrEqual(junk);
        expect(counted + kernel, `n${t.node} plane ${t.plane}`).toBeGreaterThanOrEqual(junk);
        // no legitimate frame was refused: no overload drops
        for (const r of ['overload_control', 'overload_replication', 'overload_client']) expect(d[r] ?? 0).toBe(d0[r] ?? 0);
      }
      lines.push(`drops by reason: ${JSON.stringify(byReason)}; counted by the filter ${totalCounted}, by the kernel ${totalKernel}`);
      const terms = { before: before.map((s) => s!.term), after: after.map((s) => s!.term) };
      const elections = rolesAfter.reduce((a, n, i) => a + n - rolesBefore[i]!, 0);
      // each role change, with the window it fell in: an election in a clean window is the machine
      // (a daemon not scheduled for an election timeout), not the flood; the check below fails either way
      for (const [i, id] of lc.ids.entries()) {
        for (const l of roleLines(lc, id).slice(rolesBefore[i]!)) {
          const t = lineTimeMs(l);
          const span = spans.find((w) => t >= w.startMs && t <= w.endMs);
          const role = /"msg":"(role [a-z]+ term \d+)"/.exec(l)?.[1] ?? l;
          lines.push(`  n${id}: ${role} in ${span ? `a ${span.into} window, ${((t - span.startMs) / 1000).toFixed(2)} s in` : 'no window'}`);
        }
      }
      // each late tick (a daemon not scheduled for a quarter of the election timeout), with its window
      for (const [i, id] of lc.ids.entries()) {
        for (const l of lateLines(lc, id).slice(lateBefore[i]!)) {
          const t = lineTimeMs(l);
          const span = spans.find((w) => t >= w.startMs && t <= w.endMs);
          lines.push(`  n${id}: tick ${/"lateMs":(\d+)/.exec(l)?.[1]} ms late in ${span ? `a ${span.into} window, ${((t - span.startMs) / 1000).toFixed(2)} s in` : 'no window'}`);
        }
      }
      lines.push(`terms ${terms.before.join('/')} -> ${terms.after.join('/')}, leader n${leader} -> n${after.find((s) => s!.role === 'leader')?.id}, role changes to (pre)candidate or leader: ${elections}`);
      lines.push(kernelFilter ? `kernel filter on: one junk datagram in ${kernelFilter.sampleEvery} reaches the daemon filter (its reason counted), the rest is counted by the kernel` : 'kernel filter off: the daemon filter sees every datagram');
      console.log(lines.join('\n'));
      if (process.platform === 'linux' && process.env.FLOOD_KERNEL_FILTER !== '0') expect(kernelFilter).not.toBeNull();

      expect(sent / secs).toBeGreaterThanOrEqual(50_000 * Math.min(1, RATE / 60_000));
      const report = lines.join('\n'); // in each message: CI output keeps the failure, not the log
      expect(terms.after, report).toEqual(terms.before);
      expect(after.find((s) => s!.role === 'leader')?.id, report).toBe(leader);
      expect(elections, report).toBe(0);
      expect(hist.flooded.totalCount, report).toBeGreaterThan(100);
      expect(p99.flooded, report).toBeLessThanOrEqual(2 * p99.clean);
    } finally {
      pool.close();
    }
  }, 180_000);
});
