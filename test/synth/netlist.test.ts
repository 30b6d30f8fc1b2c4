// The synthesis path-depth tool (bench/synth/netlist.ts) on small hand-made netlists in Yosys's JSON
// format, with answers worked out by hand: levels (LUT and MUXF cells; a carry chain counts once),
// the delay model's sum along the path (reported to the picosecond), hierarchy flattening, resources, and loop detection.
import { describe, expect, it } from 'vitest';
import { analyze, baseName, designModules, flatten, resources, spliceModule, type Bit, type YosysCell, type YosysJson } from '../../bench/synth/netlist.js';
import { DELAY_MODEL as M } from '../../bench/synth/delay.js';

const cell = (type: string, conns: Record<string, Bit[]>, dirs: Record<string, 'input' | 'output'>): YosysCell =>
  ({ type, connections: conns, port_directions: dirs });
const ff = (d: number, q: number, clk = 1): YosysCell =>
  cell('FDRE', { C: [clk], CE: ['1'], R: ['0'], D: [d], Q: [q] }, { C: 'input', CE: 'input', R: 'input', D: 'input', Q: 'output' });
const lut = (type: string, ins: number[], o: number): YosysCell => {
  const conns: Record<string, Bit[]> = { O: [o] };
  const dirs: Record<string, 'input' | 'output'> = { O: 'output' };
  ins.forEach((n, i) => { conns[`I${i}`] = [n]; dirs[`I${i}`] = 'input'; });
  return cell(type, conns, dirs);
};
// a CARRY4 using only its first bit: S[0] (select), DI[0], CI, CO[3] and O[0]
const carry = (s: Bit, ci: Bit, co: number, o: number): YosysCell => cell('CARRY4', {
  CI: [ci], CYINIT: ['0'], DI: ['0', '0', '0', '0'], S: [s, '0', '0', '0'], CO: [co, co + 1000, co + 2000, co + 3000], O: [o, o + 1000, o + 2000, o + 3000],
}, { CI: 'input', CYINIT: 'input', DI: 'input', S: 'input', CO: 'output', O: 'output' });

const mod = (cells: Record<string, YosysCell>, ports: YosysJson['modules'][string]['ports'] = { clk: { direction: 'input', bits: [1] } }) =>
  ({ ports, cells });

