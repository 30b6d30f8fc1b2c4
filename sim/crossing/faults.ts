// Faults are data (scenario entries); this module turns them into simulator behaviours and
// classifies a fault set against the covered fault set documented in docs/crossing.md.

import { Prng } from './prng.js';
import type { Mode } from './netmodel.js';
import type { Value } from '../../ctrl/crossing/rule.js';
import type {
  Behaviors,
  Egress,
  Emission,
  FaultCtx,
  Frame,
  PlaneBehavior,
  ReplicaBehavior,
  SensorBehavior,
  SensorSend,
} from './sim.js';
import { noBehaviors } from './sim.js';
import type { Fault, PlaneFault, Scenario, SensorPatternEntry } from './scenario.js';

const inWindow = (f: { from?: number | undefined; to?: number | undefined }, round: number): boolean =>
  (f.from === undefined || round >= f.from) && (f.to === undefined || round < f.to);

function matches(f: PlaneFault, frame: Frame, egress: Egress): boolean {
  if (f.replicas && (egress.to !== 'replica' || !f.replicas.includes(egress.replica))) return false;
  switch (f.targets) {
    case 'all':
      return true;
    case 'downlinks':
      return egress.to === 'replica';
    case 'relays':
      return frame.kind === 'xrelay' || frame.kind === 'relay';
    case 'outputs':
      return egress.to === 'actuator';
  }
}

/** Activation of a plane fault for one frame (per: frame) or one whole slot (per: slot). */
function activator(f: PlaneFault, rng: Prng): (frame: Frame) => boolean {
  const slotCache = new Map<string, boolean>();
  return (frame) => {
    if (!inWindow(f, frame.round)) return false;
    if (f.per === 'frame') return rng.chance(f.probability);
    const key = `${frame.round}:${frame.sensor}`;
    let a = slotCache.get(key);
    if (a === undefined) {
      a = rng.chance(f.probability);
      slotCache.set(key, a);
      if (slotCache.size > 4096) slotCache.delete(slotCache.keys().next().value!);
    }
    return a;
  };
}

export function planeBehavior(f: PlaneFault, rng: Prng, mode: Mode): PlaneBehavior {
  const active = activator(f, rng);
  const hit = (frame: Frame, egress: Egress): boolean => matches(f, frame, egress) && active(frame);
  switch (f.kind) {
    case 'planeDrop':
      return { egress: (frame, egress) => (hit(frame, egress) ? [] : null) };
    case 'planeDelay':
      return {
        egress: (frame, egress, ctx) =>
          hit(frame, egress) ? [{ frame, delayPs: f.delayNs !== undefined ? Math.round(f.delayNs * 1000) : ctx.slotPs }] : null,
      };
    case 'planeCorrupt':
      return {
        egress: (frame, egress) =>
          hit(frame, egress) && frame.value !== null ? [{ frame: { ...frame, value: frame.value + f.delta } }] : null,
      };
    case 'planeEquivocate': {
      const lie = (v: Value, k: number): Value => (v ?? 0) + k * f.delta;
      const b: PlaneBehavior = {
        // every egress copy independently: per replica and per destination plane
        egress: (frame, egress, ctx): Emission[] | null => {
          if (!hit(frame, egress)) return null;
          switch (rng.nextInt(7)) {
            case 0:
              return null; // honest this time
            case 1:
              return [{ frame: { ...frame, value: lie(frame.value, 1) } }];
            case 2:
              return [{ frame: { ...frame, value: lie(frame.value, -1) } }];
            case 3:
              return []; // drop
            case 4: // two different values, the lie first
              return [{ frame: { ...frame, value: lie(frame.value, 2) } }, { frame, delayPs: 1 }];
            case 5: // wrong origin tag (only meaningful on its own row) or another lie
              return frame.kind === 'copy'
                ? [{ frame: { ...frame, origin: (frame.origin + 1 + rng.nextInt(ctx.planes - 1)) % ctx.planes } }]
                : [{ frame: { ...frame, value: lie(frame.value, 3) } }];
            default:
              return [{ frame, delayPs: ctx.slotPs }]; // past the deadline
          }
        },
      };
      if (f.fabricate) {
        b.inject = (ctx: FaultCtx, sensor: number) => {
          if (!inWindow(f, ctx.round) || !rng.chance(f.probability)) return [];
          const out: Array<{ atPs: number; frame: Frame; egress: Egress }> = [];
          const at = (): number => ctx.slotStartPs + rng.nextInt(Math.max(1, ctx.win.crossIngressPs || ctx.win.relayPs));
          const val = (): number => rng.nextInt(1000);
          for (let r = 0; r < ctx.replicas; r++) {
            if (f.replicas && !f.replicas.includes(r)) continue;
            if (!rng.chance(0.5)) continue;
            const frame: Frame =
              mode === 'baseline'
                ? rng.chance(0.5)
                  ? { kind: 'sensor', round: ctx.round, sensor, origin: -1, src: -1, value: val() }
                  : { kind: 'relay', round: ctx.round, sensor, origin: -1, src: rng.nextInt(ctx.replicas), value: val() }
                : { kind: 'copy', round: ctx.round, sensor, origin: rng.nextInt(ctx.planes), src: -1, value: val() };
            out.push({ atPs: at(), frame, egress: { to: 'replica', replica: r } });
          }
          if (mode === 'crossing' && !f.replicas)
            for (let q = 0; q < ctx.planes; q++)
              if (q !== ctx.plane && rng.chance(0.5))
                out.push({
                  atPs: at(),
                  frame: { kind: 'xrelay', round: ctx.round, sensor, origin: ctx.plane, src: -1, value: val() },
                  egress: { to: 'switch', plane: q },
                });
          return out;
        };
      }
      return b;
    }
  }
}

