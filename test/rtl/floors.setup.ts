// vitest setup file of tools/tb-floors.ts (inactive unless NICRAFT_TB_FLOORS_OUT is set): every
// testbench run whose seed is the marker the tool put in SEED (i.e. a runTb call that drew its seed
// from the environment) is run instead with seeds 1..NICRAFT_TB_FLOORS_SEEDS, and each run's stats are
// appended to NICRAFT_TB_FLOORS_OUT as a JSON line. Runs with a seed of their own (directed tests)
// pass through untouched. The test then sees seed 1's result (the first failing run, if any failed).
import { appendFileSync } from 'node:fs';
import { expect } from 'vitest';
import { Testbench, type TbConfig, type TbResult } from '../../native/build-tb.js';

const out = process.env.NICRAFT_TB_FLOORS_OUT;
const seeds = Number(process.env.NICRAFT_TB_FLOORS_SEEDS);
const marker = process.env.SEED;

if (out) {
  if (!Number.isInteger(seeds) || seeds < 1 || !marker) throw new Error('tb-floors: NICRAFT_TB_FLOORS_SEEDS and SEED must be set');
  const run = Testbench.prototype.run;
  Testbench.prototype.run = function sweep(this: Testbench, cfg: TbConfig): TbResult {
    if (cfg.seed === undefined || String(cfg.seed) !== marker) return run.call(this, cfg);
    const st = expect.getState();
    let shown: TbResult | undefined;
    for (let seed = 1; seed <= seeds; seed++) {
      const t0 = performance.now();
      const r = run.call(this, { ...cfg, seed });
      const seconds = (performance.now() - t0) / 1000;
      appendFileSync(out, `${JSON.stringify({
        file: st.testPath, test: st.currentTestName, seed, seconds, ok: r.ok, error: r.error, cfg: r.cfg, stats: r.stats,
      })}\n`);
      if (!shown || (shown.ok && !r.ok)) shown = r;
    }
    return shown!;
  };
}
