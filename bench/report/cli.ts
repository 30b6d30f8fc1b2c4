// `nicraft bench [--quick] [--replicas 3,5] [--only load,payload,...] [--seed N] [--requests N] [--out DIR]`:
// the cluster benchmark (bench/report/run.ts). `make bench-cluster` runs the same through bench/cluster.ts.
import { Command, InvalidArgumentError } from 'commander';
import { parseSection, reportOnly, runClusterBench, type BenchOptions } from './run.js';
import type { Section } from './sections.js';

const posInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
};
const nonNegInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};
const replicaList = (v: string): number[] => {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (!xs.length || xs.some((n) => ![3, 5, 7].includes(n))) throw new InvalidArgumentError('a comma-separated list of 3, 5, 7');
  return [...new Set(xs)];
};
const sectionList = (v: string, prev: Section[] = []): Section[] => {
  try {
    return [...prev, ...v.split(',').filter(Boolean).map((s) => parseSection(s.trim()))];
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

export interface Opts { quick?: boolean; tiny?: boolean; replicas?: number[]; only?: Section[]; seed?: number; requests?: number; out?: string; quiet?: boolean; reportOnly?: boolean }

export function benchOptions(o: Opts): BenchOptions {
  return {
    mode: o.tiny ? 'tiny' : o.quick ? 'quick' : 'full',
    replicas: o.replicas, only: o.only, seed: o.seed, requests: o.requests, outDir: o.out, quiet: o.quiet,
  };
}

/** Adds the options of the cluster benchmark to a command. */
export function withBenchOptions(cmd: Command): Command {
  return cmd
    .option('--quick', 'a 2-3 minute run: fewer points, 20,000 requests per point')
    .option('--tiny', 'a few seconds per section (tests)')
    .option('--replicas <list>', 'replica counts of the sweeps, e.g. 3,5 (default 3,5)', replicaList)
    .option('--only <sections>', 'run only these sections (load, payload, software, failover, plane-loss, elections, sim-speed, read-scaling, wor); the others are kept from an existing cluster.json', sectionList)
    .option('--seed <n>', 'seed of every run (default 1)', nonNegInt)
    .option('--requests <n>', 'measured requests per point (default 100,000; --quick 20,000)', posInt)
    .option('--out <dir>', 'output directory (default bench/out)')
    .option('--quiet', 'no progress lines and no table')
    .option('--report-only', 'no simulation: re-render report.html, the SVGs and the table from an existing cluster.json');
}

/** Runs the benchmark (or only re-renders its report) as the options say. */
export async function benchMain(o: Opts): Promise<void> {
  if (o.reportOnly) await reportOnly({ outDir: o.out, quiet: o.quiet });
  else await runClusterBench(benchOptions(o));
}

export function register(program: Command): void {
  withBenchOptions(program
    .command('bench')
    .description('the cluster benchmark: load and payload sweeps, hardware vs software path, failover, plane loss, simulation speed; writes bench/out/cluster.json and bench/out/report.html'))
    .action(async (o: Opts) => {
      await benchMain(o);
    });
}
