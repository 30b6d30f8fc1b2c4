// make synth: Yosys synth_xilinx for UltraScale+ (-family xcup) on the NIC, hierarchically, on the
// default configuration and on PLANES=2 (the two run side by side), plus the modules the NIC does not
// instantiate (nicraft_csr_axil). Per module (each distinct parameter set, with its submodules) and
// for the whole NIC: LUTs, flip-flops, block/ultra RAMs, DSPs, and the longest register-to-register
// path in logic levels and in estimated nanoseconds (bench/synth/netlist.ts, bench/synth/delay.ts).
// Writes bench/out/synth.json and prints a table. Method and limits: docs/synthesis.md.
//
// The MAC engine (nicraft_auth_mac, BOXED below) is synthesized once per parameter set, in a Yosys
// run of its own beside the others: the NIC's runs keep it as a blackbox (its ports and parameters)
// and write the parameter sets they found right after elaborating (boxes.il), which starts those runs;
// before the analysis, the synthesized module replaces the blackbox in each netlist under the name
// the NIC's cells use (spliceModule), so every row and the whole NIC are as if synthesized in place.
//
//   tsx bench/synth/run.ts [--only default|PLANES=2|csr_axil|rr_pick] [--reuse]
//   tsx bench/synth/run.ts --module nicraft_exec [-GPLANES=2 ...] [--perturb N]
//
// --module synthesizes one module alone (its inputs taken as registered in the parent, as a module's
// row in the NIC's run) for quick iteration while pipelining it; it prints the table and writes
// build/synth/module_<name>/report.json, not bench/out/synth.json (a MAC engine inside it is
// synthesized beside it, in build/synth/module_<name>/box_*).
// --reuse analyses the netlists of an earlier run (build/synth/) without running Yosys again.
// --perturb N (with --module) first elaborates a padding module of N flip-flops, which the hierarchy
// then drops: the same RTL, synthesized after Yosys's automatic names have moved on (as in the NIC's
// run, where every other module comes first). ABC's mapping depends on those names' order, so a few
// values of N show how far a module's figures move with nothing but that (docs/synthesis.md). Its
// files go to build/synth/module_<name>_p<N>.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { ROOT, rtlSources } from '../../native/build.js';
import { DELAY_MODEL, NET_BASE_NS, NET_PER_DOUBLING_NS, REPLICATED_FANOUT } from './delay.js';
import {
  analyze, baseName, designModules, flatten, isLibrary, resources, spliceModule, type OverBudgetEnd, type PathResult, type YosysJson,
} from './netlist.js';

const BUDGET = { logicLevels: 8, estimatedNs: 3.2 };
const FAMILY = 'xcup';
// -nowidelut: functions wider than a LUT6 become LUT trees, not MUXF7/8/9 chains (each MUXF counts
// as a level); -noiopad/-noclkbuf: an out-of-context netlist (the NIC sits inside a shell).
const SYNTH_FLAGS = ['-family', FAMILY, '-noiopad', '-noclkbuf', '-nowidelut'];
const OUT_DIR = join(ROOT, 'build', 'synth');
const REPORT = join(ROOT, 'bench', 'out', 'synth.json');
/** Alveo U250 (XCU250): CLB LUTs, for the whole-NIC share. */
const U250_LUTS = 1_728_000;

interface Config {
  name: string;
  top: string;
  params: Record<string, number>;
  /** Modules outside the NIC, synthesized as their own tops. */
  standalone?: boolean;
  /** A module of the NIC synthesized alone (--module): its helpers are inlined as in the NIC's run. */
  inline?: boolean;
  /** A separate run of a BOXED module with one parameter set (its netlist is spliced into the others). */
  box?: boolean;
  /** Its files (default: build/synth/<name>). */
  dir?: string;
  /** --perturb: flip-flops of a padding module elaborated (then dropped) before the sources. */
  perturb?: number;
}

const CONFIGS: Config[] = [
  { name: 'default', top: 'nicraft_nic', params: {} },
  { name: 'PLANES=2', top: 'nicraft_nic', params: { PLANES: 2 } },
  // not in the NIC
  { name: 'csr_axil', top: 'nicraft_csr_axil', params: { ADDR_WIDTH: 32 }, standalone: true },
  // inlined into its users by the flow (below); alone, as the widest arbiter in the NIC uses it
  { name: 'rr_pick', top: 'nicraft_rr_pick', params: { PORTS: 4 }, standalone: true },
];
/** Small combinational helpers merged into the modules that use them (as Vivado's default flow would). */
const INLINE = ['nicraft_rr_pick'];
/**
 * Modules synthesized in Yosys runs of their own, once per parameter set, and kept as blackboxes in
 * the runs of the modules that instantiate them: the MAC engine is most of the NIC's Yosys time, and
 * the default NIC and PLANES=2 have 2 and 3 of them, all with the same parameters.
 */
