// A back-to-back world of NICs in one native object (native/world_b2b.cpp): a leader and its
// followers wired with zero-delay links, a client source that keeps the leader's RX port busy
// every cycle, and exact latency histograms kept in C++. One FFI call runs many cycles.
import koffi from 'koffi';
import { declareApi } from '../native/ffi.js';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { libraryPath, ROOT, type Variant } from '../native/build.js';
import { defaultVariant, SimNic, type SimFrame } from '../native/binding.js';
import { BEAT_BYTES, HDR_BYTES } from '../ctrl/wire/wire.gen.js';

/** The default REQ payload of a B2bWorld: a one-beat frame (64 bytes). */
export const B2B_PAYLOAD_BYTES = BEAT_BYTES - HDR_BYTES;

export interface B2bConfig {
  /** 'leader': a leader NIC and `followers` follower NICs; 'follower': one follower fed one APPEND per cycle. */
  mode: 'leader' | 'follower';
  followers?: number;
  /** Follower ACK coalescing: an ACK once this many entries are unacknowledged ... */
  ackCount?: number;
  /** ... or once the oldest is this many cycles old. */
  ackDelayCycles?: number;
  hbIntervalCycles?: number;
  /** REQ payload (default: the most a one-beat frame holds, 64 - 60 = 4 bytes; a 60-byte header since
   *  frame authentication, docs/auth.md: with 16 bytes, the old default, a REQ takes two beats) */
  payloadBytes?: number;
  /** Requests ask the leader NIC to reply to the client at commit. */
  nicReply?: boolean;
  /** Keep every host RX frame for pullHost() (tests); off for benchmarks. */
  keepHost?: boolean;
  /** Stop offering after this many requests (0: unlimited). */
  maxRequests?: number;
  seed?: number;
  /** Offer a request at most every N cycles (default 1: every cycle the ports are free). */
  offerEveryCycles?: number;
  variant?: Variant;
}

/** Faults of the replica network's links (client links carry none), and fuzzing. */
export interface B2bFaults {
  /** Per plane: probability that a frame is lost (each direction, each copy). */
  loss?: number[];
  /** Probability that a delivered frame arrives twice. */
  dup?: number;
  /** Extra delay, uniform in 0..jitter cycles: frames on a plane are reordered. */
  jitterCycles?: number;
  /** Planes that deliver nothing. */
  planesDown?: number[];
  /** Per cycle and RX port of a fuzzed node: probability of injecting a bad frame. */
  fuzz?: number;
  fuzzNodes?: number[];
  /** Nodes cut off from the others (every frame to or from them is lost). */
  isolate?: number[];
}

export const LatencyKind = { leaderAppend: 0, followerAck: 1, leaderCommit: 2, clientReply: 3 } as const;
export interface Latency { count: number; p50: number; p99: number; p999: number; max: number; overflow: number }
export interface B2bResults {
  cycle: number; offered: number; framesInLeader: number; framesInFollower: number; acksIn: number;
  replies: number; lost: number; duplicated: number; fuzzed: number; committed: number[];
}

koffi.struct('NrB2bFaults', {
  loss: koffi.array('double', 3), dup: 'double', jitter_cycles: 'uint32_t', plane_down: 'uint32_t',
  fuzz: 'double', fuzz_nodes: 'uint32_t', isolate: 'uint32_t',
});
const ConfigT = koffi.struct('NrB2bConfig', {
  mode: 'uint32_t', followers: 'uint32_t', ack_count: 'uint32_t', ack_delay: 'uint32_t', hb_interval: 'uint32_t',
  payload_bytes: 'uint32_t', nic_reply: 'uint32_t', keep_host: 'uint32_t', max_requests: 'uint64_t', seed: 'uint64_t',
  offer_every: 'uint32_t',
});

type Fn = (...args: unknown[]) => unknown;
function api(path: string): Record<string, Fn> {
  return declareApi(path, 'b2b', {
    create: 'void *nr_b2b_create(const NrB2bConfig *cfg)',
    destroy: 'void nr_b2b_destroy(void *h)',
    run: 'uint64_t nr_b2b_run(void *h, uint64_t cycles)',
    measure: 'void nr_b2b_measure(void *h)',
    setFaults: 'void nr_b2b_set_faults(void *h, const NrB2bFaults *f)',
    setOffering: 'void nr_b2b_set_offering(void *h, uint32_t on)',
    nic: 'void *nr_b2b_nic(void *h, uint32_t i)',
    results: 'uint32_t nr_b2b_results(void *h, _Out_ uint64_t *out, uint32_t n)',
    latency: 'uint32_t nr_b2b_latency(void *h, uint32_t kind, _Out_ uint64_t *out, uint32_t n)',
    pullHost: 'int64_t nr_b2b_pull_host(void *h, uint32_t i, void *buf, uint32_t cap)',
    error: 'const char *nr_b2b_error(void *h)',
  });
}

export class B2bWorld {
  readonly libPath: string;
  readonly nodes: number;
  private h: unknown;
  private readonly a: Record<string, Fn>;
  private readonly nics: SimNic[] = [];
  private scratch = Buffer.alloc(1 << 22);

