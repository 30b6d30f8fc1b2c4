// vitest settings for `make test`. Tests that drive the simulator or spawn the real CLI take
// seconds each and more on a loaded 2-core machine: the per-test limit is generous so that a
// slow machine gives a slow run, not a failure. (Performance is measured by `make bench`, never
// by a test's duration.)
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 900_000,
  },
});
