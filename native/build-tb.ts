// Builds the RTL testbench libraries: one small shared library per module and parameter set,
// build/tb-<module>-<hash>/libnicraft_tb_<module>.so, holding that module Verilated alone (with
// --prefix Vtb_<module>), its C++ testbench (native/tb/tb_<short>.cpp: stimulus, reference
// model, scoreboard, one C ABI call per test) and Verilator's runtime. See docs/testing.md.
//
// As for the NIC library (native/build.ts, whose flags, lock and helpers this file reuses) the directory
// name is a sha256 over everything that goes in: the module's RTL file, the generated includes, the
// testbench sources, this file, the Verilator version, the flags and the full parameter set, so an
// unchanged tree never rebuilds. Verilator's runtime objects are compiled once for all testbenches
// into build/tb-runtime-<hash>/. Everything missing in one call is compiled by one `make -jN`.
// Concurrent builders (vitest workers) serialise on lock directories, taken in sorted order.
//
//   tsx native/build-tb.ts [MODULE ...] [-GNAME=VALUE ...] [--force] [--print-path]
//
// MODULE is e.g. nicraft_rx_fifo or rx_fifo (default: every module); -G overrides apply to each.
import { createHash, randomInt } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { library } from './ffi.js';
import {
  CXXFLAGS, ROOT, SLOW_PATH_OPT, lock, mkList, mkVar, pchRules, pchText, rtlSources, unlock, verilator, withPch, withoutHooksInclude,
} from './build.js';

/**
 * Every module with a testbench, and its RTL parameter defaults (KEEP_WIDTH derives from DATA_WIDTH,
 * unless the module has none: noKeepWidth). Parameters a module derives itself are not listed.
 */
export const TB_MODULES = {
  nicraft_axis_fifo: { short: 'axis_fifo', params: { DATA_WIDTH: 512, USER_WIDTH: 8, DEPTH_LOG2: 4, ALMOST_FULL_FREE: 2, NO_STALL: 0 } },
  nicraft_rx_fifo: { short: 'rx_fifo', params: { DATA_WIDTH: 512, DEPTH_LOG2: 6, MAX_BEATS: 8 } },
  nicraft_axis_arb: { short: 'axis_arb', params: { PORTS: 2, DATA_WIDTH: 512, USER_WIDTH: 8 } },
  nicraft_quorum: { short: 'quorum', params: { MAX_NODES: 8, INDEX_WIDTH: 32 } },
  nicraft_rx_key: { short: 'rx_key', params: { DATA_WIDTH: 512, MAX_NODES: 8, KEY_WIDTH: 88 }, noKeepWidth: true },
  nicraft_stats: { short: 'stats', params: { PLANES: 3 } },
  nicraft_csr: {
    short: 'csr', params: { MAX_NODES: 8, PLANES: 1, DATA_WIDTH: 512, LOG_DEPTH_LOG2: 10, MAX_PAYLOAD: 256, SLOT_BEATS: 8 }, noKeepWidth: true,
  },
  nicraft_commit: { short: 'commit', params: { MAX_NODES: 8 } },
  nicraft_log_ram: { short: 'log_ram', params: { DATA_WIDTH: 512, LOG_DEPTH_LOG2: 10, MAX_PAYLOAD: 256 }, noKeepWidth: true },
  nicraft_tx_fanout: { short: 'tx_fanout', params: { PLANES: 1, DATA_WIDTH: 512, TX_FIFO_DEPTH_LOG2: 5, MAX_BEATS: 5 } },
  nicraft_deliver: { short: 'deliver', params: { DATA_WIDTH: 512, LOG_DEPTH_LOG2: 10, MAX_PAYLOAD: 256, HOST_FIFO_DEPTH_LOG2: 6 } },
  nicraft_ctl_gen: { short: 'ctl_gen', params: { DATA_WIDTH: 512 } },
  nicraft_rtx: { short: 'rtx', params: { DATA_WIDTH: 512, MAX_NODES: 8, LOG_DEPTH_LOG2: 10, MAX_PAYLOAD: 256 } },
  nicraft_exec: {
    short: 'exec',
    params: { DATA_WIDTH: 512, MAX_NODES: 8, LOG_DEPTH_LOG2: 10, MAX_PAYLOAD: 256, TX_FIFO_DEPTH_LOG2: 5, HOST_FIFO_DEPTH_LOG2: 6 },
  },
  nicraft_plane_merge: { short: 'plane_merge', params: { PLANES: 2, DATA_WIDTH: 512, KEY_WIDTH: 88, WINDOW: 16, WINDOW_CYCLES: 1024 } },
  nicraft_rr_pick: { short: 'rr_pick', params: { PORTS: 3 } },
  nicraft_csr_axil: { short: 'csr_axil', params: { ADDR_WIDTH: 16 } },
  nicraft_leader_watch: { short: 'leader_watch', params: { DATA_WIDTH: 512 } },
  nicraft_auth_mac: { short: 'auth_mac', params: { DATA_WIDTH: 512, MAX_BEATS: 5, KEYS: 4, HASH_FORM: 0 } },
  nicraft_rx_auth: { short: 'rx_auth', params: { DATA_WIDTH: 512, MAX_NODES: 8, MAX_BEATS: 3 } },
  nicraft_tx_sign: { short: 'tx_sign', params: { DATA_WIDTH: 512, MAX_BEATS: 3 } },
  nicraft_auth_csr: { short: 'auth_csr', params: { MAX_BEATS: 3 } },
} as const satisfies Record<string, { short: string; params: Record<string, number>; noKeepWidth?: boolean }>;

