// Path depth and delay estimate over a Yosys JSON netlist (`write_json` after `synth_xilinx`).
//
// The netlist is hierarchical (one module per parameter set); `flatten()` instantiates a module and
// everything below it into one flat list of primitive cells, and `analyze()` finds the longest
// register-to-register path twice: in logic levels and in estimated nanoseconds (the two maxima may
// be different paths). docs/synthesis.md describes the method and its limits.
//
// Logic levels count LUT and MUXF cells (and LUTRAM/SRL reads, which are LUTs); a carry chain
// (CARRY4/CARRY8 cells linked CO -> CI) counts once however long it is: entering a carry cell costs one
// level, except through CI from another carry cell's CO. Start points: flip-flop Q, block/ultra
// RAM and DSP outputs, LUTRAM/SRL storage, and the analysed module's input ports (taken as driven by
// a register of the parent). End points: the data, enable and reset pins of those elements and the
// module's output ports (taken as a register's D). Clock pins are not timing paths.
import { DELAY_MODEL, type DelayModel } from './delay.js';

export type Bit = number | '0' | '1' | 'x' | 'z';
export type Dir = 'input' | 'output' | 'inout';

export interface YosysCell {
  type: string;
  hide_name?: number;
  parameters?: Record<string, string>;
  attributes?: Record<string, string>;
  port_directions?: Record<string, Dir>;
  connections: Record<string, Bit[]>;
}

export interface YosysModule {
  attributes?: Record<string, string>;
  /** a derived module's parameters (binary strings for numbers) */
  parameter_default_values?: Record<string, string>;
  ports: Record<string, { direction: Dir; bits: Bit[] }>;
  cells: Record<string, YosysCell>;
  netnames?: Record<string, { hide_name?: number; bits: Bit[]; attributes?: Record<string, string> }>;
}

export interface YosysJson {
  creator?: string;
  modules: Record<string, YosysModule>;
}

/** A primitive cell of the flat netlist. Nets are numbers >= 0; constants and undriven bits are -1. */
export interface FlatCell {
  path: string;
  type: string;
  src: string;
  params: Record<string, string>;
  inputs: Record<string, number[]>;
  outputs: Record<string, number[]>;
}

export interface FlatNetlist {
  top: string;
  cells: FlatCell[];
  inputs: Record<string, number[]>;
  outputs: Record<string, number[]>;
  nets: number;
}

/** The module's own name without Yosys's parameter decoration ($paramod$<hash>\name or $paramod\name\P=v). */
export function baseName(mod: string): string {
  const m = /^\$paramod(?:\$[0-9a-f]+)?\\([^\\]+)/.exec(mod);
  return m ? m[1]! : mod.replace(/^\\/, '');
}

/** Instantiates `top` and every module below it into primitive cells. */
export function flatten(json: YosysJson, top: string): FlatNetlist {
  const mods = json.modules;
  if (!mods[top]) throw new Error(`flatten: no module ${top} in the netlist`);
  const cells: FlatCell[] = [];
  let nets = 0;
  const fresh = () => nets++;

  const walk = (modName: string, path: string, portMap: Map<number, number>) => {
    const mod = mods[modName]!;
    const local = new Map(portMap);
    const net = (b: Bit): number => {
      if (typeof b !== 'number') return -1;
      let g = local.get(b);
      if (g === undefined) { g = fresh(); local.set(b, g); }
      return g;
    };
    for (const [name, c] of Object.entries(mod.cells)) {
      const cpath = path ? `${path}/${name}` : name;
      const sub = mods[c.type];
      if (sub && !isLibrary(sub)) {
        const pm = new Map<number, number>();
        for (const [pname, p] of Object.entries(sub.ports)) {
          const conn = c.connections[pname] ?? [];
          p.bits.forEach((b, i) => {
            if (typeof b !== 'number') return;
            const outer = conn[i];
            // an unconnected or constant-driven port bit gets a net of its own (undriven = constant)
            pm.set(b, outer === undefined ? fresh() : net(outer));
          });
        }
        walk(c.type, cpath, pm);
        continue;
      }
      const inputs: Record<string, number[]> = {};
      const outputs: Record<string, number[]> = {};
      for (const [pin, bits] of Object.entries(c.connections)) {
        const dir = c.port_directions?.[pin] ?? guessDir(c.type, pin);
        (dir === 'output' ? outputs : inputs)[pin] = bits.map(net);
      }
      cells.push({ path: cpath, type: c.type, src: c.attributes?.src ?? '', params: c.parameters ?? {}, inputs, outputs });
    }
  };

  const tm = mods[top]!;
  const topMap = new Map<number, number>();
  const inputs: Record<string, number[]> = {};
  const outputs: Record<string, number[]> = {};
  for (const [pname, p] of Object.entries(tm.ports)) {
    const ids = p.bits.map((b) => {
      if (typeof b !== 'number') return -1;
      let g = topMap.get(b);
      if (g === undefined) { g = fresh(); topMap.set(b, g); }
      return g;
    });
    (p.direction === 'input' ? inputs : outputs)[pname] = ids;
  }
  walk(top, '', topMap);
  return { top, cells, inputs, outputs, nets };
}

