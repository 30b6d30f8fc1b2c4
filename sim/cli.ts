// `nicraft sim <scenario.yaml> [--json FILE] [--trace FILE.fst] [--events FILE] [--seed N] [--no-progress]`
//
// Leader-mode scenarios run on the cluster co-simulation (sim/scenario.ts). A scenario with
// `mode: crossing | baseline | direct` goes to the crossing runner (sim/crossing/runner.ts).
// Exit status: 0 done, 1 the failover phase failed (the main phase is printed), 2 bad scenario or usage.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import {
  ScenarioError, formatSummary, parseScenario, readScenarioFile, runScenario, type Summary,
} from './scenario.js';

const nonNegInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};

function writeOut(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

interface Opts { json?: string; trace?: string; events?: string; seed?: number; progress: boolean }

async function runCrossing(raw: Record<string, unknown>, file: string, o: Opts): Promise<void> {
  let mod: Record<string, unknown>;
  try {
    mod = await import('./crossing/runner.js') as Record<string, unknown>;
  } catch {
    console.error(`${file}: mode '${String(raw.mode)}' needs sim/crossing/runner.ts, which is not available`);
    process.exitCode = 2;
    return;
  }
  const run = mod.runCrossingScenario as ((sc: unknown) => unknown) | undefined;
  const format = mod.formatSummary as ((s: unknown) => string) | undefined;
  if (typeof run !== 'function') {
    console.error(`${file}: sim/crossing/runner.ts does not export runCrossingScenario`);
    process.exitCode = 2;
    return;
  }
  const input = o.seed !== undefined ? { ...raw, seed: o.seed } : raw;
  let s: unknown;
  try {
    s = run(input);
  } catch (e) {
    if ((e as Error).name === 'ScenarioError') {
      console.error((e as Error).message);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  console.log(format ? format(s) : JSON.stringify(s, null, 2));
  if (o.json) writeOut(o.json, JSON.stringify(s, null, 2) + '\n');
  if ((s as { ok?: boolean }).ok === false) process.exitCode = 1;
}

export function register(program: Command): void {
  program
    .command('sim')
    .description('run a cluster co-simulation scenario (sim/scenarios/*.yaml): NICs, plane switches, clients, faults')
    .argument('<scenario>', 'scenario YAML file')
    .option('--json <file>', 'write the summary as JSON')
    .option('--trace <file.fst>', 'FST waveforms of every NIC (one file per NIC: <file>.n<i>.fst)')
    .option('--events <file>', 'write the event log (one line per injected fault or state change)')
    .option('--seed <n>', 'override the scenario seed', nonNegInt)
    .option('--no-progress', 'no progress bar')
    .action(async (file: string, o: Opts) => {
      let raw: unknown;
      try {
        raw = readScenarioFile(file);
      } catch (e) {
        if (e instanceof ScenarioError) { console.error(e.message); process.exitCode = 2; return; }
        throw e;
      }
      const mode = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).mode : undefined;
      if (mode === 'crossing' || mode === 'baseline' || mode === 'direct') {
        await runCrossing(raw as Record<string, unknown>, file, o);
        return;
      }
      let sc;
      try {
        sc = parseScenario(raw, file);
      } catch (e) {
        if (e instanceof ScenarioError) { console.error(e.message); process.exitCode = 2; return; }
        throw e;
      }
      const tty = o.progress && process.stderr.isTTY;
      let bar: { start: (t: number, v: number, p?: object) => void; update: (v: number, p?: object) => void; setTotal: (t: number) => void; stop: () => void } | undefined;
      let lastPhase = '';
      if (tty) {
        const cp = await import('cli-progress');
        bar = new cp.SingleBar({
          format: '{phase} [{bar}] {percentage}% | {value}/{total} cycles | {eta}s',
          stream: process.stderr, hideCursor: true, clearOnComplete: true,
        }, cp.Presets.shades_classic);
      }
      let summary: Summary;
      let events: string[];
      try {
        ({ summary, events } = runScenario(sc, {
          seed: o.seed,
          trace: o.trace,
          onProgress: bar ? (done, total, phase) => {
            if (phase !== lastPhase) {
              if (lastPhase) bar!.stop();
              bar!.start(total, 0, { phase });
              lastPhase = phase;
            }
            bar!.update(done, { phase });
          } : undefined,
        }));
      } finally {
        bar?.stop();
      }
      console.log(formatSummary(summary));
      if (summary.failoverError) process.exitCode = 1;
      for (const f of new Set([o.json, sc.json].filter((x): x is string => !!x))) writeOut(f, JSON.stringify(summary, null, 2) + '\n');
      if (o.events) writeOut(o.events, events.join('\n') + (events.length ? '\n' : ''));
    });
}