export type TbModule = keyof typeof TB_MODULES;

/** One testbench library: a module and its parameter overrides. */
export interface TbVariant {
  module: TbModule;
  params?: Record<string, number>;
  /**
   * Compiled with FST tracing (Verilator --trace-fst): a run may write a waveform (`trace: PATH` in its
   * config); a run of a library without it that asks for one fails, saying so. Off unless asked for
   * here or with NICRAFT_TB_TRACE=1 for every testbench: the trace code is about a quarter of a
   * testbench's generated C++, and `make test` builds about fifty libraries.
   */
  trace?: boolean;
}

/** Whether a variant's library is built with tracing (its own flag or NICRAFT_TB_TRACE=1). */
export function tbTraced(v: TbVariant): boolean {
  return v.trace === true || process.env.NICRAFT_TB_TRACE === '1';
}

const TB_DIR = join(ROOT, 'native/tb');
// The testbenches' C++ is compiled at -O1, not the simulation library's -O2: a testbench runs a few
// hundred thousand cycles of one module, so its compile time is most of its cost in `make test`
// (-O1 compiles the two rtx and the two exec libraries in about half the CPU time of -O2)
const TB_CXXFLAGS = CXXFLAGS.map((f) => (f === '-O2' ? '-O1' : f));
// --x-initial unique: registers without a reset value and memories start random (seeded per run),
// so a testbench passes only if the module does not depend on power-up state. --assert: the RTL's
// immediate assertions are checked every cycle; a failed one ends the test with its message.
export const TB_VERILATOR_FLAGS = [
  '--cc', '-O3', '--x-assign', 'unique', '--x-initial', 'unique', '--assert', '-Wall', '-Wno-fatal',
];
// The model's make variables every testbench library must agree on (the runtime objects are shared).
const TB_DEFINES: Record<string, string> = {
  VM_COVERAGE: '0', VM_SC: '0', VM_TIMING: '0', VM_TRACE: '1', VM_TRACE_FST: '1', VM_TRACE_VCD: '0',
};
const RUNTIME = ['verilated', 'verilated_fst_c', 'verilated_threads'];
// Compiled with the runtime: Verilator's messages captured, fatal errors without abort (native/vl_hooks.h)
const HOOKS = [join(ROOT, 'native/vl_capture.cpp'), join(ROOT, 'native/vl_hooks.h')];

