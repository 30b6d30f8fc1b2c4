// Floods cost nothing but counters: three daemons (model NIC, two planes) under a closed-loop load,
// measured in alternating windows, clean and flooded, side by side in one run. In a flooded window
// a small program (test/deploy/flood_send.c, its datagrams from test/deploy/flooder.ts) sends junk
// to every plane port of every node, from non-member addresses on loopback: random bytes, nicraft headers with one thing wrong, and
// well-formed frames claiming to be a member (APPEND, HEARTBEAT with term 2^32-1, ACK, NACK,
// CONTROL). Checked: no election (every node's term and the leader unchanged, no node left the
// follower/leader roles), the flooded p99 within 2x of the clean p99, and every junk datagram
// counted in /metrics: by the plane filter (per reason) or by the kernel (receive buffer full).
//
// Every daemon takes a snapshot (and compacts its WAL) every FLOOD_SNAPSHOT_EVERY entries (default
// 2000), so that every run crosses several, flooded or not: the elections this test used to see
// were compactions that blocked each daemon for seconds (docs/deploying.md "Floods").
//
// FLOOD_RATE_PER_PORT (junk datagrams/s to each of the 6 plane ports, default 53000: the issue's 50,000 to every
// port with a margin; at the default the test asserts at least 50,000/s per port was sent) or FLOOD_RATE
// (datagrams/s over all ports; FLOOD_SENDERS processes share it, default 3), FLOOD_WINDOWS (default 8: 4 clean and 4
// flooded, in ABBA order) and FLOOD_WINDOW_S (default 3) change the run; FLOOD_SEED the junk (the
// seed is printed); FLOOD_RCVBUF the plane sockets' receive buffer asked (net.recvBufferBytes; 212992
// is what a machine with Linux's default net.core.rmem_max grants, doubled: 425,984 bytes).
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
import { NetSampler } from './netstat.js';

const clusters: LocalCluster[] = [];
const floods: ChildProcess[] = [];
afterAll(async () => {
  for (const f of floods) if (f.exitCode === null) f.kill('SIGKILL');
  for (const lc of clusters) await lc.stopAll('SIGKILL');
  removeTempDirs();
});

/** the plane ports flooded: 3 nodes x 2 planes */
const PORTS = 6;
const RATE = Number(process.env.FLOOD_RATE ?? PORTS * Number(process.env.FLOOD_RATE_PER_PORT ?? 53_000));
const DEFAULT_RATE = process.env.FLOOD_RATE === undefined && process.env.FLOOD_RATE_PER_PORT === undefined;
const WINDOW_S = Number(process.env.FLOOD_WINDOW_S ?? 3);
const WINDOWS = 2 * Math.max(1, Math.round(Number(process.env.FLOOD_WINDOWS ?? 8) / 2));
const SEED = Number(process.env.FLOOD_SEED ?? randomInt(1, 2 ** 31));
const SNAPSHOT_EVERY = Number(process.env.FLOOD_SNAPSHOT_EVERY ?? 2000);
const SENDERS = Math.max(1, Number(process.env.FLOOD_SENDERS ?? 3));

/**
 * Starts SENDERS flood_send processes on the datagram file, each at rate / SENDERS; resolves once
 * they send, with a function that stops them and returns their reports summed. Several processes:
 * on a busy machine one sender alone got too small a share of the CPU to keep the rate (49,700/s at
 * a load average of 12; the kernel's loopback delivery and filter run in the sender's time). Two
 * senders at 52,000/s per port sent 49,822/s per port in a CI run (beside the nice-19 model-checker
 * tests); three sent 54,678 of 55,000 (99.4%, flooded p99 1.59x the clean) and 53,459 of 54,000
 * (99.0%, 1.81x) the same way. The default, 53,000 from three, keeps a margin on both tests.
 */
async function startFlood(exe: string, file: string, rate: number, maxSeconds: number): Promise<() => Promise<FloodReport>> {
  const stops = await Promise.all(Array.from({ length: SENDERS }, () => startSender(exe, file, rate / SENDERS, maxSeconds)));
  return async () => {
    const reps = await Promise.all(stops.map((stop) => stop()));
    const seconds = Math.max(...reps.map((r) => r.seconds));
    const sent = reps.reduce((a, r) => a + r.sent, 0);
    const perTarget = reps[0]!.perTarget.map((t, i) => ({ ...t, sent: reps.reduce((a, r) => a + r.perTarget[i]!.sent, 0) }));
    return { sent, seconds, ratePerS: sent / seconds, sendErrors: reps.reduce((a, r) => a + r.sendErrors, 0), perTarget };
  };
}