const BOXED = ['nicraft_auth_mac'];

/** The BOXED modules a run keeps as blackboxes: every one but its own top, in the NIC's runs and --module's. */
function boxedOf(cfg: Config): string[] {
  return cfg.box || (cfg.standalone && !cfg.inline) ? [] : BOXED.filter((m) => m !== cfg.top);
}

/** One parameter set of a BOXED module, as a run that keeps it as a blackbox found it. */
interface BoxSpec {
  /** the module's name in hw/rtl */
  module: string;
  params: Record<string, number>;
}

const paramKey = (p: Record<string, number>) => Object.keys(p).sort().map((k) => `${k}=${p[k]}`).join(',');
const boxName = (b: BoxSpec) => `${b.module}(${paramKey(b.params)})`;

/** The parameter sets of the blackboxes in a run's boxes.il (written by Yosys right after elaboration). */
function parseBoxes(text: string, where: string): BoxSpec[] {
  const out: BoxSpec[] = [];
  let cur: BoxSpec | undefined;
  for (const line of text.split('\n')) {
    const mod = /^module (\S+)$/.exec(line);
    if (mod) {
      cur = { module: baseName(mod[1]!), params: {} };
      continue;
    }
    if (line === 'end') {
      if (cur && BOXED.includes(cur.module)) out.push(cur);
      cur = undefined;
      continue;
    }
    const par = /^ {2}parameter \\(\S+) (.+)$/.exec(line);
    if (cur && par) {
      const v = rtlilInt(par[2]!);
      if (v === undefined) throw new Error(`${where}: ${cur.module}'s parameter ${par[1]} = ${par[2]} is not a non-negative integer: it cannot be passed to its own run`);
      cur.params[par[1]!] = v;
    }
  }
  return out;
}

/** An RTLIL constant (`5`, `32'00000101`) as a number, or undefined (strings, x/z bits, negative). */
function rtlilInt(v: string): number | undefined {
  if (/^\d+$/.test(v)) return Number(v);
  const m = /^\d+'([01]+)$/.exec(v);
  return m ? decodeParam(m[1]!) : undefined;
}

export interface ModuleRow {
  name: string;
  params: Record<string, number>;
  instances: string[];
  luts: number;
  lutramLuts: number;
  ffs: number;
  brams: number;
  urams: number;
  dsps: number;
  carry4: number;
  logicLevels: number;
  estimatedNs: number;
  withinBudget: boolean;
  /** the deepest path (levels) and the slowest (delay), start to end, with RTL sources */
  deepestPath: PathSummary;
  slowestPath: PathSummary;
  /**
   * (The whole NIC only.) The flip-flop, RAM and output end points reached by a path over the budget,
   * grouped by the instances the path starts and ends in (`from` -> `to`; the same instance: a path
   * inside one module); worst levels and delay per group, the largest groups first.
   */
  overBudgetEnds?: { endpoints: number; byInstances: Array<{ from: string; to: string; endpoints: number; levels: number; ns: number; ends: string[] }> };
}

interface PathSummary {
  levels: number;
  ns: number;
  from: string;
  to: string;
  /** "TYPE src" per cell, start to end (src: the first RTL file:line Yosys recorded) */
  cells: string[];
}

function summarize(p: PathResult): PathSummary {
  const rtlSrc = (src: string) => src.split('|').find((x) => x.startsWith('hw/')) ?? '';
  const cells = p.steps.map((s) => `${s.type}${rtlSrc(s.src) ? ` ${rtlSrc(s.src)}` : ''}${s.fanout !== undefined ? ` fo=${s.fanout}` : ''}`);
  return {
    levels: p.levels, ns: p.ns,
    from: p.steps[0]?.cell ?? '', to: p.steps[p.steps.length - 1]?.cell ?? '',
    cells,
  };
}

function decodeParam(v: string): number | undefined {
  return /^[01]+$/.test(v) && v.length <= 53 ? parseInt(v, 2) : undefined;
}

/** A module's numeric parameters (a derived module's, from the netlist). */
function moduleParams(json: YosysJson, mod: string): Record<string, number> {
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(json.modules[mod]?.parameter_default_values ?? {})) {
    const n = decodeParam(v);
    if (n !== undefined) params[k] = n;
  }
  return params;
}