/** Runs a command with inherited stdout/stderr; resolves to its exit status (the event loop stays free). */
function run(cmd: string, args: string[], cwd: string): Promise<number> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', rej);
    p.on('close', (code) => res(code ?? 1));
  });
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function lockOwnerAlive(dir: string): boolean {
  try {
    const pid = Number(readFileSync(join(`${dir}.lock`, 'pid'), 'utf8'));
    if (!Number.isFinite(pid) || pid <= 0) return true;  // being written
    try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
  } catch {
    return existsSync(`${dir}.lock`);
  }
}

/** native/build.ts's lock, waited for asynchronously first (a vitest worker must not block for minutes). */
async function lockAsync(dir: string): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  while (existsSync(`${dir}.lock`) && lockOwnerAlive(dir) && Date.now() < deadline) await delay(250);
  lock(dir);  // takes it (or cleans a dead owner's), waiting synchronously only if we lost a race
}

function log(msg: string): void {
  process.stderr.write(`[native/build-tb] ${msg}\n`);
}

/** The complete parameter set of a variant (defaults, overrides, derived KEEP_WIDTH). */
export function tbParams(v: TbVariant): Record<string, number> {
  const spec = TB_MODULES[v.module];
  if (!spec) throw new Error(`no testbench for module ${String(v.module)}`);
  const p: Record<string, number> = { ...spec.params };
  for (const [k, val] of Object.entries(v.params ?? {})) {
    if (!(k in p) && k !== 'KEEP_WIDTH') throw new Error(`${v.module} has no parameter ${k}`);
    if (!Number.isInteger(val)) throw new Error(`${v.module}: parameter ${k} must be an integer`);
    p[k] = val;
  }
  const keep = !('noKeepWidth' in spec && spec.noKeepWidth);   // modules without a KEEP_WIDTH parameter say so
  if (keep && 'DATA_WIDTH' in p && v.params?.KEEP_WIDTH === undefined) p.KEEP_WIDTH = Math.max(1, Math.floor(p.DATA_WIDTH! / 8));
  return Object.fromEntries(Object.keys(p).sort().map((k) => [k, p[k]!]));
}

/** Canonical text of a variant: "nicraft_rx_fifo(DATA_WIDTH=512,...)". */
export function tbVariantName(v: TbVariant): string {
  return `${v.module}(${Object.entries(tbParams(v)).map(([k, x]) => `${k}=${x}`).join(',')})${tbTraced(v) ? '+trace' : ''}`;
}

function moduleSource(module: TbModule): string {
  const f = rtlSources().find((s) => basename(s) === `${module}.sv`);
  if (!f) throw new Error(`RTL source ${module}.sv not found`);
  return f;
}

/** The testbench headers (tb_common.h, the shared references): every testbench depends on each. */
function tbHeaders(): string[] {
  return readdirSync(TB_DIR).filter((f) => f.endsWith('.h')).sort().map((f) => join(TB_DIR, f));
}

/** The headers, then the module's testbench source (last). */
function tbSources(module: TbModule): string[] {
  return [...tbHeaders(), join(TB_DIR, `tb_${TB_MODULES[module].short}.cpp`)];
}

function listFiles(dir: string, re: RegExp): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f)) : [];
}

/** The sha256 (16 hex digits) naming the variant's directory. */
export function tbHash(v: TbVariant): string {
  const h = createHash('sha256');
  const files = [
    // every RTL file: a module may instantiate others (found with -y)
    ...rtlSources(), ...listFiles(join(ROOT, 'hw/rtl'), /\.svh$/), ...listFiles(join(ROOT, 'hw/gen'), /\.(svh|vh|sv)$/),
    join(ROOT, 'native/nicraft_wire.h'), ...HOOKS, ...tbSources(v.module), join(ROOT, 'native/build-tb.ts'),
  ];
  for (const f of files) {
    h.update(`${relative(ROOT, f)}\0`);
    if (existsSync(f)) h.update(readFileSync(f));
    h.update('\0');
  }
  h.update(`${verilator().version}\0${TB_VERILATOR_FLAGS.join(' ')}\0${TB_CXXFLAGS.join(' ')}\0slow ${SLOW_PATH_OPT}\0`);
  h.update(JSON.stringify(tbParams(v)));
  if (tbTraced(v)) h.update('\0--trace-fst');
  return h.digest('hex').slice(0, 16);
}

