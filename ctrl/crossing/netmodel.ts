// The network model of the crossing simulator. All times are integer picoseconds internally
// (exact arithmetic, no float drift); reports convert to ns.
//
//   serialization  (frameBytes + 20 B preamble/SFD + inter-frame gap) * 8 / linkGbps
//                  = 84 B * 8 / 100 Gb/s = 6.72 ns for a minimum 64-byte frame
//   MAC/PHY+cable  phyNs per hop (default 100 ns: PCS/PMA/FEC-less 100GBASE-SR4 MAC+PHY pair
//                  plus a few metres of fibre at ~5 ns/m)
//   switch         switchNs cut-through forwarding (default 500 ns, a typical low-latency
//                  datacenter switch) plus a seeded uniform jitter in [0, jitterNs]
//   host           hostNs NIC -> host -> NIC turnaround for one processing stage
//                  (default 1000 ns: PCIe DMA both ways plus a few hundred ns of software)
//   queueing       frames leaving by the same egress port serialize one after another
//
// A "hop" is one link traversal: serialization + MAC/PHY/cable. A cross-link hop (plane switch
// to plane switch) costs one more switch forwarding plus one hop.

import { z } from 'zod';

export const netSchema = z
  .object({
    linkGbps: z.number().positive().default(100),
    frameBytes: z.number().int().min(64).max(9216).default(64),
    phyNs: z.number().nonnegative().default(100),
    switchNs: z.number().nonnegative().default(500),
    jitterNs: z.number().nonnegative().default(100),
    hostNs: z.number().nonnegative().default(1000),
    guardNs: z.number().nonnegative().default(200),
  })
  .strict();
export type NetConfig = z.infer<typeof netSchema>;

export const PS_PER_NS = 1000;
export const nsToPs = (ns: number): number => Math.round(ns * PS_PER_NS);
export const psToNs = (ps: number): number => ps / PS_PER_NS;

export interface NetModel {
  serPs: number;
  phyPs: number;
  hopPs: number; // serialization + MAC/PHY/cable
  switchPs: number;
  jitterPs: number;
  hostPs: number;
  guardPs: number;
}

export function netModel(cfg: Partial<NetConfig> = {}): NetModel {
  const c = netSchema.parse(cfg);
  const serPs = Math.round(((c.frameBytes + 20) * 8 * 1000) / c.linkGbps); // bits / (Gb/s) = ns; *1000 = ps
  const phyPs = nsToPs(c.phyNs);
  return {
    serPs,
    phyPs,
    hopPs: serPs + phyPs,
    switchPs: nsToPs(c.switchNs),
    jitterPs: nsToPs(c.jitterNs),
    hostPs: nsToPs(c.hostNs),
    guardPs: nsToPs(c.guardNs),
  };
}

export type Mode = 'crossing' | 'baseline' | 'direct';

/** Time-triggered windows, relative to the start of a sensor's slot (ps). */
export interface Windows {
  /** crossing: a plane switch accepts the sensor's frame only until this time */
  sensorIngressPs: number;
  /** crossing: a plane switch accepts a relayed frame on a cross-link only until this time */
  crossIngressPs: number;
  /** every mode: replicas decide at the latest at this time (frames arriving later are omitted) */
  decidePs: number;
  /** baseline: replicas relay at the latest at this time (sensor copies arriving later are omitted) */
  relayPs: number;
  /** latest time the actuators may still receive outputs, relative to the last sensor's slot */
  outputPs: number;
  /** least slot length for which all the above fit in the schedule */
  minSlotPs: number;
  /** network floor: least sensor-send -> actuator-accept latency the model allows */
  floorPs: number;
}

export function windows(m: NetModel, mode: Mode, planes: number, replicas: number): Windows {
  const fwdMax = m.switchPs + m.jitterPs;
  const sensorIngressPs = m.hopPs + m.guardPs;
  const outPath = m.hostPs + m.hopPs + fwdMax + m.hopPs + replicas * m.serPs + m.guardPs;
  if (mode === 'baseline') {
    const relayPs = m.hopPs + fwdMax + m.hopPs + replicas * m.serPs + m.guardPs;
    const decidePs = relayPs + m.hostPs + m.hopPs + fwdMax + m.hopPs + replicas * m.serPs + m.guardPs;
    const outputPs = decidePs + outPath;
    return {
      sensorIngressPs,
      crossIngressPs: 0,
      decidePs,
      relayPs,
      outputPs,
      minSlotPs: Math.max(decidePs, Math.ceil(outputPs / 2)),
      floorPs: 6 * m.hopPs + 3 * m.switchPs + 2 * m.hostPs,
    };
  }
  const crossIngressPs = sensorIngressPs + fwdMax + m.hopPs + m.guardPs;
  const decidePs =
    mode === 'direct'
      ? sensorIngressPs + fwdMax + m.hopPs + m.guardPs
      : crossIngressPs + fwdMax + m.hopPs + planes * m.serPs + m.guardPs;
  const outputPs = decidePs + outPath;
  return {
    sensorIngressPs,
    crossIngressPs,
    decidePs,
    relayPs: 0,
    outputPs,
    minSlotPs: Math.max(decidePs, Math.ceil(outputPs / 2)),
    floorPs:
      mode === 'direct'
        ? 4 * m.hopPs + 2 * m.switchPs + m.hostPs
        : 5 * m.hopPs + 3 * m.switchPs + m.hostPs,
  };
}
