// `nicraft crossing run <scenario.yaml> [--json FILE]` and `nicraft crossing bench [--out FILE]`.
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { loadScenario, ScenarioError } from './scenario.js';
import { runCrossingScenario, formatSummary } from './runner.js';
import { runBench } from './bench.js';

const posInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

export function register(program: Command): void {
  const cmd = program
    .command('crossing')
    .description('crossing mode: Byzantine agreement on sensor inputs by cross-relaying between network planes');
  cmd
    .command('run')
    .description('run a crossing scenario (sim/scenarios/crossing-*.yaml) and check agreement, validity, voting')
    .argument('<scenario>', 'scenario YAML file')
    .option('--json <file>', 'also write the summary as JSON')
    .option('--rounds <n>', 'override the scenario rounds', posInt)
    .action((file: string, o: { json?: string; rounds?: number }) => {
      let sc;
      try {
        sc = loadScenario(file);
      } catch (e) {
        if (e instanceof ScenarioError) {
          console.error(e.message);
          process.exitCode = 2;
          return;
        }
        throw e;
      }
      const s = runCrossingScenario(sc, { rounds: o.rounds });
      console.log(formatSummary(s));
      if (o.json) writeFileSync(o.json, JSON.stringify(s, null, 2) + '\n');
      if (!s.ok) process.exitCode = 1;
    });
  cmd
    .command('bench')
    .description('crossing vs OM(1) baseline on the same seed and network model')
    .option('--out <file>', 'JSON output', 'bench/out/crossing.json')
    .option('--rounds <n>', 'rounds per run', posInt, 10_000)
    .option('--seed <n>', 'seed', posInt)
    .action((o: { out: string; rounds: number; seed?: number }) => {
      runBench({ out: o.out, rounds: o.rounds, seed: o.seed });
    });
}
