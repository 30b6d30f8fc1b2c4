// Shared set-up of the module testbench suites (test/rtl/*.test.ts): each file names its parameter
// variants; their libraries are built if missing (native/build-tb.ts) and loaded before its tests.
import { beforeAll, expect } from 'vitest';
import { loadTbs, type Testbench, type TbVariant } from '../../native/build-tb.js';

/** The testbench of every variant, by name, filled in before the file's tests run (a build can take minutes). */
export function loadVariants(variants: Record<string, TbVariant>, timeoutMs = 900_000): Record<string, Testbench> {
  const tbs: Record<string, Testbench> = {};
  beforeAll(async () => {
    const names = Object.keys(variants);
    (await loadTbs(names.map((n) => variants[n]!))).forEach((tb, i) => { tbs[names[i]!] = tb; });
  }, timeoutMs);
  return tbs;
}

/** The running test's name (runTb prints it with the seed). */
export const label = (): string => expect.getState().currentTestName ?? '';
