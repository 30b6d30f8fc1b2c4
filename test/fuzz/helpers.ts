// Shared by the campaign tests: run a range of seeds, report, and fail with the replay commands.
import { expect } from 'vitest';
import { formatResult } from '../../verify/fuzz/cli.js';
import { runSeed, type FuzzOptions, type SeedResult } from '../../verify/fuzz/campaign.js';
import { KNOWN_FAILING } from './known.js';

/** Seeds of one test case: SEED=s replays one seed everywhere; otherwise [from, from + n). */
export function seedRange(from: number, n: number): number[] {
  if (process.env.SEED) return [Number(process.env.SEED)];
  return Array.from({ length: n }, (_, k) => from + k);
}

/**
 * Runs the seeds and fails, naming every failing seed with its replay command and event log,
 * if any failed that test/fuzz/known.ts does not list (those are listed loudly instead).
 */
export function runSeeds(seeds: number[], o: FuzzOptions, label: string): SeedResult[] {
  const t0 = performance.now();
  const results: SeedResult[] = [];
  for (const s of seeds) {
    const r = runSeed(s, { outDir: 'build/fuzz-out', ...o });
    results.push(r);
    if (process.env.FUZZ_VERBOSE) console.log(formatResult(r));
  }
  const secs = (performance.now() - t0) / 1000;
  const failed = results.filter((r) => !r.ok);
  const sim = results.reduce((a, r) => a + r.stats.simUs, 0);
  const first = seeds[0]!;
  const last = seeds[seeds.length - 1]!;
  const known = KNOWN_FAILING[o.rtl ? 'rtl' : 'model'] ?? {};
  const knownFailed = failed.filter((r) => known[r.seed] !== undefined).length;
  console.log(`fuzz ${label}: seeds ${first}..${last} (${seeds.length}): ${seeds.length - failed.length} passed, ${failed.length} failed` +
    `${knownFailed ? ` (${knownFailed} known, listed below)` : ''}; ` +
    `${(sim / 1000).toFixed(1)} ms simulated in ${secs.toFixed(1)} s (${(seeds.length / (secs / 60)).toFixed(0)} seeds/min). ` +
    `Replay one: npx nicraft fuzz --seed S${o.rtl ? ' --rtl' : ''} (or SEED=S npx vitest run test/fuzz)`);
  for (const r of results) {
    const bug = known[r.seed];
    if (bug === undefined) continue;
    if (r.ok) console.warn(`fuzz ${label}: seed ${r.seed} is listed as failing (${bug}) but passed now: remove it from test/fuzz/known.ts`);
    else console.warn(`fuzz ${label}: KNOWN BUG, seed ${r.seed} fails: ${bug}\n    ${r.failures[0]!.split('\n')[0]}\n    replay: ${r.replay}`);
  }
  const lines = failed.filter((r) => known[r.seed] === undefined).map((r) => `seed ${r.seed} FAILED (${r.summary})\n    ${r.failures.map((f) => f.split('\n')[0]).join('\n    ')}\n    replay: ${r.replay}${r.files ? `\n    event log: ${r.files.events}` : ''}`);
  expect(lines, `failing seeds:\n${lines.join('\n')}`).toEqual([]);
  return results;
}