describe('path depth and delay', () => {
  it('FF -> LUT -> LUT -> carry chain of three CARRY4 -> LUT -> FF: 4 levels, the chain once', () => {
    // nets: 2 q0, 3 a, 4 b, 5 co1, 6 co2, 7 co3(out via CO), 8 c, 9 (d of ff1)
    const json: YosysJson = {
      modules: {
        top: mod({
          ff0: ff(9, 2),
          l1: lut('LUT2', [2, 2], 3),
          l2: lut('LUT3', [3, 2, 2], 4),
          c1: carry(4, '0', 5, 50),
          c2: carry('0', 5, 6, 60),
          c3: carry('0', 6, 7, 70),
          l3: lut('LUT1', [7], 8),
          ff1: ff(8, 9),
        }),
      },
    };
    const t = analyze(flatten(json, 'top'));
    expect(t.loops).toBe(0);
    expect(t.deepest.levels).toBe(4);
    expect(t.deepest.steps.map((s) => s.type)).toEqual(['FDRE', 'LUT2', 'LUT3', 'CARRY4', 'CARRY4', 'CARRY4', 'LUT1', 'FDRE']);
    // q0 fans out to l1 (twice) and l2 (twice): 4 loads; every other net 1 load; CO -> CI is dedicated
    const want = M.ffClkToQNs + M.netNs(4) + M.lutNs + M.netNs(1) + M.lutNs + M.netNs(1) + M.carryEntryNs
      + M.carryPropNs + M.carryPropNs + M.netNs(1) + M.lutNs + M.netNs(1) + M.ffSetupNs;
    expect(t.deepest.ns).toBeCloseTo(want, 3);
    expect(t.slowest.ns).toBeCloseTo(want, 3);
  });

  it('two separate carry chains on one path count twice; MUXF cells count, their LUT input is dedicated', () => {
    const json: YosysJson = {
      modules: {
        top: mod({
          ff0: ff(20, 2),
          c1: carry(2, '0', 3, 30),
          l1: lut('LUT2', [3, 2], 4),
          c2: carry(4, '0', 5, 40),
          la: lut('LUT6', [5, 5, 5, 5, 5, 5], 6),
          lb: lut('LUT6', [5, 5, 5, 5, 5, 5], 7),
          mx: cell('MUXF7', { I0: [6], I1: [7], S: [2], O: [8] }, { I0: 'input', I1: 'input', S: 'input', O: 'output' }),
          ff1: ff(8, 20),
        }),
      },
    };
    const t = analyze(flatten(json, 'top'));
    expect(t.deepest.levels).toBe(5);  // chain, LUT2, chain, LUT6, MUXF7
    expect(t.deepest.steps.map((s) => s.type)).toEqual(['FDRE', 'CARRY4', 'LUT2', 'CARRY4', 'LUT6', 'MUXF7', 'FDRE']);
    // net 5 (CO of c2) drives 12 LUT pins; 6 -> MUXF7 is dedicated; q0 drives c1.S, l1, mx.S: 3 loads
    const want = M.ffClkToQNs + M.netNs(3) + M.carryEntryNs + M.netNs(1) + M.lutNs + M.netNs(1) + M.carryEntryNs
      + M.netNs(12) + M.lutNs + 0 + M.muxfNs + M.netNs(1) + M.ffSetupNs;
    expect(t.deepest.ns).toBeCloseTo(want, 3);
  });

  it('module ports count as registers; a submodule is flattened into its parent', () => {
    // inner: in -> LUT -> LUT -> out; outer: FF -> inner -> LUT -> FF
    const json: YosysJson = {
      modules: {
        '$paramod$0123abcd\\inner': mod({ a: lut('LUT1', [2], 3), b: lut('LUT1', [3], 4) },
          { i: { direction: 'input', bits: [2] }, o: { direction: 'output', bits: [4] } }),
        outer: mod({
          ff0: ff(11, 10),
          u: { type: '$paramod$0123abcd\\inner', connections: { i: [10], o: [12] } },
          c: lut('LUT1', [12], 13),
          ff1: ff(13, 11),
        }),
      },
    };
    expect(baseName('$paramod$0123abcd\\inner')).toBe('inner');
    const inner = analyze(flatten(json, '$paramod$0123abcd\\inner'));
    expect(inner.deepest.levels).toBe(2);
    expect(inner.deepest.steps[0]!.type).toBe('input port');
    expect(inner.deepest.steps.at(-1)!.type).toBe('output port');
    const flat = flatten(json, 'outer');
    expect(flat.cells.map((c) => c.path).sort()).toEqual(['c', 'ff0', 'ff1', 'u/a', 'u/b']);
    const outer = analyze(flat);
    expect(outer.deepest.levels).toBe(3);
    expect(outer.deepest.steps.map((s) => s.cell)).toEqual(['ff0', 'u/a', 'u/b', 'c', 'ff1.D']);
  });

  it('with a budget: the end points reached by a path over it, each with its start (a path across two modules)', () => {
    // m1: FF a -> LUT -> LUT -> out (2 levels); m2: in -> LUT -> LUT -> FF b (2 levels), and FF c -> LUT -> FF d;
    // top wires m1.out -> m2.in: a -> b is 4 levels across the boundary, c -> d 1 level
    const json: YosysJson = {
      modules: {
        m1: mod({ a: ff(20, 2), l1: lut('LUT1', [2], 3), l2: lut('LUT1', [3], 4) },
          { clk: { direction: 'input', bits: [1] }, o: { direction: 'output', bits: [4] } }),
        m2: mod({ l3: lut('LUT1', [5], 6), l4: lut('LUT1', [6], 7), b: ff(7, 8), c: ff(8, 9), l5: lut('LUT1', [9], 10), d: ff(10, 11) },
          { clk: { direction: 'input', bits: [1] }, i: { direction: 'input', bits: [5] } }),
        top: mod({
          u1: { type: 'm1', connections: { clk: [1], o: [12] } },
          u2: { type: 'm2', connections: { clk: [1], i: [12] } },
        }),
      },
    };
    const budget = { logicLevels: 3, estimatedNs: 100 };
    // each module alone is within 3 levels: no end point over
    expect(analyze(flatten(json, 'm1'), undefined, budget).over).toEqual([]);
    expect(analyze(flatten(json, 'm2'), undefined, budget).over).toEqual([]);
    const t = analyze(flatten(json, 'top'), undefined, budget);
    expect(t.deepest.levels).toBe(4);
    expect(t.over.map((o) => [o.from, o.to, o.levels])).toEqual([['u1/a', 'u2/b.D', 4]]);
    // by delay: a budget of 0.1 ns puts every register-to-register path over it (levels within 8)
    const byNs = analyze(flatten(json, 'top'), undefined, { logicLevels: 8, estimatedNs: 0.1 });
    expect(byNs.over.map((o) => `${o.from}>${o.to}`).sort()).toEqual(['u1/a>u2/b.D', 'u2/b>u2/c.D', 'u2/c>u2/d.D']);
    // without a budget nothing is listed
    expect(analyze(flatten(json, 'top')).over).toEqual([]);
  });

  it('a blackbox spliced with a separately synthesized module: the same flat netlist as the module in place', () => {
    // make synth synthesizes nicraft_auth_mac alone and puts it in place of the NIC's blackbox
    const box = '$paramod$0123abcd\\inner';
    const ports: YosysJson['modules'][string]['ports'] = { i: { direction: 'input', bits: [2] }, o: { direction: 'output', bits: [4] } };
    const outer = mod({
      ff0: ff(11, 10),
      u: { type: box, connections: { i: [10], o: [12] } },
      c: lut('LUT1', [12], 13),
      ff1: ff(13, 11),
    });
    const nic = (): YosysJson => ({
      modules: {
        [box]: { attributes: { blackbox: '00000000000000000000000000000001' }, parameter_default_values: { W: '00000000000000000000000000000101' }, ports, cells: {} },
        outer,
      },
    });
    // its own run: the module is the top, named without the hash, with a submodule of its own
    const impl: YosysJson = {
      modules: {
        inner: { ...mod({ a: lut('LUT1', [2], 3), s: { type: 'leaf', connections: { x: [3], y: [4] } } }, ports), attributes: { top: '00000000000000000000000000000001' } },
        leaf: mod({ b: lut('LUT1', [5], 6) }, { x: { direction: 'input', bits: [5] }, y: { direction: 'output', bits: [6] } }),
      },
    };
    const json = nic();
    expect(designModules(json)).toEqual(['outer']);
    spliceModule(json, box, impl, 'inner');
    expect(designModules(json).sort()).toEqual([box, 'leaf', 'outer'].sort());
    expect(json.modules[box]!.attributes?.top).toBeUndefined();
    const t = analyze(flatten(json, 'outer'));
    expect(t.deepest.levels).toBe(3);
    expect(t.deepest.steps.map((s) => s.cell)).toEqual(['ff0', 'u/a', 'u/s/b', 'c', 'ff1.D']);
    // ports that differ are an error that names them
    const wide: YosysJson = { modules: { inner: mod({}, { i: { direction: 'input', bits: [2, 3] }, o: { direction: 'output', bits: [4] } }) } };
    expect(() => spliceModule(nic(), box, wide, 'inner')).toThrow(/i:input:1/);
    // only a blackbox is replaced
    expect(() => spliceModule(json, box, impl, 'inner')).toThrow(/not a blackbox/);
  });

  it('resources: LUTs (LUTRAM sites included), FFs, block RAM halves', () => {
    const json: YosysJson = {
      modules: {
        top: mod({
          a: lut('LUT6', [2, 2, 2, 2, 2, 2], 3),
          f: ff(3, 2),
          r: cell('RAM64M', { WCLK: [1], WE: [3], ADDRA: [2], ADDRB: [2], ADDRC: [2], ADDRD: [2], DIA: [3], DIB: [3], DIC: [3], DID: [3], DOA: [4], DOB: [5], DOC: [6], DOD: [7] },
            { WCLK: 'input', WE: 'input', ADDRA: 'input', ADDRB: 'input', ADDRC: 'input', ADDRD: 'input', DIA: 'input', DIB: 'input', DIC: 'input', DID: 'input', DOA: 'output', DOB: 'output', DOC: 'output', DOD: 'output' }),
          b: cell('RAMB18E2', { CLKARDCLK: [1] }, { CLKARDCLK: 'input' }),
          u: cell('URAM288', { CLK: [1] }, { CLK: 'input' }),
        }),
      },
    };
    const r = resources(flatten(json, 'top'));
    expect(r).toMatchObject({ luts: 5, lutramLuts: 4, ffs: 1, brams: 0.5, urams: 1, dsps: 0 });
  });

  it('a combinational loop is reported, not followed forever', () => {
    const json: YosysJson = { modules: { top: mod({ a: lut('LUT1', [3], 2), b: lut('LUT1', [2], 3) }) } };
    expect(analyze(flatten(json, 'top')).loops).toBeGreaterThan(0);
  });

  it('an unknown primitive is an error that names it', () => {
    const json: YosysJson = { modules: { top: mod({ x: cell('GTYE4_CHANNEL', { I: [2], O: [3] }, { I: 'input', O: 'output' }) }) } };
    expect(() => analyze(flatten(json, 'top'))).toThrow(/GTYE4_CHANNEL/);
  });
});
