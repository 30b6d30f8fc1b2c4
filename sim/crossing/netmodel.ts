// The network model of the crossing mode: the cluster's link and switch model (docs/network-model.md,
// native/fabric.h), run by the frame world (native/frame_world.cpp). All times are integer
// picoseconds internally; reports convert to ns. Defaults are the cluster's (DEFAULT_NETWORK).
//
//   wire      (frameBytes + 4 FCS + 8 preamble/SFD + 12 IFG) * 8 / linkGbps   (60 B: 6.72 ns)
//   up        an endpoint hands a frame to its MAC -> the frame is at the switch's forwarding point:
//             nicTx + cable + switch (+ wire when store-and-forward)            (350 ns)
//   cross     a switch sends on a cross-link -> at the other switch's forwarding point:
//             cable + switch (+ wire when store-and-forward)                    (310 ns)
//   down(n)   a switch sends n frames at once to one endpoint -> the last one handed over:
//             n * wire + cable + nicRx                                          (156.72 ns for 1)
//   jitter    crossing agents add U[0, jitterNs] before each frame they send (default 0: the
//             cluster's switches have a fixed latency)
//   host      hostNs: a replica's NIC -> host -> NIC turnaround for one processing stage
//             (default 1000 ns, the cluster's host latency: PCIe both ways plus software)
//   guard     guardNs, added to every window (clock skew, margin)
//
// Queueing beyond what the windows allow for (egress ports serialize in ready order, finite
// buffers drop) is the frame world's.

import { wirePs as wireTimePs } from '../../ctrl/wire/wire.gen.js';
import { z } from 'zod';
import { DEFAULT_NETWORK } from '../cluster.js';
import type { FrameNetwork } from '../frame-world.js';

const nonNeg = z.number().nonnegative();
const d = DEFAULT_NETWORK;

export const netSchema = z
  .object({
    linkGbps: z.number().positive().default(d.linkGbps),
    nicTxNs: nonNeg.default(d.nicTxNs),
    nicRxNs: nonNeg.default(d.nicRxNs),
    cableNs: nonNeg.default(d.cableNs),
    switchNs: nonNeg.default(d.switchNs),
    switching: z.enum(['cut-through', 'store-and-forward']).default(d.switching),
    egressBufferBytes: z.number().int().min(60).default(d.egressBufferBytes),
    /** bytes without FCS, as in the cluster (60 = a minimum Ethernet frame) */
    frameBytes: z.number().int().min(60).max(9000).default(60),
    jitterNs: nonNeg.default(0),
    hostNs: nonNeg.default(1000),
    guardNs: nonNeg.default(200),
  })
  .strict()
  .refine((c) => c.cableNs + c.switchNs > 0, { message: 'cableNs + switchNs must be positive (the frame world needs a least hop)', path: ['switchNs'] });
export type NetConfig = z.infer<typeof netSchema>;

export const PS_PER_NS = 1000;
export const nsToPs = (ns: number): number => Math.round(ns * PS_PER_NS);
export const psToNs = (ps: number): number => ps / PS_PER_NS;

export interface NetModel {
  frameBytes: number;
  wirePs: number;
  upPs: number;
  crossPs: number;
  /** down(1): one frame, switch -> endpoint handed over */
  downPs: number;
  jitterPs: number;
  hostPs: number;
  guardPs: number;
  /** the link and switch figures handed to the frame world */
  network: FrameNetwork;
}