  constructor(readonly config: B2bConfig) {
    this.libPath = libraryPath(defaultVariant(config.variant));
    this.a = api(this.libPath);
    const followers = config.followers ?? 2;
    if (config.mode === 'leader' && (!Number.isInteger(followers) || followers < 1 || followers > 7)) {
      throw new RangeError(`B2bWorld: followers must be 1..7, got ${followers}`);
    }
    this.h = this.a.create!({
      mode: config.mode === 'leader' ? 0 : 1, followers, ack_count: config.ackCount ?? 1,
      ack_delay: config.ackDelayCycles ?? 16, hb_interval: config.hbIntervalCycles ?? 1000,
      payload_bytes: config.payloadBytes ?? B2B_PAYLOAD_BYTES, nic_reply: config.nicReply ? 1 : 0,
      keep_host: config.keepHost ? 1 : 0, max_requests: config.maxRequests ?? 0, seed: config.seed ?? 1,
      offer_every: config.offerEveryCycles ?? 1,
    });
    this.nodes = config.mode === 'leader' ? followers + 1 : 1;
    for (let i = 0; i < this.nodes; i++) this.nics.push(SimNic.borrow(this.libPath, this.a.nic!(this.h, i)));
  }

  /** Runs `cycles` cycles of the whole world; returns the cycle count. */
  run(cycles: number): number {
    const c = Number(this.a.run!(this.h, cycles));
    const e = this.a.error!(this.h) as string;
    if (e) throw new Error(`B2bWorld: ${e}`);
    return c;
  }

  /** Replaces the link faults and fuzzing (all off by default). */
  setFaults(f: B2bFaults): void {
    const loss = [0, 0, 0];
    (f.loss ?? []).forEach((v, i) => { loss[i] = v; });
    this.a.setFaults!(this.h, {
      loss, dup: f.dup ?? 0, jitter_cycles: f.jitterCycles ?? 0,
      plane_down: (f.planesDown ?? []).reduce((m, p) => m | (1 << p), 0),
      fuzz: f.fuzz ?? 0, fuzz_nodes: (f.fuzzNodes ?? []).reduce((m, p) => m | (1 << p), 0),
      isolate: (f.isolate ?? []).reduce((m, p) => m | (1 << p), 0),
    });
  }

  /** Whether the client offers new requests. */
  setOffering(on: boolean): void {
    this.a.setOffering!(this.h, on ? 1 : 0);
  }

  /** Latency samples and rate counters start from now (after a warm-up). */
  measure(): void {
    this.a.measure!(this.h);
  }

  /** The NIC of node i (0 is the leader in leader mode), for CSRs, counters and the log port. */
  nic(i: number): SimNic {
    const n = this.nics[i];
    if (!n) throw new RangeError(`B2bWorld.nic: node ${i} out of range 0..${this.nodes - 1}`);
    return n;
  }

  results(): B2bResults {
    const out = new BigUint64Array(17);
    this.a.results!(this.h, out, 17);
    const v = Array.from(out, Number);
    return {
      cycle: v[0]!, offered: v[1]!, framesInLeader: v[2]!, framesInFollower: v[3]!, acksIn: v[4]!, replies: v[5]!,
      lost: v[6]!, duplicated: v[7]!, fuzzed: v[8]!, committed: v.slice(9, 9 + this.nodes),
    };
  }

  latency(kind: keyof typeof LatencyKind): Latency {
    const out = new BigUint64Array(6);
    this.a.latency!(this.h, LatencyKind[kind], out, 6);
    const [count, p50, p99, p999, max, overflow] = Array.from(out, Number) as [number, number, number, number, number, number];
    return { count, p50, p99, p999, max, overflow };
  }

  /** Host RX frames node i delivered since the last call (keepHost only): committed entries and punts. */
  pullHost(i: number): Array<Required<SimFrame>> {
    const frames: Array<Required<SimFrame>> = [];
    for (;;) {
      const n = Number(this.a.pullHost!(this.h, i, this.scratch, this.scratch.length));
      if (n < 0) throw new Error(`B2bWorld.pullHost(${i}) failed (${n})`);
      if (n === 0) return frames;
      let off = 0;
      while (off < n) {
        const len = this.scratch.readUInt32LE(off);
        const user = this.scratch.readUInt32LE(off + 4);
        const cycle = Number(this.scratch.readBigUInt64LE(off + 8));
        frames.push({ data: Uint8Array.from(this.scratch.subarray(off + 16, off + 16 + len)), user, cycle });
        off += 16 + ((len + 7) & ~7);
      }
    }
  }

  destroy(): void {
    if (!this.h) return;
    if (this.nics[0]?.coverage) {
      const dir = join(ROOT, 'build/coverage/raw');
      mkdirSync(dir, { recursive: true });
      this.nics.forEach((n, i) => n.coverageWrite(join(dir, `b2b-${process.pid}-${Date.now()}-${i}.dat`)));
    }
    for (const n of this.nics) n.destroy();
    this.a.destroy!(this.h);
    this.h = undefined;
  }
}
