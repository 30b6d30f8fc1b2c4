// Sequential specifications the checker searches against.
import type { ModelName, OpKind, Operation, Value } from './types.js';

/**
 * A sequential model. `step` returns the state after `op` or `undefined` when `op` (with its
 * recorded output) is impossible in `state`. States must be immutable; `hash`/`equal` key the
 * search cache.
 */
export interface Model<S> {
  readonly name: ModelName;
  readonly kinds: ReadonlySet<OpKind>;
  init(): S;
  step(state: S, op: Operation): S | undefined;
  hash(state: S): number;
  equal(a: S, b: S): boolean;
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
 * Step shared by both models; per partition the state is one value (the register, or the value
 * of the partition's key; null = absent).
 */
function stepValue(state: Value, op: Operation): Value | undefined {
  switch (op.kind) {
    case 'read':
      // Indeterminate reads are dropped while reading, so a read always has a result.
      return op.status === 'ok' && op.result !== state ? undefined : state;
    case 'write':
      return op.value ?? null;
    case 'delete':
      return null;
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

function valueModel(name: ModelName, kinds: OpKind[], what: string): Model<Value> {
  return {
    name,
    kinds: new Set(kinds),
    init: () => null,
    step: stepValue,
    hash: hashValue,
    equal: (a, b) => a === b,
    partition: partitionByKey,
    describeState: (s) => showValue(s),
    whyNot: whyNotValue(what),
  };
}

/** A single read/write/cas register (a history with keys is one independent register per key). */
export const registerModel: Model<Value> = valueModel('register', ['read', 'write', 'cas'], 'register');

/** A map from string keys to string values: get, put, delete, append, cas; partitioned by key. */
export const kvModel: Model<Value> = valueModel(
  'kv',
  ['read', 'write', 'cas', 'append', 'delete'],
  'key',
);

export function modelByName(name: ModelName): Model<Value> {
  return name === 'register' ? registerModel : kvModel;
}
