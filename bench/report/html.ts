// bench/out/report.html: one self-contained page (inline SVG plots, tables, no scripts) from
// cluster.json. docs/benchmarks.md explains how to read it.
import { writeFileSync } from 'node:fs';
import type { ClusterBench, Point } from './schema.js';
import { HDR_BYTES } from '../../ctrl/wire/wire.gen.js';

const esc = (s: unknown) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const n2 = (x: number) => x.toFixed(2);

function table(head: string[], rows: Array<Array<string | number>>): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

const curve = (p: Point) => (p.path === 'hostReply' ? 'host reply' : p.path === 'software' ? 'software path' : p.reply === 'snoop' ? 'fast path, commit snooping' : 'fast path, NIC REPLY');

function pointRows(pts: Point[]): Array<Array<string | number>> {
  return pts.map((p) => [
    p.replicas, curve(p), p.wireFrameBytes, n2(p.offeredPct), n2(p.committedGbps), n2(p.committedMpps),
    n0(p.latencyNs.p50), n0(p.latencyNs.p99), n0(p.latencyNs.p999), n0(p.networkFloorNs),
    `${(p.nicAddedShare.p50 * 100).toFixed(1)}%`, n0(p.samples), p.sustained ? 'yes' : 'NO',
    Object.entries(p.dropsByReason).map(([k, v]) => `${k} ${v}`).join(', '),
  ]);
}
const POINT_HEAD = ['replicas', 'path', 'frame B', 'offered %', 'committed Gb/s', 'committed Mreq/s', 'p50 ns', 'p99 ns', 'p99.9 ns', 'network floor ns', 'above floor (p50)', 'requests', 'sustained', 'drops'];

function figure(svgs: Record<string, string>, id: string, caption: string): string {
  const s = svgs[id];
  return s ? `<figure>${s}<figcaption>${esc(caption)}</figcaption></figure>` : '';
}

