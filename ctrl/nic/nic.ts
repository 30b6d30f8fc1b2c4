// The NIC as the control plane sees it: what a driver sees of a card. Two implementations must behave
// identically: VerilatedNic (the RTL, ctrl/nic/verilated.ts) and ModelNic (a TypeScript model).
//
// Time is the NIC clock, in cycles. It advances only in step() and in the reads (readCsr,
// readCounters, logRead), which wait for their answer as a driver's non-posted read does.
// Posted operations (writeCsr, clearCounters, logWrite, sendHost, pushRx) are queued and take effect
// in order during later cycles: host commands (CSR and log accesses) at most one per cycle, frames
// one beat per cycle per port. A read waits for every host command queued before it.
import { COUNTER_BASE, COUNTERS, type CounterName } from '../wire/wire.gen.js';

/** The CSR addresses of every counter (spec/wire.yaml counters block): each one's low word, then its high word. */
export const COUNTER_ADDRS: readonly number[] = COUNTERS.flatMap((_n, i) => [COUNTER_BASE + 8 * i, COUNTER_BASE + 8 * i + 4]);

/** The 64-bit counters from the words read at COUNTER_ADDRS (in that order). */
export function countersOf(words: readonly number[]): Record<CounterName, bigint> {
  const out = {} as Record<CounterName, bigint>;
  COUNTERS.forEach((name, i) => { out[name] = (BigInt(words[2 * i + 1]!) << 32n) | BigInt(words[2 * i]!); });
  return out;
}

/** A frame offered to a network plane's RX port. */
export interface RxFrame {
  frame: Uint8Array;
  /** Not offered before this cycle (default: as soon as the frames queued before it are in). */
  atCycle?: number;
  /** The MAC saw a bad FCS (drives tuser; the NIC drops the frame as MAC_ERROR). */
  macError?: boolean;
}

/** A frame the NIC sent on a plane. */
export interface TxFrame {
  frame: Uint8Array;
  /** Cycle of the last beat. */
  cycle: number;
}

/** A frame the NIC handed to the host RX queue. */
export interface HostFrame {
  frame: Uint8Array;
  /** HostReason code (wire.gen.ts): COMMITTED, NOT_LEADER, ... */
  reason: number;
  /** Cycle of the last beat. */
  cycle: number;
}

export interface Nic {
  /** Number of network planes (ports 0..planes-1). */
  readonly planes: number;
  /** Current cycle of the NIC clock. */
  readonly cycle: number;

  /** Resets the card: registers to their reset values, queues and in-flight frames dropped. */
  reset(): void;
  /** Advances the clock by `cycles`. */
  step(cycles: number): void;

  /** Reads a 32-bit register (waits for the answer, a few cycles). */
  readCsr(addr: number): number;
  /** Reads several registers, pipelined (one request per cycle). */
  readCsrs(addrs: readonly number[]): number[];
  /** Writes a 32-bit register (posted). */
  writeCsr(addr: number, value: number): void;
  /** Every counter of the counters block, 64 bits each. */
  readCounters(): Record<CounterName, bigint>;
  /** Clears every counter (posted). */
  clearCounters(): void;

  /** Queues frames on the host TX queue (the NIC sends each on every enabled plane). */
  sendHost(frames: Uint8Array | readonly Uint8Array[]): void;
  /** Takes the frames the NIC put on the host RX queue since the last call. */
  pollHost(): HostFrame[];

  /** Reads log slot `index` (waits): the stored frame, as long as the slot's recorded length. */
  logRead(index: number): Uint8Array;
  /** Writes a frame into log slot `index` (posted). */
  logWrite(index: number, frame: Uint8Array): void;
  /** Runs the clock until every queued host command (CSR and log accesses) is done. */
  flush(): void;

  /** Queues frames on a plane's RX port, in order; `atCycle` applies to frames without their own. */
  pushRx(plane: number, frames: ReadonlyArray<Uint8Array | RxFrame>, atCycle?: number): void;
  /** Takes the frames the NIC sent on a plane since the last call. */
  pullTx(plane: number): TxFrame[];

  /** Releases the NIC (a closed Nic must not be used again). */
  close(): void;
}
