// The interactive history view of `nicraft check --html` (docs/checker.md, "History view"): one
// self-contained HTML file (no network), one tab per partition (key). Hovering an operation shows
// where it is in the input, its outcome, and in the longest partial linearization that contains
// it, its position and the model state before and after it; that linearization is numbered on
// the bars and listed in a side panel (click an operation to pin it). The counterexample (the
// operations that cannot be placed after the longest linearizable prefix) is drawn in red, and
// the failing partition's tab is marked and opened first. Events of a nicraft event log
// (elections, crashes, plane loss, faults) are drawn on the time axis.
import { CacheBudget, PartitionSearch, partitions, type CheckResult, type PartitionReport } from './checker.js';
import type { EventKind, EventNote } from './events.js';
import { opLabel, opWhere } from './explain.js';
import { makeModel, type ModelSpec } from './models.js';
import type { History, Operation } from './types.js';

export interface ViewInput {
  file: string;
  verdict: string;
  history: History;
  spec: ModelSpec;
  result: CheckResult;
  explanation: string[];
  events: EventNote[];
  /** Time the view may spend finding partial linearizations, per partition and in all (ms). */
  partitionMs?: number;
  totalMs?: number;
}

type TabVerdict = 'linearizable' | 'not linearizable' | 'undecided';

interface OpData {
  /** process */
  p: number;
  label: string;
  where: string;
  status: string;
  call: number;
  /** null = never returned (indeterminate) */
  ret: number | null;
}

interface TabData {
  key: string;
  verdict: TabVerdict;
  failing: boolean;
  ops: OpData[];
  /** Distinct partial linearizations (indices into ops, in order). */
  lins: number[][];
  /** For each linearization, the state before its first op and after each op (indices into states). */
  linStates: number[][];
  /** For each op, the index of the longest partial linearization containing it, or -1. */
  linOf: number[];
  /** Counterexample: ops that cannot be placed after the longest linearizable prefix. */
  red: Array<{ op: number; reason: string }>;
}

export interface ViewData {
  title: string;
  verdict: string;
  model: string;
  initial: string;
  unit: string;
  t0: number;
  explanation: string[];
  states: string[];
  tabs: TabData[];
  events: Array<{ t: number; kind: EventKind; text: string; line: number }>;
  eventsNote: string;
}

