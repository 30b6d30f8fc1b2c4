// Issue 13: sim/failover.ts and sim/scenario.ts imported each other. No module of sim/ may take part
// in an import cycle (relative imports, static and dynamic, followed through sim/ and below).
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (e.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Relative imports of a file, resolved to .ts paths (import ... from, export ... from, import()). */
export function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:import|export)\s[^'"`;]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const spec = (m[1] ?? m[2])!;
    out.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

/** The cycles (as module lists) among `files`. */
export function cycles(files: string[]): string[][] {
  const set = new Set(files);
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((d) => set.has(d))]));
  const found: string[][] = [];
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 1);
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 1) found.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(ROOT, x)));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

describe('sim/ imports', () => {
  it('no import cycle among the modules of sim/ (failover and scenario share sim/scenario-config.ts instead)', () => {
    const files = tsFiles(join(ROOT, 'sim'));
    expect(files.length).toBeGreaterThan(5);
    expect(cycles(files)).toEqual([]);
    expect(importsOf(join(ROOT, 'sim/failover.ts')).map((f) => relative(ROOT, f))).not.toContain('sim/scenario.ts');
  });
  it('the cycle finder finds a cycle (the old failover <-> scenario pair, written to a temporary directory)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nicraft-imports-'));
    writeFileSync(join(dir, 'scenario.ts'), "import { formatFailover, runFailover } from './failover.js';\nexport const x = 1;\n");
    writeFileSync(join(dir, 'failover.ts'), "import { clusterConfig, type Scenario } from './scenario.js';\nexport const y = 2;\n");
    writeFileSync(join(dir, 'cluster.ts'), 'export const z = 3;\n');
    const found = cycles(['scenario.ts', 'failover.ts', 'cluster.ts'].map((f) => join(dir, f)));
    expect(found.length).toBe(1);
    expect(found[0]!.map((f) => f.split('/').pop())).toEqual(['scenario.ts', 'failover.ts', 'scenario.ts']);
  });
});