export function sensorBehavior(f: Extract<Fault, { kind: 'byzantineSensor' }>, rng: Prng): SensorBehavior {
  let lastRound = -1;
  let lastActive = false;
  const random: SensorPatternEntry[] = ['ok', 'silent', 'late', 'edge', { offset: f.delta }, { offset: -f.delta }];
  return {
    active(round) {
      if (round !== lastRound) {
        lastRound = round;
        lastActive = inWindow(f, round) && rng.chance(f.probability);
      }
      return lastActive;
    },
    send(_round, plane, trueValue, win, ingressPs): SensorSend | null {
      const e = f.perPlane ? f.perPlane[plane]! : rng.pick(random);
      if (e === 'ok') return { value: trueValue, delayPs: 0 };
      if (e === 'silent') return null;
      if (e === 'late') return { value: trueValue, delayPs: win.sensorIngressPs - ingressPs + 1 }; // 1 ps past the window
      if (e === 'edge') return { value: trueValue, delayPs: win.sensorIngressPs - ingressPs }; // exactly at the window's end
      return { value: trueValue + e.offset, delayPs: 0 };
    },
  };
}

export function replicaBehavior(f: Extract<Fault, { kind: 'byzantineReplica' }>, rng: Prng): ReplicaBehavior {
  let lastRound = -1;
  let lastActive = false;
  let roundLie = 0;
  return {
    active(round) {
      if (round !== lastRound) {
        lastRound = round;
        lastActive = inWindow(f, round) && rng.chance(f.probability);
        roundLie = rng.nextInt(1001);
      }
      return lastActive;
    },
    output(_round, plane, correct) {
      switch (f.behavior) {
        case 'silent':
          return undefined;
        case 'offset':
          return correct + 137;
        case 'random':
          return roundLie;
        case 'equivocate':
          return correct + 1 + plane * 37;
      }
    },
    relay(_round, _sensor, plane, dst, correct) {
      switch (f.behavior) {
        case 'silent':
          return undefined;
        case 'offset':
          return (correct ?? 0) + 137;
        case 'random':
          return rng.nextInt(1001);
        case 'equivocate':
          return (correct ?? 0) + 1 + dst * 13 + plane * 7;
      }
    },
  };
}

/** Behaviours for a scenario's fault list, each fault with its own forked random stream. */
export function buildBehaviors(sc: Scenario, root: Prng): Behaviors {
  const b = noBehaviors(sc.planes, sc.sensors, sc.replicas);
  sc.faults.forEach((f, i) => {
    const rng = root.fork(`fault:${i}:${f.kind}`);
    if (f.kind === 'byzantineSensor') b.sensors[f.sensor] = sensorBehavior(f, rng);
    else if (f.kind === 'byzantineReplica') b.replicas[f.replica] = replicaBehavior(f, rng);
    else b.planes[f.plane]!.push(planeBehavior(f, rng, sc.mode));
  });
  return b;
}

// ---------------------------------------------------------------------------------------------
// The covered fault set (see docs/crossing.md, "Covered fault set")

export interface Coverage {
  /** true when the fault set is inside the covered set: agreement and validity must hold */
  covered: boolean;
  faultClass: string;
  reason: string;
}

const isOmission = (f: PlaneFault): boolean => f.kind === 'planeDrop' || f.kind === 'planeDelay';
/** omissions on switch -> replica links only (cross-links and outputs intact) */
const isDownlinkOmission = (f: PlaneFault): boolean => isOmission(f) && f.targets === 'downlinks';
/** the plane is silent for whole slots (drops everything it would send in the slot) */
const isCleanCrash = (f: PlaneFault): boolean =>
  f.kind === 'planeDrop' && f.targets === 'all' && !f.replicas && (f.per === 'slot' || f.probability >= 1);