/** Computes what the page shows (exported for tests). */
export function viewData(v: ViewInput): ViewData {
  const model = makeModel(v.spec);
  const h = v.history;
  const parts = partitions(model, h.ops);
  const failing: PartitionReport | undefined = v.result.failing;
  const stateIds = new Map<string, number>();
  const states: string[] = [];
  const sid = (s: string): number => {
    let i = stateIds.get(s);
    if (i === undefined) {
      i = states.length;
      states.push(s);
      stateIds.set(s, i);
    }
    return i;
  };
  const perPartMs = v.partitionMs ?? 2000;
  const until = performance.now() + (v.totalMs ?? 20_000);
  const budget = new CacheBudget(256 * 1024 * 1024);
  const tabs: TabData[] = parts.map(({ key, ops }) => {
    const index = new Map<Operation, number>();
    ops.forEach((o, i) => index.set(o, i));
    const search = new PartitionSearch(model, ops, key, budget, true);
    const status = search.run(Math.min(until, performance.now() + perPartMs));
    search.release();
    const verdict: TabVerdict = status === 'paused' ? 'undecided' : status;
    const lins: number[][] = [];
    const linIndex = new Map<number[], number>();
    const linOf = ops.map((_, k) => {
      const lin = search.partialOf![k];
      if (!lin) return -1;
      let i = linIndex.get(lin);
      if (i === undefined) {
        i = lins.length;
        lins.push(lin);
        linIndex.set(lin, i);
      }
      return i;
    });
    const linStates = lins.map((lin) => {
      let s = model.init(key);
      const out = [sid(model.describeState(s))];
      for (const k of lin) {
        const ns = model.step(s, ops[k]!);
        if (ns === undefined) break; // cannot happen: found by the search
        s = ns;
        out.push(sid(model.describeState(s)));
      }
      return out;
    });
    const isFailing = failing !== undefined && failing.key === key && v.result.verdict !== 'linearizable';
    const red =
      isFailing && v.result.verdict === 'not linearizable'
        ? failing.frontier.map((f) => ({ op: index.get(f.op) ?? -1, reason: f.reason })).filter((x) => x.op >= 0)
        : [];
    return {
      key,
      verdict,
      failing: isFailing,
      ops: ops.map((o) => ({
        p: o.process,
        label: opLabel(o),
        where: opWhere(o, h.timeUnit, h.t0),
        status:
          o.status === 'unknown'
            ? 'indeterminate (may take effect any time after its invocation, or never)'
            : o.status === 'fail'
              ? 'fail (the compare failed: no effect)'
              : 'ok',
        call: o.call,
        ret: Number.isFinite(o.ret) ? o.ret : null,
      })),
      lins,
      linStates,
      linOf,
      red,
    };
  });
  let eventsNote = '';
  let events: ViewData['events'] = [];
  if (v.events.length > 0) {
    if (h.timeUnit !== 'ns') {
      eventsNote = `The event log is not shown: this history's times are event numbers, not nanoseconds.`;
    } else {
      events = v.events.map((e) => ({ t: e.timeNs, kind: e.kind, text: `${e.cycle} ${e.text}`, line: e.line }));
    }
  }
  return {
    title: `${v.file}: ${v.verdict}`,
    verdict: v.verdict,
    model: v.spec.name,
    initial: v.spec.initial === 'empty' ? 'empty ("")' : 'nil',
    unit: h.timeUnit,
    t0: h.t0 ?? 0,
    explanation: v.explanation,
    states,
    tabs,
    events,
    eventsNote,
  };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON that is safe inside a <script> element. */
function scriptJson(x: unknown): string {
  return JSON.stringify(x).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const CSS = `
body{font-family:system-ui,sans-serif;margin:0;color:#222}
header{padding:.6em 1em;border-bottom:1px solid #ddd}
h1{font-size:1.1em;margin:.2em 0}
.verdict-not{color:#c62828}.verdict-lin{color:#2e7d32}.verdict-unknown{color:#ef6c00}
details pre{background:#f6f6f6;padding:.5em;max-height:14em;overflow:auto;font-size:12px}
#tabs{display:flex;flex-wrap:wrap;gap:2px;padding:.4em 1em 0;border-bottom:1px solid #ccc}
.tab{border:1px solid #ccc;border-bottom:none;background:#f2f2f2;padding:.25em .7em;cursor:pointer;font:inherit;font-size:13px;border-radius:4px 4px 0 0}
.tab.active{background:#fff;font-weight:bold;position:relative;top:1px}
.tab.failing{color:#c62828;border-color:#e57373}
.tab.undecided{color:#ef6c00}
#main{display:flex;align-items:flex-start}
#canvas{flex:1;display:flex;padding:.5em 1em;min-width:0}
#canvas svg.labels{flex:none}
#canvas .scroll{flex:1;overflow-x:auto;min-width:0}
#side{width:22em;max-height:80vh;overflow:auto;border-left:1px solid #ddd;padding:.5em;font-size:12px}
#side h2{font-size:13px;margin:.2em 0}
#side ol{padding-left:2.4em;margin:.3em 0}
#side li.cur{background:#fff59d}
#legend{font-size:12px;padding:.3em 1em;color:#555}
#legend label{margin-right:1em}
.op rect.bar{fill:#cfd8dc;stroke:#546e7a}
.op.lin rect.bar{fill:#a5d6a7}
.op.indet rect.bar{fill-opacity:.5;stroke-dasharray:4 3}
.op.counterexample rect.bar{fill:#e53935;stroke:#8e0000}
.op.counterexample text{fill:#fff}
.op text{font-size:10px;pointer-events:none}
.op.faded{opacity:.25}
.op.hover rect.bar{stroke:#000;stroke-width:2}
.badge circle{fill:#1565c0}.badge text{fill:#fff;font-size:9px;font-weight:bold}
.event line{stroke-width:1.5;stroke-dasharray:3 2}
.event.election line{stroke:#6a1b9a}.event.campaign line{stroke:#ab47bc}.event.role line{stroke:#bbb}
.event.crash line{stroke:#d32f2f;stroke-width:2.5;stroke-dasharray:none}.event.plane line{stroke:#0277bd;stroke-width:2.5}
.event.fault line{stroke:#f9a825}.event.other line{stroke:#9e9e9e}
.event rect.hit{fill:transparent;cursor:help}
.event text.glyph{fill:#333;font-weight:bold}
#tooltip{position:fixed;display:none;max-width:32em;background:#fffde7;border:1px solid #999;padding:.4em .6em;font-size:12px;box-shadow:2px 2px 6px rgba(0,0,0,.2);pointer-events:none;z-index:10;white-space:pre-wrap}
.hint{color:#666;font-size:12px}
`;

// The page's script (plain JavaScript; data from the JSON element). No template interpolation.
const SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var tip = document.getElementById('tooltip');
  var side = document.getElementById('side');
  var canvas = document.getElementById('canvas');
  var shownKinds = {};
  var pinned = null;
  var current = null;
  var proportional = false;
  var GLYPH = { election: 'L', campaign: 'C', role: 'f', crash: '\u2620', plane: 'P', fault: '!', other: '\u00b7' };

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function h(name, text, parent, cls) {
    var e = document.createElement(name);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmtTime(t) {
    if (t === null) return '\u221e';
    if (D.unit !== 'ns') return String(t);
    var us = (t - D.t0) / 1000;
    return us.toFixed(Math.abs(us) < 100 ? 2 : 1) + ' \u00b5s';
  }
  function showTip(ev, text) {
    tip.textContent = text;
    tip.style.display = 'block';
    var x = ev.clientX + 14, y = ev.clientY + 14;
    var w = tip.offsetWidth, hh = tip.offsetHeight;
    if (x + w > window.innerWidth) x = Math.max(0, ev.clientX - w - 10);
    if (y + hh > window.innerHeight) y = Math.max(0, ev.clientY - hh - 10);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }
  function hideTip() { tip.style.display = 'none'; }

  function opTip(tab, k) {
    var o = tab.ops[k];
    var lines = ['p' + o.p + ' ' + o.label, o.where, 'outcome: ' + o.status];
    var li = tab.linOf[k];
    if (li >= 0) {
      var lin = tab.lins[li], st = tab.linStates[li];
      var pos = lin.indexOf(k);
      var full = lin.length === tab.ops.length;
      lines.push((full ? 'linearization' : 'longest partial linearization containing it') +
        ': #' + (pos + 1) + ' of ' + lin.length + ' (of ' + tab.ops.length + ' ops)');
      lines.push('state before: ' + D.states[st[pos]]);
      lines.push('state after:  ' + D.states[st[pos + 1]]);
    } else {
      lines.push('in no partial linearization found');
    }
    for (var i = 0; i < tab.red.length; i++) {
      if (tab.red[i].op === k) lines.push('COUNTEREXAMPLE: cannot be placed next: ' + tab.red[i].reason);
    }
    return lines.join('\n');
  }

  function showLin(tab, k, g) {
    var li = k === null ? -1 : tab.linOf[k];
    var ops = g.querySelectorAll('g.op');
    var badges = g.querySelectorAll('g.badge');
    for (var i = 0; i < badges.length; i++) badges[i].remove();
    for (var j = 0; j < ops.length; j++) {
      ops[j].classList.remove('faded', 'hover');
    }
    side.textContent = '';
    if (li < 0) {
      if (k !== null) {
        ops[k].classList.add('hover');
        h('p', 'This operation is in no partial linearization the search found.', side, 'hint');
      } else sideSummary(tab);
      return;
    }
    var lin = tab.lins[li], st = tab.linStates[li];
    var inLin = {};
    for (var p = 0; p < lin.length; p++) inLin[lin[p]] = p;
    for (var q = 0; q < ops.length; q++) {
      if (!(q in inLin)) ops[q].classList.add('faded');
    }
    ops[k].classList.add('hover');
    for (var r = 0; r < lin.length; r++) {
      var bar = ops[lin[r]].querySelector('rect.bar');
      var bx = +bar.getAttribute('x'), by = +bar.getAttribute('y');
      var b = el('g', { class: 'badge' }, g);
      el('circle', { cx: bx + 2, cy: by, r: 8 }, b);
      var t = el('text', { x: bx + 2, y: by + 3, 'text-anchor': 'middle' }, b);
      t.textContent = String(r + 1);
    }
    var full = lin.length === tab.ops.length;
    h('h2', (full ? 'Linearization' : 'Partial linearization') + ' (' + lin.length + ' of ' + tab.ops.length + ' ops)', side);
    h('div', 'initial state: ' + D.states[st[0]], side, 'hint');
    var ol = h('ol', null, side);
    for (var s = 0; s < lin.length; s++) {
      var o = tab.ops[lin[s]];
      var li2 = h('li', 'p' + o.p + ' ' + o.label + '   ' + D.states[st[s]] + ' \u2192 ' + D.states[st[s + 1]], ol);
      if (lin[s] === k) li2.className = 'cur';
    }
    if (!full) h('p', 'The operations after it could not be placed in this order.', side, 'hint');
  }

  function sideSummary(tab) {
    side.textContent = '';
    h('h2', 'Key ' + (tab.key === '' ? '(none)' : JSON.stringify(tab.key)) + ': ' + tab.verdict, side);
    h('p', tab.ops.length + ' operations, ' + tab.lins.length + ' distinct partial linearizations.', side, 'hint');
    if (tab.red.length) {
      h('h2', 'Counterexample', side);
      var ul = h('ul', null, side);
      for (var i = 0; i < tab.red.length; i++) {
        var o = tab.ops[tab.red[i].op];
        h('li', 'p' + o.p + ' ' + o.label + ' (' + o.where + '): ' + tab.red[i].reason, ul);
      }
    }
    h('p', 'Hover an operation to see its linearization and the states; click to pin it.', side, 'hint');
  }

  function draw(ti) {
    var tab = D.tabs[ti];
    current = ti;
    pinned = null;
    canvas.textContent = '';
    var times = [];
    var seen = {};
    tab.ops.forEach(function (o) {
      [o.call, o.ret].forEach(function (t) { if (t !== null && !seen[t]) { seen[t] = 1; times.push(t); } });
    });
    times.sort(function (a, b) { return a - b; });
    var rank = {};
    times.forEach(function (t, i) { rank[t] = i; });
    var procs = [];
    var seenP = {};
    tab.ops.forEach(function (o) { if (!seenP[o.p]) { seenP[o.p] = 1; procs.push(o.p); } });
    procs.sort(function (a, b) { return a - b; });
    var row = {};
    procs.forEach(function (p, i) { row[p] = i; });
    var dx = 30, rowH = 30, left = 14, top = 34;
    var inf = times.length + 1;
    var width = left + (inf + 1) * dx + 40;
    var height = top + procs.length * rowH + 50;
    var tmin = times.length ? times[0] : 0, tmax = times.length ? times[times.length - 1] : 1;
    var span = Math.max(1e-9, tmax - tmin), plotW = (inf - 1) * dx;
    function x(t) {
      if (proportional) return t === null ? left + inf * dx : left + ((t - tmin) / span) * plotW;
      return left + (t === null ? inf : rank[t]) * dx;
    }
    function xAt(t) {
      if (proportional) return left + ((t - tmin) / span) * plotW;
      // an event time between two operation times: interpolate on the ordinal axis
      if (!times.length) return left;
      if (t <= times[0]) return left - 6;
      if (t >= times[times.length - 1]) return left + (times.length - 1) * dx + 6;
      var lo = 0, hi = times.length - 1;
      while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (times[mid] <= t) lo = mid; else hi = mid; }
      return left + (lo + (t - times[lo]) / (times[hi] - times[lo])) * dx;
    }
    // client names stay in view while the history scrolls sideways
    var labels = el('svg', { width: 64, height: height, class: 'labels', 'font-family': 'sans-serif' }, canvas);
    var scroller = h('div', null, canvas, 'scroll');
    var svg = el('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, 'font-family': 'sans-serif', 'font-size': 10, id: 'history' }, scroller);
    procs.forEach(function (p, i) {
      var y = top + i * rowH;
      if (i % 2 === 0) {
        el('rect', { x: 0, y: y, width: width, height: rowH, fill: '#f6f6f6' }, svg);
        el('rect', { x: 0, y: y, width: 64, height: rowH, fill: '#f6f6f6' }, labels);
      }
      var t = el('text', { x: 8, y: y + rowH / 2 + 4, 'font-size': 11 }, labels);
      t.textContent = 'p' + p;
    });
    // events under the bars
    var evG = el('g', { class: 'events' }, svg);
    var lo = times.length ? times[0] : 0, hi = times.length ? times[times.length - 1] : 0;
    D.events.forEach(function (e) {
      if (e.t < lo - (hi - lo) * 0.05 || e.t > hi + (hi - lo) * 0.05) return;
      var ex = xAt(e.t);
      var g = el('g', { class: 'event ' + e.kind, 'data-kind': e.kind }, evG);
      if (!shownKinds[e.kind]) g.style.display = 'none';
      el('line', { x1: ex, y1: top - 8, x2: ex, y2: top + procs.length * rowH }, g);
      var gl = el('text', { x: ex, y: top - 11, 'text-anchor': 'middle', 'font-size': 10, class: 'glyph' }, g);
      gl.textContent = GLYPH[e.kind] || '?';
      var hit = el('rect', { class: 'hit', x: ex - 4, y: top - 12, width: 8, height: procs.length * rowH + 12 }, g);
      hit.addEventListener('mousemove', function (ev) { showTip(ev, 'event (' + e.kind + '), log line ' + e.line + ', ' + fmtTime(e.t) + '\n' + e.text); });
      hit.addEventListener('mouseleave', hideTip);
    });
    var opsG = el('g', { class: 'ops' }, svg);
    var red = {};
    tab.red.forEach(function (r) { red[r.op] = r.reason; });
    tab.ops.forEach(function (o, k) {
      var y = top + row[o.p] * rowH + 4;
      var x0 = x(o.call);
      var x1 = Math.max(x(o.ret), x0 + dx * 0.8);
      var cls = 'op';
      if (tab.linOf[k] >= 0 && tab.lins[tab.linOf[k]].length === tab.ops.length) cls += ' lin';
      if (o.ret === null) cls += ' indet';
      if (k in red) cls += ' counterexample';
      var g = el('g', { class: cls, 'data-op': k, 'data-label': o.label }, opsG);
      el('rect', { class: 'bar', x: x0, y: y, width: x1 - x0, height: rowH - 8, rx: 3 }, g);
      var t = el('text', { x: x0 + 4, y: y + rowH / 2 }, g);
      var room = Math.max(1, Math.floor((x1 - x0 - 6) / 5.6));
      t.textContent = o.label.length > room ? o.label.slice(0, Math.max(1, room - 1)) + '\u2026' : o.label;
      g.addEventListener('mousemove', function (ev) { showTip(ev, opTip(tab, k)); if (pinned === null) showLin(tab, k, svg); });
      g.addEventListener('mouseleave', function () { hideTip(); if (pinned === null) showLin(tab, null, svg); });
      g.addEventListener('click', function () { pinned = pinned === k ? null : k; showLin(tab, pinned === null ? k : pinned, svg); });
    });
    // time axis
    var ay = top + procs.length * rowH + 10;
    el('line', { x1: left, y1: ay, x2: x(null), y2: ay, stroke: 'black' }, svg);
    var step = Math.max(1, Math.ceil(times.length / 25));
    for (var i = 0; i < times.length; i += step) {
      var tx = proportional ? x(times[i]) : left + i * dx;
      el('line', { x1: tx, y1: ay, x2: tx, y2: ay + 5, stroke: 'black' }, svg);
      var lab = el('text', { x: tx, y: ay + 17, 'text-anchor': 'middle' }, svg);
      lab.textContent = D.unit === 'ns' ? fmtTime(times[i]).replace(' \u00b5s', '') : String(times[i]);
    }
    var il = el('text', { x: x(null), y: ay + 17, 'text-anchor': 'middle' }, svg);
    il.textContent = '\u221e';
    var an = el('text', { x: left, y: ay + 34, fill: '#555' }, svg);
    an.textContent = D.unit === 'ns'
      ? 'time (\u00b5s since the first invocation; ' + (proportional ? 'proportional' : 'spacing is by event order') + ')'
      : 'time (event number in the input)';
    var tabs = document.querySelectorAll('#tabs .tab');
    for (var j = 0; j < tabs.length; j++) tabs[j].classList.toggle('active', +tabs[j].getAttribute('data-index') === ti);
    sideSummary(tab);
  }

  // header: verdict, explanation, tabs, legend
  var tabsEl = document.getElementById('tabs');
  var first = 0;
  D.tabs.forEach(function (tab, i) {
    var b = h('button', (tab.key === '' ? '(no key)' : tab.key) + (tab.failing ? ' \u2717' : ''), tabsEl, 'tab');
    b.setAttribute('data-index', i);
    b.setAttribute('data-key', tab.key);
    b.title = tab.verdict + ', ' + tab.ops.length + ' ops';
    if (tab.failing) { b.classList.add('failing'); first = i; }
    if (tab.verdict === 'undecided') b.classList.add('undecided');
    b.addEventListener('click', function () { draw(i); });
  });
  var legend = document.getElementById('legend');
  if (D.unit === 'ns') {
    var al = h('label', null, legend);
    var acb = h('input', null, al);
    acb.type = 'checkbox';
    acb.id = 'proportional';
    al.appendChild(document.createTextNode(' proportional time axis'));
    acb.addEventListener('change', function () { proportional = acb.checked; draw(current); });
    if (D.events.length) h('span', 'events: ', legend);
  }
  var kinds = {};
  D.events.forEach(function (e) { kinds[e.kind] = (kinds[e.kind] || 0) + 1; });
  Object.keys(kinds).forEach(function (kind) {
    shownKinds[kind] = kind !== 'role' && kind !== 'other';
    var lab = h('label', null, legend);
    var cb = h('input', null, lab);
    cb.type = 'checkbox';
    cb.checked = shownKinds[kind];
    cb.setAttribute('data-kind', kind);
    lab.appendChild(document.createTextNode(' ' + kind + ' (' + kinds[kind] + ')'));
    cb.addEventListener('change', function () {
      shownKinds[kind] = cb.checked;
      var gs = document.querySelectorAll('g.event[data-kind="' + kind + '"]');
      for (var i = 0; i < gs.length; i++) gs[i].style.display = cb.checked ? '' : 'none';
    });
  });
  if (D.tabs.length) draw(first);
})();
`;

/** The page: data as JSON, the script above, no external resource. */
export function historyView(v: ViewInput): string {
  const d = viewData(v);
  const cls = d.verdict === 'linearizable' ? 'verdict-lin' : d.verdict === 'not linearizable' ? 'verdict-not' : 'verdict-unknown';
  const failingTab = d.tabs.find((t) => t.failing);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(d.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<style>${CSS}</style>
</head><body>
<header>
<h1 id="title">${esc(v.file)}: <span class="${cls}" id="verdict">${esc(d.verdict)}</span></h1>
<div class="hint">model ${esc(d.model)}, keys start ${esc(d.initial)}; ${d.tabs.length} partition${d.tabs.length === 1 ? '' : 's'}${failingTab ? `; failing key ${esc(JSON.stringify(failingTab.key))} (red: the counterexample)` : ''}. Bars: invocation to return; dashed: indeterminate. Hover an operation for its states, click to pin its linearization.</div>
${d.eventsNote ? `<div class="hint">${esc(d.eventsNote)}</div>` : ''}
<details><summary>Explanation</summary><pre>${esc(d.explanation.join('\n'))}</pre></details>
</header>
<nav id="tabs"></nav>
<div id="legend">${d.events.length && d.unit !== 'ns' ? 'events: ' : ''}</div>
<div id="main"><div id="canvas"></div><aside id="side"></aside></div>
<div id="tooltip"></div>
<script type="application/json" id="data">${scriptJson(d)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