export function reportHtml(j: ClusterBench, svgs: Record<string, string>, extraHtml = ''): string {
  const S: string[] = [];
  const b = j.breakdown;
  S.push(`<h1>nicraft cluster benchmark</h1>`);
  S.push(`<p class="note">${esc(j.statement)}</p>`);
  S.push(`<p>Mode <b>${esc(j.mode)}</b>, seed ${j.config.seed}, generated ${esc(j.generatedAt)}; sections: ${esc(j.sectionsRun.join(', '))}. ` +
    `${j.config.planes} planes, ${j.config.payloadBytes + HDR_BYTES}-byte requests (${j.config.payloadBytes + HDR_BYTES + 4} with FCS), ${esc(j.config.arrivals)}. ` +
    `NIC: ACK_COUNT ${j.config.nic.ackCount}, ACK_DELAY ${j.config.nic.ackDelayCycles} cycles, ACK_GAP ${j.config.nic.ackGapCycles ?? Object.entries(j.config.nic.ackGapCyclesByReplicas ?? {}).map(([n, g]) => `${g} (${n} replicas)`).join(', ')} cycles, HB_COMMIT_DELAY ${j.config.nic.hbCommitDelayCycles} cycles. ` +
    `Host: ${j.config.host.latencyNs} ns per host&lt;-&gt;NIC crossing, polls every ${j.config.host.pollNs} ns. Full configuration in cluster.json.</p>`);
  if (b) {
    S.push(`<h2>Headline: ${b.offeredPct}% load, ${b.replicas} replicas</h2>`);
    S.push(`<p class="${b.meetsWaverunner ? 'ok' : 'warn'}">${esc(b.statement)}</p>`);
    S.push(table(['component', 'ns', 'what'], [
      ['network floor', n2(b.networkFloorNs), '4 hops (REQ, APPEND, ACK, commit frame) on an idle network'],
      ['cycle rounding', n2(b.cycleRoundingNs), 'each hop seen at the next 4 ns clock edge, 2 cycles of MAC hand-off'],
      ['NIC pipeline', n2(b.nicPipelineNs), 'leader and follower RTL cycles of a lone request with immediate ACKs'],
      ['ACK coalescing and contention (p99)', n2(b.ackAndQueueingP99Ns), `p99 at this load minus a lone request with immediate ACKs; followers ACK every ACK_COUNT entries, after ACK_DELAY, or as soon as no ACK left in the last ACK_GAP cycles: at this load an entry waits up to ${n2(b.ackIntervalNs)} ns for its ACK`],
      ['= p99', n2(b.p99Ns), ''],
    ]));
    S.push(table(['hop', 'frame bytes', 'ns', 'cycles (rounded up)'], b.floorHops.map((h) => [h.hop, h.frameBytes, n2(h.ns), h.cycles])));
  }
  if (j.loadSweep.length) {
    S.push(`<h2>1. Load sweep</h2>`);
    S.push(figure(svgs, 'latency-vs-load', 'Latency percentiles vs offered load. Solid: fast path with commit snooping (the clients read the commit index the leader NIC multicasts); other dashes: a REPLY per request from the leader NIC, or from the leader\'s host application. Points past the knee are not sustained (see the table). Dotted: the network floor.'));
    S.push(figure(svgs, 'cdf-85', 'Latency CDF at 85.5% load (fast path, commit snooping), with the network floor and Waverunner\'s p99.'));
    S.push(table(POINT_HEAD, pointRows([...j.loadSweep, ...j.hostReplySweep])));
  }
  if (j.modes?.length) {
    S.push(`<h2>1b. Leader and chain replication</h2><p>The same clients, loads, seed and network, a reply per request: leader mode with the leader NIC's replies and with the followers' replies, chain mode with the tail's (docs/replication-modes.md). Floor: the network floor of the reply's path (chain: the REQ, one APPEND per link, the REPLY).</p>`);
    S.push(figure(svgs, 'modes', 'p50 and p99 vs offered load for each replication mode and reply path; one panel per replica count.'));
    S.push(table(['replicas', 'mode', 'replies', 'highest sustained %', 'p50 / p99 ns at 50%', 'p50 / p99 ns at 85.5%', 'floor ns', 'failover'],
      j.modes.map((r) => [r.replicas, r.mode, r.reply, r.maxSustainedPct ?? 'none',
        r.at50 ? `${r.at50.p50Ns} / ${r.at50.p99Ns}${r.at50.sustained ? '' : ' (not sustained)'}` : '-',
        r.at85 ? `${r.at85.p50Ns} / ${r.at85.p99Ns}${r.at85.sustained ? '' : ' (not sustained)'}` : '-',
        n2(r.networkFloorNs), r.failover ? r.failover.map((f) => `${f.position}: ${f.firstCommitUs ?? 'never'} us`).join(', ') : r.failoverNote])));
    const bd = j.modes.filter((r) => r.breakdown85);
    if (bd.length) {
      S.push(`<p>Where the time goes at 85.5%: p99 = the reply path's network floor + the NIC pipelines and cycle rounding (a lone request's latency minus the floor) + the wait under load (p99 minus the lone request's latency: ACK coalescing on the path, contention).</p>`);
      S.push(table(['replicas', 'mode', 'replies', 'p99 ns', 'floor ns', 'NIC + rounding ns', 'under load p50 / p99 ns'],
        bd.map((r) => { const b = r.breakdown85!; return [r.replicas, r.mode, r.reply, b.p99Ns, n2(b.floorNs), n2(b.nicAndRoundingNs), `${n2(b.loadP50Ns)} / ${n2(b.loadP99Ns)}`]; })));
    }
    if (j.modesPayload?.length) {
      S.push(figure(svgs, 'modes-payload', 'Payload sweep of both modes with a reply per request: p99 vs frame size at each offered load.'));
      S.push(table(POINT_HEAD, pointRows(j.modesPayload)));
    }
  }
  if (j.payloadSweep) {
    S.push(`<h2>2. Payload sweep</h2><p>RTL variant ${esc(j.payloadSweep.variant)}.</p>`);
    S.push(figure(svgs, 'payload', 'Latency vs frame size at fixed loads, with the network floor for that size.'));
    S.push(table(POINT_HEAD, pointRows(j.payloadSweep.points)));
  }
  if (j.softwarePath.length && j.softwareComparison) {
    S.push(`<h2>3. Hardware vs software path</h2>`);
    S.push(`<p>Software path: FAST_EN=0 on every NIC; sim/software-host.ts replicates in host software through the Nic interface, ${j.config.softwareCost.perFrameNs} ns of CPU per frame on one core per host, plus ${j.config.host.latencyNs} ns per host&lt;-&gt;NIC crossing (6 per request). Both paths answer with a REPLY frame at commit.</p>`);
    S.push(figure(svgs, 'software', 'p50 and p99 of the fast path and the software path at the same offered loads.'));
    S.push(table(['replicas', 'offered %', 'fast p50 ns', 'fast p99 ns', 'software p50 ns', 'software p99 ns', 'ratio p50', 'ratio p99', 'software sustained', 'leader CPU busy'],
      j.softwarePath.map((s, i) => {
        const h = j.softwareComparison!.hardwareAtSameLoads[i]!;
        const r = j.softwareComparison!.ratio[i]!;
        const ratio = (x: number) => (s.sustained ? `${x}x` : 'overloaded');
        return [s.replicas, n2(s.offeredPct), n0(h.latencyNs.p50), n0(h.latencyNs.p99), n0(s.latencyNs.p50), n0(s.latencyNs.p99), ratio(r.p50), ratio(r.p99), s.sustained ? 'yes' : 'NO', s.leaderCpuBusy !== undefined ? `${(s.leaderCpuBusy * 100).toFixed(0)}%` : ''];
      })));
  }
  S.push(`<h2>4. Failover</h2>`);
  if (j.failover) {
    const f = j.failover;
    const v = (x: unknown) => (x === null || x === undefined ? 'not within the run' : `${String(x)} us`);
    S.push(figure(svgs, 'failover', `Committed requests per 10 us bucket around the leader crash (seed ${f.seed}, the run with the median first commit).`));
    S.push(`<p>The real control plane (sim/failover.ts, ${esc(f.scenario ?? '')}): the leader crashes ${f.crashAtUs} us into ${f.offeredPct}% load. Medians over the seeds: detected ${v(f.detectUs)}, elected ${v(f.electedUs)}, first commit ${v(f.firstCommitUs)}, full throughput (a 10 us bucket at ${Math.round(Number(f.fullShare ?? 0.9) * 100)}% of the pre-crash rate) ${v(f.fullThroughputUs)} after the crash; ${f.gapUs} us without a completion.</p>`);
    const runs = Array.isArray(f.runs) ? (f.runs as Array<Record<string, unknown>>) : [];
    if (runs.length) {
      S.push(table(['seed', 'new leader', 'term', 'detected us', 'elected us', 'first commit us', 'full throughput us', 'gap us', 'lost', 'retries', 'one log, one state'],
        runs.map((r) => [String(r.seed), String(r.newLeader), String(r.term), String(r.detectUs ?? '-'), String(r.electedUs ?? '-'), String(r.firstCommitUs ?? '-'), String(r.fullThroughputUs ?? 'not within the run'), String(r.gapUs), String(r.lostRequests), String(r.retries), r.agreement ? 'yes' : 'NO'])));
    }
  } else {
    S.push(`<p class="warn">${esc(j.failoverNote ?? 'pending')}</p>`);
  }
  if (j.planeLoss) {
    const p = j.planeLoss;
    S.push(`<h2>5. Plane loss</h2>`);
    S.push(figure(svgs, 'plane-loss', 'Committed throughput per 10 us, each client plane mode; shaded: plane down.'));
    S.push(table(['client planes', 'phase', 'from us', 'to us', 'committed Mreq/s', '% of line rate', 'p50 ns', 'p99 ns', 'p99.9 ns', 'requests'],
      p.modes.flatMap((m) => m.phases.map((x) => [m.planes, x.phase, n0(x.fromUs), n0(x.toUs), n2(x.committedMpps), n2(x.committedPct), n0(x.latencyNs.p50), n0(x.latencyNs.p99), n0(x.latencyNs.p999), n0(x.samples)]))));
    S.push(table(['client planes', 'lost', 'resends', 'REQ frames', 'leader REQ copies dropped', 'sequenced twice', 'p99 outage / fault-free', 'highest sustained %'],
      p.modes.map((m) => [m.planes, n0(m.lostRequests), n0(m.retries), n0(m.reqFrames), n0(m.leaderReqCopiesDropped), n0(m.sequencedTwice), `${m.outageP99VsFaultFree} (${n0(m.faultFreeOutageP99Ns)} ns)`, m.maxSustainedPct ?? 'none'])));
    S.push(`<p>Clients resend after ${p.retryUs} us and notice the link loss after ${p.linkDetectNs} ns. Fabric drops: ${esc(p.modes.map((m) => `${m.planes}: ` + (Object.entries(m.drops).map(([k, v]) => `${k} ${v}`).join(', ') || 'none')).join('; '))}.</p>`);
  }
  if (j.simSpeed) {
    S.push(`<h2>6. Simulation speed</h2>`);
    S.push(figure(svgs, 'sim-speed', 'Simulated cycles per second of the whole cluster (RTL NICs, switches, clients).'));
    S.push(`<p class="note">Per ${esc(j.simSpeed.timeBase)}. Load: ${esc(j.simSpeed.load)}.</p>`);
    S.push(table(['replicas', 'TypeScript-driven cycles/s', 'C++ loop, same batches', 'C++ loop, 20k batches', 'TS / C++', 'TS wall cycles/s', 'C++ wall cycles/s', 'runs (median)'],
      j.simSpeed.rows.map((r) => [r.replicas, n0(r.tsCyclesPerSec), n0(r.cppSameBatchesCyclesPerSec), n0(r.cppCyclesPerSec), r.ratio, n0(r.tsCyclesPerWallSec), n0(r.cppCyclesPerWallSec), r.repeats])));
    S.push(`<p>ModelNic: ${esc(j.simSpeed.modelNic)}.</p>`);
  }
  if (j.comparison.length) {
    S.push(`<h2>7. Comparison with published figures</h2><p class="note">${esc(j.statement)}</p>`);
    S.push(table(['system', 'metric', 'published', 'nicraft', 'how', 'source'], j.comparison.map((c) => [c.system, c.metric, c.published, c.nicraft, c.how, c.source])));
  }
  if (extraHtml) S.push(extraHtml);
  S.push(`<p class="note">Wall time per section (s): ${esc(Object.entries(j.wallSeconds).map(([k, v]) => `${k} ${v}`).join(', '))}.</p>`);
  const css = 'body{font-family:Helvetica,Arial,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}' +
    'table{border-collapse:collapse;margin:0.8em 0;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}' +
    'td:first-child,th:first-child{text-align:left}th{background:#f0f0f0}figure{margin:1em 0}figcaption{font-size:12px;color:#555;max-width:900px}' +
    '.note{color:#555;font-size:13px}.warn{background:#fff3e0;padding:6px}.ok{background:#e8f5e9;padding:6px}svg{max-width:100%;height:auto}';
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>nicraft cluster benchmark</title><style>${css}</style></head><body>\n${S.join('\n')}\n</body></html>\n`;
}

export function writeHtml(file: string, j: ClusterBench, svgs: Record<string, string>, extraHtml = ''): void {
  writeFileSync(file, reportHtml(j, svgs, extraHtml));
}
