// vitest settings for `make test`. Tests that drive the simulator or spawn the real CLI take
// seconds each and more on a loaded 2-core machine: the per-test limit is generous so that a
// slow machine gives a slow run, not a failure. (Performance is measured by `make bench`, never
// by a test's duration.)
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 900_000,
    // build/ holds generated trees (bench/simspeed.ts checks the baseline revision out there as a git
    // worktree, tests included): never collect tests from it
    exclude: [...configDefaults.exclude, 'build/**', 'dist/**'],
  },
});
