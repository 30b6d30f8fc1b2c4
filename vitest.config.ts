// vitest settings for `make test`. Tests that drive the simulator or spawn the real CLI take
// seconds each and more on a loaded 2-core machine: the per-test limit is generous so that a
// slow machine gives a slow run, not a failure. (Performance is measured by `make bench`, never
// by a test's duration.)
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Longest files first (test/durations.json, written by tools/test-durations.ts from a `make test`
// log): with two workers, a long file started last would run alone at the end. A file the table does
// not know is taken to be long (UNKNOWN_MS), so that it starts early rather than last.
const DURATIONS = JSON.parse(readFileSync(new URL('./test/durations.json', import.meta.url), 'utf8')) as Record<string, number>;
const UNKNOWN_MS = 30_000;
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const ms = (f: TestSpecification) => DURATIONS[relative(root, f.moduleId)] ?? UNKNOWN_MS;
    return [...files].sort((a, b) => ms(b) - ms(a) || (a.moduleId < b.moduleId ? -1 : 1));
  }
}

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 900_000,
    // build/ holds generated trees (bench/simspeed.ts checks the baseline revision out there as a git
    // worktree, tests included): never collect tests from it
    exclude: [...configDefaults.exclude, 'build/**', 'dist/**'],
    sequence: { sequencer: LongestFirst },
    // vitest 3.2's worker RPC times out after 60 s ('Timeout calling "onTaskUpdate"') when a test keeps
    // its worker busy that long without yielding, which a loaded 2-core machine makes of a 30-s
    // simulation; the run then exits 1 with every test passed. Such errors are still printed, but do not
    // fail the run. A failed assertion or a thrown test still fails it. Known cost: an unhandled
    // rejection outside a test no longer fails the run either (to remove once long tests yield).
    dangerouslyIgnoreUnhandledErrors: true,
  },
});
