// Builds the simulation library: the Verilated NIC (hw/rtl/*.sv, top nicraft_nic), Verilator's runtime
// and the C ABI shim (native/*.cpp) linked into one shared library, build/sim-<hash>/libnicraft_sim.so.
//
// A variant is a set of -G parameter overrides (and optionally --coverage, or noassert); each builds
// into its own directory. Immediate assertions in the RTL are compiled in (--assert) unless the
// variant says noassert (benchmarks only, docs/simulation.md): a failed one stops the model and the
// binding reports it as an error naming the module, the cycle and the condition. The directory name is a sha256 over every RTL, generated-include and shim source, this
// file, the Verilator version and the flags, so an unchanged tree never rebuilds ("up to date").
// Concurrent builders of the same variant (vitest workers, make -j) serialise on a lock directory.
//
//   tsx native/build.ts [-GNAME=VALUE ...] [--coverage] [--noassert] [--print-path] [--force]
//
// Environment: NICRAFT_RTL_DIR overrides hw/rtl (development against a placeholder),
// NICRAFT_BUILD_JOBS the compile parallelism (default: the CPU count), NICRAFT_NOASSERT=1 makes
// defaultVariant() (native/binding.ts) build without assertions, NICRAFT_NATIVE_ARCH=0 compiles for
// the generic x86-64 instead of this machine's CPU (ARCH_FLAGS; for valgrind).
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ROOT } from './root.js';
export { ROOT };
export const TOP = 'nicraft_nic';
const LIB_NAME = 'libnicraft_sim.so';

/** Parameter overrides (-G) and build options that make one library. */
export interface Variant {
  params?: Record<string, number | string>;
  /** Build with `verilator --coverage` (line/toggle/user coverage, written by nr_coverage_write). */
  coverage?: boolean;
  /** Build without the RTL's assertions (benchmarks: the simulation is faster). Default: assertions on. */
  noassert?: boolean;
}

export const VERILATOR_FLAGS = [
  '--cc', '--trace-fst', '-O3', '--x-assign', 'fast', '--x-initial', 'fast', '-Wall',
  // Warnings are shown but do not stop the build: `make lint` is the gate that must be clean.
  '-Wno-fatal',
  // Several C++ files, so that the compile uses every core.
  '--output-split', '3000', '--output-split-cfuncs', '3000',
  // Loops of up to 1024 iterations unrolled (Verilator's default stops at 64): the plane merge's
  // per-entry loops over its copy window (208 entries with PLANES=2) become straight-line code with
  // constant indices, 1.26x the cluster's simulation speed on their own (docs/simulation.md).
  '--unroll-count', '1024', '--unroll-stmts', '1000000',
];
export const CXXFLAGS = [
  // Verilator's messages captured and its fatal errors without abort (native/vl_hooks.h)
  '-include', join(ROOT, 'native/vl_hooks.h'),
  '-std=c++17', '-fPIC', '-O2', '-faligned-new', '-fcf-protection=none', '-pthread',
  '-Wno-bool-operation', '-Wno-sign-compare', '-Wno-uninitialized', '-Wno-unused-but-set-variable',
  '-Wno-unused-parameter', '-Wno-unused-variable', '-Wno-shadow', '-Wno-unused-const-variable',
];

/** The simulation library (not the testbenches) is compiled for this machine's CPU: its vector
 * instructions move the 512-bit beats and FIFO words in fewer instructions (1.06x the cluster world's
 * simulation speed, docs/simulation.md). What the CPU enables is part of the build hash (nativeCpu),
 * so a library is never used on another CPU. No floating-point contraction: the shim's and fabric's
 * few double computations round as without. NICRAFT_NATIVE_ARCH=0 builds for the generic x86-64
 * instead (valgrind 3.19 does not decode AVX-512: callgrind needs that build). */
export const ARCH_FLAGS = process.env.NICRAFT_NATIVE_ARCH === '0' ? [] : ['-march=native', '-ffp-contract=off'];

