// Shared helpers for the crossing tests: a small simulator factory and table-driven faults.
import { CrossingSim, noBehaviors, type Behaviors, type Egress, type Frame, type PlaneBehavior, type SimConfig, type SensorBehavior } from '../../sim/crossing/sim.js';
import { netModel } from '../../sim/crossing/netmodel.js';
import type { Value } from '../../ctrl/crossing/rule.js';

export const A = 100;
export const B = 200;
export const C = 300;

export function mkSim(over: Partial<SimConfig> & { beh?: Behaviors } = {}): CrossingSim {
  const cfg: SimConfig = {
    mode: 'crossing',
    planes: 3,
    replicas: 3,
    sensors: 1,
    actuators: 1,
    slotPs: 10_000_000,
    net: netModel(),
    seed: 1,
    reading: () => A,
    ...over,
  };
  return new CrossingSim(cfg, over.beh ?? noBehaviors(cfg.planes, cfg.sensors, cfg.replicas));
}

/** A sensor entry per plane: a value, 'silent', 'late' (1 ps past the ingress window) or 'edge'. */
export type SensorEntry = number | 'silent' | 'late' | 'edge';

export function tableSensor(pattern: SensorEntry[]): SensorBehavior {
  return {
    active: () => true,
    send(_round, plane, trueValue, win, ingressPs) {
      const e = pattern[plane]!;
      if (e === 'silent') return null;
      if (e === 'late') return { value: trueValue, delayPs: win.sensorIngressPs - ingressPs + 1 };
      if (e === 'edge') return { value: trueValue, delayPs: win.sensorIngressPs - ingressPs };
      return { value: e, delayPs: 0 };
    },
  };
}

/** Relay behaviour of a faulty plane towards one destination plane. */
export type RelayEntry = Value | 'late' | { first: number; then: number };

/**
 * A faulty plane driven by tables: it suppresses everything it would normally send for the
 * readings and instead delivers rows[r] (origin plane -> value, null = nothing) to replica r,
 * and relays[q] to plane q's switch. Outputs to actuators pass unchanged.
 */
export function tablePlane(rows: Value[][], relays: RelayEntry[]): PlaneBehavior {
  return {
    egress: (frame: Frame, egress: Egress) => (egress.to === 'actuator' ? null : []),
    inject(ctx, sensor) {
      const out: Array<{ atPs: number; frame: Frame; egress: Egress }> = [];
      const on = ctx.slotStartPs + ctx.win.sensorIngressPs;
      const base = { round: ctx.round, sensor, src: -1 };
      rows.forEach((row, r) =>
        row.forEach((v, q) => {
          if (v !== null) out.push({ atPs: on, frame: { ...base, kind: 'copy', origin: q, value: v }, egress: { to: 'replica', replica: r } });
        }),
      );
      relays.forEach((e, q) => {
        if (q === ctx.plane || e === null) return;
        const eg: Egress = { to: 'switch', plane: q };
        const fr = (value: number): Frame => ({ ...base, kind: 'xrelay', origin: ctx.plane, value });
        if (e === 'late') out.push({ atPs: ctx.slotStartPs + ctx.win.crossIngressPs, frame: fr(A), egress: eg });
        else if (typeof e === 'number') out.push({ atPs: on, frame: fr(e), egress: eg });
        else {
          out.push({ atPs: on, frame: fr(e.first), egress: eg });
          out.push({ atPs: on + 1, frame: fr(e.then), egress: eg });
        }
      });
      return out;
    },
  };
}

/** Drop everything plane `plane` sends to the listed replicas (a lost downlink port). */
export function lostPorts(replicas: number[]): PlaneBehavior {
  return { egress: (_f, e) => (e.to === 'replica' && replicas.includes(e.replica) ? [] : null) };
}

/** All sequences of length n over a domain. */
export function* tuples<T>(domain: readonly T[], n: number): Generator<T[]> {
  if (n === 0) {
    yield [];
    return;
  }
  for (const head of domain) for (const tail of tuples(domain, n - 1)) yield [head, ...tail];
}
