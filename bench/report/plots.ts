// The report's plots: Vega-Lite specifications, compiled to Vega and rendered headless to SVG with
// vega's View.toSVG() (no browser, no canvas). docs/benchmarks.md says why Vega-Lite.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { ClusterBench } from './schema.js';

export type Spec = Record<string, unknown>;

const WIDTH = 360;
const HEIGHT = 240;
const base = (title: string, extra: Spec = {}): Spec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title,
  ...('facet' in extra ? {} : { width: WIDTH, height: HEIGHT }),
  background: 'white',
  config: { font: 'Helvetica, Arial, sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 360 } },
  ...extra,
});

const CURVE: Record<string, string> = {
  'fast/snoop': 'fast path, commit snooping',
  'fast/nic': 'fast path, NIC REPLY',
  'fast/follower': 'fast path, follower NIC REPLY',
  'hostReply/host': 'reply from the leader host',
  'software/nic': 'software path (FAST_EN=0)',
};
const curveOf = (p: { path: string; reply: string }) => CURVE[`${p.path}/${p.reply}`] ?? `${p.path}/${p.reply}`;

/** 1. Latency percentiles vs offered load, one panel per replica count. */
export function latencyVsLoad(j: ClusterBench): Spec | null {
  const pts = [...(j.loadSweep ?? []), ...(j.hostReplySweep ?? [])];
  if (!pts.length) return null;
  const rows: Spec[] = [];
  for (const p of pts) {
    for (const [k, label] of [['p50', 'p50'], ['p99', 'p99'], ['p999', 'p99.9']] as const) {
      rows.push({ replicas: `${p.replicas} replicas`, offeredPct: p.offeredPct, latencyNs: Math.max(1, p.latencyNs[k]), percentile: label, curve: curveOf(p), sustained: p.sustained ? 'yes' : 'no' });
    }
  }
  const floors = [...new Map(pts.map((p) => [`${p.replicas}`, { replicas: `${p.replicas} replicas`, floorNs: p.networkFloorNs }])).values()];
  for (const f of floors) rows.push({ ...f, kind: 'floor' });
  const domainMin = 0.9 * Math.min(...pts.map((p) => Math.min(p.networkFloorNs, p.latencyNs.p50)));
  return base('Latency vs offered load (client send -> reply), minimum-size requests, 2 planes', {
    data: { values: rows },
    facet: { column: { field: 'replicas', type: 'nominal', title: null } },
    spec: {
      width: WIDTH, height: HEIGHT,
      layer: [
        {
          transform: [{ filter: 'datum.kind !== "floor"' }],
          mark: { type: 'line', point: { filled: true, size: 30 }, strokeWidth: 1.5 },
          encoding: {
            x: { field: 'offeredPct', type: 'quantitative', title: 'offered load (% of 100 Gb/s line rate)', scale: { domain: [0, 100] } },
            y: { field: 'latencyNs', type: 'quantitative', title: 'latency (ns, log scale)', scale: { type: 'log', nice: false, domainMin } },
            color: { field: 'curve', type: 'nominal', title: 'reply path' },
            strokeDash: { field: 'percentile', type: 'nominal', title: 'percentile', sort: ['p50', 'p99', 'p99.9'] },
            shape: { field: 'percentile', type: 'nominal', title: 'percentile', sort: ['p50', 'p99', 'p99.9'] },
            detail: { field: 'percentile' },
          },
        },
        {
          transform: [{ filter: 'datum.kind === "floor"' }],
          mark: { type: 'rule', color: 'gray', strokeDash: [2, 2] },
          encoding: { y: { field: 'floorNs', type: 'quantitative' } },
        },
        {
          transform: [{ filter: 'datum.kind === "floor"' }],
          mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: 'gray', fontSize: 10 },
          encoding: { y: { field: 'floorNs', type: 'quantitative' }, x: { datum: 1 }, text: { value: 'network floor' } },
        },
      ],
    },
    resolve: { scale: { y: 'shared' } },
  });
}