/** A cell library definition (blackbox, whitebox, techmap helper), not a design module. */
export function isLibrary(m: YosysModule): boolean {
  const a = m.attributes ?? {};
  return ['blackbox', 'whitebox', 'lib_whitebox', 'abc9_box'].some((k) => a[k] !== undefined && /1$/.test(a[k]!));
}

/** The design's modules (no library cells). */
export function designModules(json: YosysJson): string[] {
  return Object.keys(json.modules).filter((m) => !isLibrary(json.modules[m]!));
}

/**
 * Replaces the blackbox definition `box` of `json` by `impl.modules[implTop]`, a module synthesized
 * in a Yosys run of its own (make synth synthesizes nicraft_auth_mac once per parameter set and the
 * NIC's runs keep it as a blackbox): the module goes in under the box's name, the name the cells of
 * the NIC reference, so that flatten() sees the same hierarchy as a run that synthesized it in place.
 * The ports must be the same (names, directions, widths). The module's own submodules and library
 * cells are copied too when the NIC's netlist does not have them. Modifies `json`.
 */
export function spliceModule(json: YosysJson, box: string, impl: YosysJson, implTop: string): void {
  const b = json.modules[box];
  const m = impl.modules[implTop];
  if (!b) throw new Error(`splice: no module ${box} in the netlist`);
  if (!m) throw new Error(`splice: no module ${implTop} in the separately synthesized netlist`);
  if (!isLibrary(b)) throw new Error(`splice: ${box} is not a blackbox in the netlist`);
  if (isLibrary(m)) throw new Error(`splice: ${implTop} is a blackbox in the separately synthesized netlist`);
  const sig = (mod: YosysModule) => Object.entries(mod.ports).map(([n, p]) => `${n}:${p.direction}:${p.bits.length}`).sort();
  const want = sig(b);
  const got = sig(m);
  const missing = want.filter((x) => !got.includes(x));
  const extra = got.filter((x) => !want.includes(x));
  if (missing.length || extra.length) {
    throw new Error(`splice: the ports of ${implTop} differ from the blackbox ${box}'s (blackbox only: ${missing.join(' ') || '-'}; synthesized only: ${extra.join(' ') || '-'})`);
  }
  // the separate run's top attribute would make it look like the netlist's top
  const { top: _top, ...attributes } = m.attributes ?? {};
  json.modules[box] = { ...m, attributes };
  const used = new Set<string>();
  const walk = (name: string) => {
    for (const c of Object.values(impl.modules[name]!.cells)) {
      if (!impl.modules[c.type] || used.has(c.type)) continue;
      used.add(c.type);
      walk(c.type);
    }
  };
  walk(implTop);
  for (const name of used) {
    if (json.modules[name] === undefined) json.modules[name] = impl.modules[name]!;
  }
}

function guessDir(type: string, pin: string): Dir {
  if (/^(O|Q|CO|DO.*|SPO|DPO|Q31|P|PCOUT|CARRYOUT.*)$/.test(pin)) return 'output';
  if (type.startsWith('RAMB') && /^(DOUT|CASDOUT|CASOUT|ECCPARITY|RDADDRECC|SBITERR|DBITERR)/.test(pin)) return 'output';
  return 'input';
}

// ---------------------------------------------------------------------------------------------
// Cell classes