export function tbDir(v: TbVariant): string {
  return join(ROOT, 'build', `tb-${v.module}-${tbHash(v)}`);
}

function libName(v: TbVariant): string {
  return `libnicraft_tb_${v.module}.so`;
}

export function tbLibraryPathOf(v: TbVariant): string {
  return join(tbDir(v), libName(v));
}

function runtimeFlags(): string[] {
  const { root } = verilator();
  return [
    ...TB_CXXFLAGS, ...Object.entries(TB_DEFINES).map(([k, x]) => `-D${k}=${x}`),
    `-I${join(root, 'include')}`, `-I${join(root, 'include/vltstd')}`,
  ];
}

function runtimeDir(): string {
  const { version } = verilator();
  const h = createHash('sha256').update(`${version}\0${runtimeFlags().join(' ')}\0${RUNTIME.join(' ')}\0${pchText()}`);
  for (const f of HOOKS) h.update(`\0${readFileSync(f, 'utf8')}`);
  const hash = h.digest('hex').slice(0, 16);
  return join(ROOT, 'build', `tb-runtime-${hash}`);
}

/**
 * Builds every variant that is not up to date (one make for all of them, in parallel) and returns
 * the library paths, in order.
 */
export async function buildTb(variants: TbVariant[], opts: { force?: boolean; quiet?: boolean } = {}): Promise<string[]> {
  const libs = variants.map(tbLibraryPathOf);
  const todo = new Map<string, TbVariant>();
  variants.forEach((v, i) => { if (opts.force || !existsSync(libs[i]!)) todo.set(tbDir(v), v); });
  if (todo.size === 0) {
    if (!opts.quiet) for (const v of variants) log(`${tbVariantName(v)}: up to date`);
    return libs;
  }
  mkdirSync(join(ROOT, 'build'), { recursive: true });
  const rtDir = runtimeDir();
  const rtStamp = join(rtDir, 'ok');
  const lockDirs = [...todo.keys(), ...(existsSync(rtStamp) ? [] : [rtDir])].sort();
  const held: string[] = [];
  try {
    for (const d of lockDirs) { await lockAsync(d); held.push(d); }
    // another process may have built some meanwhile
    for (const [dir, v] of [...todo]) if (!opts.force && existsSync(join(dir, libName(v)))) todo.delete(dir);
    const needRuntime = !existsSync(rtStamp);
    if (todo.size === 0 && !needRuntime) return libs;

    const t0 = Date.now();
    const { root: vroot, version } = verilator();
    const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    if (/\s/.test(ROOT + vroot)) throw new Error(`paths with spaces are not supported: ${ROOT}`);
    mkdirSync(rtDir, { recursive: true });
    const rtObjs = [...RUNTIME.map((c) => join(rtDir, `${c}.o`)), join(rtDir, 'vl_capture.o')];
    const rules: string[] = [];
    let unitDeps: string[] = [];
    const compile = (flagsVar: string, src: string, obj: string, deps: string[] = [], opt = '') =>
      `${obj}: ${[src, ...deps, ...unitDeps].join(' ')}\n\t$(CXX) $(${flagsVar})${opt ? ` ${opt}` : ''} -c -o $@.$$$$.tmp ${q(src)} && mv -f $@.$$$$.tmp $@`;
    rules.push(`RTFLAGS := ${runtimeFlags().map(q).join(' ')}`);
    // the precompiled header (native/build.ts), kept with the runtime: every unit below includes it
    rules.push(`PCHFLAGS := ${withoutHooksInclude(runtimeFlags()).map(q).join(' ')}`);
    const pch = pchRules(rtDir, 'PCHFLAGS', { O1: '', O0: SLOW_PATH_OPT });
    rules.push(...pch.rules);
    RUNTIME.forEach((c, i) => rules.push(compile('RTFLAGS', join(vroot, 'include', `${c}.cpp`), rtObjs[i]!)));
    rules.push(compile('RTFLAGS', HOOKS[0]!, rtObjs[RUNTIME.length]!));
    unitDeps = pch.gchs;   // the runtime's objects above do not wait for it; every unit below does
    const targets: string[] = [...rtObjs, ...pch.gchs];
    const meta: Array<{ dir: string; v: TbVariant; vargs: string[]; cxx: string[] }> = [];
    let n = 0;
    for (const [dir, v] of todo) {
      rmSync(dir, { recursive: true, force: true });
      const obj = join(dir, 'obj');
      mkdirSync(obj, { recursive: true });
      const params = tbParams(v);
      const prefix = `Vtb_${v.module}`;
      const vargs = [
        ...TB_VERILATOR_FLAGS, ...(tbTraced(v) ? ['--trace-fst'] : []), '--top-module', v.module, `-I${join(ROOT, 'hw/gen')}`, `-I${dirname(moduleSource(v.module))}`, '-y', dirname(moduleSource(v.module)),
        '--Mdir', obj, '--prefix', prefix,
        ...Object.entries(params).map(([k, x]) => `-G${k}=${x}`), moduleSource(v.module),
      ];
      const vr = await run('verilator', vargs, ROOT);
      if (vr !== 0) throw new Error(`verilator failed (exit ${vr}) for ${tbVariantName(v)}`);
      const classes = readFileSync(join(obj, `${prefix}_classes.mk`), 'utf8');
      // (a model without tracing says VM_TRACE=0; its units are compiled with the runtime's defines all
      // the same, which only adds declarations it does not use)
      const untracedOk = (k: string, got: string) => !tbTraced(v) && (k === 'VM_TRACE' || k === 'VM_TRACE_FST') && got === '0';
      for (const [k, x] of Object.entries(TB_DEFINES)) {
        const got = mkVar(classes, k);
        if (got !== x && !untracedOk(k, got)) throw new Error(`${tbVariantName(v)}: Verilator set ${k}=${got}, the shared runtime expects ${x}`);
      }
      const globals = [...mkList(classes, 'VM_GLOBAL_FAST'), ...mkList(classes, 'VM_GLOBAL_SLOW')];
      const extra = globals.filter((g) => !RUNTIME.includes(g));
      if (extra.length) throw new Error(`${tbVariantName(v)}: runtime files ${extra.join(' ')} are not in the shared runtime`);
      const gen = ['VM_CLASSES_FAST', 'VM_CLASSES_SLOW', 'VM_SUPPORT_FAST', 'VM_SUPPORT_SLOW'].flatMap((k) => mkList(classes, k));
      const slow = new Set(['VM_CLASSES_SLOW', 'VM_SUPPORT_SLOW'].flatMap((k) => mkList(classes, k))); // see SLOW_PATH_OPT
      const cxx = [
        ...withPch(runtimeFlags(), rtDir), `-I${obj}`, `-I${TB_DIR}`, `-I${join(ROOT, 'native')}`,
        ...Object.entries(params).map(([k, x]) => `-DTB_P_${k}=${x}`), `-DNR_TB_TRACE=${tbTraced(v) ? 1 : 0}`,
      ];
      const fv = `F${n++}`;
      rules.push(`${fv} := ${cxx.map(q).join(' ')}`);
      // Two translation units for the generated C++ (a unity build: each file alone spends most of its
      // time parsing verilated.h, about 0.8 s, so ten small files cost ten times one), the slow-path
      // ones without optimization (SLOW_PATH_OPT)
      const objs: string[] = [];
      for (const [kind, files, opt] of [['fast', gen.filter((c) => !slow.has(c)), ''], ['slow', gen.filter((c) => slow.has(c)), SLOW_PATH_OPT]] as const) {
        if (!files.length) continue;
        const unity = join(obj, `nicraft_unity_${kind}.cpp`);
        writeFileSync(unity, `// generated by native/build-tb.ts: the ${kind}-path files Verilator wrote, as one unit\n${files.map((c) => `#include "${c}.cpp"\n`).join('')}`);
        const o = join(obj, `nicraft_unity_${kind}.o`);
        rules.push(compile(fv, unity, o, files.map((c) => join(obj, `${c}.cpp`)), opt));
        objs.push(o);
      }
      const tbSrc = tbSources(v.module).at(-1)!;
      const tbObj = join(obj, 'tb.o');
      rules.push(compile(fv, tbSrc, tbObj, tbHeaders()));
      objs.push(tbObj);
      const lib = join(obj, libName(v));
      rules.push(`${lib}: ${[...objs, ...rtObjs].join(' ')}\n\t$(CXX) -shared -pthread -Wl,--no-undefined -o $@.tmp $^ -lz -pthread && mv $@.tmp $@`);
      targets.push(lib);
      meta.push({ dir, v, vargs, cxx });
    }
    const t1 = Date.now();
    const mkPath = join(rtDir, `batch-${process.pid}-${Date.now()}.mk`);
    writeFileSync(mkPath, [`CXX ?= g++`, `all: ${targets.join(' ')}`, ...rules, ''].join('\n'));
    const jobs = Number(process.env.NICRAFT_BUILD_JOBS) || availableParallelism();
    log(`compiling ${meta.map((m) => tbVariantName(m.v)).join(' ') || '(runtime only)'}${needRuntime ? ' and the runtime' : ''} with -j${jobs}`);
    const mr = await run('make', ['-s', `-j${jobs}`, '-f', mkPath, 'all'], rtDir);
    rmSync(mkPath, { force: true });
    if (mr !== 0) throw new Error(`compiling the testbench libraries failed (exit ${mr})`);
    writeFileSync(rtStamp, `${version}\n`);
    const t2 = Date.now();
    for (const m of meta) {
      renameSync(join(m.dir, 'obj', libName(m.v)), join(m.dir, libName(m.v)));
      writeFileSync(join(m.dir, 'build.json'), JSON.stringify({
        module: m.v.module, params: tbParams(m.v), name: tbVariantName(m.v), verilator: version,
        verilatorArgs: m.vargs, cxxflags: m.cxx,
        seconds: { verilate: (t1 - t0) / 1000, compile: (t2 - t1) / 1000 }, builtAt: new Date().toISOString(),
      }, null, 2));
    }
    log(`built ${meta.length} testbench librar${meta.length === 1 ? 'y' : 'ies'} in ${((t2 - t0) / 1000).toFixed(1)} s`);
    return libs;
  } finally {
    for (const d of held.reverse()) unlock(d);
  }
}

// ---------------------------------------------------------------- loading and running

/** The outcome of one testbench run. rc: 0 pass, 1 mismatch (error says where), 2 bad cfg, 3 crash. */
export interface TbResult {
  ok: boolean;
  rc: number;
  error: string;
  stats: Record<string, number>;
  /** The cfg string passed (replay it with the same library to get the same run). */
  cfg: string;
}

export type TbConfig = Record<string, number | bigint | string | boolean>;

type Fn = (...args: unknown[]) => unknown;

/** A loaded testbench library. */
export class Testbench {
  readonly path: string;
  readonly variant: TbVariant;
  /** The parameters compiled in (as the C++ reports them). */
  readonly params: Record<string, number>;
  readonly statNames: string[];
  private readonly runFn: Fn;

  constructor(variant: TbVariant, path: string) {
    this.variant = variant;
    this.path = path;
    const lib = library(path);
    const short = TB_MODULES[variant.module].short;
    this.runFn = lib.func(`int nr_tb_${short}_run(const char *cfg, void *stats, uint32_t n, void *err, uint32_t cap)`) as Fn;
    const names = lib.func(`const char *nr_tb_${short}_stat_names()`) as Fn;
    const params = lib.func(`const char *nr_tb_${short}_params()`) as Fn;
    this.statNames = String(names()).split(',');
    this.params = Object.fromEntries(String(params()).split(',').map((kv) => {
      const [k, x] = kv.split('=');
      return [k!, Number(x)];
    }));
  }

  /** Runs one test: cfg keys are the testbench's (see its source); seed and cycles are common to all. */
  run(cfg: TbConfig): TbResult {
    const text = Object.entries(cfg).map(([k, x]) => `${k}=${typeof x === 'boolean' ? (x ? 1 : 0) : String(x)}`).join(' ');
    const stats = new BigUint64Array(this.statNames.length);
    const err = Buffer.alloc(4096);
    const rc = this.runFn(text, stats, stats.length, err, err.length) as number;
    const nul = err.indexOf(0);
    return {
      ok: rc === 0,
      rc,
      error: err.subarray(0, nul < 0 ? err.length : nul).toString('utf8'),
      stats: Object.fromEntries(this.statNames.map((k, i) => [k, Number(stats[i]!)])),
      cfg: text,
    };
  }
}

const loaded = new Map<string, Testbench>();

/** Loads (building first if needed) the testbench of a variant. */
export async function loadTb(v: TbVariant): Promise<Testbench> {
  return (await loadTbs([v]))[0]!;
}

/** Builds all the variants that are not up to date in one go (in parallel), then loads each. */
export async function loadTbs(vs: TbVariant[]): Promise<Testbench[]> {
  const paths = await buildTb(vs, { quiet: true });
  return vs.map((v, i) => {
    let tb = loaded.get(paths[i]!);
    if (!tb) {
      tb = new Testbench(v, paths[i]!);
      loaded.set(paths[i]!, tb);
    }
    return tb;
  });
}

/** The seed of one run: env SEED (to replay a failure) or a fresh random one. */
export function tbSeed(): bigint {
  const env = process.env.SEED;
  if (env !== undefined && env !== '') return BigInt(env);
  return BigInt(randomInt(1, 2 ** 47));
}

/**
 * Runs one seeded test (cfg.seed, if absent, from tbSeed()), prints the seed, and throws when the
 * testbench reports a mismatch, with the cfg and the command that replays it.
 */
export function runTb(tb: Testbench, cfg: TbConfig, label = ''): TbResult {
  const seed = cfg.seed ?? tbSeed();
  console.log('seed', String(seed), label ? `(${label})` : '');
  const r = tb.run({ ...cfg, seed });
  if (!r.ok) {
    throw new Error(`${tbVariantName(tb.variant)}: ${r.error}\n  cfg: ${r.cfg}\n`
      + `  replay: SEED=${String(seed)} npx vitest run test/rtl${label ? ` -t ${JSON.stringify(label)}` : ''}`);
  }
  return r;
}

function parseModule(a: string): TbModule | undefined {
  const m = a.startsWith('nicraft_') ? a : `nicraft_${a}`;
  return m in TB_MODULES ? (m as TbModule) : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const params: Record<string, number> = {};
  const modules: TbModule[] = [];
  const bad: string[] = [];
  for (const a of args) {
    const g = /^-G([A-Za-z_][A-Za-z0-9_]*)=(-?\d+)$/.exec(a);
    if (g) params[g[1]!] = Number(g[2]);
    else if (a === '--force' || a === '--print-path') continue;
    else if (parseModule(a)) modules.push(parseModule(a)!);
    else bad.push(a);
  }
  if (bad.length) {
    process.stderr.write(`usage: tsx native/build-tb.ts [MODULE ...] [-GNAME=VALUE ...] [--force] [--print-path]\n`
      + `modules: ${Object.keys(TB_MODULES).join(' ')}\nunknown: ${bad.join(' ')}\n`);
    process.exit(2);
  }
  (async () => {
    const vs = (modules.length ? modules : (Object.keys(TB_MODULES) as TbModule[]))
      .map((module) => ({ module, ...(Object.keys(params).length ? { params } : {}) }));
    const libs = await buildTb(vs, { force: args.includes('--force') });
    if (args.includes('--print-path')) process.stdout.write(`${libs.join('\n')}\n`);
  })().catch((e: unknown) => {
    process.stderr.write(`[native/build-tb] ${(e as Error).message}\n`);
    process.exit(1);
  });
}
