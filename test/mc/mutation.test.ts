// Mutation check: known bugs injected into the real control core (test/mc/mutations.ts) are each
// caught by the model checker at a small bound, as a violation of the property the bug breaks,
// and the unmutated core shows no violation at the same bounds. Prints, per mutation, the
// property broken and the length of the shortest counterexample (once more, all together, at the end).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { formatViolation, SMALL_BOUND, type Bound } from '../../verify/mc/cli.js';
import { search, type SearchResult } from '../../verify/mc/search.js';
import { MUTATION_BOUND, MUTATIONS, SYNC_MUTATION_BOUND } from './mutations.js';

function check(b: Bound): SearchResult {
  return search(b, { maxDepth: b.maxDepth, timeLimitMs: b.timeLimit * 1000 });
}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

const summary: string[] = [];
afterAll(() => {
  console.log(`mutation check at ${JSON.stringify(MUTATION_BOUND)} (and ${JSON.stringify(SYNC_MUTATION_BOUND)} for the NIC mirror's):\n  ${summary.join('\n  ')}`);
});

describe('mutation check', () => {
  for (const [name, b] of [['the mutation bound', MUTATION_BOUND], ['the NIC mirror mutation bound (from a running cluster)', SYNC_MUTATION_BOUND]] as const) {
    it(`the unmutated core: no violation at ${name} (exhausted)`, () => {
      const r = check(b);
      summary.push(`unmutated core at ${name}: no violation, ${r.states} states, depth ${r.depth}, ${(r.ms / 1000).toFixed(1)} s`);
      console.log(summary[summary.length - 1]);
      expect(r.violation).toBeUndefined();
      expect(r.complete).toBe(true);
    });
  }

  for (const m of MUTATIONS) {
    it(`${m.name}: ${m.what}`, () => {
      const bound = m.bound ?? MUTATION_BOUND;
      restore = m.install();
      const r = check(bound);
      const v = r.violation;
      const line = v
        ? `${m.name}: ${v.property} violated, shortest counterexample ${v.trace.length} steps (${r.states} states, ${(r.ms / 1000).toFixed(1)} s): ${v.detail}`
        : `${m.name}: NOT caught (${r.states} states, stop: ${r.stop})`;
      summary.push(line);
      console.log(line);
      expect(v, `${m.name} was not caught within the bound`).toBeDefined();
      expect(v!.property, v!.detail).toBe(m.expect);
      // the trace replays to the same violation (this is what `nicraft mc` prints)
      const text = formatViolation(bound, r).join('\n');
      expect(text).toContain(`VIOLATION of ${v!.property}`);
      expect(text).not.toContain('did not reproduce');
      expect(v!.trace.length).toBeLessThanOrEqual(bound.maxDepth);
    });
  }

  // The same bugs with the cores' default configuration (pre-vote on): the two whose
  // counterexamples need a single election round are caught at the small bound's cluster
  // (without faults, one step deeper: an election with pre-vote is 5 steps).
  for (const name of ['tally-counts-rejections', 'commit-without-quorum']) {
    it(`${name} with pre-vote on, at the small bound`, () => {
      const m = MUTATIONS.find((x) => x.name === name)!;
      restore = m.install();
      const r = check({ ...SMALL_BOUND, crashes: 0, drops: 0, maxDepth: 10 });
      const v = r.violation;
      summary.push(`${name} (pre-vote on): ${v ? `${v.property}, ${v.trace.length} steps` : 'NOT caught'} (${r.states} states)`);
      console.log(summary[summary.length - 1]);
      expect(v).toBeDefined();
      expect(v!.property).toBe(m.expect);
    });
  }
});