export type CellClass = 'lut' | 'muxf' | 'carry' | 'ff' | 'bram' | 'uram' | 'dsp' | 'lutram' | 'srl' | 'const' | 'buf' | 'other';

export function cellClass(type: string): CellClass {
  if (/^LUT[1-6]$/.test(type) || type === 'INV') return 'lut';
  if (/^MUXF[789]$/.test(type)) return 'muxf';
  if (/^CARRY[48]$/.test(type)) return 'carry';
  if (/^FD[RSCP]E(_1)?$/.test(type) || /^LD[CP]E$/.test(type)) return 'ff';
  if (/^RAMB(18|36)/.test(type)) return 'bram';
  if (/^URAM288/.test(type)) return 'uram';
  if (/^DSP48/.test(type)) return 'dsp';
  if (/^RAM(32|64|128|256|512)(X1[SD]|M|M16|M8)/.test(type)) return 'lutram';
  if (/^SRL(16E|C32E)$/.test(type)) return 'srl';
  if (type === 'GND' || type === 'VCC') return 'const';
  if (/^(BUFG|BUFGCE|IBUF|OBUF|BUF)$/.test(type)) return 'buf';
  return 'other';
}

/** LUTs a cell takes (a LUTRAM primitive occupies several LUT sites). */
export function lutCost(c: FlatCell): number {
  const k = cellClass(c.type);
  if (k === 'lut') return 1;
  if (k === 'srl') return 1;
  if (k === 'lutram') {
    if (/M16$|M8$/.test(c.type)) return 8;
    if (/M$/.test(c.type)) return 4;
    const m = /^RAM(\d+)X1([SD])/.exec(c.type);
    if (m) {
      const depth = Number(m[1]);
      const per = Math.max(1, depth / 64);
      return m[2] === 'D' ? 2 * per : per;
    }
    return 4;
  }
  return 0;
}

const CLOCK_PIN = /^(C|CLK|WCLK|CLKARDCLK|CLKBWRCLK|CLKA|CLKB)$/;

// ---------------------------------------------------------------------------------------------
// Resources

export interface Resources {
  luts: number;
  lutramLuts: number;
  ffs: number;
  carry: number;
  muxf: number;
  /** RAMB36 equivalents (a RAMB18 is one half). */
  brams: number;
  urams: number;
  dsps: number;
}

