// Human-readable explanations of a verdict, and an SVG/HTML picture of a (partition of a) history.
import type { CheckResult, PartitionReport } from './checker.js';
import { showValue } from './models.js';
import type { Operation } from './types.js';

/** Short label of an operation: `write 3`, `read→3`, `cas 1→2 ok`, `put a=1`. */
export function opLabel(op: Operation): string {
  const k = op.key !== '' ? `${op.key}` : '';
  const unknown = op.status === 'unknown' ? ' ?' : '';
  switch (op.kind) {
    case 'read':
      return `${op.f}${k ? ' ' + k : ''}→${showValue(op.result)}`;
    case 'write':
      return `${op.f} ${k ? k + '=' : ''}${showValue(op.value)}${unknown}`;
    case 'append':
      return `${op.f} ${k ? k + '+=' : ''}${showValue(op.value)}${unknown}`;
    case 'delete':
      return `${op.f}${k ? ' ' + k : ''}${unknown}`;
    case 'cas': {
      const out = op.status === 'ok' ? ' ok' : op.status === 'fail' ? ' failed' : ' ?';
      return `${op.f} ${k ? k + ' ' : ''}${showValue(op.from)}→${showValue(op.to)}${out}`;
    }
  }
}

/** A time as shown: µs since t0 for ns clocks, else the number itself. */
export function showTime(t: number, unit: string, t0 = 0): string {
  if (!Number.isFinite(t)) return '∞';
  if (unit !== 'ns') return String(t);
  const us = (t - t0) / 1000;
  return us.toFixed(Math.abs(us) < 100 ? 2 : 1);
}

/**
 * Where an operation is in the input: its line range (invocation line–completion line; one line
 * for a JSON record), and for ns clocks its time span in µs since the first invocation.
 */
export function opWhere(op: Operation, unit: string, t0?: number): string {
  const parts: string[] = [];
  if (op.line !== undefined) {
    const ret = op.retLine;
    if (ret === undefined) parts.push(`line ${op.line}, never completed`);
    else parts.push(ret === op.line ? `line ${op.line}` : `lines ${op.line}–${ret}`);
  }
  if (unit === 'ns' || op.line === undefined) {
    const u = unit === 'ns' ? ' µs' : unit === 'event' ? ' (events)' : ` ${unit}`;
    parts.push(`${showTime(op.call, unit, t0)}–${showTime(op.ret, unit, t0)}${u}`);
  }
  if (op.status === 'unknown' && op.retLine !== undefined) parts.push('outcome unknown');
  return parts.join(', ');
}

/** Full description of an operation, with process and where it is in the input. */
export function opText(op: Operation, unit: string, t0?: number): string {
  return `p${op.process} ${opLabel(op)} (${opWhere(op, unit, t0)})`;
}

function keyNote(r: PartitionReport): string {
  return r.key !== '' ? `key ${JSON.stringify(r.key)}: ` : '';
}

