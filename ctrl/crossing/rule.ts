// The decision rules, as pure functions. A value is a sensor reading (an integer) or null,
// which stands for "no value" (the reading was omitted, arrived after its deadline, or no
// majority exists). null is a value like any other for agreement: replicas that all decide
// null agree.
//
// Crossing matrix: m[p][q] is the copy of the reading that plane q's switch received from the
// sensor ("origin plane" q, the column), as delivered to this replica by plane p's switch (the
// row). The diagonal holds the direct copies; off-diagonal entries travelled over the cross-link
// q -> p. A missing entry is null.

export type Value = number | null;
export type Matrix = Value[][];

/** Outcome of one decision: the value, whether a conflict was detected, and the vote count. */
export interface Decision {
  value: Value;
  /** two planes: non-null copies disagreed (detected, decided null) */
  conflict: boolean;
  /** number of vote operations (majority/merge evaluations) spent */
  ops: number;
}

/** The value present at least twice among three (null counts as a value), else null. */
export function maj3(a: Value, b: Value, c: Value): Value {
  if (a === b || a === c) return a;
  if (b === c) return b;
  return null;
}

export const CONFLICT = Symbol('conflict');
export type Merged = Value | typeof CONFLICT;

/** Two-plane merge, for omission-only faults: a missing copy is ignored; disagreement is a conflict. */
export function merge2(a: Merged, b: Merged): Merged {
  if (a === CONFLICT || b === CONFLICT) return CONFLICT;
  if (a === null) return b;
  if (b === null) return a;
  return a === b ? a : CONFLICT;
}

/**
 * The crossing rule.
 * 3 planes: o_q = maj3(column q) for each origin plane q, then decide maj3(o_0, o_1, o_2).
 * 2 planes: o_q = merge2(column q), then merge2(o_0, o_1); a conflict decides null (detected).
 */
export function decideCrossing(m: Matrix, planes: 2 | 3): Decision {
  if (planes === 3) {
    const o0 = maj3(m[0]![0]!, m[1]![0]!, m[2]![0]!);
    const o1 = maj3(m[0]![1]!, m[1]![1]!, m[2]![1]!);
    const o2 = maj3(m[0]![2]!, m[1]![2]!, m[2]![2]!);
    return { value: maj3(o0, o1, o2), conflict: false, ops: 4 };
  }
  const o0 = merge2(m[0]![0]!, m[1]![0]!);
  const o1 = merge2(m[0]![1]!, m[1]![1]!);
  const d = merge2(o0, o1);
  return d === CONFLICT ? { value: null, conflict: true, ops: 3 } : { value: d, conflict: false, ops: 3 };
}

/** Ablation without cross-links: only the direct copies (the diagonal) are voted on. */
export function decideDirect(diag: Value[], planes: 2 | 3): Decision {
  if (planes === 3) return { value: maj3(diag[0]!, diag[1]!, diag[2]!), conflict: false, ops: 1 };
  const d = merge2(diag[0]!, diag[1]!);
  return d === CONFLICT ? { value: null, conflict: true, ops: 1 } : { value: d, conflict: false, ops: 1 };
}

/** The copies of one logical message received on the P planes, reduced to one value. */
export function mergePlaneCopies(copies: Value[], planes: 2 | 3): { value: Value; conflict: boolean } {
  if (planes === 3) return { value: maj3(copies[0]!, copies[1]!, copies[2]!), conflict: false };
  const d = merge2(copies[0]!, copies[1]!);
  return d === CONFLICT ? { value: null, conflict: true } : { value: d, conflict: false };
}

/** OM(1) lieutenant vote: the value held by a strict majority of the entries, else null. */
export function strictMajority(values: Value[]): Value {
  const n = values.length;
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = 0; j < n; j++) if (values[j] === values[i]) c++;
    if (2 * c > n) return values[i]!;
  }
  return null;
}

/**
 * Actuator side: one replica's output copies (one per plane, undefined = not yet received).
 * 3 planes: confirmed when two copies match (a faulty plane cannot forge two).
 * 2 planes (omission-only planes): the received copy, or both when they match.
 */
export function confirmOutput(copies: (number | undefined)[], planes: 2 | 3): number | undefined {
  if (planes === 3) {
    const [a, b, c] = copies;
    if (a !== undefined && (a === b || a === c)) return a;
    if (b !== undefined && b === c) return b;
    return undefined;
  }
  const [a, b] = copies;
  if (a !== undefined && b !== undefined) return a === b ? a : undefined;
  return a ?? b;
}

/** Actuator vote: accept an output once f+1 replicas confirmed the same value. */
export function actuatorAccept(confirmed: (number | undefined)[], f: number): number | undefined {
  for (let i = 0; i < confirmed.length; i++) {
    const v = confirmed[i];
    if (v === undefined) continue;
    let c = 0;
    for (const w of confirmed) if (w === v) c++;
    if (c >= f + 1) return v;
  }
  return undefined;
}
