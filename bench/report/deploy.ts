// The deployment benchmark's part of the HTML report (bench/deploy.ts, `make bench-deploy`):
// from bench/out/deploy.json, a table of the medians (and spreads) of both systems per
// configuration, and two plots (throughput and p99, median with the min..max spread as a rule).
// bench/deploy.ts writes bench/out/deploy.html and deploy-*.svg; the cluster report
// (bench/out/report.html) includes the same section when deploy.json is there.
import { existsSync, readFileSync } from 'node:fs';
import { renderSvg, type Spec } from './plots.js';

interface Spread { median: number; min: number; max: number }
interface SysSummary { runs: number; opsPerSec: Spread; p50Us: Spread; p99Us: Spread; errors: number; leaderFsyncsPerSec?: number | null; leaderEntriesPerFsync?: number | null }
export interface DeployJson {
  quick: boolean;
  settings: Record<string, unknown>;
  machine?: Record<string, unknown>;
  systems: Record<string, string>;
  summary: Array<{
    workload: { clients: number; valueBytes: number; readShare: number };
    nicraft: SysSummary;
    etcd: SysSummary | null;
    ratio: { throughput: number; p50: number; p99: number } | null;
    target?: { throughputAtLeast1_5x: boolean; p99NoHigher: boolean; noErrors?: boolean };
  }>;
}

const esc = (s: unknown) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const label = (w: { clients: number; valueBytes: number; readShare: number }) => `${w.clients} cl, ${w.valueBytes} B, ${Math.round(w.readShare * 100)}% gets`;

function rows(j: DeployJson, metric: 'opsPerSec' | 'p99Us', scale: number): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const s of j.summary) {
    for (const sys of ['nicraft', 'etcd'] as const) {
      const x = s[sys];
      if (!x) continue;
      out.push({ config: label(s.workload), system: sys, median: x[metric].median / scale, min: x[metric].min / scale, max: x[metric].max / scale });
    }
  }
  return out;
}

function barSpec(title: string, yTitle: string, values: Array<Record<string, unknown>>, order: string[]): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    width: { step: 18 },
    height: 240,
    config: { font: 'Helvetica, Arial, sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, titleFontSize: 11 } },
    data: { values },
    encoding: {
      x: { field: 'config', type: 'nominal', title: null, sort: order, axis: { labelAngle: -40 } },
      xOffset: { field: 'system', type: 'nominal' },
      color: { field: 'system', type: 'nominal', title: null, scale: { domain: ['nicraft', 'etcd'] } },
    },
    layer: [
      { mark: 'bar', encoding: { y: { field: 'median', type: 'quantitative', title: yTitle } } },
      { mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } } },
    ],
  };
}

/** Throughput and p99 plots: id -> SVG. */
export async function deploySvgs(j: DeployJson): Promise<Record<string, string>> {
  if (!j.summary.length) return {};
  const order = j.summary.map((s) => label(s.workload));
  return {
    'deploy-throughput': await renderSvg(barSpec('Throughput, median of the runs (rule: min..max)', 'completed ops/s', rows(j, 'opsPerSec', 1), order)),
    'deploy-p99': await renderSvg(barSpec('p99 latency, median of the runs (rule: min..max)', 'p99 latency (ms)', rows(j, 'p99Us', 1000), order)),
  };
}

const sp = (s: Spread, scale = 1, digits = 0) => `${(s.median / scale).toFixed(digits)} (${(s.min / scale).toFixed(digits)}..${(s.max / scale).toFixed(digits)})`;

/** The HTML section (a heading, the settings, the plots, the table, the target's verdicts). */
export function deploySectionHtml(j: DeployJson, svgs: Record<string, string>): string {
  const S: string[] = [];
  S.push(`<h2>Deployment: nicraft daemons vs etcd on one machine</h2>`);
  S.push(`<p class="note">${esc(j.quick ? '--quick run. ' : '')}Settings: ${esc(JSON.stringify(j.settings))}. Machine: ${esc(JSON.stringify(j.machine ?? {}))}.</p>`);
  S.push(`<p>nicraft: ${esc(j.systems.nicraft)}<br>etcd: ${esc(j.systems.etcd)}</p>`);
  for (const id of ['deploy-throughput', 'deploy-p99']) if (svgs[id]) S.push(`<figure>${svgs[id]}</figure>`);
  const head = ['clients', 'value B', 'gets', 'nicraft ops/s', 'nicraft p50 ms', 'nicraft p99 ms', 'etcd ops/s', 'etcd p50 ms', 'etcd p99 ms', 'throughput x', 'p99 x', 'runs each', 'leader fsync/s', 'entries/fsync'];
  const body = j.summary.map((s) => [
    s.workload.clients, s.workload.valueBytes, `${Math.round(s.workload.readShare * 100)}%`,
    sp(s.nicraft.opsPerSec), sp(s.nicraft.p50Us, 1000, 1), sp(s.nicraft.p99Us, 1000, 1),
    s.etcd ? sp(s.etcd.opsPerSec) : '-', s.etcd ? sp(s.etcd.p50Us, 1000, 1) : '-', s.etcd ? sp(s.etcd.p99Us, 1000, 1) : '-',
    s.ratio?.throughput ?? '-', s.ratio?.p99 ?? '-', s.nicraft.runs, s.nicraft.leaderFsyncsPerSec ?? '-', s.nicraft.leaderEntriesPerFsync ?? '-',
  ]);
  S.push(`<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
  S.push('<p class="note">Medians over the alternating runs, min..max in parentheses.</p>');
  for (const s of j.summary) {
    if (!s.target) continue;
    const ok = s.target.throughputAtLeast1_5x && s.target.p99NoHigher && s.target.noErrors !== false;
    S.push(`<p class="${ok ? 'ok' : 'warn'}">Target at ${esc(label(s.workload))}: throughput at least 1.5x etcd's: ${s.target.throughputAtLeast1_5x ? 'met' : 'NOT met'} (${s.ratio!.throughput}x); p99 no higher: ${s.target.p99NoHigher ? 'met' : 'NOT met'} (${s.ratio!.p99}x)${s.target.noErrors === false ? '; INVALID: operations failed' : ''}.</p>`);
  }
  return S.join('\n');
}

/** The section from a deploy.json file, or '' when there is none (or it does not parse). */
export async function deploySectionFromFile(file: string): Promise<string> {
  if (!existsSync(file)) return '';
  let j: DeployJson;
  try { j = JSON.parse(readFileSync(file, 'utf8')) as DeployJson; } catch { return ''; }
  if (!Array.isArray(j.summary)) return '';
  return deploySectionHtml(j, await deploySvgs(j));
}

const CSS = 'body{font-family:Helvetica,Arial,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}' +
  'table{border-collapse:collapse;margin:0.8em 0;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}' +
  'td:first-child,th:first-child{text-align:left}th{background:#f0f0f0}figure{margin:1em 0}' +
  '.note{color:#555;font-size:13px}.warn{background:#fff3e0;padding:6px}.ok{background:#e8f5e9;padding:6px}svg{max-width:100%;height:auto}';

/** A page of its own (bench/out/deploy.html). */
export function deployPage(j: DeployJson, svgs: Record<string, string>): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>nicraft deployment benchmark</title><style>${CSS}</style></head><body>\n<h1>nicraft deployment benchmark</h1>\n${deploySectionHtml(j, svgs)}\n</body></html>\n`;
}
