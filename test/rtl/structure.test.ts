// Issue 14's structure rules, checked on the sources: nicraft_nic.sv only wires the engines together
// (no clocked or combinational block of its own, under 400 lines), and every other module under
// hw/rtl/ has a testbench (native/build-tb.ts TB_MODULES, a C++ testbench under native/tb/ and a test
// file under test/rtl/).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../native/root.js';
import { TB_MODULES } from '../../native/build-tb.js';

const RTL = join(ROOT, 'hw/rtl');

describe('RTL structure', () => {
  it('nicraft_nic.sv is wiring: no always block, under 400 lines', () => {
    const text = readFileSync(join(RTL, 'nicraft_nic.sv'), 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    expect(lines).toBeLessThan(400);
    const code = text.replace(/\/\/.*$/gm, '');
    expect(code.match(/\balways(_ff|_comb|_latch)?\b/g) ?? []).toEqual([]);
  });

  it('every module under hw/rtl/ but the top has a testbench and a test', () => {
    const modules = readdirSync(RTL).filter((f) => f.endsWith('.sv')).map((f) => f.replace(/\.sv$/, '')).filter((m) => m !== 'nicraft_nic');
    expect(modules.length).toBeGreaterThan(10);
    const missing = modules.filter((m) => {
      const spec = (TB_MODULES as Record<string, { short: string }>)[m];
      return !spec || !existsSync(join(ROOT, 'native/tb', `tb_${spec.short}.cpp`)) || !existsSync(join(ROOT, 'test/rtl', `${spec.short}.test.ts`));
    });
    expect(missing).toEqual([]);
  });
});
