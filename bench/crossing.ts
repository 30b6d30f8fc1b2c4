// Crossing mode vs the OM(1) baseline. Run: npx tsx bench/crossing.ts [--rounds N] [--seed S] [--out FILE]
import { runBench } from '../sim/crossing/bench.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const rounds = arg('rounds');
const seed = arg('seed');
runBench({
  rounds: rounds ? Number(rounds) : undefined,
  seed: seed ? Number(seed) : undefined,
  out: arg('out') ?? 'bench/out/crossing.json',
});
