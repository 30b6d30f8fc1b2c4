// nicraft_axis_arb (hw/rtl/nicraft_axis_arb.sv): frame-atomic round-robin AXI-Stream multiplexer.
// Once a source wins, its frame passes whole (until its last beat) before the grant moves on; the
// winner is chosen combinationally (rr-pick.ts), so a one-beat frame can pass every cycle.
import * as M_rr_pick from './rr-pick.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const { rrPick } = M_rr_pick;

export class AxisArb {
  /** Inside a multi-beat frame of source lockedSel. */
  locked = false;
  lockedSel = 0;
  /** Last winner, for round robin. */
  lastSel = 0;

  constructor(readonly ports: number) {}

  reset(): void {
    this.locked = false;
    this.lockedSel = 0;
    this.lastSel = 0;
  }

  /** The granted source for the sources whose bit is set in `valid` (bit s: source s has a beat); -1 when none. */
  pick(valid: number): number {
    if (this.locked) return ((valid >> this.lockedSel) & 1) === 1 ? this.lockedSel : -1;
    return rrPick(valid, this.lastSel, this.ports);
  }

  /** A beat of source s passed (lastBeat: it ended its frame). */
  pass(s: number, lastBeat: boolean): void {
    this.lastSel = s;
    this.locked = !lastBeat;
    this.lockedSel = s;
  }
}
