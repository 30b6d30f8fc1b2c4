// Sequential specifications the checker searches against.
import type { InitialValue, ModelName, OpKind, Operation, Value } from './types.js';

/**
 * A sequential model. `step` returns the state after `op` or `undefined` when `op` (with its
 * recorded output) is impossible in `state`. States must be immutable; `hash`/`equal` key the
 * search cache.
 */
export interface Model<S> {
  readonly name: ModelName;
  readonly kinds: ReadonlySet<OpKind>;
  /** What the model was made from (workers rebuild it from this). */
  readonly spec: ModelSpec;
  /** State of partition `key` before any operation. */
  init(key: string): S;
  step(state: S, op: Operation): S | undefined;
  hash(state: S): number;
  equal(a: S, b: S): boolean;
  /** States are strings, numbers or null, equal exactly when ===: the cache interns them by value. */
  readonly primitiveStates?: boolean;
  /** P-compositionality: independent sub-histories (each checked on its own). */
  partition(ops: Operation[]): Operation[][];
  describeState(state: S): string;
  /** Why `op` cannot follow `state` (only called when step returned undefined). */
  whyNot(state: S, op: Operation): string;
}

/** 32-bit FNV-1a of a string; null hashes to a fixed odd constant. */
export function hashValue(v: Value): number {
  if (v === null) return 0x9e3779b1 | 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < v.length; i++) {
    h ^= v.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export function showValue(v: Value | undefined): string {
  if (v === undefined) return '?';
  if (v === null) return 'nil';
  return /^-?\d+$/.test(v) ? v : JSON.stringify(v);
}

/** Groups operations by key, keeping history order inside each group. */
export function partitionByKey(ops: Operation[]): Operation[][] {
  const groups = new Map<string, Operation[]>();
  for (const op of ops) {
    let g = groups.get(op.key);
    if (!g) groups.set(op.key, (g = []));
    g.push(op);
  }
  return [...groups.values()];
}

/**
 * How a model starts: `initial` is the value of a key never written (and of a deleted key):
 * `nil` (null, Jepsen's register, nicraft's store) or `empty` (""; Porcupine's and Jepsen's KV
 * tests, where a get of a missing key returns the empty string). `initialState` gives some keys
 * another starting value (a store that was not empty); for a history without keys the key is "".
 */
export interface ModelSpec {
  name: ModelName;
  initial?: InitialValue;
  initialState?: Record<string, Value>;
}

/**
 * Step shared by both models; per partition the state is one value (the register, or the value
 * of the partition's key; `absent` = never written or deleted).
 */
function stepValue(state: Value, op: Operation, absent: Value): Value | undefined {
  switch (op.kind) {
    case 'read':
      // Indeterminate reads are dropped while reading, so a read always has a result.
      return op.status === 'ok' && op.result !== state ? undefined : state;
    case 'write':
      return op.value ?? null;
    case 'delete':
      return absent;
    case 'append':
      return (state ?? '') + (op.value ?? '');
    case 'cas': {
      const matches = state === (op.from ?? null);
      if (op.status === 'ok') return matches ? (op.to ?? null) : undefined;
      if (op.status === 'fail') return matches ? undefined : state;
      // unknown outcome: whichever the state dictates
      return matches ? (op.to ?? null) : state;
    }
  }
}

function whyNotValue(what: string) {
  return (state: Value, op: Operation): string => {
    const cur = `${what} holds ${showValue(state)}`;
    switch (op.kind) {
      case 'read':
        return `read returned ${showValue(op.result)} but ${cur}`;
      case 'cas':
        return op.status === 'ok'
          ? `cas succeeded but ${cur}, not ${showValue(op.from ?? null)}`
          : `cas failed but ${cur}, which equals its expected value`;
      default:
        return `${op.kind} cannot be applied`;
    }
  };
}

const KINDS: Record<ModelName, OpKind[]> = {
  register: ['read', 'write', 'cas'],
  kv: ['read', 'write', 'cas', 'append', 'delete'],
  wor: ['read', 'write'],
};

/**
 * A write-once register (WormSpace's WOR; ctrl/app/wor/space.ts), one per key, starting empty
 * (nil). A write takes effect only on an empty register; writing the value it already holds
 * succeeds again (a retried request), another value fails (`fail`: the register keeps its value,
 * so a `fail` on an empty register, or on one holding that very value, is impossible). A write
 * whose outcome is unknown takes effect exactly when the register is empty at its point.
 */
function stepWor(state: Value, op: Operation): Value | undefined {
  switch (op.kind) {
    case 'read':
      return op.status === 'ok' && op.result !== state ? undefined : state;
    case 'write': {
      const v = op.value ?? null;
      if (v === null) return undefined; // a WOR is never written with nil
      if (op.status === 'ok') return state === null || state === v ? v : undefined;
      if (op.status === 'fail') return state !== null && state !== v ? state : undefined;
      return state === null ? v : state;
    }
    default:
      return undefined;
  }
}

function whyNotWor(state: Value, op: Operation): string {
  const cur = state === null ? 'the register is empty' : `the register holds ${showValue(state)}`;
  if (op.kind === 'read') return `read returned ${showValue(op.result)} but ${cur}`;
  if (op.kind === 'write') return op.status === 'fail' ? `write of ${showValue(op.value)} failed but ${cur}` : `write of ${showValue(op.value)} succeeded but ${cur} (written once)`;
  return `${op.kind} is not a WOR operation`;
}

/** The write-once register model: one register per key, each written at most once. */
export const worModel: Model<Value> = {
  name: 'wor',
  kinds: new Set(KINDS.wor),
  spec: { name: 'wor' },
  init: () => null,
  step: stepWor,
  hash: hashValue,
  equal: (a, b) => a === b,
  primitiveStates: true,
  partition: partitionByKey,
  describeState: (s) => (s === null ? 'empty' : showValue(s)),
  whyNot: whyNotWor,
};

function valueModel(spec: ModelSpec): Model<Value> {
  const absent: Value = spec.initial === 'empty' ? '' : null;
  const start = new Map<string, Value>(Object.entries(spec.initialState ?? {}));
  return {
    name: spec.name,
    kinds: new Set(KINDS[spec.name]),
    spec,
    init: (key) => (start.has(key) ? start.get(key)! : absent),
    step: (state, op) => stepValue(state, op, absent),
    hash: hashValue,
    equal: (a, b) => a === b,
    primitiveStates: true,
    partition: partitionByKey,
    describeState: (s) => showValue(s),
    whyNot: whyNotValue(spec.name === 'register' ? 'register' : 'key'),
  };
}

/** Builds a model: `register` or `kv`, with its initial values. */
export function makeModel(spec: ModelSpec): Model<Value> {
  if (spec.name === 'wor') return worModel;
  return valueModel(spec);
}

/** A single read/write/cas register (a history with keys is one independent register per key); starts nil. */
export const registerModel: Model<Value> = makeModel({ name: 'register' });

/** A map from string keys to string values: get, put, delete, append, cas; partitioned by key; keys start nil. */
export const kvModel: Model<Value> = makeModel({ name: 'kv' });

export function modelByName(name: ModelName, initial?: InitialValue): Model<Value> {
  if (name === 'wor') return worModel;
  if (initial === 'empty') return makeModel({ name, initial });
  return name === 'register' ? registerModel : kvModel;
}