/** Lines (without a trailing newline) explaining a non-linearizable or unknown result. */
export function explainLines(result: CheckResult, unit: string, full: boolean, t0?: number): string[] {
  const r = result.failing;
  if (!r) return [];
  const out: string[] = [];
  if (result.verdict === 'unknown') {
    const open = result.unfinished ?? [];
    const keys = open.length > 0 && !(open.length === 1 && open[0] === '')
      ? `; still open: ${open.slice(0, 8).map((k) => JSON.stringify(k)).join(', ')}${open.length > 8 ? ` (+${open.length - 8} more)` : ''}`
      : '';
    out.push(
      `  time limit reached after ${result.elapsedMs.toFixed(0)} ms (${result.partitions - open.length}/${result.partitions} partitions decided${keys}; ` +
        `hardest: ${keyNote(r)}${r.ops.length} ops, longest linearizable prefix so far ${r.prefix.length})`,
    );
    return out;
  }
  const rejected = r.frontier.filter((f) => f.rejected);
  const shown = rejected.length > 0 ? rejected : r.frontier;
  if (!full) {
    const first = shown.slice(0, 3).map((f) => `${opText(f.op, unit, t0)}: ${f.reason}`);
    const more = shown.length > 3 ? ` (+${shown.length - 3} more)` : '';
    out.push(
      `  ${keyNote(r)}linearized ${r.prefix.length} of ${r.ops.length} ops (state ${r.stateAfterPrefix}); ` +
        `cannot place next: ${first.join('; ')}${more}`,
    );
    return out;
  }
  out.push(`  ${keyNote(r)}partition of ${r.ops.length} ops (${result.partitions} partitions in the history)`);
  out.push(`  longest linearizable prefix (${r.prefix.length} ops, in linearization order):`);
  r.prefix.forEach((op, i) => out.push(`    ${String(i + 1).padStart(4)}. ${opText(op, unit, t0)}`));
  out.push(`  state after the prefix: ${r.stateAfterPrefix}`);
  out.push('  operations that cannot be placed next:');
  for (const f of r.frontier) out.push(`    ${opText(f.op, unit, t0)}: ${f.reason}`);
  return out;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface Picture {
  title: string;
  ops: Operation[];
  unit: string;
  /** Linearization order of these ops (index into `prefix` + 1 is drawn on the bar). */
  prefix?: Operation[];
  /** Ops to highlight in red. */
  red?: Operation[];
}

/** A Gantt-like SVG: one row per process, one bar per operation from invocation to return. */
export function historySvg(p: Picture): string {
  const ops = p.ops;
  const times = [...new Set(ops.flatMap((o) => [o.call, o.ret]).filter((t) => Number.isFinite(t)))].sort(
    (a, b) => a - b,
  );
  const rank = new Map<number, number>();
  times.forEach((t, i) => rank.set(t, i));
  const procs = [...new Set(ops.map((o) => o.process))].sort((a, b) => a - b);
  const row = new Map<number, number>();
  procs.forEach((pr, i) => row.set(pr, i));
  const order = new Map<Operation, number>();
  (p.prefix ?? []).forEach((o, i) => order.set(o, i + 1));
  const red = new Set(p.red ?? []);

  const dx = 22;
  const rowH = 30;
  const left = 70;
  const top = 50;
  const infRank = times.length + 1;
  const width = left + (infRank + 1) * dx + 40;
  const height = top + procs.length * rowH + 60;
  const x = (t: number): number => left + (Number.isFinite(t) ? rank.get(t)! : infRank) * dx;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(p.title)}</text>`);
  parts.push(
    `<text x="${left}" y="36" fill="#555">bars: invocation→return; number = position in the longest linearizable prefix; ` +
      `red = cannot be placed next; dashed = indeterminate (may take effect any time after invocation, or never)</text>`,
  );
  procs.forEach((pr, i) => {
    const y = top + i * rowH;
    if (i % 2 === 0) parts.push(`<rect x="0" y="${y}" width="${width}" height="${rowH}" fill="#f6f6f6"/>`);
    parts.push(`<text x="8" y="${y + rowH / 2 + 4}" font-size="11">p${pr}</text>`);
  });
  for (const op of ops) {
    const y = top + row.get(op.process)! * rowH + 4;
    const x0 = x(op.call);
    const x1 = Math.max(x(op.ret), x0 + dx * 0.8);
    const isRed = red.has(op);
    const n = order.get(op);
    const fill = isRed ? '#e53935' : n !== undefined ? '#a5d6a7' : '#cfd8dc';
    const stroke = isRed ? '#8e0000' : '#546e7a';
    const dash = op.status === 'unknown' ? ' stroke-dasharray="4 3"' : '';
    const label = (n !== undefined ? `${n}: ` : '') + opLabel(op);
    parts.push(
      `<g><title>${esc(`p${op.process} ${opLabel(op)} [${op.call}, ${Number.isFinite(op.ret) ? op.ret : '∞'}]` + (op.line !== undefined ? ` line ${op.line}` : ''))}</title>` +
        `<rect x="${x0}" y="${y}" width="${x1 - x0}" height="${rowH - 8}" rx="3" fill="${fill}" fill-opacity="${op.status === 'unknown' ? 0.5 : 0.9}" stroke="${stroke}"${dash}/>` +
        `<text x="${x0 + 3}" y="${y + rowH / 2}" fill="${isRed ? 'white' : 'black'}">${esc(label)}</text></g>`,
    );
  }
  // time axis
  const ay = top + procs.length * rowH + 10;
  parts.push(`<line x1="${left}" y1="${ay}" x2="${x(Infinity)}" y2="${ay}" stroke="black"/>`);
  const step = Math.max(1, Math.ceil(times.length / 25));
  const t0 = times[0] ?? 0;
  const fmt = (t: number): string =>
    p.unit === 'ns' ? `${((t - t0) / 1000).toFixed((t - t0) / 1000 < 100 ? 1 : 0)}` : String(t);
  for (let i = 0; i < times.length; i += step) {
    const tx = left + i * dx;
    parts.push(`<line x1="${tx}" y1="${ay}" x2="${tx}" y2="${ay + 5}" stroke="black"/>`);
    parts.push(`<text x="${tx}" y="${ay + 17}" text-anchor="middle">${esc(fmt(times[i]!))}</text>`);
  }
  parts.push(`<text x="${x(Infinity)}" y="${ay + 17}" text-anchor="middle">∞</text>`);
  const axisName =
    p.unit === 'ns' ? 'time (µs since the first event; spacing is by event order)' : 'time (event number in the input)';
  parts.push(`<text x="${left}" y="${ay + 34}" fill="#555">${axisName}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