export function netModel(cfg: Partial<NetConfig> = {}): NetModel {
  const c = netSchema.parse(cfg);
  const wirePs = wireTimePs(c.frameBytes, c.linkGbps);
  const sf = c.switching === 'store-and-forward' ? wirePs : 0;
  return {
    frameBytes: c.frameBytes,
    wirePs,
    upPs: nsToPs(c.nicTxNs) + nsToPs(c.cableNs) + nsToPs(c.switchNs) + sf,
    crossPs: nsToPs(c.cableNs) + nsToPs(c.switchNs) + sf,
    downPs: wirePs + nsToPs(c.cableNs) + nsToPs(c.nicRxNs),
    jitterPs: nsToPs(c.jitterNs),
    hostPs: nsToPs(c.hostNs),
    guardPs: nsToPs(c.guardNs),
    network: {
      linkGbps: c.linkGbps, nicTxNs: c.nicTxNs, nicRxNs: c.nicRxNs, cableNs: c.cableNs, switchNs: c.switchNs,
      switching: c.switching, egressBufferBytes: c.egressBufferBytes,
    },
  };
}

/** n frames sent at once from a switch to one endpoint: the last one is handed over after this (ps). */
export const downN = (m: NetModel, n: number): number => m.downPs + Math.max(0, n - 1) * m.wirePs;

export type Mode = 'crossing' | 'baseline' | 'direct';

/** Time-triggered windows, relative to the start of a sensor's slot (ps). */
export interface Windows {
  /** crossing: a plane switch accepts the sensor's frame only if it is at its forwarding point by then */
  sensorIngressPs: number;
  /** crossing: a plane switch accepts a relay from a cross-link only until this time */
  crossIngressPs: number;
  /** every mode: replicas decide at the latest at this time (frames arriving later are omitted) */
  decidePs: number;
  /** baseline: replicas relay at the latest at this time (sensor copies arriving later are omitted) */
  relayPs: number;
  /** latest time the actuators may still receive outputs, relative to the last sensor's slot */
  outputPs: number;
  /** least slot length for which all the above fit in the schedule */
  minSlotPs: number;
  /** network floor: least sensor-send -> actuator-accept latency the model allows (no faults) */
  floorPs: number;
}

/**
 * The windows of a mode. Each bound is the latest time a correct element can act, plus guardNs:
 * the sensor's frame is at a switch by up; a switch relays at once (+ jitter), the relay is at the
 * other switch cross later; a replica's downlink from one switch carries at most P copies per
 * reading (crossing), R - 1 relays (baseline); an actuator's downlink carries R outputs.
 */
export function windows(m: NetModel, mode: Mode, planes: number, replicas: number): Windows {
  const J = m.jitterPs;
  const g = m.guardPs;
  const f = Math.floor((replicas - 1) / 2);
  const sensorIngressPs = m.upPs + g;
  const outPath = m.hostPs + m.upPs + J + downN(m, replicas) + g;
  // the actuator accepts once f+1 replicas' outputs are in: they leave the switch back to back
  const outFloor = m.hostPs + m.upPs + downN(m, f + 1);
  const fit = (decidePs: number, outputPs: number): number => Math.max(decidePs, Math.ceil(outputPs / 2));
  if (mode === 'baseline') {
    const relayPs = sensorIngressPs + J + downN(m, 1) + g;
    const decidePs = relayPs + m.hostPs + m.upPs + J + downN(m, replicas - 1) + g;
    const outputPs = decidePs + outPath;
    return {
      sensorIngressPs,
      crossIngressPs: 0,
      decidePs,
      relayPs,
      outputPs,
      minSlotPs: fit(decidePs, outputPs),
      floorPs: m.upPs + downN(m, 1) + m.hostPs + m.upPs + downN(m, replicas - 1) + outFloor,
    };
  }
  const crossIngressPs = sensorIngressPs + J + m.crossPs + g;
  const decidePs =
    mode === 'direct' ? sensorIngressPs + J + downN(m, 1) + g : crossIngressPs + J + downN(m, planes) + g;
  const outputPs = decidePs + outPath;
  return {
    sensorIngressPs,
    crossIngressPs,
    decidePs,
    relayPs: 0,
    outputPs,
    minSlotPs: fit(decidePs, outputPs),
    floorPs:
      mode === 'direct'
        ? m.upPs + downN(m, 1) + outFloor
        : m.upPs + m.crossPs + downN(m, planes - 1) + outFloor,
  };
}
