// The per-cell and per-net delay model of the synthesis estimate (UltraScale+, speed grade -2).
// Figures, their sources and the method's limits: docs/synthesis.md. An estimate from a netlist
// without placement, not a timing sign-off: the real routing delay of a net depends on where the
// tools put its ends.

export interface DelayModel {
  /** flip-flop clock to Q (also used for a module's input ports: driven by a parent's register) */
  ffClkToQNs: number;
  /** flip-flop setup (D, CE, R/S); also a module's output port */
  ffSetupNs: number;
  /** LUT1..LUT6 (any input to O), also a LUTRAM/SRL read address to output */
  lutNs: number;
  /** MUXF7/F8/F9 data input to O (the LUT -> MUXF connection is dedicated: no routing) */
  muxfNs: number;
  /** MUXF7/F8/F9 select input to O */
  muxfSelNs: number;
  /** entering a carry chain (S, DI or a CI/CYINIT not driven by a carry) to CO/O of that cell */
  carryEntryNs: number;
  /** CI to CO/O of one CARRY4 (half a CARRY8) when the chain continues */
  carryPropNs: number;
  /** block RAM clock to DOUT without (and with) the output register */
  bramClkToQNs: number;
  bramClkToQRegNs: number;
  /** block RAM address/data/enable setup */
  bramSetupNs: number;
  uramClkToQNs: number;
  uramSetupNs: number;
  dspClkToQNs: number;
  dspSetupNs: number;
  /** LUTRAM/SRL clock to output (storage read out) and write setup */
  lutramClkToOutNs: number;
  lutramSetupNs: number;
  /** routing delay of a net with the given fanout */
  netNs(fanout: number): number;
}

/**
 * Routing: a base hop plus a term growing with log2 of the fanout, up to REPLICATED_FANOUT loads: a
 * net with more loads is taken as driven by replicated drivers (as Vivado's opt_design/phys_opt_design
 * do for high-fanout nets on critical paths), each with at most that many loads.
 */
export const NET_BASE_NS = 0.20;
export const NET_PER_DOUBLING_NS = 0.04;
export const REPLICATED_FANOUT = 64;

export const DELAY_MODEL: DelayModel = {
  ffClkToQNs: 0.08,
  ffSetupNs: 0.05,
  lutNs: 0.10,
  muxfNs: 0.08,
  muxfSelNs: 0.12,
  carryEntryNs: 0.18,
  carryPropNs: 0.03,
  bramClkToQNs: 0.95,
  bramClkToQRegNs: 0.30,
  bramSetupNs: 0.45,
  uramClkToQNs: 1.40,
  uramSetupNs: 0.50,
  dspClkToQNs: 0.40,
  dspSetupNs: 0.40,
  lutramClkToOutNs: 0.95,
  lutramSetupNs: 0.45,
  netNs(fanout: number): number {
    const f = Math.min(REPLICATED_FANOUT, Math.max(1, fanout));
    return NET_BASE_NS + NET_PER_DOUBLING_NS * Math.log2(f);
  },
};