/** Leader mode and chain mode side by side (issue 21): p50 and p99 vs offered load, a reply per request. */
export function modesPlot(j: ClusterBench): Spec | null {
  const pts = j.modesPoints ?? [];
  if (!pts.length) return null;
  const rows: Spec[] = [];
  for (const p of pts) {
    const mode = p.replication === 'chain' ? 'chain, tail replies' : p.reply === 'nic' ? 'leader, leader NIC replies' : 'leader, follower replies';
    for (const [k, label] of [['p50', 'p50'], ['p99', 'p99']] as const) {
      rows.push({ replicas: `${p.replicas} replicas`, offeredPct: p.offeredPct, latencyNs: Math.max(1, p.latencyNs[k]), percentile: label, mode, sustained: p.sustained ? 'yes' : 'no' });
    }
  }
  const domainMin = 0.9 * Math.min(...pts.map((p) => p.latencyNs.p50));
  return base('Leader and chain replication, a reply per request: latency vs offered load (unsustained points hollow)', {
    data: { values: rows },
    facet: { column: { field: 'replicas', type: 'nominal', title: null } },
    spec: {
      width: WIDTH, height: HEIGHT,
      mark: { type: 'line', point: true, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'offeredPct', type: 'quantitative', title: 'offered load (% of 100 Gb/s line rate)', scale: { domain: [0, 100] } },
        y: { field: 'latencyNs', type: 'quantitative', title: 'latency (ns, log scale)', scale: { type: 'log', nice: false, domainMin } },
        color: { field: 'mode', type: 'nominal', title: 'replication, replies' },
        strokeDash: { field: 'percentile', type: 'nominal', title: 'percentile', sort: ['p50', 'p99'] },
        detail: { field: 'percentile' },
      },
    },
    resolve: { scale: { y: 'shared' } },
  });
}

/** Leader and chain replication's payload sweep (issue 21): p99 vs frame size per offered load, a reply per request. */
export function modesPayloadPlot(j: ClusterBench): Spec | null {
  const pts = j.modesPayload ?? [];
  if (!pts.length) return null;
  const rows = pts.map((p) => ({
    load: `${p.offeredPct}% offered`, frameBytes: p.frameBytes, latencyNs: Math.max(1, p.latencyNs.p99),
    mode: p.replication === 'chain' ? 'chain, tail replies' : 'leader, follower replies', sustained: p.sustained ? 'yes' : 'no',
  }));
  return base(`Leader and chain replication, ${pts[0]!.replicas} replicas, a reply per request: p99 vs frame size (unsustained points hollow)`, {
    data: { values: rows },
    facet: { column: { field: 'load', type: 'nominal', title: null } },
    spec: {
      width: WIDTH, height: HEIGHT,
      mark: { type: 'line', point: true, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'frameBytes', type: 'quantitative', title: 'frame on the wire (bytes)', scale: { type: 'log' } },
        y: { field: 'latencyNs', type: 'quantitative', title: 'p99 latency (ns, log scale)', scale: { type: 'log', nice: false } },
        color: { field: 'mode', type: 'nominal', title: 'replication, replies' },
        fill: { condition: { test: "datum.sustained === 'yes'", field: 'mode', type: 'nominal' }, value: 'white' },
      },
    },
    resolve: { scale: { y: 'shared' } },
  });
}

/** 2. Latency CDF at the headline load. */
export function cdfAtHeadline(j: ClusterBench): Spec | null {
  const c = j.cdf;
  if (!c || !c.points.length) return null;
  const marks = [
    { latencyNs: c.networkFloorNs, label: `network floor ${Math.round(c.networkFloorNs)} ns` },
    { latencyNs: 1800, label: 'Waverunner p99 1.8 us' },
  ];
  return base(`Latency CDF at ${c.offeredPct}% load, ${c.replicas} replicas (${c.samples.toLocaleString('en-US')} requests)`, {
    layer: [
      {
        data: { values: c.points },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: { field: 'latencyNs', type: 'quantitative', title: 'latency, client send -> commit seen (ns)', scale: { zero: false } },
          y: { field: 'fraction', type: 'quantitative', title: 'fraction of requests', scale: { domain: [0, 1] } },
        },
      },
      { data: { values: marks }, mark: { type: 'rule', strokeDash: [4, 3], color: 'firebrick' }, encoding: { x: { field: 'latencyNs', type: 'quantitative' } } },
      {
        data: { values: marks },
        mark: { type: 'text', angle: 270, align: 'left', dx: 0, dy: -4, fontSize: 10, color: 'firebrick' },
        encoding: { x: { field: 'latencyNs', type: 'quantitative' }, y: { datum: 0.02 }, text: { field: 'label' } },
      },
    ],
  });
}

