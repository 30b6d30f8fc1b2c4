// The simulation shim's side of ModelNic (native/nic_shim.cpp, what VerilatedNic drives): the
// backpressure/gap generator and the input queues that offer frames one beat per cycle. Not RTL.

/** xorshift64* as the simulation shim's (native/nic_shim.cpp), so backpressure patterns agree. */
export class ShimRng {
  private s: bigint;
  private static readonly M64 = (1n << 64n) - 1n;

  constructor(seed: number | bigint = 1) {
    this.s = ShimRng.init(seed);
  }

  static init(seed: number | bigint): bigint {
    const v = BigInt.asUintN(64, BigInt(seed));
    return v !== 0n ? (BigInt.asUintN(64, v * 0x9E3779B97F4A7C15n) | 1n) : 0x9E3779B97F4A7C15n;
  }

  seed(seed: number | bigint): void {
    this.s = ShimRng.init(seed);
  }

  /** A double in [0, 1), exactly as the shim's rand01(). */
  next(): number {
    let x = this.s;
    x ^= x >> 12n;
    x = (x ^ (x << 25n)) & ShimRng.M64;
    x ^= x >> 27n;
    this.s = x;
    return Number(BigInt.asUintN(64, x * 0x2545F4914F6CDD1Dn) >> 11n) * (1.0 / 9007199254740992.0);
  }
}

/** An input port's queue (the shim's InPort): frames not yet fully offered, one beat a cycle from their cycle. */
export class InPort {
  buf: Uint8Array[] = [];
  at: number[] = [];
  /** tuser of the frame's last beat (1: MAC error). */
  user: number[] = [];
  head = 0;
  /** Next beat of the head frame. */
  beat = 0;
  /** Probability that tvalid is held low in a cycle. */
  gapP = 0;
  /** Host TX port: tvalid is up and stays up until the beat is taken. */
  holding = false;

  push(frame: Uint8Array, at: number, user: number): void {
    this.buf.push(frame);
    this.at.push(at);
    this.user.push(user);
  }

  get pending(): number {
    return this.buf.length - this.head;
  }

  /** A beat is offered at cycle t (the head frame's cycle has come). */
  ready(t: number): boolean {
    return this.head < this.buf.length && this.at[this.head]! <= t;
  }

  /** The head frame was offered whole. */
  pop(): void {
    this.buf[this.head] = undefined as unknown as Uint8Array;
    this.head++;
    this.beat = 0;
    if (this.head > 1024 && this.head * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.at = this.at.slice(this.head);
      this.user = this.user.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.buf = [];
    this.at = [];
    this.user = [];
    this.head = 0;
    this.beat = 0;
    this.holding = false;
  }
}
