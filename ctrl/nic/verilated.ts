// VerilatedNic: the Nic interface over the RTL, simulated by Verilator through native/binding.ts.
import { SimNic, type SimNicOptions } from '../../native/binding.js';
import { COUNTER_ADDRS, countersOf, type HostFrame, type Nic, type RxFrame, type TxFrame } from './nic.js';
import { Csr, type CounterName } from '../wire/wire.gen.js';

export interface VerilatedNicOptions extends SimNicOptions {
  /** Cycles of reset applied at construction and by reset() (default 16). */
  resetCycles?: number;
}

export class VerilatedNic implements Nic {
  /** The simulation underneath: backpressure, traces, statistics (tests and tools only). */
  readonly sim: SimNic;
  readonly planes: number;
  private readonly resetCycles: number;

  constructor(opts: VerilatedNicOptions = {}) {
    this.sim = SimNic.create(opts);
    this.planes = this.sim.planes;
    this.resetCycles = opts.resetCycles ?? 16;
    this.sim.reset(this.resetCycles);
  }

  get cycle(): number {
    return this.sim.cycle;
  }

  reset(): void {
    this.sim.reset(this.resetCycles);
  }

  step(cycles: number): void {
    this.sim.step(cycles);
  }

  readCsr(addr: number): number {
    return this.sim.csrRead(addr);
  }

  readCsrs(addrs: readonly number[]): number[] {
    return this.sim.csrReadBlock(addrs);
  }

  writeCsr(addr: number, value: number): void {
    this.sim.csrWrite(addr, value);
  }

  readCounters(): Record<CounterName, bigint> {
    return countersOf(this.sim.csrReadBlock(COUNTER_ADDRS));
  }

  clearCounters(): void {
    this.sim.csrWrite(Csr.COUNTERS_CTR_CLEAR, 1);
  }

  sendHost(frames: Uint8Array | readonly Uint8Array[]): void {
    const list = frames instanceof Uint8Array ? [frames] : frames;
    this.sim.push(this.sim.hostPort, list.map((data) => ({ data })));
  }

  pollHost(): HostFrame[] {
    return this.sim.pull(this.sim.hostPort).map((f) => ({ frame: f.data, reason: f.user & 0xff, cycle: f.cycle }));
  }

  logRead(index: number): Uint8Array {
    return this.sim.logRead(index);
  }

  logWrite(index: number, frame: Uint8Array): void {
    this.sim.logWriteRequest(index, frame);
  }

  flush(): void {
    while (this.sim.commandsPending > 0) this.sim.step(1);
  }

  pushRx(plane: number, frames: ReadonlyArray<Uint8Array | RxFrame>, atCycle?: number): void {
    this.checkPlane(plane, 'pushRx');
    this.sim.push(plane, frames.map((f) => {
      const r: RxFrame = f instanceof Uint8Array ? { frame: f } : f;
      return { data: r.frame, user: r.macError ? 1 : 0, cycle: r.atCycle ?? atCycle ?? 0 };
    }));
  }

  pullTx(plane: number): TxFrame[] {
    this.checkPlane(plane, 'pullTx');
    return this.sim.pull(plane).map((f) => ({ frame: f.data, cycle: f.cycle }));
  }

  close(): void {
    this.sim.destroy();
  }

  private checkPlane(plane: number, what: string): void {
    if (!Number.isInteger(plane) || plane < 0 || plane >= this.planes) {
      throw new RangeError(`VerilatedNic.${what}: plane ${plane} out of range 0..${this.planes - 1}`);
    }
  }
}
