// make synth: Yosys synth_xilinx for UltraScale+ (-family xcup) on the NIC, hierarchically, on the
// default configuration and on PLANES=2 (the two run side by side), plus the modules the NIC does not
// instantiate (nicraft_csr_axil). Per module (each distinct parameter set, with its submodules) and
// for the whole NIC: LUTs, flip-flops, block/ultra RAMs, DSPs, and the longest register-to-register
// path in logic levels and in estimated nanoseconds (bench/synth/netlist.ts, bench/synth/delay.ts).
// Writes bench/out/synth.json and prints a table. Method and limits: docs/synthesis.md.
//
//   tsx bench/synth/run.ts [--only default|PLANES=2|standalone] [--reuse]
//   tsx bench/synth/run.ts --module nicraft_exec [-GPLANES=2 ...]
//
// --module synthesizes one module alone (its inputs taken as registered in the parent, as a module's
// row in the NIC's run) for quick iteration while pipelining it; it prints the table and writes
// build/synth/module-<name>/report.json, not bench/out/synth.json.
// --reuse analyses the netlists of an earlier run (build/synth/) without running Yosys again.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { ROOT, rtlSources } from '../../native/build.js';
import { DELAY_MODEL, NET_BASE_NS, NET_PER_DOUBLING_NS, REPLICATED_FANOUT } from './delay.js';
import {
  analyze, baseName, designModules, flatten, isLibrary, resources, type PathResult, type YosysJson,
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

function row(json: YosysJson, mod: string, instances: string[]): ModuleRow {
  const flat = flatten(json, mod);
  const r = resources(flat);
  const t = analyze(flat);
  if (t.loops) throw new Error(`${mod}: ${t.loops} combinational loop(s) in the netlist`);
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries((json.modules[mod] as unknown as { parameter_default_values?: Record<string, string> }).parameter_default_values ?? {})) {
    const n = decodeParam(v);
    if (n !== undefined) params[k] = n;
  }
  const logicLevels = t.deepest.levels;
  const estimatedNs = Math.max(t.deepest.ns, t.slowest.ns);
  return {
    name: baseName(mod), params, instances,
    luts: r.luts, lutramLuts: r.lutramLuts, ffs: r.ffs, brams: r.brams, urams: r.urams, dsps: r.dsps, carry4: r.carry,
    logicLevels, estimatedNs,
    withinBudget: logicLevels <= BUDGET.logicLevels && estimatedNs <= BUDGET.estimatedNs,
    deepestPath: summarize(t.deepest), slowestPath: summarize(t.slowest),
  };
}

function yosysScript(cfg: Config, jsonPath: string): string {
  const files = rtlSources().map((f) => relative(ROOT, f));
  const chparam = Object.entries(cfg.params).map(([k, v]) => `-chparam ${k} ${v}`).join(' ');
  const inline = cfg.standalone && !cfg.inline ? [] : [
    'proc',
    'setattr -mod -set keep_hierarchy 1 *',
    ...INLINE.map((m) => `setattr -mod -unset keep_hierarchy *${m}`),
    'flatten',
    'setattr -mod -unset keep_hierarchy *',
  ];
  return [
    `read_verilog -sv -Ihw/gen -Ihw/rtl ${files.join(' ')}`,
    `hierarchy -check -top ${cfg.top} ${chparam}`.trim(),
    ...inline,
    `synth_xilinx ${SYNTH_FLAGS.join(' ')} -top ${cfg.top}`,
    'stat',
    `write_json ${relative(ROOT, jsonPath)}`,
    '',
  ].join('\n');
}

function runYosys(cfg: Config, dir: string): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'synth.ys');
  writeFileSync(script, yosysScript(cfg, join(dir, 'netlist.json')));
  const t0 = Date.now();
  return new Promise((res, rej) => {
    const p = spawn('yosys', ['-q', '-l', join(dir, 'yosys.log'), '-s', script], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('error', rej);
    p.on('close', (code) => {
      writeFileSync(join(dir, 'yosys.stderr'), err);
      if (code !== 0) rej(new Error(`yosys failed (exit ${code}) for ${cfg.name}: see ${relative(ROOT, join(dir, 'yosys.log'))}`));
      else res((Date.now() - t0) / 1000);
    });
  });
}

/** Yosys's own CPU time (user + system) from the end of its log: the work, whatever the machine's load. */
function yosysCpuSeconds(cfg: Config): number | undefined {
  const logPath = join(dirOf(cfg), 'yosys.log');
  if (!existsSync(logPath)) return undefined;
  const m = [...readFileSync(logPath, 'utf8').matchAll(/CPU: user ([\d.]+)s system ([\d.]+)s/g)].pop();
  return m ? Math.round(Number(m[1]) + Number(m[2])) : undefined;
}