/** 3. Latency vs frame size at fixed loads. */
export function payloadPlot(j: ClusterBench): Spec | null {
  const pts = j.payloadSweep?.points ?? [];
  if (!pts.length) return null;
  const rows: Spec[] = [];
  const loads = [...new Set(pts.map((p) => Math.round(p.offeredPct * 10) / 10))];
  for (const p of pts) {
    const load = `${Math.round(p.offeredPct * 10) / 10}% load`;
    rows.push({ wire: p.wireFrameBytes, latencyNs: p.latencyNs.p50, series: 'p50', load });
    rows.push({ wire: p.wireFrameBytes, latencyNs: p.latencyNs.p99, series: 'p99', load });
    rows.push({ wire: p.wireFrameBytes, latencyNs: p.networkFloorNs, series: 'network floor', load });
  }
  const over = pts.filter((p) => !p.sustained);
  const title = {
    text: `Latency vs frame size (${pts[0]!.replicas} replicas, commit snooping)`,
    subtitle: over.length ? `not sustained (requests lost or dropped): ${over.map((p) => `${p.wireFrameBytes} B at ${Math.round(p.offeredPct * 10) / 10}%`).join(', ')}` : '',
  } as unknown as string;
  if (loads.length > 1) {
    return base(title, {
      data: { values: rows },
      facet: { column: { field: 'load', type: 'nominal', title: null } },
      spec: { width: WIDTH, height: HEIGHT, mark: { type: 'line', point: true }, encoding: payloadEnc() },
    });
  }
  return base(title, { data: { values: rows }, mark: { type: 'line', point: true }, encoding: payloadEnc() });
}
function payloadEnc(): Spec {
  return {
    x: { field: 'wire', type: 'quantitative', title: 'frame size on the wire (bytes, with FCS)' },
    y: { field: 'latencyNs', type: 'quantitative', title: 'latency (ns, log scale)', scale: { type: 'log' } },
    color: { field: 'series', type: 'nominal', title: null, sort: ['p50', 'p99', 'network floor'] },
  };
}

/** 4. Hardware vs software path at equal loads. */
export function softwarePlot(j: ClusterBench): Spec | null {
  const sw = j.softwarePath ?? [];
  const hw = j.softwareComparison?.hardwareAtSameLoads ?? [];
  if (!sw.length) return null;
  const rows: Spec[] = [];
  // overloaded points (latency growing with the run's length) are named in the subtitle, not drawn
  const over = [...sw, ...hw].filter((p) => !p.sustained);
  for (const p of [...sw, ...hw].filter((x) => x.sustained)) {
    rows.push({ offeredPct: p.offeredPct, latencyNs: Math.max(1, p.latencyNs.p50), percentile: 'p50', curve: `${curveOf(p)}, ${p.replicas} replicas` });
    rows.push({ offeredPct: p.offeredPct, latencyNs: Math.max(1, p.latencyNs.p99), percentile: 'p99', curve: `${curveOf(p)}, ${p.replicas} replicas` });
  }
  const title = {
    text: 'Fast path vs software path (same cluster, same loads, replies at commit)',
    subtitle: over.length ? `not sustained (queue grows for the whole run, not drawn): ${over.map((p) => `${curveOf(p)} at ${p.offeredPct}%`).join('; ')}` : '',
  };
  return base(title as unknown as string, {
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'offeredPct', type: 'quantitative', title: 'offered load (% of line rate)', axis: { format: '~g' }, scale: { zero: true } },
      y: { field: 'latencyNs', type: 'quantitative', title: 'latency (ns, log scale)', scale: { type: 'log' } },
      color: { field: 'curve', type: 'nominal', title: 'path' },
      strokeDash: { field: 'percentile', type: 'nominal', title: 'percentile' },
      detail: { field: 'percentile' },
    },
  });
}

/** 5. Plane loss: committed throughput per 10 us over time, the plane-down interval shaded. */
export function planeLossPlot(j: ClusterBench): Spec | null {
  const p = j.planeLoss;
  if (!p) return null;
  const values = p.modes.flatMap((m) => m.timeline.map((t) => ({ ...t, planes: m.planes })));
  return base(`Plane ${p.plane} lost at ${p.downAtUs} us, back at ${p.upAtUs} us (${p.replicas} replicas, ${p.offeredPct}% load)`, {
    width: 2 * WIDTH,
    layer: [
      {
        data: { values: [{ from: p.downAtUs, to: p.upAtUs }] },
        mark: { type: 'rect', color: '#f4d6d6' },
        encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' } },
      },
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'tUs', type: 'quantitative', title: 'simulated time (us)' },
          y: { field: 'committedMpps', type: 'quantitative', title: 'committed (M requests/s per 10 us)' },
          color: { field: 'planes', type: 'nominal', title: 'client planes' },
        },
      },
      {
        data: { values: [{ offered: p.modes[0]!.phases[0]!.committedMpps, label: `offered ${p.offeredPct}%` }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: 'gray' },
        encoding: { y: { field: 'offered', type: 'quantitative' } },
      },
    ],
  });
}