/** Instance paths of every design module under top. */
function instancePaths(json: YosysJson, top: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (mod: string, path: string) => {
    for (const [name, c] of Object.entries(json.modules[mod]!.cells)) {
      const sub = json.modules[c.type];
      if (!sub || isLibrary(sub)) continue;
      const p = path ? `${path}/${name}` : name;
      out.set(c.type, [...(out.get(c.type) ?? []), p]);
      walk(c.type, p);
    }
  };
  walk(top, '');
  return out;
}

/** Over-budget end points grouped by the top-level instances their paths start and end in. */
function groupOver(over: OverBudgetEnd[]): NonNullable<ModuleRow['overBudgetEnds']> {
  const inst = (cell: string) => (cell.includes('/') ? cell.slice(0, cell.indexOf('/')) : '(top)');
  const rtlSrc = (src: string) => src.split('|').find((x) => x.startsWith('hw/'))?.replace(/\.\d+-\d+\.\d+$/, '') ?? '';
  const groups = new Map<string, { from: string; to: string; endpoints: number; levels: number; ns: number; ends: string[] }>();
  for (const o of over) {
    const from = inst(o.from), to = inst(o.to), k = `${from} ${to}`;
    const g = groups.get(k) ?? { from, to, endpoints: 0, levels: 0, ns: 0, ends: [] };
    g.endpoints++;
    // the kinds of end point (cell type and RTL line), up to 8 distinct
    const kind = `${o.toType} ${rtlSrc(o.toSrc)}`.trim();
    if (g.ends.length < 8 && !g.ends.includes(kind)) g.ends.push(kind);
    g.levels = Math.max(g.levels, o.levels);
    g.ns = Math.max(g.ns, o.ns);
    groups.set(k, g);
  }
  return { endpoints: over.length, byInstances: [...groups.values()].sort((a, b) => b.endpoints - a.endpoints || b.ns - a.ns) };
}

function row(json: YosysJson, mod: string, instances: string[], whole = false): ModuleRow {
  const flat = flatten(json, mod);
  const r = resources(flat);
  const t = analyze(flat, undefined, whole ? BUDGET : undefined);
  if (t.loops) throw new Error(`${mod}: ${t.loops} combinational loop(s) in the netlist`);
  const params = moduleParams(json, mod);
  const logicLevels = t.deepest.levels;
  const estimatedNs = Math.max(t.deepest.ns, t.slowest.ns);
  return {
    name: baseName(mod), params, instances,
    luts: r.luts, lutramLuts: r.lutramLuts, ffs: r.ffs, brams: r.brams, urams: r.urams, dsps: r.dsps, carry4: r.carry,
    logicLevels, estimatedNs,
    withinBudget: logicLevels <= BUDGET.logicLevels && estimatedNs <= BUDGET.estimatedNs,
    deepestPath: summarize(t.deepest), slowestPath: summarize(t.slowest),
    ...(whole ? { overBudgetEnds: groupOver(t.over) } : {}),
  };
}

function yosysScript(cfg: Config, dir: string): string {
  const rel = (f: string) => relative(ROOT, join(dir, f));
  const files = rtlSources().map((f) => relative(ROOT, f));
  const chparam = Object.entries(cfg.params).map(([k, v]) => `-chparam ${k} ${v}`).join(' ');
  const inline = cfg.standalone && !cfg.inline ? [] : [
    'proc',
    'setattr -mod -set keep_hierarchy 1 *',
    ...INLINE.map((m) => `setattr -mod -unset keep_hierarchy *${m}`),
    'flatten',
    'setattr -mod -unset keep_hierarchy *',
  ];
  // The boxed modules, as the hierarchy derived them (`\name`, `$paramod$<hash>\name` or
  // `$paramod\name\P=V`), become blackboxes: ports and parameters, no contents (synth_xilinx leaves
  // a blackbox's cells alone). Their parameter sets go to boxes.il, then boxes.done says it is whole.
  const boxed = boxedOf(cfg);
  const box = boxed.length === 0 ? [] : [
    `blackbox ${boxed.flatMap((m) => [`*\\${m}`, `*\\${m}\\*`]).join(' ')}`,
    'select =A:blackbox',
    `write_rtlil -selected ${rel('boxes.il')}`,
    'select -clear',
    `tee -q -o ${rel('boxes.done')} log boxes written`,
  ];
  const pad = cfg.perturb ? [`read_verilog ${rel('perturb_pad.v')}`, 'proc perturb_pad', 'opt perturb_pad'] : [];
  return [
    ...pad,
    `read_verilog -sv -Ihw/gen -Ihw/rtl ${files.join(' ')}`,
    `hierarchy -check -top ${cfg.top} ${chparam}`.trim(),
    ...box,
    ...inline,
    `synth_xilinx ${SYNTH_FLAGS.join(' ')} -top ${cfg.top}`,
    'stat',
    `write_json ${rel('netlist.json')}`,
    '',
  ].join('\n');
}