function dirOf(cfg: Config): string {
  return join(OUT_DIR, cfg.name.replace(/[^A-Za-z0-9]+/g, '_'));
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
  const overrides = args.filter((a) => /^-G[A-Z_][A-Z0-9_]*=\d+$/.test(a));
  const bad = args.filter((a, i) => !['--reuse', '--only', '--module'].includes(a) && !overrides.includes(a)
    && !(onlyIdx >= 0 && i === onlyIdx + 1) && !(modIdx >= 0 && i === modIdx + 1));
  const known = new Set(rtlSources().map((f) => basename(f).replace(/\.sv$/, '')));
  if (moduleName !== undefined && !known.has(moduleName)) {
    process.stderr.write(`--module: no module ${moduleName} in hw/rtl (allowed: ${[...known].sort().join(', ')})\n`);
    process.exit(2);
  }
  const configs: Config[] = moduleName !== undefined
    ? [{
      name: `module-${moduleName}`, top: moduleName, standalone: true, inline: true,
      params: Object.fromEntries(overrides.map((o) => { const [k, v] = o.slice(2).split('='); return [k!, Number(v)]; })),
    }]
    : CONFIGS.filter((c) => !only || c.name === only);
  if (bad.length || configs.length === 0 || (moduleName !== undefined && only !== undefined) || (moduleName === undefined && overrides.length > 0)) {
    process.stderr.write(`usage: tsx bench/synth/run.ts [--only ${CONFIGS.map((c) => c.name).join('|')}] [--reuse]\n`
      + '       tsx bench/synth/run.ts --module <name> [-GPARAM=VALUE ...] [--reuse]\n');
    process.exit(2);
  }
  let version = '';
  try { version = execFileSync('yosys', ['-V'], { encoding: 'utf8' }).trim(); } catch {
    throw new Error('yosys not found on PATH: run `make synth` (it installs Debian\'s yosys) or apt-get install yosys');
  }
  const t0 = Date.now();
  const seconds: Record<string, number> = {};
  if (!reuse) {
    process.stderr.write(`[synth] ${version}: synth_xilinx ${SYNTH_FLAGS.join(' ')} on ${configs.map((c) => c.name).join(', ')} (in parallel)\n`);
    const done = await Promise.all(configs.map((c) => runYosys(c, dirOf(c)).then((s) => {
      process.stderr.write(`[synth] ${c.name}: yosys ${s.toFixed(0)} s\n`);
      return s;
    })));
    configs.forEach((c, i) => { seconds[c.name] = done[i]!; });
  }
  const wallSeconds = (Date.now() - t0) / 1000;

  const results: Array<{ config: Config; modules: ModuleRow[]; top?: ModuleRow; seconds?: number; logRam?: unknown }> = [];
  for (const cfg of configs) {
    const jsonPath = join(dirOf(cfg), 'netlist.json');
    if (!existsSync(jsonPath)) throw new Error(`no netlist ${relative(ROOT, jsonPath)} (run without --reuse)`);
    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as YosysJson;
    const mods = designModules(json);
    const topMod = mods.find((m) => json.modules[m]!.attributes?.top !== undefined) ?? mods.find((m) => baseName(m) === cfg.top);
    if (!topMod) throw new Error(`${cfg.name}: no top module in the netlist`);
    const inst = instancePaths(json, topMod);
    const modules: ModuleRow[] = [];
    for (const m of mods) {
      if (m === topMod && !cfg.standalone) continue;
      if (m !== topMod && !inst.has(m)) continue;  // not used by this top
      modules.push(row(json, m, inst.get(m) ?? []));
    }
    modules.sort((a, b) => a.name.localeCompare(b.name) || b.luts - a.luts);
    const top = cfg.standalone ? undefined : row(json, topMod, []);
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
    results.push({ config: cfg, modules, ...(top ? { top } : {}), seconds: seconds[cfg.name], logRam });
  }

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
    wallSeconds: reuse ? undefined : Math.round(wallSeconds),
    yosysSeconds: reuse ? undefined : Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, Math.round(v)])),
    // the default configuration (and the modules outside the NIC)
    modules: [...(def?.modules ?? []), ...results.filter((r) => r.config.standalone).flatMap((r) => r.modules)],
    top: def?.top,
    topLutShareOfU250: def?.top ? Math.round((def.top.luts / U250_LUTS) * 10000) / 100 : undefined,
    logRam: def?.logRam,
    configs: results.map((r) => ({
      name: r.config.name, top: r.config.top, params: r.config.params, yosysSeconds: r.seconds !== undefined ? Math.round(r.seconds) : undefined,
      yosysCpuSeconds: yosysCpuSeconds(r.config),
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
    const cpu = yosysCpuSeconds(r.config);
    out.push(table(`synthesis, ${r.config.standalone ? `${r.config.top} alone (${JSON.stringify(r.config.params)})` : `NIC ${r.config.name}`}${r.seconds !== undefined ? ` (yosys ${r.seconds.toFixed(0)} s)` : ''}${cpu !== undefined ? ` (yosys CPU ${cpu} s)` : ''}; budget ${BUDGET.logicLevels} levels, ${BUDGET.estimatedNs} ns`, rows));
    if (r.top) out.push(`  whole NIC: ${r.top.luts} LUTs = ${((r.top.luts / U250_LUTS) * 100).toFixed(2)}% of an Alveo U250; log RAM ${JSON.stringify(r.logRam)}`);
  }
  if (!reuse) out.push(`synthesis wall time ${wallSeconds.toFixed(0)} s (${configs.length} Yosys runs in parallel)`);
  if (report.overBudget.length) out.push(`over budget: ${report.overBudget.join('; ')}`);
  out.push(`wrote ${relative(ROOT, reportPath)}`);
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`[synth] ${(e as Error).message}\n`);
  process.exit(1);
});

