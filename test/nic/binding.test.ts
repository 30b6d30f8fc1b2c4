// The NIC <-> host boundary through the Verilator binding: build, instances, CSRs, the register map's
// self-description, the log port, waveforms, and bulk frame transfer with backpressure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { libraryPath, ROOT, buildHash } from '../../native/build.js';
import { defaultVariant, SimNic } from '../../native/binding.js';
import { VerilatedNic } from '../../ctrl/nic/verilated.js';
import {
  COUNTERS, CSR_BLOCKS, CSR_RESET, Csr, DropReason, ETHERTYPE, HostReason, MsgType, WIRE_VERSION,
  decodeHeader, encodeFrame,
} from '../../ctrl/wire/wire.gen.js';

const BUILD_TIMEOUT = 600_000;

interface SpecReg { name: string; offset: number; access: string; reset?: number; doc: string }
interface SpecBlock { name: string; regs: SpecReg[] }
const spec = parse(readFileSync(join(ROOT, 'spec/wire.yaml'), 'utf8')) as { csr_blocks: SpecBlock[] };

/** The writable bits of a register, from the "[hi:lo]" fields its doc names (32 bits when none). */
function fieldMask(doc: string): number {
  let mask = 0;
  for (const m of doc.matchAll(/\[(\d+)(?::(\d+))?\]/g)) {
    const hi = Number(m[1]);
    const lo = m[2] === undefined ? hi : Number(m[2]);
    for (let b = lo; b <= hi; b++) mask |= 1 << b;
  }
  return mask === 0 ? 0xffff_ffff : mask >>> 0;
}

const raftRw = spec.csr_blocks.find((b) => b.name === 'raft')!.regs.filter((r) => r.access === 'rw');

function req(seq: number, payloadLen = 16): Uint8Array {
  const payload = new Uint8Array(payloadLen).map((_, i) => (seq * 7 + i) & 0xff);
  return encodeFrame({
    dstMac: 0x024e52000000, srcMac: 0x024e43000001, type: MsgType.REQ, clusterId: 1, flags: 0,
    srcNode: 0xff, dstNode: 0, term: 0, logIndex: 0, commitIndex: 0, clientId: 1, seq,
  }, payload);
}

let tmp: string;
let a: VerilatedNic;
let b: VerilatedNic;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nicraft-binding-'));
  libraryPath(defaultVariant());
  a = new VerilatedNic({ seed: 1 });
  b = new VerilatedNic({ seed: 2 });
}, BUILD_TIMEOUT);