/** The Yosys processes running, ended if another fails. */
const running = new Set<ChildProcess>();

/**
 * One Yosys run; resolves with its wall seconds. onBoxes gets the parameter sets of the boxed modules
 * as soon as the run has elaborated (or, at the latest, when it ends).
 */
function runYosys(cfg: Config, dir: string, onBoxes?: (boxes: BoxSpec[]) => void): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const boxesFile = join(dir, 'boxes.il');
  const doneFile = join(dir, 'boxes.done');
  rmSync(boxesFile, { force: true });
  rmSync(doneFile, { force: true });
  const script = join(dir, 'synth.ys');
  if (cfg.perturb) {
    const n = cfg.perturb;
    const ffs = Array.from({ length: n }, (_, i) => `  always @(posedge clk) q[${i}] <= a[${i}] ^ a[${i + 1}];`);
    writeFileSync(join(dir, 'perturb_pad.v'),
      [`module perturb_pad(input clk, input [${n}:0] a, output reg [${n - 1}:0] q);`, ...ffs, 'endmodule', ''].join('\n'));
  }
  writeFileSync(script, yosysScript(cfg, dir));
  const t0 = Date.now();
  let reported = false;
  const report = () => {
    if (reported || !onBoxes || !existsSync(doneFile)) return;
    reported = true;
    onBoxes(parseBoxes(readFileSync(boxesFile, 'utf8'), relative(ROOT, boxesFile)));
  };
  return new Promise((res, rej) => {
    // through bash, whose `times` gives the CPU time of Yosys and of the ABC processes it runs (Yosys's
    // log counts its own only); in a process group of its own, so that a failure elsewhere ends all of it
    const cpuFile = join(dir, 'cpu.times');
    rmSync(cpuFile, { force: true });
    const p = spawn('bash', ['-c', 'yosys "$@"; rc=$?; times > "$0"; exit $rc', cpuFile, '-q', '-l', join(dir, 'yosys.log'), '-s', script],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    running.add(p);
    const poll = onBoxes && boxedOf(cfg).length ? setInterval(() => {
      try { report(); } catch (e) { clearInterval(poll); rej(e); }
    }, 500) : undefined;
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('error', (e) => { running.delete(p); clearInterval(poll); rej(e); });
    p.on('close', (code) => {
      running.delete(p);
      clearInterval(poll);
      writeFileSync(join(dir, 'yosys.stderr'), err);
      if (code !== 0) { rej(new Error(`yosys failed (exit ${code}) for ${cfg.name}: see ${relative(ROOT, join(dir, 'yosys.log'))}`)); return; }
      try { if (poll) report(); } catch (e) { rej(e); return; }
      res((Date.now() - t0) / 1000);
    });
  });
}

/** CPU time (user + system) of a Yosys run with the ABC processes it ran (bash's `times`, cpu.times). */
function processCpuSeconds(dir: string): number | undefined {
  const file = join(dir, 'cpu.times');
  if (!existsSync(file)) return undefined;
  // two lines, "user system" of the shell, then of its children: 0m1.234s 0m0.056s
  const children = readFileSync(file, 'utf8').trim().split('\n')[1] ?? '';
  const t = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return t.length === 2 ? Math.round(t[0]! + t[1]!) : undefined;
}

/** Yosys's own CPU time (user + system) from the end of its log: the work, whatever the machine's load. */
function yosysCpuSeconds(dir: string): number | undefined {
  const logPath = join(dir, 'yosys.log');
  if (!existsSync(logPath)) return undefined;
  const m = [...readFileSync(logPath, 'utf8').matchAll(/CPU: user ([\d.]+)s system ([\d.]+)s/g)].pop();
  return m ? Math.round(Number(m[1]) + Number(m[2])) : undefined;
}

function dirOf(cfg: Config): string {
  return cfg.dir ?? join(OUT_DIR, cfg.name.replace(/[^A-Za-z0-9]+/g, '_'));
}

/** The separate run of one parameter set of a boxed module, its files under root. */
function boxConfig(b: BoxSpec, root: string): Config {
  const name = boxName(b);
  return {
    name, top: b.module, params: b.params, standalone: true, inline: true, box: true,
    dir: join(root, `box_${name.replace(/[^A-Za-z0-9]+/g, '_').replace(/_$/, '')}`),
  };
}