/** 6. Failover timeline (when the section is filled in): committed throughput around the crash. */
export function failoverPlot(j: ClusterBench): Spec | null {
  const f = j.failover;
  if (!f || !f.timeline?.length) return null;
  const v = (x: number | null) => (x === null ? 'not within the run' : `${x} us`);
  const marks = [{ t: 0, label: 'leader crash' }];
  if (f.firstCommitUs !== null) marks.push({ t: f.firstCommitUs, label: 'first commit' });
  if (f.fullThroughputUs !== null) marks.push({ t: f.fullThroughputUs, label: 'full throughput' });
  return base(`Leader crash at ${f.offeredPct}% load (${f.replicas} replicas): first commit ${v(f.firstCommitUs)}, full throughput ${v(f.fullThroughputUs)} after the crash (medians)`, {
    width: 2 * WIDTH,
    layer: [
      {
        data: { values: f.timeline },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'tUs', type: 'quantitative', title: 'time from the leader crash (us)' },
          y: { field: 'committedMpps', type: 'quantitative', title: `committed (M requests/s per ${f.bucketUs} us)` },
        },
      },
      { data: { values: marks }, mark: { type: 'rule', color: 'firebrick', strokeDash: [4, 3] }, encoding: { x: { field: 't', type: 'quantitative' } } },
      {
        data: { values: marks },
        mark: { type: 'text', angle: 270, align: 'right', baseline: 'bottom', dx: -4, dy: -3, fontSize: 10, color: 'firebrick' },
        encoding: { x: { field: 't', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
      },
    ],
  });
}

/** 7. Simulation speed. */
export function simSpeedPlot(j: ClusterBench): Spec | null {
  const rows = j.simSpeed?.rows ?? [];
  if (!rows.length) return null;
  const vals: Spec[] = [];
  for (const r of rows) {
    vals.push({ replicas: `${r.replicas} replicas`, how: 'TypeScript-driven (Cluster.run)', kcps: r.tsCyclesPerSec / 1000 });
    vals.push({ replicas: `${r.replicas} replicas`, how: 'plain C++ loop, same batches', kcps: r.cppSameBatchesCyclesPerSec / 1000 });
    vals.push({ replicas: `${r.replicas} replicas`, how: 'plain C++ loop, 20k-cycle batches', kcps: r.cppCyclesPerSec / 1000 });
  }
  return base('Simulation speed (RTL NICs, 85.5% load)', {
    data: { values: vals },
    mark: 'bar',
    encoding: {
      y: { field: 'replicas', type: 'nominal', title: null },
      yOffset: { field: 'how' },
      x: { field: 'kcps', type: 'quantitative', title: 'simulated cycles per second (thousands)' },
      color: { field: 'how', type: 'nominal', title: null },
    },
  });
}

export const PLOTS: Array<{ id: string; title: string; make: (j: ClusterBench) => Spec | null }> = [
  { id: 'latency-vs-load', title: 'Latency vs load', make: latencyVsLoad },
  { id: 'cdf-85', title: 'Latency CDF at 85.5% load', make: cdfAtHeadline },
  { id: 'modes', title: 'Leader and chain replication', make: modesPlot },
  { id: 'modes-payload', title: 'Leader and chain replication: payload sweep', make: modesPayloadPlot },
  { id: 'payload', title: 'Payload sweep', make: payloadPlot },
  { id: 'software', title: 'Hardware vs software path', make: softwarePlot },
  { id: 'failover', title: 'Failover timeline', make: failoverPlot },
  { id: 'plane-loss', title: 'Plane loss', make: planeLossPlot },
  { id: 'sim-speed', title: 'Simulation speed', make: simSpeedPlot },
];

/** Vega-Lite -> Vega -> SVG, headless. */
export async function renderSvg(spec: Spec): Promise<string> {
  // a deep copy: Vega tags the data objects it ingests, and the specs share them with cluster.json
  const copy = JSON.parse(JSON.stringify(spec)) as vl.TopLevelSpec;
  const compiled = vl.compile(copy).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Every plot that has data: id -> SVG text. */
export async function renderAll(j: ClusterBench): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of PLOTS) {
    const spec = p.make(j);
    if (spec) out[p.id] = await renderSvg(spec);
  }
  return out;
}