afterAll(() => {
  a?.close();
  b?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('build', () => {
  it('caches by content: the same variant maps to the same library', () => {
    const p1 = libraryPath(defaultVariant());
    const p2 = libraryPath(defaultVariant());
    expect(p1).toBe(p2);
    expect(p1).toMatch(/build\/sim-[0-9a-f]{16}\/libnicraft_sim\.so$/);
    expect(existsSync(p1)).toBe(true);
    expect(buildHash({ params: { PLANES: 2 } })).not.toBe(buildHash({}));
  });
});

describe('instances', () => {
  it('are independent: own registers, own clock', () => {
    a.reset();
    b.reset();
    a.writeCsr(Csr.RAFT_NODE_ID, 3);
    b.writeCsr(Csr.RAFT_NODE_ID, 5);
    expect(a.readCsr(Csr.RAFT_NODE_ID)).toBe(3);
    expect(b.readCsr(Csr.RAFT_NODE_ID)).toBe(5);
    const cb = b.cycle;
    a.step(1000);
    expect(b.cycle).toBe(cb);
    expect(a.readCsr(Csr.RAFT_NODE_ID)).toBe(3);
  });

  it('count cycles in step() and in the NIC cycle register', () => {
    a.reset();
    const c0 = a.cycle;
    a.step(12345);
    expect(a.cycle).toBe(c0 + 12345);
    const [lo, hi] = a.readCsrs([Csr.IDENT_CYCLE_LO, Csr.IDENT_CYCLE_HI]);
    const nicCycles = hi! * 2 ** 32 + lo!;
    expect(nicCycles).toBeGreaterThanOrEqual(12345);
    expect(nicCycles).toBeLessThan(12345 + 50);
  });
});

describe('CSRs', () => {
  it('every rw register of the raft block resets to its spec value', () => {
    a.reset();
    const names = Object.keys(CSR_RESET);
    expect(names.length).toBeGreaterThan(10);
    const addrs = names.map((n) => (Csr as Record<string, number>)[n]!);
    const got = a.readCsrs(addrs);
    const want = names.map((n) => CSR_RESET[n]!);
    expect(Object.fromEntries(names.map((n, i) => [n, got[i]]))).toEqual(Object.fromEntries(names.map((n, i) => [n, want[i]])));
  });

  it.each(raftRw.map((r) => [r.name, r] as const))('%s reads back what was written', (_name, r) => {
    a.reset();
    const addr = (Csr as Record<string, number>)[`RAFT_${r.name}`]!;
    expect(addr).toBeDefined();
    // MATCH_INDEX of this node shows LAST_INDEX: select another node first.
    if (r.name === 'MATCH_INDEX') a.writeCsr(Csr.RAFT_MATCH_SEL, 1);
    const mask = fieldMask(r.doc);
    for (const pattern of [0x5a5a_5a5a, 0xa5a5_a5a5, 0x0000_0001]) {
      let v = (pattern & mask) >>> 0;
      if (v === (CSR_RESET[`RAFT_${r.name}`] ?? -1)) v = (v ^ 1) & mask;
      a.writeCsr(addr, v);
      expect(a.readCsr(addr) >>> 0, `RAFT_${r.name} <- 0x${v.toString(16)}`).toBe(v);
    }
  });

  it('the register map describes itself: TYPE/VERSION/NEXT chain over every block', () => {
    const seen: Array<{ base: number; type: number; version: number }> = [];
    let base = 0;
    for (let i = 0; i < 16; i++) {
      const [type, version, next] = a.readCsrs([base, base + 4, base + 8]);
      seen.push({ base, type: type!, version: version! });
      if (next === 0) break;
      expect(next!, 'NEXT must move forward').toBeGreaterThan(base);
      base = next!;
    }
    expect(seen).toEqual(CSR_BLOCKS.map((bl) => ({ base: bl.base, type: bl.type, version: bl.version })));
  });

  it('ident block reports the build parameters and wire version', () => {
    const [p0, p1, wv] = a.readCsrs([Csr.IDENT_PARAMS0, Csr.IDENT_PARAMS1, Csr.IDENT_WIRE_VERSION]);
    expect((p0! >>> 8) & 0xff).toBe(a.planes);
    expect(p1! >>> 16).toBe(a.sim.dataBytes * 8);
    expect(wv! & 0xff).toBe(WIRE_VERSION);
    expect(wv! >>> 16).toBe(ETHERTYPE);
  });

  it('counters read as 64-bit values and clear', () => {
    a.reset();
    const c = a.readCounters();
    expect(Object.keys(c)).toEqual([...COUNTERS]);
    for (const n of COUNTERS) expect(typeof c[n]).toBe('bigint');
  });
});

describe('log port', () => {
  it('round-trips entries of one and several beats', () => {
    a.reset();
    const frames = [req(1, 0), req(2, 20), req(3, 100), req(4, 256)];
    frames.forEach((f, i) => a.logWrite(10 + i, f));
    frames.forEach((f, i) => expect(a.logRead(10 + i)).toEqual(f));
  });

  it('pipelines requests through the command FIFO (split-phase tags)', () => {
    const sim = a.sim;
    const f1 = req(7, 120);
    const f2 = req(8, 3);
    const w1 = sim.logWriteRequest(33, f1);
    const w2 = sim.logWriteRequest(34, f2);
    const r1 = sim.logReadRequest(33);
    const r2 = sim.logReadRequest(34);
    const c = sim.csrReadRequest(Csr.RAFT_TYPE);
    expect(sim.result(r1)).toBeUndefined();
    let guard = 0;
    while (sim.commandsPending > 0 && guard++ < 1000) sim.step(1);
    expect(sim.result(w1)).toBe(0);
    expect(sim.result(w2)).toBe(0);
    expect(sim.logResult(r1)).toEqual(f1);
    expect(sim.logResult(r2)).toEqual(f2);
    expect(sim.result(c)).toBe(CSR_BLOCKS[1].type);
  });
});

describe('waveforms', () => {
  it('writes an FST file when asked, none otherwise', () => {
    const path = join(tmp, 'a.fst');
    const other = join(tmp, 'b.fst');
    a.sim.traceOpen(path);
    a.step(200);
    a.readCsr(Csr.RAFT_TERM);
    a.sim.traceClose();
    b.step(200);
    expect(existsSync(path)).toBe(true);
    expect(statSync(path).size).toBeGreaterThan(100);
    expect(readFileSync(path).subarray(0, 1)[0]).toBe(0); // FST block type 0: header
    expect(existsSync(other)).toBe(false);
    // stepping after close does not touch the file
    const size = statSync(path).size;
    a.step(100);
    expect(statSync(path).size).toBe(size);
  });
});

describe('frames in bulk', () => {
  it('punts REQs to the host unchanged (not leader) and drops garbage, with counters', () => {
    a.reset();
    a.clearCounters();
    const n = 200;
    const good = Array.from({ length: n }, (_, i) => req(i, i % 200));
    const bad = good.slice(0, 10).map((f) => { const g = f.slice(); g[12] = 0x08; g[13] = 0x00; return g; });
    a.pushRx(0, [...good, ...bad]);
    a.step(5000);
    const host = a.pollHost();
    expect(host.length).toBe(n);
    host.forEach((h, i) => {
      expect(h.reason).toBe(HostReason.NOT_LEADER);
      expect(h.frame).toEqual(good[i]);
    });
    for (let i = 1; i < host.length; i++) expect(host[i]!.cycle).toBeGreaterThan(host[i - 1]!.cycle);
    const c = a.readCounters();
    expect(c.RX_FRAMES).toBe(BigInt(n + bad.length));
    expect(c.PUNTED).toBe(BigInt(n));
    expect(c.DROP_BAD_ETHERTYPE).toBe(BigInt(bad.length));
    expect(c.DROPPED).toBe(BigInt(bad.length));
    expect(DropReason.BAD_ETHERTYPE).toBeGreaterThan(0);
    const st = a.sim.stats();
    expect(st.ports[0]!.inFrames).toBeGreaterThanOrEqual(n + bad.length);
    expect(st.ports[a.planes]!.outFrames).toBeGreaterThanOrEqual(n);
  });

  it('survives random backpressure and valid gaps: nothing lost by the shim, order kept', () => {
    b.reset();
    b.clearCounters();
    const sim = b.sim;
    sim.setReadyProbability(sim.hostPort, 0.5);
    sim.setGapProbability(0, 0.5);
    const frames = Array.from({ length: 100 }, (_, i) => req(1000 + i, (i * 37) % 257));
    b.pushRx(0, frames);
    b.step(20_000);
    const host = b.pollHost();
    const c = b.readCounters();
    // every frame was offered, and is either on the host queue or counted as dropped for lack of room
    expect(sim.stats().ports[0]!.inFrames).toBe(100);
    expect(c.RX_FRAMES).toBe(100n);
    expect(BigInt(host.length) + c.DROP_PUNT_FULL).toBe(100n);
    expect(host.length).toBeGreaterThan(50);
    const bySeq = new Map(frames.map((f) => [decodeHeader(f).seq, f]));
    const seqs = host.map((h) => decodeHeader(h.frame).seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    for (const h of host) expect(h.frame).toEqual(bySeq.get(decodeHeader(h.frame).seq));
    sim.setReadyProbability(sim.hostPort, 1);
    sim.setGapProbability(0, 0);
  });

  it('backpressure patterns are deterministic per seed', () => {
    const run = (seed: number) => {
      const nic = new VerilatedNic({ seed });
      try {
        nic.sim.setReadyProbability(nic.sim.hostPort, 0.5);
        nic.sim.setGapProbability(0, 0.3);
        nic.pushRx(0, Array.from({ length: 30 }, (_, i) => req(i, 100)));
        nic.step(3000);
        return nic.pollHost().map((h) => h.cycle);
      } finally {
        nic.close();
      }
    };
    const x = run(42);
    expect(run(42)).toEqual(x);
    expect(run(43)).not.toEqual(x);
  });

  it('sends host TX frames on the network, and honours not-before cycles', () => {
    a.reset();
    a.pullTx(0);
    const frames = Array.from({ length: 20 }, (_, i) => req(5000 + i, i * 10));
    a.sendHost(frames);
    a.step(500);
    const tx = a.pullTx(0);
    expect(tx.map((t) => t.frame)).toEqual(frames);
    expect(a.readCounters().HOST_TX_FRAMES).toBe(20n);

    const at = a.cycle + 300;
    a.pushRx(0, [req(1)], at);
    a.step(200);
    expect(a.pollHost()).toEqual([]);
    a.step(300);
    const h = a.pollHost();
    expect(h.length).toBe(1);
    expect(h[0]!.cycle).toBeGreaterThanOrEqual(at);
  });

  it('flags MAC errors through tuser', () => {
    a.reset();
    a.clearCounters();
    a.pushRx(0, [{ frame: req(1), macError: true }, req(2)]);
    a.step(200);
    expect(a.pollHost().length).toBe(1);
    expect(a.readCounters().DROP_MAC_ERROR).toBe(1n);
  });

  it('rejects bad ports and empty frames with clear errors', () => {
    expect(() => a.pushRx(a.planes, [req(1)])).toThrow(/out of range/);
    expect(() => a.sim.push(0, [{ data: new Uint8Array(0) }])).toThrow(/empty frame/);
  });
});

describe('bounded shim queues', () => {
  it('refuses a push beyond 65536 waiting frames and a host command beyond 262144 queued, with a message, taking nothing', () => {
    const s = SimNic.create();
    try {
      s.reset();
      const batch = Array.from({ length: 4096 }, (_, k) => ({ data: req(k) }));
      for (let k = 0; k < 16; k++) s.push(0, batch);
      expect(s.pendingIn(0)).toBe(65536);
      expect(() => s.push(0, [{ data: req(1) }])).toThrow(/SimNic push failed \(FULL\): push: port 0 queue full: 65536 frames waiting, 1 more pushed \(limit 65536\)/);
      expect(s.pendingIn(0)).toBe(65536);
      for (let k = 0; k < 262144; k++) s.csrWrite(Csr.RAFT_TERM, k);
      expect(() => s.csrWrite(Csr.RAFT_TERM, 1)).toThrow(/csrWrite failed \(FULL\): host command queue full: 262144 commands not yet presented \(limit 262144\)/);
      expect(() => s.logReadRequest(1)).toThrow(/logReadRequest failed \(FULL\)/);
      expect(() => s.csrRead(Csr.RAFT_TERM)).toThrow(/FULL/);
    } finally {
      s.destroy();
    }
  });
});

describe('variants', () => {
  it('PLANES=2 builds separately and receives on both planes, transmits on both', () => {
    const nic = new VerilatedNic({ variant: { params: { PLANES: 2 } } });
    try {
      expect(nic.planes).toBe(2);
      expect(nic.sim.libPath).not.toBe(a.sim.libPath);
      expect((nic.readCsr(Csr.IDENT_PARAMS0) >>> 8) & 0xff).toBe(2);
      nic.pushRx(0, [req(1), req(2)]);
      nic.pushRx(1, [req(3), req(4)]);
      nic.step(500);
      expect(nic.pollHost().map((h) => decodeHeader(h.frame).seq).sort()).toEqual([1, 2, 3, 4]);
      nic.sendHost(req(9));
      nic.step(100);
      expect(nic.pullTx(0).length).toBe(1);
      expect(nic.pullTx(1).length).toBe(1);
    } finally {
      nic.close();
    }
  }, BUILD_TIMEOUT);
});

describe('SimNic lifecycle', () => {
  it('throws after destroy', () => {
    const s = SimNic.create();
    s.reset();
    s.destroy();
    expect(() => s.step(1)).toThrow(/after destroy/);
    s.destroy();
  });
});