/** The top module of a netlist: the one Yosys marked as top, or the one named as the run's top. */
function topOf(json: YosysJson, cfg: Config): string | undefined {
  const mods = designModules(json);
  return mods.find((m) => json.modules[m]!.attributes?.top !== undefined) ?? mods.find((m) => baseName(m) === cfg.top);
}

/**
 * Splices the separately synthesized boxed modules into a run's netlist: each blackbox of a BOXED
 * module (write_json keeps its ports and parameters) is replaced by the netlist of the box run with
 * the same parameters, which must be the ones that run's module has.
 */
function spliceBoxes(json: YosysJson, cfg: Config, root: string): Array<{ module: string; params: Record<string, number>; run: string }> {
  const where = relative(ROOT, join(dirOf(cfg), 'netlist.json'));
  const boxes = new Set<string>();
  for (const m of Object.values(json.modules)) {
    for (const c of Object.values(m.cells)) {
      if (!BOXED.includes(baseName(c.type))) continue;
      const def = json.modules[c.type];
      if (!def) throw new Error(`${where}: no definition of ${c.type}`);
      if (isLibrary(def)) boxes.add(c.type);
    }
  }
  const out: Array<{ module: string; params: Record<string, number>; run: string }> = [];
  const cache = new Map<string, YosysJson>();
  for (const box of [...boxes].sort()) {
    const module = baseName(box);
    const raw = json.modules[box]!.parameter_default_values ?? {};
    const params = moduleParams(json, box);
    if (Object.keys(params).length !== Object.keys(raw).length) {
      throw new Error(`${where}: the blackbox ${box} has a parameter that is not a number (${JSON.stringify(raw)}): it cannot be synthesized in a run of its own`);
    }
    const bc = boxConfig({ module, params }, root);
    const implPath = join(dirOf(bc), 'netlist.json');
    if (!existsSync(implPath)) throw new Error(`${where}: ${boxName({ module, params })} was not synthesized (no ${relative(ROOT, implPath)}: a run without --reuse makes it)`);
    let impl = cache.get(implPath);
    if (!impl) { impl = JSON.parse(readFileSync(implPath, 'utf8')) as YosysJson; cache.set(implPath, impl); }
    const implTop = topOf(impl, bc);
    if (!implTop) throw new Error(`${relative(ROOT, implPath)}: no top module`);
    const got = moduleParams(impl, implTop);
    if (paramKey(got) !== paramKey(params)) {
      throw new Error(`${where}: the blackbox ${box} has the parameters ${paramKey(params)}, but ${relative(ROOT, implPath)} is ${module} with ${paramKey(got)}`);
    }
    spliceModule(json, box, impl, implTop);
    out.push({ module: box, params, run: bc.name });
  }
  return out;
}