async function startSender(exe: string, file: string, rate: number, maxSeconds: number): Promise<() => Promise<FloodReport>> {
  const child = spawn(exe, [file, String(rate), String(maxSeconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  floods.push(child);
  // 'close', not 'exit': 'exit' can come before the last of stdout (the report) was read
  let closed = false;
  const whenClosed = new Promise<void>((res) => child.once('close', () => { closed = true; res(); }));
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
    if (!closed) child.kill('SIGTERM');
    await whenClosed;
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

/** The NIC counters summed over the nodes (/metrics). */
async function nicCounters(lc: LocalCluster): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const id of lc.ids) {
    for (const s of samples(await lc.metrics(id), 'nicraft_nic_counter_total')) out[s.labels.counter!] = (out[s.labels.counter!] ?? 0) + s.value;
  }
  return out;
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
  it(`3 daemons under load, junk at every plane port of every node (${RATE / PORTS}/s per port, ${RATE}/s in all): no election, p99 within 2x of the clean run, every drop counted`, async () => {
    console.log(`flood seed ${SEED} (FLOOD_SEED=${SEED} replays the junk), rate ${RATE}/s, windows of ${WINDOW_S} s`);
    // FLOOD_KERNEL_FILTER=0: the daemons without the kernel filter (every datagram reaches the daemon filter)
    // The election timeout is etcd's default (1 s) rather than the model backend's 300 ms: on a shared
    // 2-core CI machine, three daemons, the load client and the sender can leave a daemon unscheduled
    // for 300 ms in a clean window too (CI failed once that way); what this test claims is that the
    // flood moves nothing, at a timeout a deployment would use. FLOOD_ELECTION_MS changes it.
    const electionTimeoutMs = Number(process.env.FLOOD_ELECTION_MS ?? 1000);
    const lc = await makeCluster('flood', {
      replicas: 3, planes: 2, backend: 'model',
      overrides: {
        timing: { electionTimeoutMs },
        // a snapshot (and the WAL's compaction) every few thousand entries, so that every run crosses
        // several, in clean and flooded windows (a compaction that replayed the WAL in quadratic time
        // blocked each daemon for seconds at the default 20,000 and was this test's election)
        storage: { snapshotEveryEntries: SNAPSHOT_EVERY },
        net: { ...(process.env.FLOOD_KERNEL_FILTER === '0' ? { kernelFilter: false } : {}), ...(process.env.FLOOD_RCVBUF ? { recvBufferBytes: Number(process.env.FLOOD_RCVBUF) } : {}) },
      },
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
      let rcvbufTotal = 0;
      const windowNet: Array<{ into: string; samples: NetSampler['samples'] }> = [];
      const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
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
      const ports = spec.targets.map((t) => t.port);
      const sampler = new NetSampler(ports);
      const nicBefore = await nicCounters(lc);
      for (const into of order) {
        const startMs = Date.now();
        sampler.start();
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
        const net = sampler.stop();
        const nicAfter = await nicCounters(lc);
        const nicDelta = Object.entries(nicAfter).map(([k, v]) => [k, v - (nicBefore[k] ?? 0)] as const).filter(([k, v]) => v !== 0 && /DROP|NACK|RETRANSMIT|REPAIR/.test(k));
        Object.assign(nicBefore, nicAfter);
        lines.push(`${into.padEnd(7)}: ${r.ops.completed} ops (${r.opsPerSec.toFixed(0)}/s), p50 ${r.latencyUs.p50} us, p99 ${r.latencyUs.p99} us, ${r.ops.indeterminate} indeterminate, daemons' CPU ${cpu} of a core${rate}, ${wall.toFixed(1)} s`);
        lines.push(`         kernel: RcvbufErrors +${net.snmp.RcvbufErrors ?? '?'}, InErrors +${net.snmp.InErrors ?? '?'}, SndbufErrors +${net.snmp.SndbufErrors ?? '?'}, softnet dropped +${net.softnet.dropped ?? '?'}; plane sockets' largest rx queue ${Math.max(...[...net.ports.values()].map((p) => p.maxRxQueueBytes))} bytes; NIC (all nodes) ${nicDelta.map(([k, v]) => `${k} +${v}`).join(', ') || 'no drop, NACK or retransmission'}`);
        rcvbufTotal += net.snmp.RcvbufErrors ?? 0;
        windowNet.push({ into, samples: sampler.samples });
      }
      lines.push(`machine-wide RcvbufErrors over the windows: +${rcvbufTotal} (any socket of the machine); load average ${loadBefore} before, ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} after`);
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
      const drv = (st: unknown): Record<string, number> => ((st as { counters: { driver: Record<string, number> } }).counters.driver);
      lines.push(`driver: ` + lc.ids.map((id, i) => {
        const a = drv(after[i]), b = drv(before[i]);
        return `n${id} ${a.snapshots! - b.snapshots!} snapshots, ${a.longTurns! - b.longTurns!} long turns (longest turn ${a.maxTurnMs} ms), ${a.lateTicks! - b.lateTicks!} late ticks`;
      }).join('; '));
      type PlaneSt = { recvBufferBytes: number | null; txErrors: number; txDatagrams: number; sendQueueDatagrams: number | null };
      const planesOf = (st: unknown): PlaneSt[] => (st as { planes: PlaneSt[] }).planes;
      lines.push(`plane sockets' receive buffers (granted): ${[...new Set(after.flatMap((st) => planesOf(st).map((p) => p.recvBufferBytes)))].join(', ')} bytes; sends: ` +
        lc.ids.map((id, i) => `n${id} ${planesOf(after[i]).reduce((a, p) => a + p.txDatagrams, 0) - planesOf(before[i]).reduce((a, p) => a + p.txDatagrams, 0)} datagrams, ${planesOf(after[i]).reduce((a, p) => a + p.txErrors, 0) - planesOf(before[i]).reduce((a, p) => a + p.txErrors, 0)} errors, send queue ${planesOf(after[i]).map((p) => p.sendQueueDatagrams).join('/')}`).join('; '));
      for (const id of lc.ids) {
        for (const l of lc.logText(id).split('\n').filter((x) => /"msg":"driver (tick|pump) ran/.test(x))) lines.push(`  n${id}: ${/"msg":"([^"]*)"/.exec(l)?.[1]} ${/"did":"([^"]*)"/.exec(l)?.[1] ?? ''}`);
      }
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
          if (!/precandidate/.test(role)) continue;
          // the kernel's view of the plane sockets in the 2 s before: receive queue bytes and drops per port
          const ws = windowNet.flatMap((w) => w.samples).filter((x) => x.t >= t - 2000 && x.t <= t + 200);
          for (let k = 0; k < ws.length; k += 5) {
            const x = ws[k]!;
            lines.push(`      ${((x.t - t) / 1000).toFixed(2)} s: RcvbufErrors ${x.rcvbuf} ` + x.ports.map(([p, q, d]) => `${p}:q${q}/d${d}`).join(' '));
          }
        }
      }
      // what each daemon that stood for election said it had heard
      for (const id of lc.ids) {
        for (const l of lc.logText(id).split('\n').filter((x) => x.includes('stood for election'))) lines.push(`  n${id} log: ${l.slice(0, 1500)}`);
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

      expect(spec.targets.length).toBe(PORTS);
      // the issue's rate: at least 50,000 junk datagrams per second to every plane port (at the default)
      if (DEFAULT_RATE) {
        for (const t of spec.targets) {
          const perS = reports.reduce((a, r) => a + r.perTarget.find((x) => x.port === t.port)!.sent, 0) / secs;
          expect(perS, `junk datagrams per second to n${t.node} plane ${t.plane}`).toBeGreaterThanOrEqual(50_000);
        }
      }
      else expect(sent / secs).toBeGreaterThanOrEqual(0.9 * RATE);
      const report = lines.join('\n'); // in each message: CI output keeps the failure, not the log
      expect(terms.after, report).toEqual(terms.before);
      expect(after.find((s) => s!.role === 'leader')?.id, report).toBe(leader);
      expect(elections, report).toBe(0);
      expect(hist.flooded.totalCount, report).toBeGreaterThan(100);
      // the windows crossed a snapshot on every node (what stalled the cluster before)
      for (const [i] of lc.ids.entries()) expect(drv(after[i]).snapshots! - drv(before[i]).snapshots!, report).toBeGreaterThan(0);
      expect(p99.flooded, report).toBeLessThanOrEqual(2 * p99.clean);
    } finally {
      pool.close();
    }
  }, 180_000);
});

