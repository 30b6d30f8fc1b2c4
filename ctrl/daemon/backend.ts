// NIC backends of the daemon, behind the `Nic` interface (ctrl/nic/nic.ts), chosen by the
// config's `nic.backend`. A backend for a real card implements the same interface (what each
// method must do on hardware: docs/deploying.md, "A backend for a real card").
import type { CounterName } from '../nic/wire.gen.js';
import { Csr } from '../nic/wire.gen.js';
import type { HostFrame, Nic, RxFrame, TxFrame } from '../nic/nic.js';
import type { Backend } from './config.js';

export interface GuardStats {
  /** writes of COMMIT_INDEX / APPLIED_INDEX that found a delivery in progress and waited for it */
  deliveryWaits: number;
  /** cycles stepped while waiting */
  deliveryWaitCycles: number;
  /** waits that gave up (the delivery did not finish within the bound) */
  deliveryWaitTimeouts: number;
}

/**
 * The driver's guard against a NIC erratum (RTL and ModelNic alike, see docs/deploying.md):
 * writing APPLIED_INDEX resets the delivery engine's beat counter, so a write while a multi-beat
 * committed entry is half way out to the host RX queue leaves a partial frame in the delivery
 * FIFO: the host RX arbiter stays locked on it (every later punt is dropped as PUNT_FULL, the host
 * hears nothing more) or the next delivery is glued to it. The guard lets the NIC finish
 * delivering what it committed (APPLIED_INDEX == COMMIT_INDEX) before such a write goes out; the
 * core writes these registers with the fast path off, so the commit index does not move meanwhile.
 */
export class GuardedNic implements Nic {
  readonly stats: GuardStats = { deliveryWaits: 0, deliveryWaitCycles: 0, deliveryWaitTimeouts: 0 };
  constructor(readonly inner: Nic, private readonly maxWaitCycles = 65_536) {}

  get planes(): number { return this.inner.planes; }
  get cycle(): number { return this.inner.cycle; }
  reset(): void { this.inner.reset(); }
  step(cycles: number): void { this.inner.step(cycles); }
  readCsr(addr: number): number { return this.inner.readCsr(addr); }
  readCsrs(addrs: readonly number[]): number[] { return this.inner.readCsrs(addrs); }
  writeCsr(addr: number, value: number): void {
    if (addr === Csr.RAFT_APPLIED_INDEX || addr === Csr.RAFT_COMMIT_INDEX) this.finishDelivery();
    this.inner.writeCsr(addr, value);
  }
  readCounters(): Record<CounterName, bigint> { return this.inner.readCounters(); }
  clearCounters(): void { this.inner.clearCounters(); }
  sendHost(frames: Uint8Array | readonly Uint8Array[]): void { this.inner.sendHost(frames); }
  pollHost(): HostFrame[] { return this.inner.pollHost(); }
  logRead(index: number): Uint8Array { return this.inner.logRead(index); }
  logWrite(index: number, frame: Uint8Array): void { this.inner.logWrite(index, frame); }
  flush(): void { this.inner.flush(); }
  pushRx(plane: number, frames: ReadonlyArray<Uint8Array | RxFrame>, atCycle?: number): void { this.inner.pushRx(plane, frames, atCycle); }
  pullTx(plane: number): TxFrame[] { return this.inner.pullTx(plane); }
  close(): void { this.inner.close(); }

  private finishDelivery(): void {
    // the reads wait for every posted command before them (FAST_EN=0 included)
    let [applied, commit] = this.inner.readCsrs([Csr.RAFT_APPLIED_INDEX, Csr.RAFT_COMMIT_INDEX]);
    // only a delivery towards the commit index is waited for (APPLIED_INDEX above COMMIT_INDEX is
    // the host's to fix with its next write: stepping then would deliver entries not committed)
    const delivering = (a: number, c: number): boolean => { const d = (c - a) >>> 0; return d !== 0 && d < 0x8000_0000; };
    if (!delivering(applied!, commit!)) return;
    this.stats.deliveryWaits++;
    const c0 = this.inner.cycle;
    while (delivering(applied!, commit!)) {
      if (this.inner.cycle - c0 > this.maxWaitCycles) { this.stats.deliveryWaitTimeouts++; break; }
      this.inner.step(16);
      [applied, commit] = this.inner.readCsrs([Csr.RAFT_APPLIED_INDEX, Csr.RAFT_COMMIT_INDEX]);
    }
    this.stats.deliveryWaitCycles += this.inner.cycle - c0;
  }
}

/** A Nic plus what the real-time driver may ask to know whether the card is quiet. */
export interface DaemonNic {
  /** the NIC as the replica drives it (behind the driver's guard) */
  nic: GuardedNic;
  backend: Backend;
  /** Nothing queued towards the NIC (plane and host RX inputs, host commands); undefined: unknown. */
  inputsDrained(): boolean | undefined;
  /** Simulated backends: the NIC clock only moves when stepped (a card's runs by itself). */
  simulated: boolean;
}

interface Pending {
  pendingIn?(port: number): number;
  readonly commandsPending?: number;
}

function drainedProbe(target: Pending, ports: number): () => boolean | undefined {
  if (typeof target.pendingIn !== 'function') return () => undefined;
  return () => {
    for (let p = 0; p <= ports; p++) if (target.pendingIn!(p) > 0) return false;
    return (target.commandsPending ?? 0) === 0;
  };
}

/** Creates the NIC of a backend with `planes` network planes. */
export async function createNic(backend: Backend, planes: number): Promise<DaemonNic> {
  if (backend === 'model') {
    const { ModelNic } = await import('../nic/model.js');
    const nic = new ModelNic({ params: { PLANES: planes } });
    return { nic: new GuardedNic(nic), backend, simulated: true, inputsDrained: drainedProbe(nic as unknown as Pending, planes) };
  }
  const { VerilatedNic } = await import('../nic/verilated.js');
  // the default variant is the one-plane build; other plane counts are their own (cached) builds
  const nic = new VerilatedNic(planes === 1 ? {} : { variant: { params: { PLANES: planes } } });
  return { nic: new GuardedNic(nic), backend, simulated: true, inputsDrained: drainedProbe(nic.sim as unknown as Pending, planes) };
}

/** Builds (or finds in the cache) the simulation library a verilated node needs, before starting nodes. */
export async function prepareBackend(backend: Backend, planes: number): Promise<string | undefined> {
  if (backend !== 'verilated') return undefined;
  const { build } = await import('../../sim/build.js');
  return build(planes === 1 ? {} : { params: { PLANES: planes } }, { quiet: true });
}
