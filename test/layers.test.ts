// The layering rule of docs/architecture.md: imports only point downward,
//   native (C++ and its binding) <- ctrl (the product) <- sim (runtimes, scenarios) <- verify | bench <- cli
// (verify and bench are siblings: neither imports the other), and no module imports itself back
// through a cycle. Every static import, `export ... from` and dynamic import() with a literal path
// is read from the sources; a path that cannot be resolved is an error too.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Layers, bottom first; a module may import its own layer and those listed as below it. */
export const LAYERS: Record<string, string[]> = {
  native: [],
  ctrl: ['native'],
  sim: ['native', 'ctrl'],
  verify: ['native', 'ctrl', 'sim'],
  bench: ['native', 'ctrl', 'sim'],
  cli: ['native', 'ctrl', 'sim', 'verify', 'bench'],
  tools: [],
};

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (/\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Relative import specifiers of a source text (static, re-exports, dynamic with a literal). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const noComments = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;
  for (const m of noComments.matchAll(re)) out.push(m[2]!);
  return out;
}

function resolveImport(from: string, spec: string): string | undefined {
  const abs = resolve(dirname(from), spec);
  const cands = [abs, abs.replace(/\.js$/, '.ts'), abs + '.ts', join(abs, 'index.ts')];
  return cands.find((c) => existsSync(c) && statSync(c).isFile());
}

export function layerOf(file: string): string | undefined {
  const top = relative(ROOT, file).split('/')[0]!;
  return top in LAYERS ? top : undefined;
}

export interface Edge { from: string; to: string; spec: string }

/** Violations of the rule among `edges` (relative paths in messages). */
export function violations(edges: Edge[]): string[] {
  const bad: string[] = [];
  for (const e of edges) {
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (!a) continue;
    if (!b) { bad.push(`${relative(ROOT, e.from)} imports ${e.spec}, outside every layer`); continue; }
    if (a !== b && !LAYERS[a]!.includes(b)) bad.push(`${relative(ROOT, e.from)} (${a}) imports ${relative(ROOT, e.to)} (${b}): upward or sideways`);
  }
  return bad;
}

/** Every cycle's files (Tarjan's strongly connected components of more than one file). */
export function cycles(edges: Edge[]): string[][] {
  const adj = new Map<string, string[]>();
  for (const e of edges) {
    if (!adj.has(e.from)) adj.set(e.from, []);
    adj.get(e.from)!.push(e.to);
  }
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const on = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of adj.get(v) ?? []) {
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) out.push(comp.map((f) => relative(ROOT, f)).sort());
    }
  };
  for (const v of adj.keys()) if (!idx.has(v)) strong(v);
  return out;
}

function graph(): { files: string[]; edges: Edge[]; unresolved: string[] } {
  const files = Object.keys(LAYERS).filter((l) => existsSync(join(ROOT, l))).flatMap((l) => walk(join(ROOT, l)));
  const edges: Edge[] = [];
  const unresolved: string[] = [];
  for (const f of files) {
    for (const spec of importsOf(readFileSync(f, 'utf8'))) {
      const to = resolveImport(f, spec);
      if (to) edges.push({ from: f, to, spec });
      else unresolved.push(`${relative(ROOT, f)}: ${spec}`);
    }
  }
  return { files, edges, unresolved };
}

describe('layers: imports only point downward', () => {
  const g = graph();

  it('reads the whole tree (every layer, every import resolved)', () => {
    expect(g.files.length).toBeGreaterThan(80);
    expect(g.edges.length).toBeGreaterThan(250);
    expect(g.unresolved).toEqual([]);
  });

  it('no import points up a layer or sideways (verify <-> bench)', () => {
    expect(violations(g.edges)).toEqual([]);
  });

  it('no import cycle between modules', () => {
    expect(cycles(g.edges)).toEqual([]);
  });

  it('the check fails on an upward import, a sibling import and a cycle (it can fail)', () => {
    const f = (p: string): string => join(ROOT, p);
    expect(violations([{ from: f('ctrl/nic/verilated.ts'), to: f('sim/cluster.ts'), spec: '../../sim/cluster.js' }]))
      .toEqual(['ctrl/nic/verilated.ts (ctrl) imports sim/cluster.ts (sim): upward or sideways']);
    expect(violations([{ from: f('bench/nic.ts'), to: f('verify/check/checker.ts'), spec: 'x' }])).toHaveLength(1);
    expect(violations([{ from: f('native/binding.ts'), to: f('ctrl/rand.ts'), spec: 'x' }])).toHaveLength(1);
    expect(violations([{ from: f('sim/cluster.ts'), to: f('ctrl/rand.ts'), spec: 'x' }])).toEqual([]);
    expect(cycles([
      { from: f('sim/a.ts'), to: f('sim/b.ts'), spec: '' },
      { from: f('sim/b.ts'), to: f('sim/a.ts'), spec: '' },
    ])).toEqual([['sim/a.ts', 'sim/b.ts']]);
    expect(importsOf(`import x from './a.js';\nexport * from "../b.ts";\nconst m = await import('./c.js');\n// import y from './commented.js'`))
      .toEqual(['./a.js', '../b.ts', './c.js']);
  });
});