/** The optimization of Verilator's slow-path files (after CXXFLAGS, so it wins). */
export const SLOW_PATH_OPT = '-O0';

/** Link flags of the shared library (with CXXFLAGS: an -flto build needs them at the link too). */
export const LDFLAGS: string[] = [];

// ------------------------------------------------------------------------- precompiled header
// Every translation unit of the simulation and testbench libraries starts by parsing verilated.h,
// verilated_fst_c.h and the standard headers: about 1.1 s of CPU each, which was most of a small
// testbench unit's compile (1.2 to 2.0 s). They are precompiled once per set of compiler flags
// (g++'s PCH: a directory nr_pch.h.gch/ with one .gch per optimization level, g++ takes the one
// that matches the unit's options and falls back to parsing the text if none does, so a stale or
// missing one costs time, never correctness) and every unit force-includes nr_pch.h in place of
// native/vl_hooks.h, which it includes first.
const PCH_STD = [
  'algorithm', 'array', 'cctype', 'cinttypes', 'climits', 'cstdarg', 'cstddef', 'cstdint', 'cstdio', 'cstdlib',
  'cstring', 'deque', 'map', 'memory', 'queue', 'set', 'stdexcept', 'string', 'type_traits', 'unordered_map',
  'utility', 'vector',
];
const HOOKS_H = join(ROOT, 'native/vl_hooks.h');
export const PCH_H = 'nr_pch.h';

/** The precompiled header's text (part of the hash of the directory that holds it). */
export function pchText(): string {
  return [
    '// generated by native/build.ts: the headers every simulation and testbench unit includes, precompiled',
    `#include "${HOOKS_H}"`, '#include "verilated.h"', '#include "verilated_fst_c.h"',
    ...PCH_STD.map((h) => `#include <${h}>`), '',
  ].join('\n');
}

/** `flags` with the force-include of vl_hooks.h replaced by dir/nr_pch.h (which includes it first). */
export function withPch(flags: string[], dir: string): string[] {
  const i = flags.findIndex((f, k) => f === HOOKS_H && flags[k - 1] === '-include');
  if (i < 0) throw new Error('withPch: the flags do not force-include native/vl_hooks.h');
  return [...flags.slice(0, i), join(dir, PCH_H), ...flags.slice(i + 1)];
}

/**
 * Writes dir/nr_pch.h (unless current) and returns make rules that precompile it, one .gch per
 * optimization option in `opts` (e.g. {O2: '', O0: '-O0'}: appended to `flagsVar`'s flags, which must
 * be the units' flags without the header's -include), and the .gch paths every unit must wait for.
 * Written through a temporary file outside the .gch directory and renamed, so a concurrent build
 * never reads half of one.
 */
export function pchRules(dir: string, flagsVar: string, opts: Record<string, string>): { rules: string[]; gchs: string[] } {
  const h = join(dir, PCH_H);
  const text = pchText();
  if (!existsSync(h) || readFileSync(h, 'utf8') !== text) writeFileSync(h, text);
  const gdir = `${h}.gch`;
  mkdirSync(gdir, { recursive: true });
  const rules: string[] = [];
  const gchs: string[] = [];
  for (const [tag, opt] of Object.entries(opts)) {
    const g = join(gdir, `${tag}.gch`);
    const tmp = join(dir, `pch-${tag}.gch.$$$$.tmp`);
    rules.push(`${g}: ${h} ${HOOKS_H}\n\t$(CXX) $(${flagsVar})${opt ? ` ${opt}` : ''} -x c++-header -o ${tmp} ${h} && mv -f ${tmp} $@`);
    gchs.push(g);
  }
  return { rules, gchs };
}

/** `flags` without the force-include of vl_hooks.h (the precompiled header's own flags). */
export function withoutHooksInclude(flags: string[]): string[] {
  return flags.filter((f, k) => !(f === '-include' && flags[k + 1] === HOOKS_H) && !(f === HOOKS_H && flags[k - 1] === '-include'));
}