function cpuText(dir: string): string {
  const own = yosysCpuSeconds(dir);
  const all = processCpuSeconds(dir);
  return own === undefined ? '' : ` (yosys CPU ${own} s${all !== undefined ? `, ${all} s with ABC` : ''})`;
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
const padEnd = (s: string, n: number) => s.padEnd(n);

function table(title: string, rows: ModuleRow[]): string {
  const L = [title, `  ${padEnd('module', 22)} ${pad('inst', 4)} ${pad('LUTs', 8)} ${pad('FFs', 7)} ${pad('BRAM', 6)} ${pad('URAM', 4)} ${pad('DSP', 3)} ${pad('levels', 6)} ${pad('est ns', 6)}  budget`];
  for (const r of rows) {
    L.push(`  ${padEnd(r.name, 22)} ${pad(r.instances.length || 1, 4)} ${pad(r.luts, 8)} ${pad(r.ffs, 7)} ${pad(r.brams, 6)} ${pad(r.urams, 4)} ${pad(r.dsps, 3)} ${pad(r.logicLevels, 6)} ${pad(r.estimatedNs.toFixed(2), 6)}  ${r.withinBudget ? 'ok' : 'OVER'}`);
  }
  return L.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const reuse = args.includes('--reuse');
  const onlyIdx = args.indexOf('--only');
  const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;
  const modIdx = args.indexOf('--module');
  const moduleName = modIdx >= 0 ? args[modIdx + 1] : undefined;
  const pertIdx = args.indexOf('--perturb');
  const perturb = pertIdx >= 0 ? Number(args[pertIdx + 1]) : 0;
  const overrides = args.filter((a) => /^-G[A-Z_][A-Z0-9_]*=\d+$/.test(a));
  const bad = args.filter((a, i) => !['--reuse', '--only', '--module', '--perturb'].includes(a) && !overrides.includes(a)
    && !(onlyIdx >= 0 && i === onlyIdx + 1) && !(modIdx >= 0 && i === modIdx + 1) && !(pertIdx >= 0 && i === pertIdx + 1));
  const known = new Set(rtlSources().map((f) => basename(f).replace(/\.sv$/, '')));
  if (moduleName !== undefined && !known.has(moduleName)) {
    process.stderr.write(`--module: no module ${moduleName} in hw/rtl (allowed: ${[...known].sort().join(', ')})\n`);
    process.exit(2);
  }
  const configs: Config[] = moduleName !== undefined
    ? [{
      name: `module-${moduleName}${perturb ? `-p${perturb}` : ''}`, top: moduleName, standalone: true, inline: true, perturb,
      params: Object.fromEntries(overrides.map((o) => { const [k, v] = o.slice(2).split('='); return [k!, Number(v)]; })),
    }]
    : CONFIGS.filter((c) => !only || c.name === only);
  if (bad.length || configs.length === 0 || (moduleName !== undefined && only !== undefined) || (moduleName === undefined && overrides.length > 0)
    || !Number.isInteger(perturb) || perturb < 0 || (moduleName === undefined && pertIdx >= 0)) {
    process.stderr.write(`usage: tsx bench/synth/run.ts [--only ${CONFIGS.map((c) => c.name).join('|')}] [--reuse]\n`
      + '       tsx bench/synth/run.ts --module <name> [-GPARAM=VALUE ...] [--perturb N] [--reuse]\n');
    process.exit(2);
  }
  let version = '';
  try { version = execFileSync('yosys', ['-V'], { encoding: 'utf8' }).trim(); } catch {
    throw new Error('yosys not found on PATH: run `make synth` (it installs Debian\'s yosys) or apt-get install yosys');
  }
  const t0 = Date.now();
  // boxed modules' runs go under the run's root: build/synth, or the module's folder for --module
  const root = moduleName !== undefined ? dirOf(configs[0]!) : OUT_DIR;
  const seconds: Record<string, number> = {};
  const boxRuns = new Map<string, { config: Config; startedAt: number; usedBy: string[]; done: Promise<number> }>();
  if (!reuse) {
    process.stderr.write(`[synth] ${version}: synth_xilinx ${SYNTH_FLAGS.join(' ')} on ${configs.map((c) => c.name).join(', ')} (in parallel)\n`);
    const startBoxes = (cfg: Config, boxes: BoxSpec[]) => {
      for (const b of boxes) {
        const bc = boxConfig(b, root);
        const known = boxRuns.get(bc.name);
        if (known) { known.usedBy.push(cfg.name); continue; }
        process.stderr.write(`[synth] ${cfg.name}: ${bc.name} kept as a blackbox; synthesizing it in a run of its own (${relative(ROOT, dirOf(bc))})\n`);
        const done = runYosys(bc, dirOf(bc)).then((s) => {
          process.stderr.write(`[synth] ${bc.name}: yosys ${s.toFixed(0)} s\n`);
          return s;
        });
        done.catch(() => { /* awaited below */ });
        boxRuns.set(bc.name, { config: bc, startedAt: (Date.now() - t0) / 1000, usedBy: [cfg.name], done });
      }
    };
    const done = await Promise.all(configs.map((c) => runYosys(c, dirOf(c), (boxes) => startBoxes(c, boxes)).then((s) => {
      process.stderr.write(`[synth] ${c.name}: yosys ${s.toFixed(0)} s\n`);
      return s;
    })));
    configs.forEach((c, i) => { seconds[c.name] = done[i]!; });
    for (const [name, b] of boxRuns) seconds[name] = await b.done;
  }
  const wallSeconds = (Date.now() - t0) / 1000;

  const results: Array<{
    config: Config; modules: ModuleRow[]; top?: ModuleRow; seconds?: number; logRam?: unknown;
    boxes: Array<{ module: string; params: Record<string, number>; run: string }>;
  }> = [];
  for (const cfg of configs) {
    const jsonPath = join(dirOf(cfg), 'netlist.json');
    if (!existsSync(jsonPath)) throw new Error(`no netlist ${relative(ROOT, jsonPath)} (run without --reuse)`);
    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as YosysJson;
    // the boxed modules' netlists in place of their blackboxes, before anything looks at the hierarchy
    const boxes = spliceBoxes(json, cfg, root);
    if (reuse) {
      for (const b of boxes) {
        const known = boxRuns.get(b.run);
        if (known) known.usedBy.push(cfg.name);
        else boxRuns.set(b.run, { config: boxConfig({ module: baseName(b.module), params: b.params }, root), startedAt: NaN, usedBy: [cfg.name], done: Promise.resolve(NaN) });
      }
    }
    const mods = designModules(json);
    const topMod = topOf(json, cfg);
    if (!topMod) throw new Error(`${cfg.name}: no top module in the netlist`);
    const inst = instancePaths(json, topMod);
    const modules: ModuleRow[] = [];
    for (const m of mods) {
      if (m === topMod && !cfg.standalone) continue;
      if (m !== topMod && !inst.has(m)) continue;  // not used by this top
      modules.push(row(json, m, inst.get(m) ?? []));
    }
    modules.sort((a, b) => a.name.localeCompare(b.name) || b.luts - a.luts);
    const top = cfg.standalone ? undefined : row(json, topMod, [], true);
    // the log RAM: block RAM cells named after log_mem
    let logRam: unknown;
    if (!cfg.standalone) {
      const flat = flatten(json, topMod);
      // the log's memories live in nicraft_log_ram: data_mem (the entries), len_mem and tag_mem (per slot)
      const ramCells = flat.cells.filter((c) => /(^|\/)log_ram[^/]*\/(data|len|tag)_mem/.test(c.path));
      const bram = ramCells.filter((c) => /^RAMB(18|36)/.test(c.type)).reduce((a, c) => a + (/^RAMB18/.test(c.type) ? 0.5 : 1), 0);
      const uram = ramCells.filter((c) => /^URAM288/.test(c.type)).length;
      logRam = { cells: ramCells.length, brams: bram, urams: uram, inferredBlockRam: bram + uram > 0 && ramCells.every((c) => /^(RAMB|URAM)/.test(c.type) || !/^FD/.test(c.type)) };
    }
    results.push({ config: cfg, modules, ...(top ? { top } : {}), seconds: seconds[cfg.name], logRam, boxes });
  }
  const analysisSeconds = (Date.now() - t0) / 1000 - wallSeconds;

  // every Yosys process: wall seconds (from its start to its end, on a machine shared with the others)
  // and CPU seconds (its own, from its log: the load-independent figure)
  const yosysRuns = [
    ...configs.map((c) => ({
      name: c.name, kind: 'config', startedAtSeconds: 0, wallSeconds: seconds[c.name],
      cpuSeconds: yosysCpuSeconds(dirOf(c)), cpuSecondsWithAbc: processCpuSeconds(dirOf(c)),
    })),
    ...[...boxRuns.values()].map((b) => ({
      name: b.config.name, kind: 'box', startedAtSeconds: Number.isNaN(b.startedAt) ? undefined : Math.round(b.startedAt),
      wallSeconds: seconds[b.config.name], cpuSeconds: yosysCpuSeconds(dirOf(b.config)), cpuSecondsWithAbc: processCpuSeconds(dirOf(b.config)),
    })),
  ].map((r) => ({ ...r, wallSeconds: r.wallSeconds !== undefined && !Number.isNaN(r.wallSeconds) ? Math.round(r.wallSeconds) : undefined }));
  const def = results.find((r) => r.config.name === 'default');
  const report = {
    generatedAt: new Date().toISOString(),
    tool: version,
    flow: `synth_xilinx ${SYNTH_FLAGS.join(' ')} (hierarchical; each module analysed with its submodules, the NIC flattened after synthesis)`,
    part: 'UltraScale+ (synth_xilinx -family xcup), delay model for speed grade -2',
    budget: BUDGET,
    delayModel: {
      ...Object.fromEntries(Object.entries(DELAY_MODEL).filter(([, v]) => typeof v === 'number')),
      netNs: `${NET_BASE_NS} + ${NET_PER_DOUBLING_NS} * log2(min(fanout, ${REPLICATED_FANOUT}))`,
      doc: 'docs/synthesis.md',
    },
    /** the Yosys runs, from the first start to the last end */
    wallSeconds: reuse ? undefined : Math.round(wallSeconds),
    /** the whole of this script: the Yosys runs, the splicing and the analysis */
    totalWallSeconds: reuse ? undefined : Math.round((Date.now() - t0) / 1000),
    analysisSeconds: Math.round(analysisSeconds),
    yosysSeconds: reuse ? undefined : Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, Math.round(v)])),
    yosysCpuSeconds: Object.fromEntries(yosysRuns.map((r) => [r.name, r.cpuSeconds])),
    yosysRuns,
    /** boxed modules: synthesized in runs of their own, spliced into the netlists of the runs listed */
    boxes: [...boxRuns.values()].map((b) => ({ run: b.config.name, module: b.config.top, params: b.config.params, dir: relative(ROOT, dirOf(b.config)), splicedInto: b.usedBy })),
    // the default configuration (and the modules outside the NIC)
    modules: [...(def?.modules ?? []), ...results.filter((r) => r.config.standalone).flatMap((r) => r.modules)],
    top: def?.top,
    topLutShareOfU250: def?.top ? Math.round((def.top.luts / U250_LUTS) * 10000) / 100 : undefined,
    logRam: def?.logRam,
    configs: results.map((r) => ({
      name: r.config.name, top: r.config.top, params: r.config.params, yosysSeconds: r.seconds !== undefined ? Math.round(r.seconds) : undefined,
      yosysCpuSeconds: yosysCpuSeconds(dirOf(r.config)),
      splicedBoxes: r.boxes,
      modules: r.modules, nic: r.top, logRam: r.logRam,
      nicLutShareOfU250: r.top ? Math.round((r.top.luts / U250_LUTS) * 10000) / 100 : undefined,
    })),
    overBudget: results.flatMap((r) => r.modules.filter((m) => !m.withinBudget).map((m) => `${r.config.name}: ${m.name} (${m.logicLevels} levels, ${m.estimatedNs.toFixed(2)} ns)`)),
  };
  const reportPath = moduleName !== undefined ? join(dirOf(configs[0]!), 'report.json') : REPORT;
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, JSON.stringify(report, null, 2) + '\n');

  const out: string[] = [];
  for (const r of results) {
    const rows = [...r.modules, ...(r.top ? [{ ...r.top, name: `${r.top.name} (whole)` }] : [])];
    const cpu = cpuText(dirOf(r.config));
    out.push(table(`synthesis, ${r.config.standalone ? `${r.config.top} alone (${JSON.stringify(r.config.params)})` : `NIC ${r.config.name}`}${r.seconds !== undefined ? ` (yosys ${r.seconds.toFixed(0)} s)` : ''}${cpu}; budget ${BUDGET.logicLevels} levels, ${BUDGET.estimatedNs} ns`, rows));
    if (r.top) out.push(`  whole NIC: ${r.top.luts} LUTs = ${((r.top.luts / U250_LUTS) * 100).toFixed(2)}% of an Alveo U250; log RAM ${JSON.stringify(r.logRam)}`);
    const ob = r.top?.overBudgetEnds;
    if (ob && ob.endpoints) {
      out.push(`  whole NIC: ${ob.endpoints} end points reached by paths over the budget (across module boundaries), by start -> end instance:`);
      for (const g of ob.byInstances.slice(0, 12)) out.push(`    ${g.from} -> ${g.to}: ${g.endpoints} (worst ${g.levels} levels, ${g.ns.toFixed(2)} ns; ends at ${g.ends.slice(0, 3).join(', ')})`);
      if (ob.byInstances.length > 12) out.push(`    ... ${ob.byInstances.length - 12} more pairs (bench/out/synth.json top.overBudgetEnds)`);
    }
  }
  for (const b of boxRuns.values()) {
    const cpu = cpuText(dirOf(b.config));
    out.push(`${b.config.name}: synthesized alone${Number.isNaN(b.startedAt) ? '' : ` from ${b.startedAt.toFixed(0)} s`}${seconds[b.config.name] !== undefined && !Number.isNaN(seconds[b.config.name]!) ? ` (yosys ${seconds[b.config.name]!.toFixed(0)} s)` : ''}${cpu}, spliced into ${b.usedBy.join(', ')}`);
  }
  if (!reuse) out.push(`synthesis wall time ${wallSeconds.toFixed(0)} s (${configs.length + boxRuns.size} Yosys runs in parallel), ${((Date.now() - t0) / 1000).toFixed(0)} s with the analysis`);
  if (report.overBudget.length) out.push(`over budget: ${report.overBudget.join('; ')}`);
  out.push(`wrote ${relative(ROOT, reportPath)}`);
  process.stdout.write(out.join('\n') + '\n');
}

/** Ends the Yosys runs this script started (each a process group of its own: bash, Yosys, ABC). */
function stopRuns(): void {
  for (const p of running) if (p.pid !== undefined) { try { process.kill(-p.pid, 'SIGTERM'); } catch { /* gone */ } }
}
// the runs are not in the terminal's process group: pass an interrupt on
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { stopRuns(); process.exit(130); });

main().catch((e: unknown) => {
  process.stderr.write(`[synth] ${(e as Error).message}\n`);
  stopRuns();
  process.exit(1);
});

