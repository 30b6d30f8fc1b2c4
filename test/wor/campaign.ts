// Shared by the WOR campaign tests: run a range of seeds, print the summary and the replay of
// every failing seed, fail when any seed failed.
import { expect } from 'vitest';
import { runWorSeed, type WorSeedResult } from '../../verify/fuzz/wor.js';

/**
 * Seeds of the CI range that fail because of a known bug outside the WOR code, as `seed: 'what'`.
 * They are skipped (each one costs the whole liveness bound) and listed loudly on every run;
 * FUZZ_KNOWN=1 runs them too (and fails while they fail), SEED=s replays one.
 */
export const KNOWN_FAILING: Record<number, string> = {
};

export function worSeeds(from: number, n: number): number[] {
  if (process.env.SEED) return [Number(process.env.SEED)];
  const all = Array.from({ length: n }, (_, k) => from + k);
  if (process.env.FUZZ_KNOWN) return all;
  for (const s of all) if (KNOWN_FAILING[s]) console.warn(`WOR campaign: KNOWN BUG, seed ${s} skipped: ${KNOWN_FAILING[s]}\n    replay: npx nicraft fuzz --wor --seed ${s} (FUZZ_KNOWN=1 runs it here)`);
  return all.filter((s) => !KNOWN_FAILING[s]);
}

export async function runWorSeeds(seeds: number[], label: string): Promise<WorSeedResult[]> {
  const t0 = performance.now();
  const out: WorSeedResult[] = [];
  for (const s of seeds) {
    const r = await runWorSeed(s);
    out.push(r);
    if (process.env.FUZZ_VERBOSE) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.summary}`);
  }
  const failed = out.filter((r) => !r.ok);
  const sum = (k: keyof WorSeedResult['stats']) => out.reduce((a, r) => a + r.stats[k], 0);
  console.log(`WOR campaign ${label}: seeds ${seeds[0]}..${seeds[seeds.length - 1]} (${seeds.length}): ${seeds.length - failed.length} passed, ${failed.length} failed; ` +
    `${sum('appends')} appends, ${sum('txns')} txns (${sum('commits')} commit, ${sum('aborts')} abort), ${sum('registerOps')} register ops, ` +
    `${sum('replicaCrashes')}/${sum('coordinatorCrashes')}/${sum('participantCrashes')} replica/coordinator/participant crashes; ` +
    `${(sum('simUs') / 1000).toFixed(1)} ms simulated in ${((performance.now() - t0) / 1000).toFixed(1)} s. Replay one: npx nicraft fuzz --wor --seed S (or SEED=S npx vitest run test/wor)`);
  const lines = failed.map((r) => `${r.summary}\n    ${r.failures.join('\n    ')}\n    replay: ${r.replay}`);
  expect(lines, `failing seeds:\n${lines.join('\n')}`).toEqual([]);
  return out;
}