export function classify(sc: Scenario): Coverage {
  const byzSensors = new Set<number>();
  const byzReplicas = new Set<number>();
  const planeFaults: PlaneFault[] = [];
  for (const f of sc.faults) {
    if (f.kind === 'byzantineSensor') byzSensors.add(f.sensor);
    else if (f.kind === 'byzantineReplica') byzReplicas.add(f.replica);
    else planeFaults.push(f);
  }
  const faultyPlanes = new Set(planeFaults.map((f) => f.plane));
  const R = sc.replicas;
  const sensorsTxt = byzSensors.size ? `${byzSensors.size} Byzantine sensor(s)` : 'correct sensors';
  const no = (faultClass: string, reason: string): Coverage => ({ covered: false, faultClass, reason });
  const yes = (faultClass: string, reason: string): Coverage => ({ covered: true, faultClass, reason });

  if (sc.mode === 'baseline') {
    const traitors = byzReplicas.size + (byzSensors.size > 0 ? 1 : 0);
    if (R < 3) return no('too few replicas', `OM(1) needs >= 3 replicas (n = replicas + sensor >= 4), got ${R}`);
    if (traitors > 1)
      return no('more than one traitor', `OM(1) tolerates one traitor per reading among sensor + replicas; got ${traitors}`);
    if (faultyPlanes.size > 1) return no('several faulty planes', `${faultyPlanes.size} faulty planes; copies are merged per message over the planes`);
    if (faultyPlanes.size === 1 && sc.planes === 2 && !planeFaults.every(isOmission))
      return no('value-faulty plane with 2 planes', 'two copies of a message cannot outvote a lying plane');
    return yes('OM(1): one traitor (sensor or replica) + one masked plane', `${sensorsTxt}, ${byzReplicas.size} Byzantine replica(s), ${faultyPlanes.size} faulty plane(s)`);
  }

  const f = Math.floor((R - 1) / 2);
  if (byzReplicas.size > f)
    return no('too many Byzantine replicas', `${byzReplicas.size} Byzantine replicas; ${R} replicas outvote at most f = ${f} at the actuators (need 2f+1)`);
  const replicasTxt = `${byzReplicas.size} Byzantine replica(s) outvoted`;

  if (faultyPlanes.size === 0)
    return yes(byzSensors.size ? 'Byzantine sensor(s), correct planes' : 'nominal', `${sensorsTxt}, correct planes, ${replicasTxt}`);

  if (byzSensors.size === 0 && faultyPlanes.size === 1) {
    if (sc.planes === 3) return yes('one faulty plane (arbitrary), correct sensors', `plane ${[...faultyPlanes][0]} faulty, ${replicasTxt}`);
    if (planeFaults.every(isOmission))
      return yes('one omission-faulty plane of 2, correct sensors', `plane ${[...faultyPlanes][0]} drops/delays, ${replicasTxt}`);
    return no('value-faulty plane with 2 planes', '2 planes: a corrupting or equivocating plane is detected (conflict) but agreement is not guaranteed');
  }

  // Byzantine sensors (or correct ones) with omissions limited to what reaches each replica:
  // every plane fault drops/delays downlinks only, or crashes a plane cleanly for whole slots,
  // and no replica can lose its port on more than one plane.
  if (sc.mode === 'crossing' && planeFaults.every((pf) => isDownlinkOmission(pf) || isCleanCrash(pf))) {
    const lost = new Array<Set<number>>(R).fill(new Set()).map(() => new Set<number>());
    for (const pf of planeFaults) for (let r = 0; r < R; r++) if (!pf.replicas || pf.replicas.includes(r)) lost[r]!.add(pf.plane);
    const worst = Math.max(...lost.map((s) => s.size));
    if (worst <= 1)
      return yes('Byzantine sensor(s) + at most one lost port per replica', `${sensorsTxt}, downlink omissions / clean plane crash, ${replicasTxt}`);
    return no('lost ports on two planes', `a replica can miss copies on ${worst} planes`);
  }
  if (sc.mode === 'direct')
    return no('direct mode with more than one fault', 'without cross-links a lost port or a second faulty plane changes what some replicas see');
  if (byzSensors.size > 0)
    return no('Byzantine sensor + faulty plane', 'impossible with 3 planes and one crossing round (docs/crossing.md, "Limits")');
  return no('several faulty planes', `${faultyPlanes.size} faulty planes`);
}
