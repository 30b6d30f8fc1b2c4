// Assertions of the control core (in the manner of TigerBeetle: an invariant is checked where it
// can break, and a broken one stops the core with a message naming it, never a silent repair).
// A CoreAssertionError is a bug in the core or in its driver (an answer the core never asked
// for, answers out of order), never bad input from the network: that is dropped and counted.

export class CoreAssertionError extends Error {
  constructor(message: string) {
    super(`core assertion failed: ${message}`);
    this.name = 'CoreAssertionError';
  }
}

export function assert(cond: boolean, message: string | (() => string)): asserts cond {
  if (!cond) throw new CoreAssertionError(typeof message === 'string' ? message : message());
}

/** A NIC register or log index: a 32-bit unsigned integer. */
export function isU32(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}