function rtlDir(): string {
  return process.env.NICRAFT_RTL_DIR ? resolve(process.env.NICRAFT_RTL_DIR) : join(ROOT, 'hw/rtl');
}

function listFiles(dir: string, re: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f));
}

/** RTL sources in compile order: packages first. */
export function rtlSources(): string[] {
  const files = listFiles(rtlDir(), /\.s?v$/);
  return [...files.filter((f) => /_pkg\.sv$/.test(f)), ...files.filter((f) => !/_pkg\.sv$/.test(f))];
}

let nativeCpuInfo: string | undefined;
/** What -march=native means on this machine (the CPU and every instruction set it enables), for the build hash. */
export function nativeCpu(): string {
  if (nativeCpuInfo === undefined) {
    const out = execFileSync(process.env.CXX || 'g++', ['-march=native', '-Q', '--help=target'], { encoding: 'utf8' });
    nativeCpuInfo = out.split('\n').map((l) => l.trim()).filter((l) => /^-march=|^-mtune=|\[enabled\]$/.test(l))
      .map((l) => l.replace(/\s+/g, ' ')).join(';');
  }
  return nativeCpuInfo;
}

let verilatorInfo: { version: string; root: string } | undefined;
export function verilator(): { version: string; root: string } {
  if (!verilatorInfo) {
    try {
      const version = execFileSync('verilator', ['--version'], { encoding: 'utf8' }).trim();
      const root = execFileSync('verilator', ['--getenv', 'VERILATOR_ROOT'], { encoding: 'utf8' }).trim();
      verilatorInfo = { version, root };
    } catch {
      throw new Error('verilator not found on PATH: run `make deps` (or apt-get install verilator)');
    }
  }
  return verilatorInfo;
}

function paramFlags(v: Variant): string[] {
  return Object.keys(v.params ?? {}).sort().map((k) => `-G${k}=${String(v.params![k])}`);
}

/** Canonical text of a variant, e.g. "PLANES=2,coverage" ("default" when empty). */
export function variantName(v: Variant = {}): string {
  const parts = Object.keys(v.params ?? {}).sort().map((k) => `${k}=${String(v.params![k])}`);
  if (v.coverage) parts.push('coverage');
  if (v.noassert) parts.push('noassert');
  return parts.length ? parts.join(',') : 'default';
}

/** The sha256 (first 16 hex digits) naming the variant's build directory. */
export function buildHash(v: Variant = {}): string {
  const h = createHash('sha256');
  const rtl = rtlSources();
  if (rtl.length === 0) throw new Error(`no RTL sources in ${rtlDir()} (expected ${TOP}.sv)`);
  const files = [
    ...rtl,
    // the RTL's own includes (hw/rtl/*.svh) are not sources but change the build
    ...listFiles(rtlDir(), /\.svh$/),
    ...listFiles(join(ROOT, 'hw/gen'), /\.(svh|vh|sv)$/),
    ...listFiles(join(ROOT, 'native'), /\.(cpp|h|hpp)$/),
    // this file's source (not the compiled copy in dist/, which would name another build)
    join(ROOT, 'native/build.ts'),
  ];
  for (const f of files) {
    h.update(`${relative(ROOT, f)}\0`);
    h.update(readFileSync(f));
    h.update('\0');
  }
  h.update(`${verilator().version}\0${VERILATOR_FLAGS.join(' ')}\0${CXXFLAGS.join(' ')}\0slow ${SLOW_PATH_OPT}\0${LDFLAGS.length ? `${LDFLAGS.join(' ')}\0` : ''}`);
  if (ARCH_FLAGS.length) h.update(`${ARCH_FLAGS.join(' ')}\0cpu ${nativeCpu()}\0`);
  h.update(`${paramFlags(v).join(' ')}\0coverage=${v.coverage ? 1 : 0}\0assert=${v.noassert ? 0 : 1}\0rtl=${rtlDir()}`);
  return h.digest('hex').slice(0, 16);
}