export function resources(n: FlatNetlist): Resources {
  const r: Resources = { luts: 0, lutramLuts: 0, ffs: 0, carry: 0, muxf: 0, brams: 0, urams: 0, dsps: 0 };
  for (const c of n.cells) {
    const k = cellClass(c.type);
    r.luts += lutCost(c);
    if (k === 'lutram') r.lutramLuts += lutCost(c);
    if (k === 'ff') r.ffs++;
    if (k === 'carry') r.carry++;
    if (k === 'muxf') r.muxf++;
    if (k === 'bram') r.brams += /^RAMB18/.test(c.type) ? 0.5 : 1;
    if (k === 'uram') r.urams++;
    if (k === 'dsp') r.dsps++;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Timing

export interface PathStep {
  cell: string;
  type: string;
  src: string;
  /** arrival time at the cell's output (ns; for the end point: the required time with setup) */
  atNs?: number;
  /** fanout of the net the cell drives on this path */
  fanout?: number;
}

export interface PathResult {
  levels: number;
  ns: number;
  /** Start point, the cells in between, end point. */
  steps: PathStep[];
}

export interface Timing {
  /** The deepest path in logic levels (its delay estimate alongside). */
  deepest: PathResult;
  /** The slowest path by the delay model (its level count alongside). */
  slowest: PathResult;
  /** Combinational loops found (cells on them are cut); 0 in a synchronous design. */
  loops: number;
  /**
   * With a budget: every end point reached by a path over it (levels or delay), with that path's
   * start and end cells (the slowest path's start when the delay is over, else the deepest's).
   */
  over: OverBudgetEnd[];
}

export interface OverBudgetEnd {
  /** start and end cell paths (flat netlist: instance path / cell) */
  from: string;
  to: string;
  /** the end cell's type and the RTL source Yosys recorded for it */
  toType: string;
  toSrc: string;
  levels: number;
  ns: number;
}

interface Arc {
  from: number;     // input net
  delay: number;    // cell delay of the arc (ns)
  levels: number;   // 0 or 1
  dedicated: boolean;  // the input net is a dedicated (in-slice) connection: no routing delay
}

/**
 * Longest paths of a flat netlist. Input ports are start points (a register's clock-to-out), output
 * ports end points (a register's setup).
 */
export function analyze(n: FlatNetlist, model: DelayModel = DELAY_MODEL, budget?: { logicLevels: number; estimatedNs: number }): Timing {
  const N = n.nets;
  // driver of each net: cell index and pin, -2 = input port, -1 = none
  const drvCell = new Int32Array(N).fill(-1);
  const drvPin: string[] = new Array(N);
  const fanout = new Int32Array(N);
  n.cells.forEach((c, ci) => {
    for (const [pin, bits] of Object.entries(c.outputs)) {
      for (const b of bits) if (b >= 0) { drvCell[b] = ci; drvPin[b] = pin; }
    }
    for (const [pin, bits] of Object.entries(c.inputs)) {
      if (CLOCK_PIN.test(pin) && cellClass(c.type) !== 'lut') continue;
      for (const b of bits) if (b >= 0) fanout[b]++;
    }
  });
  for (const bits of Object.values(n.outputs)) for (const b of bits) if (b >= 0) fanout[b]++;
  const isPortIn = new Uint8Array(N);
  for (const bits of Object.values(n.inputs)) for (const b of bits) if (b >= 0) isPortIn[b] = 1;

  const klass = n.cells.map((c) => cellClass(c.type));
  const isCarryOut = (net: number) => {
    const d = drvCell[net]!;
    return d >= 0 && klass[d] === 'carry' && /^CO/.test(drvPin[net]!);
  };
  const isDedicated = (net: number, sinkType: string, sinkPin: string): boolean => {
    const d = drvCell[net]!;
    if (d < 0) return false;
    const dk = klass[d]!;
    if (/^MUXF/.test(sinkType) && (dk === 'lut' || dk === 'muxf') && /^I[01]$/.test(sinkPin)) return true;
    if (cellClass(sinkType) === 'carry' && sinkPin === 'CI' && isCarryOut(net)) return true;
    return false;
  };
  const netDelay = (net: number) => model.netNs(fanout[net]!);

  // arcs into each combinational output net
  const arcs: Arc[][] = new Array(N);
  const startDelay = new Float64Array(N).fill(NaN);   // clock-to-out of a start point's net
  const startKind: string[] = new Array(N);
  interface End { net: number; setup: number; cell: number; pin: string }
  const ends: End[] = [];

  n.cells.forEach((c, ci) => {
    const k = klass[ci]!;
    const ins = Object.entries(c.inputs);
    const outs = Object.values(c.outputs).flat().filter((b) => b >= 0);
    const addArcs = (pins: Array<[string, number[]]>, delay: (pin: string) => number, levels: (pin: string, net: number) => number) => {
      for (const o of outs) {
        const list = arcs[o] ?? (arcs[o] = []);
        for (const [pin, bits] of pins) {
          for (const b of bits) {
            if (b < 0) continue;
            list.push({ from: b, delay: delay(pin), levels: levels(pin, b), dedicated: isDedicated(b, c.type, pin) });
          }
        }
      }
    };
    switch (k) {
      case 'lut':
        addArcs(ins, () => model.lutNs, () => 1);
        break;
      case 'muxf':
        addArcs(ins, (p) => (p === 'S' ? model.muxfSelNs : model.muxfNs), () => 1);
        break;
      case 'carry':
        // CO/O from CI of a carry cell: the chain continues (no level); from anything else: enters
        addArcs(ins, (p) => (p === 'CI' ? model.carryPropNs : model.carryEntryNs),
          (p, b) => (p === 'CI' && isCarryOut(b) ? 0 : 1));
        break;
      case 'buf':
        addArcs(ins.filter(([p]) => !CLOCK_PIN.test(p)), () => 0, () => 0);
        break;
      case 'const':
        break;
      case 'ff':
        for (const o of outs) { startDelay[o] = model.ffClkToQNs; startKind[o] = c.type; }
        for (const [pin, bits] of ins) {
          if (CLOCK_PIN.test(pin)) continue;
          for (const b of bits) if (b >= 0) ends.push({ net: b, setup: model.ffSetupNs, cell: ci, pin });
        }
        break;
      case 'bram':
      case 'uram':
      case 'dsp': {
        const clk2q = k === 'bram' ? (bramOutReg(c) ? model.bramClkToQRegNs : model.bramClkToQNs)
          : k === 'uram' ? model.uramClkToQNs : model.dspClkToQNs;
        const setup = k === 'bram' ? model.bramSetupNs : k === 'uram' ? model.uramSetupNs : model.dspSetupNs;
        for (const o of outs) { startDelay[o] = clk2q; startKind[o] = c.type; }
        for (const [pin, bits] of ins) {
          if (CLOCK_PIN.test(pin)) continue;
          for (const b of bits) if (b >= 0) ends.push({ net: b, setup, cell: ci, pin });
        }
        break;
      }
      case 'lutram':
      case 'srl': {
        // storage -> output is a start point; the read address -> output is a LUT level
        for (const o of outs) { startDelay[o] = model.lutramClkToOutNs; startKind[o] = c.type; }
        const readAddr = ins.filter(([p]) => /^(A\d*|ADDR[A-H]?|DPRA\d*|A)$/.test(p));
        addArcs(readAddr, () => model.lutNs, () => 1);
        // read-only address pins: DPRA (X1D), ADDRA..C (M: ADDRD writes), ADDRA..G (M16/M8: ADDRH writes)
        const readOnly = /M$/.test(c.type) ? /^ADDR[A-C]$/ : /M(16|8)$/.test(c.type) ? /^ADDR[A-G]$/ : /^DPRA\d*$/;
        for (const [pin, bits] of ins) {
          if (CLOCK_PIN.test(pin) || readOnly.test(pin)) continue;
          for (const b of bits) if (b >= 0) ends.push({ net: b, setup: model.lutramSetupNs, cell: ci, pin });
        }
        break;
      }
      default:
        throw new Error(`analyze: no timing model for cell type ${c.type} (${c.path})`);
    }
  });
  for (let b = 0; b < N; b++) if (isPortIn[b]) { startDelay[b] = model.ffClkToQNs; startKind[b] = 'input port'; }
  for (const [pname, bits] of Object.entries(n.outputs)) {
    for (const b of bits) if (b >= 0) ends.push({ net: b, setup: model.ffSetupNs, cell: -1, pin: pname });
  }

  // longest paths over nets in topological order (iterative DFS; a net on a loop is cut)
  const lvl = new Float64Array(N).fill(-Infinity);
  const ns = new Float64Array(N).fill(-Infinity);
  const predL = new Int32Array(N).fill(-1);
  const predD = new Int32Array(N).fill(-1);
  const state = new Uint8Array(N);  // 0 new, 1 on stack, 2 done
  let loops = 0;
  const solve = (root: number) => {
    const stack: Array<[number, number]> = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [net, i] = top;
      const list = Number.isNaN(startDelay[net]!) ? arcs[net] : undefined;
      if (list && i < list.length) {
        top[1]++;
        const from = list[i]!.from;
        if (state[from] === 0) { state[from] = 1; stack.push([from, 0]); }
        else if (state[from] === 1) loops++;
        continue;
      }
      stack.pop();
      state[net] = 2;
      if (!Number.isNaN(startDelay[net]!)) { lvl[net] = 0; ns[net] = startDelay[net]!; continue; }
      if (!list) continue;  // undriven or constant: no path starts here
      for (const a of list) {
        if (state[a.from] !== 2 || ns[a.from] === -Infinity) continue;
        const l = lvl[a.from]! + a.levels;
        const d = ns[a.from]! + (a.dedicated ? 0 : netDelay(a.from)) + a.delay;
        if (l > lvl[net]!) { lvl[net] = l; predL[net] = a.from; }
        if (d > ns[net]!) { ns[net] = d; predD[net] = a.from; }
      }
    }
  };
  for (let b = 0; b < N; b++) if (state[b] === 0) solve(b);

  const describe = (endNet: number, end: End, pred: Int32Array): PathStep[] => {
    const steps: PathStep[] = [];
    const endCell = end.cell >= 0 ? n.cells[end.cell]! : undefined;
    steps.push(endCell ? { cell: `${endCell.path}.${end.pin}`, type: endCell.type, src: endCell.src }
      : { cell: end.pin, type: 'output port', src: '' });
    let net = endNet;
    for (let guard = 0; net >= 0 && guard < 100000; guard++) {
      const d = drvCell[net]!;
      const at = Math.round(ns[net]! * 1000) / 1000;
      if (d >= 0) {
        const c = n.cells[d]!;
        steps.push({ cell: c.path, type: c.type, src: c.src, atNs: at, fanout: fanout[net]! });
      } else {
        const port = Object.entries(n.inputs).find(([, bits]) => bits.includes(net));
        steps.push({ cell: port ? port[0] : `net ${net}`, type: 'input port', src: '', atNs: at, fanout: fanout[net]! });
      }
      if (!Number.isNaN(startDelay[net]!)) break;
      net = pred[net]!;
    }
    return steps.reverse();
  };

  let best: { l: number; d: number; end: End } | undefined;
  let slow: { l: number; d: number; end: End } | undefined;
  for (const e of ends) {
    if (ns[e.net] === -Infinity) continue;
    const l = lvl[e.net]!;
    const d = ns[e.net]! + netDelay(e.net) + e.setup;
    if (!best || l > best.l || (l === best.l && d > best.d)) best = { l, d, end: e };
    if (!slow || d > slow.d) slow = { l, d, end: e };
  }
  const none: PathResult = { levels: 0, ns: 0, steps: [] };
  // the level count and the delay of the deepest path: follow its level predecessors and sum delays
  const pathDelay = (endNet: number, end: End): number => {
    const chain: number[] = [];
    let net = endNet;
    for (let guard = 0; net >= 0 && guard < 100000; guard++) {
      chain.push(net);
      if (!Number.isNaN(startDelay[net]!)) break;
      net = predL[net]!;
    }
    chain.reverse();
    let d = startDelay[chain[0]!]!;
    for (let i = 1; i < chain.length; i++) {
      const a = arcs[chain[i]!]!.find((x) => x.from === chain[i - 1])!;
      d += (a.dedicated ? 0 : netDelay(a.from)) + a.delay;
    }
    return d + netDelay(endNet) + end.setup;
  };
  const round = (x: number) => Math.round(x * 1000) / 1000;
  // the end points over the budget, each with its path's start (one walk back per end point)
  const cellAt = (net: number) => { const d = drvCell[net]!; return d >= 0 ? n.cells[d]!.path : (Object.entries(n.inputs).find(([, bits]) => bits.includes(net))?.[0] ?? `net ${net}`); };
  const over: OverBudgetEnd[] = [];
  if (budget) {
    for (const e of ends) {
      if (ns[e.net] === -Infinity) continue;
      const l = lvl[e.net]!;
      const d = ns[e.net]! + netDelay(e.net) + e.setup;
      if (l <= budget.logicLevels && d <= budget.estimatedNs) continue;
      const pred = d > budget.estimatedNs ? predD : predL;
      let net = e.net;
      for (let guard = 0; guard < 100000 && Number.isNaN(startDelay[net]!) && pred[net]! >= 0; guard++) net = pred[net]!;
      const ec = e.cell >= 0 ? n.cells[e.cell]! : undefined;
      over.push({ from: cellAt(net), to: ec ? `${ec.path}.${e.pin}` : e.pin, toType: ec ? ec.type : 'output port', toSrc: ec?.src ?? '', levels: l, ns: round(d) });
    }
  }
  return {
    deepest: best ? { levels: best.l, ns: round(pathDelay(best.end.net, best.end)), steps: describe(best.end.net, best.end, predL) } : none,
    slowest: slow ? { levels: slow.l, ns: round(slow.d), steps: describe(slow.end.net, slow.end, predD) } : none,
    loops,
    over,
  };
}

function bramOutReg(c: FlatCell): boolean {
  const p = c.params;
  const on = (k: string) => p[k] !== undefined && /^0*1$/.test(p[k]!.replace(/^.*'/, '')) || p[k] === '1';
  return on('DOA_REG') || on('DOB_REG');
}
