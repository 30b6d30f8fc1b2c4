// Text checks on hw/rtl that no simulation catches: Verilator accepts what Yosys 0.23 rejects, and
// `make synth` (Yosys) is not part of `make test`. Every immediate assertion, and the registers only
// assertions use, sit inside `ifndef SYNTHESIS ... `endif (Yosys 0.23 rejects `assert ... else
// $error`: nicraft_leader_watch had one outside, and `make synth` failed on every module).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rtlSources } from '../../native/build.js';

/** Lines (1-based) with an `assert` outside every `ifndef SYNTHESIS block of one source text. */
export function assertsOutsideSynthesisGuard(text: string): number[] {
  const bad: number[] = [];
  const stack: boolean[] = [];   // per open `ifdef/`ifndef: is it `ifndef SYNTHESIS (true) or another (false)
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\/\/.*$/, '');
    const d = /^\s*`(ifndef|ifdef|else|endif)\b\s*(\w*)/.exec(line);
    if (d) {
      if (d[1] === 'ifndef' || d[1] === 'ifdef') stack.push(d[1] === 'ifndef' && d[2] === 'SYNTHESIS');
      else if (d[1] === 'else') stack[stack.length - 1] = false;   // the `else of a guard is synthesized
      else stack.pop();
      return;
    }
    if (/\bassert\b\s*\(/.test(line) && !stack.includes(true)) bad.push(i + 1);
  });
  return bad;
}

describe('RTL style', () => {
  it('the check itself: finds an unguarded assert, passes a guarded one', () => {
    expect(assertsOutsideSynthesisGuard('always_ff @(posedge clk) assert (a) else $error("x");')).toEqual([1]);
    expect(assertsOutsideSynthesisGuard('`ifndef SYNTHESIS\nalways_ff @(posedge clk) assert (a);\n`endif\nassert (b);')).toEqual([4]);
    expect(assertsOutsideSynthesisGuard('`ifndef SYNTHESIS\n`ifdef X\nassert (a);\n`endif\n`endif')).toEqual([]);
  });

  it('every assertion in hw/rtl is inside `ifndef SYNTHESIS (Yosys 0.23 rejects them)', () => {
    const files = rtlSources().filter((f) => f.endsWith('.sv'));
    expect(files.length).toBeGreaterThan(10);
    const bad = files.flatMap((f) => assertsOutsideSynthesisGuard(readFileSync(f, 'utf8')).map((l) => `${basename(f)}:${l}`));
    expect(bad).toEqual([]);
  });
});