export function buildDir(v: Variant = {}): string {
  return join(ROOT, 'build', `sim-${buildHash(v)}`);
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Takes the build lock of dir; returns false if another live process built it meanwhile. */
export function lock(dir: string): void {
  const lockDir = `${dir}.lock`;
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try { owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8')); } catch { /* being written */ }
    const age = (() => { try { return Date.now() - statSync(lockDir).mtimeMs; } catch { return 0; } })();
    if ((Number.isFinite(owner) && !pidAlive(owner)) || (!Number.isFinite(owner) && age > 10_000)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lockDir}`);
    sleep(500);
  }
}

export function unlock(dir: string): void {
  rmSync(`${dir}.lock`, { recursive: true, force: true });
}

export function mkList(text: string, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^${name}\\s*\\+?=((?:.*\\\\\\n)*.*)$`, 'gm');
  for (const m of text.matchAll(re)) {
    for (const w of m[1]!.replace(/\\\n/g, ' ').split(/\s+/)) if (w) out.push(w);
  }
  return out;
}

export function mkVar(text: string, name: string): string {
  return new RegExp(`^${name}\\s*=\\s*(\\S*)`, 'm').exec(text)?.[1] ?? '0';
}

function log(msg: string): void {
  process.stderr.write(`[native/build] ${msg}\n`);
}

/** Builds the variant's library unless it is up to date; returns the .so path. */
export function build(v: Variant = {}, opts: { force?: boolean; quiet?: boolean } = {}): string {
  const dir = buildDir(v);
  const lib = join(dir, LIB_NAME);
  const name = variantName(v);
  if (!opts.force && existsSync(lib)) {
    if (!opts.quiet) log(`${name}: up to date (${relative(ROOT, lib)})`);
    return lib;
  }
  mkdirSync(join(ROOT, 'build'), { recursive: true });
  lock(dir);
  try {
    if (!opts.force && existsSync(lib)) {
      if (!opts.quiet) log(`${name}: up to date (built by another process)`);
      return lib;
    }
    const t0 = Date.now();
    rmSync(dir, { recursive: true, force: true });
    const obj = join(dir, 'obj');
    mkdirSync(obj, { recursive: true });
    const { root: vroot, version } = verilator();
    const vargs = [
      ...VERILATOR_FLAGS, ...(v.coverage ? ['--coverage'] : []), ...(v.noassert ? [] : ['--assert']),
      '--top-module', TOP, `-I${join(ROOT, 'hw/gen')}`, `-I${rtlDir()}`, '--Mdir', obj, '--prefix', `V${TOP}`,
      ...paramFlags(v), ...rtlSources(),
    ];
    log(`${name}: verilating (${version})`);
    const vr = spawnSync('verilator', vargs, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (vr.status !== 0) throw new Error(`verilator failed (exit ${vr.status}) for variant ${name}`);
    const t1 = Date.now();

    const classes = readFileSync(join(obj, `V${TOP}_classes.mk`), 'utf8');
    const gen = [...mkList(classes, 'VM_CLASSES_FAST'), ...mkList(classes, 'VM_CLASSES_SLOW'),
      ...mkList(classes, 'VM_SUPPORT_FAST'), ...mkList(classes, 'VM_SUPPORT_SLOW')];
    // Verilator's slow-path files (construction, initial blocks, the full trace dump: about half the
    // generated C++, run once) are compiled without optimization, as Verilator's own makefile does
    // (OPT_SLOW empty): that shortens the build by a third and leaves the cycle loop's speed alone.
    const slow = new Set([...mkList(classes, 'VM_CLASSES_SLOW'), ...mkList(classes, 'VM_SUPPORT_SLOW')]);
    const globals = new Set([...mkList(classes, 'VM_GLOBAL_FAST'), ...mkList(classes, 'VM_GLOBAL_SLOW')]);
    if (mkVar(classes, 'VM_COVERAGE') === '1') globals.add('verilated_cov');
    const timing = mkVar(classes, 'VM_TIMING') === '1';
    const defines = ['VM_COVERAGE', 'VM_SC', 'VM_TIMING', 'VM_TRACE', 'VM_TRACE_FST', 'VM_TRACE_VCD']
      .map((k) => `-D${k}=${mkVar(classes, k)}`);
    const cxx = [...CXXFLAGS, ...ARCH_FLAGS, ...defines, ...(timing ? ['-fcoroutines'] : []),
      `-I${obj}`, `-I${join(vroot, 'include')}`, `-I${join(vroot, 'include/vltstd')}`, `-I${join(ROOT, 'native')}`];
    // Verilator's runtime depends only on the compiler flags: its objects are shared by every
    // variant and every rebuild, in build/sim-runtime-<hash>/ (written atomically, no lock needed).
    // (the variant's own -I<obj> is left out of the name: the runtime does not include the model's headers)
    const rtDir = join(ROOT, 'build', `sim-runtime-${createHash('sha256')
      .update(`${version}\0${cxx.filter((f) => f !== `-I${obj}`).join(' ')}\0${readFileSync(join(ROOT, 'native/vl_hooks.h'), 'utf8')}`)
      .update(ARCH_FLAGS.length ? `\0cpu ${nativeCpu()}` : '')
      .update(`\0${pchText()}`)
      .digest('hex').slice(0, 16)}`);
    mkdirSync(rtDir, { recursive: true });
    // the precompiled header (above), shared like the runtime: the variant's units include it
    const pch = pchRules(rtDir, 'CXXFLAGS_PCH', { O2: '', O0: SLOW_PATH_OPT });
    const jobs = Number(process.env.NICRAFT_BUILD_JOBS) || availableParallelism();
    const sources: Array<[string, string, string?]> = [
      ...unityGroups(obj, gen.filter((c) => !slow.has(c)), 'fast', 2 * jobs).map((u): [string, string, string] => [u, `${basename(u, '.cpp')}.o`, '']),
      ...unityGroups(obj, gen.filter((c) => slow.has(c)), 'slow', jobs).map((u): [string, string, string] => [u, `${basename(u, '.cpp')}.o`, SLOW_PATH_OPT]),
      ...[...globals].map((c): [string, string] => [join(vroot, 'include', `${c}.cpp`), join(rtDir, `${c}.o`)]),
      ...listFiles(join(ROOT, 'native'), /\.cpp$/).map((f): [string, string] => [f, `shim_${f.split('/').pop()!.replace(/\.cpp$/, '')}.o`]),
    ];
    const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    if (/\s/.test(ROOT + vroot)) throw new Error(`paths with spaces are not supported: ${ROOT}`);
    const mk = [
      `CXX ?= g++`,
      `CXXFLAGS_RT := ${cxx.map(q).join(' ')}`,
      `CXXFLAGS_NR := ${withPch(cxx, rtDir).map(q).join(' ')}`,
      `CXXFLAGS_PCH := ${withoutHooksInclude(cxx).map(q).join(' ')}`,
      `OBJS := ${sources.map(([, o]) => o).join(' ')}`,
      `${LIB_NAME}: $(OBJS)`,
      `\t$(CXX) -shared -pthread -Wl,--no-undefined ${LDFLAGS.map(q).join(' ')} -o $@.tmp $(OBJS) -lz -pthread && mv $@.tmp $@`,
      ...pch.rules,
      // Verilator's runtime without the precompiled header (its own sources, compiled once per rtDir)
      ...sources.map(([src, o, opt]) => o.startsWith(rtDir)
        ? `${o}: ${src}\n\t$(CXX) $(CXXFLAGS_RT)${opt ? ` ${opt}` : ''} -c -o $@.$$$$.tmp ${q(src)} && mv -f $@.$$$$.tmp $@`
        : `${o}: ${src} ${pch.gchs.join(' ')}\n\t$(CXX) $(CXXFLAGS_NR)${opt ? ` ${opt}` : ''} -c -o $@.$$$$.tmp ${q(src)} && mv -f $@.$$$$.tmp $@`),
      '',
    ].join('\n');
    writeFileSync(join(obj, 'nicraft.mk'), mk);
    log(`${name}: compiling ${gen.length} generated files as ${sources.length} units with -j${jobs}`);
    const mr = spawnSync('make', ['-s', `-j${jobs}`, '-f', 'nicraft.mk', LIB_NAME], {
      cwd: obj, stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (mr.status !== 0) throw new Error(`compiling the simulation library failed (exit ${mr.status}) for variant ${name}`);
    renameSync(join(obj, LIB_NAME), lib);
    const t2 = Date.now();
    writeFileSync(join(dir, 'build.json'), JSON.stringify({
      variant: v, name, verilator: version, verilatorArgs: vargs, cxxflags: cxx,
      seconds: { verilate: (t1 - t0) / 1000, compile: (t2 - t1) / 1000 }, builtAt: new Date().toISOString(),
    }, null, 2));
    log(`${name}: built ${relative(ROOT, lib)} in ${((t2 - t0) / 1000).toFixed(1)} s (verilate ${((t1 - t0) / 1000).toFixed(1)} s)`);
    return lib;
  } finally {
    unlock(dir);
  }
}

/**
 * Verilator's generated files as a few unity translation units (`n` at most, balanced by size): each
 * file alone spends about 0.8 s parsing verilated.h and the model's headers before its own code, which
 * was a third of the library's compile time over 50 to 80 files. Twice as many units as jobs keeps
 * every core busy to the end. Returns the units' paths (written into obj).
 */
function unityGroups(obj: string, files: string[], kind: string, n: number): string[] {
  if (process.env.NICRAFT_UNITY === "0") n = files.length;
  if (!files.length) return [];
  const sized = files.map((c) => ({ c, bytes: statSync(join(obj, `${c}.cpp`)).size })).sort((a, b) => b.bytes - a.bytes || a.c.localeCompare(b.c));
  const groups = Array.from({ length: Math.max(1, Math.min(n, files.length)) }, () => ({ bytes: 0, files: [] as string[] }));
  for (const f of sized) {
    const g = groups.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    g.bytes += f.bytes;
    g.files.push(f.c);
  }
  return groups.map((g, i) => {
    const unity = join(obj, `nicraft_unity_${kind}_${i}.cpp`);
    writeFileSync(unity, `// generated by native/build.ts: ${g.files.length} ${kind}-path files Verilator wrote, as one unit\n${g.files.sort().map((c) => `#include "${c}.cpp"\n`).join('')}`);
    return unity;
  });
}

/** The path of the variant's library, building it first if needed. */
export function libraryPath(v: Variant = {}): string {
  return build(v, { quiet: true });
}

/** Parses command-line style overrides: ["-GPLANES=2", "--coverage"]. */
export function parseVariantArgs(args: string[]): Variant {
  const params: Record<string, number | string> = {};
  let coverage = false;
  let noassert = false;
  for (const a of args) {
    const m = /^-G([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(a);
    if (m) params[m[1]!] = /^-?\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!;
    else if (a === '--coverage') coverage = true;
    else if (a === '--noassert') noassert = true;
  }
  return { ...(Object.keys(params).length ? { params } : {}), ...(coverage ? { coverage } : {}), ...(noassert ? { noassert } : {}) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const bad = args.filter((a) => !/^-G[A-Za-z_][A-Za-z0-9_]*=.+$/.test(a) && !['--coverage', '--noassert', '--print-path', '--force'].includes(a));
  if (bad.length) {
    process.stderr.write(`usage: tsx native/build.ts [-GNAME=VALUE ...] [--coverage] [--noassert] [--print-path] [--force]\nunknown: ${bad.join(' ')}\n`);
    process.exit(2);
  }
  try {
    const lib = build(parseVariantArgs(args), { force: args.includes('--force') });
    if (args.includes('--print-path')) process.stdout.write(`${lib}\n`);
  } catch (e) {
    process.stderr.write(`[native/build] ${(e as Error).message}\n`);
    process.exit(1);
  }
}
