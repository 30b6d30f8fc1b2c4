// Crossing scenarios: YAML files validated with zod. Errors name the bad field and, for
// enumerations, the allowed values.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { netSchema } from './netmodel.js';
import { defaultApp } from '../../ctrl/crossing/app.js';
import { ScenarioError, fieldPath } from '../../ctrl/config-error.js';

export { ScenarioError };

const int = z.number().int();
const nonNegInt = int.nonnegative();
const probability = z.number().min(0).max(1).default(1);
const roundWindow = {
  /** first round the fault is active (inclusive) */
  from: nonNegInt.optional(),
  /** round at which the fault stops (exclusive) */
  to: nonNegInt.optional(),
  /** per-round (sensor, replica) or per-frame/per-slot (plane) activation probability */
  probability,
};

export const targetsSchema = z.enum(['all', 'downlinks', 'relays', 'outputs']);
export type Targets = z.infer<typeof targetsSchema>;

const planeCommon = {
  plane: nonNegInt,
  /** which frames the fault hits: all, downlinks (switch -> replica), relays (cross-links in
   *  crossing mode, replica relays in the baseline), outputs (switch -> actuator) */
  targets: targetsSchema.default('all'),
  /** draw the fault once per frame, or once per slot for every frame of the slot */
  per: z.enum(['frame', 'slot']).default('frame'),
  /** only frames towards these replicas (other egress ports unaffected) */
  replicas: z.array(nonNegInt).optional(),
  ...roundWindow,
};

export const sensorPatternEntry = z.union(
  [z.enum(['ok', 'silent', 'late', 'edge']), z.object({ offset: int }).strict()],
  { errorMap: () => ({ message: "each entry must be 'ok' | 'silent' | 'late' | 'edge' | {offset: <int>}" }) },
);
export type SensorPatternEntry = z.infer<typeof sensorPatternEntry>;

export const faultSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('byzantineSensor'),
      sensor: nonNegInt,
      /** fixed behaviour per plane; without it, a random pattern is drawn per round */
      perPlane: z.array(sensorPatternEntry).optional(),
      /** size of the lies in random mode */
      delta: int.default(50),
      ...roundWindow,
    })
    .strict(),
  z.object({ kind: z.literal('planeDrop'), ...planeCommon }).strict(),
  z
    .object({
      kind: z.literal('planeDelay'),
      /** extra delay; default: one full slot (always past the deadline) */
      delayNs: z.number().nonnegative().optional(),
      ...planeCommon,
    })
    .strict(),
  z.object({ kind: z.literal('planeCorrupt'), delta: int.default(100), ...planeCommon }).strict(),
  z
    .object({
      kind: z.literal('planeEquivocate'),
      delta: int.default(100),
      /** also fabricate frames (relays to other planes, copies to replicas) each slot */
      fabricate: z.boolean().default(true),
      ...planeCommon,
    })
    .strict(),
  z
    .object({
      kind: z.literal('byzantineReplica'),
      replica: nonNegInt,
      behavior: z.enum(['random', 'offset', 'silent', 'equivocate']).default('equivocate'),
      ...roundWindow,
    })
    .strict(),
]);
export type Fault = z.infer<typeof faultSchema>;
export type PlaneFault = Extract<Fault, { plane: number }>;

export const appSchema = z
  .object({
    setpoint: int.default(defaultApp.setpoint),
    kp: int.default(defaultApp.kp),
    ki: int.default(defaultApp.ki),
    kd: int.default(defaultApp.kd),
    integralLimit: int.default(defaultApp.integralLimit),
    initialLevel: int.default(defaultApp.initialLevel),
    inflowMax: int.default(defaultApp.inflowMax),
    outflowPermille: int.default(defaultApp.outflowPermille),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().default('crossing'),
    description: z.string().optional(),
    mode: z.enum(['crossing', 'baseline', 'direct']).default('crossing'),
    planes: z
      .number()
      .refine((v) => v === 2 || v === 3, { message: 'allowed values: 2 | 3' })
      .default(3)
      .transform((v) => v as 2 | 3),
    /** default: 3 (2f+1, f=1) for crossing/direct, 4 (3f+1) for the baseline */
    replicas: int.min(1).max(64).optional(),
    sensors: int.min(1).max(16).default(1),
    actuators: int.min(1).max(8).default(1),
    rounds: int.min(1).max(10_000_000).default(1000),
    slotNs: z.number().positive().default(10_000),
    seed: z.union([nonNegInt, z.string().regex(/^(0x[0-9a-fA-F]+|[0-9]+)$/)], {
      errorMap: () => ({ message: 'seed must be a non-negative integer (or a decimal/0x string)' }),
    }).default(1),
    /** the cluster's link and switch model (docs/network-model.md) plus the crossing's own figures */
    network: netSchema.default({}),
    app: appSchema.default({}),
    faults: z.array(faultSchema).default([]),
  })
  .strict()
  .transform((s) => ({ ...s, replicas: s.replicas ?? (s.mode === 'baseline' ? 4 : 3) }))
  .superRefine((s, ctx) => {
    s.faults.forEach((f, i) => {
      const bad = (field: string, msg: string): void => ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['faults', i, field], message: msg });
      if ('plane' in f && f.plane >= s.planes) bad('plane', `plane ${f.plane} out of range: allowed 0..${s.planes - 1}`);
      if ('sensor' in f && f.sensor >= s.sensors) bad('sensor', `sensor ${f.sensor} out of range: allowed 0..${s.sensors - 1}`);
      if ('replica' in f && f.replica >= s.replicas) bad('replica', `replica ${f.replica} out of range: allowed 0..${s.replicas - 1}`);
      if ('replicas' in f && f.replicas) for (const r of f.replicas) if (r >= s.replicas) bad('replicas', `replica ${r} out of range: allowed 0..${s.replicas - 1}`);
      if (f.kind === 'byzantineSensor' && f.perPlane && f.perPlane.length !== s.planes)
        bad('perPlane', `needs exactly one entry per plane (${s.planes})`);
      if (f.from !== undefined && f.to !== undefined && f.to <= f.from) bad('to', 'must be greater than from');
    });
  });

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;


/** Validate a parsed scenario object; throws ScenarioError naming every bad field. */
export function parseScenario(obj: unknown, source = 'scenario'): Scenario {
  const r = scenarioSchema.safeParse(obj);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`);
  throw new ScenarioError(`${source}: invalid crossing scenario\n  ${issues.join('\n  ')}`, issues);
}

export function loadScenario(file: string): Scenario {
  const text = readFileSync(file, 'utf8');
  let obj: unknown;
  try {
    obj = parseYaml(text);
  } catch (e) {
    throw new ScenarioError(`${file}: not valid YAML: ${(e as Error).message}`, [(e as Error).message]);
  }
  return parseScenario(obj, file);
}
