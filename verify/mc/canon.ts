// Deep clone and canonical serialization of plain-data object graphs, for the model checker.
//
// Both walk own enumerable properties (TypeScript `private` fields are ordinary properties), Maps,
// Sets, arrays and class instances (the clone keeps the prototype). Uint8Arrays are shared, never
// copied: every frame in the core, the fake NIC and the storage is treated as immutable (they are
// built fresh with slice()/encodeFrame and never written in place). Functions are shared by the
// clone and refused by the serializer: a closure captured in a state (a waiter of the core) would
// make both the clone and the fingerprint unsound, so meeting one is an error, not a guess.

import { createHash } from 'node:crypto';

/**
 * Deep copy of an object graph (shared references stay shared). Uint8Arrays, functions, objects
 * in `shared` and entries ({index, term, frame}: never written after they are made) are shared,
 * not copied.
 */
export function deepClone<T>(v: T, shared?: WeakSet<object>, memo = new Map<unknown, unknown>()): T {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return v;
  if (shared?.has(v as object)) return v;
  const seen = memo.get(v);
  if (seen !== undefined) return seen as T;
  if (Array.isArray(v)) {
    const a: unknown[] = new Array(v.length);
    memo.set(v, a);
    for (let i = 0; i < v.length; i++) a[i] = deepClone(v[i], shared, memo);
    return a as T;
  }
  if (v instanceof Map) {
    const m = new Map();
    memo.set(v, m);
    for (const [k, x] of v) m.set(deepClone(k, shared, memo), deepClone(x, shared, memo));
    return m as T;
  }
  if (v instanceof Set) {
    const s = new Set();
    memo.set(v, s);
    for (const x of v) s.add(deepClone(x, shared, memo));
    return s as T;
  }
  const src = v as Record<string, unknown>;
  const keys = Object.keys(src);
  if (keys.length === 3 && src.frame instanceof Uint8Array && typeof src.index === 'number' && typeof src.term === 'number') return v;
  const o = Object.create(Object.getPrototypeOf(v)) as Record<string, unknown>;
  memo.set(v, o);
  for (const k of keys) o[k] = deepClone(src[k], shared, memo);
  return o as T;
}

/** Small integer ids for distinct byte strings (frames), so fingerprints stay short. */
export class FrameIds {
  private byObj = new WeakMap<Uint8Array, number>();
  private byContent = new Map<string, number>();
  id(b: Uint8Array): number {
    const c = this.byObj.get(b);
    if (c !== undefined) return c;
    const key = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
    let id = this.byContent.get(key);
    if (id === undefined) {
      id = this.byContent.size;
      this.byContent.set(key, id);
    }
    this.byObj.set(b, id);
    return id;
  }
  get size(): number { return this.byContent.size; }
}

export class ClosureInStateError extends Error {}

const quoted = new Map<string, string>();
function quote(s: string): string {
  let q = quoted.get(s);
  if (q === undefined) {
    q = JSON.stringify(s);
    if (quoted.size < 100_000) quoted.set(s, q);
  }
  return q;
}

/**
 * Canonical text of a value: Map and Set entries sorted, keys of plain objects sorted (class
 * instances keep their declaration order, which is fixed), frames by content id. The core's
 * behaviour never depends on the iteration order of its Maps and Sets (docs/model-checker.md).
 * `path` is only for the error message when a function is met.
 */
export function canon(v: unknown, ids: FrameIds, path = '$'): string {
  const out: string[] = [];
  canonInto(v, ids, path, out);
  return out.join('');
}

function canonInto(v: unknown, ids: FrameIds, path: string, out: string[]): void {
  switch (typeof v) {
    case 'undefined': out.push('u'); return;
    case 'number': out.push(Number.isFinite(v) ? String(v) : v > 0 ? 'I' : v < 0 ? '-I' : 'N'); return;
    case 'boolean': out.push(v ? 'T' : 'F'); return;
    case 'string': out.push(quote(v)); return;
    case 'function': throw new ClosureInStateError(`a closure is held in the state at ${path}: the state cannot be copied or fingerprinted`);
    case 'bigint': out.push(`${v}n`); return;
    case 'symbol': throw new Error(`symbol in state at ${path}`);
  }
  if (v === null) { out.push('n'); return; }
  if (v instanceof Uint8Array) { out.push(`#${ids.id(v)}`); return; }
  if (Array.isArray(v)) {
    out.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i) out.push(',');
      canonInto(v[i], ids, path, out);
    }
    out.push(']');
    return;
  }
  if (v instanceof Map) {
    if (v.size === 0) { out.push('M{}'); return; }
    const parts: string[] = [];
    for (const [k, x] of v) parts.push(`${canon(k, ids, path)}:${canon(x, ids, path)}`);
    out.push(`M{${parts.sort().join(',')}}`);
    return;
  }
  if (v instanceof Set) {
    if (v.size === 0) { out.push('S{}'); return; }
    out.push(`S{${[...v].map((x) => canon(x, ids, path)).sort().join(',')}}`);
    return;
  }
  const o = v as Record<string, unknown>;
  const proto = Object.getPrototypeOf(o);
  const keys = Object.keys(o);
  if (proto === Object.prototype || proto === null) keys.sort();
  out.push('{');
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out.push(i ? ',' : '', k, ':');
    canonInto(o[k], ids, path === '$' ? k : path, out);
  }
  out.push('}');
}
/** 128-bit digest of a canonical text (hash compaction of the visited set). */
export function digest(s: string): string {
  return createHash('md5').update(s).digest('base64');
}

// ------------------------------------------------------------------------------------------------
// Structural hashing: the same canonical form as canon() (Map/Set entries and plain-object keys in
// any order, class instances in declaration order, frames by content id), folded into two 32-bit
// lanes (murmur3's block step and FNV-1a over 32-bit words) without building text. Collections
// are combined with a commutative sum of their entries' finalized hashes, so order does not matter.

let HA = 0;
let HB = 0;
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

function w32(x: number): void {
  let k = Math.imul(x, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  HB ^= k;
  HB = (HB << 13) | (HB >>> 19);
  HB = (Math.imul(HB, 5) + 0xe6546b64) | 0;
  HA = Math.imul(HA ^ x, 0x01000193);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

const strHash = new Map<string, [number, number]>();
function wStr(s: string): void {
  let p = strHash.get(s);
  if (p === undefined) {
    const sa = HA;
    const sb = HB;
    HA = 0x811c9dc5;
    HB = 0x9747b28c;
    w32(s.length);
    for (let i = 0; i < s.length; i++) w32(s.charCodeAt(i));
    p = [fmix(HA), fmix(HB)];
    HA = sa;
    HB = sb;
    if (strHash.size < 100_000) strHash.set(s, p);
  }
  w32(p[0]);
  w32(p[1]);
}

const T_UNDEF = 1, T_INT = 2, T_FLOAT = 3, T_TRUE = 4, T_FALSE = 5, T_STR = 6, T_NULL = 7, T_BYTES = 8, T_ARR = 9, T_MAP = 10, T_SET = 11, T_OBJ = 12, T_PLAIN = 13;

function hv(v: unknown, ids: FrameIds, path: string, skip?: ReadonlySet<string>): void {
  switch (typeof v) {
    case 'undefined': w32(T_UNDEF); return;
    case 'number':
      if ((v | 0) === v) { w32(T_INT); w32(v); return; }
      F64[0] = v;
      w32(T_FLOAT); w32(U32[0]!); w32(U32[1]!);
      return;
    case 'boolean': w32(v ? T_TRUE : T_FALSE); return;
    case 'string': w32(T_STR); wStr(v); return;
    case 'function': throw new ClosureInStateError(`a closure is held in the state at ${path}: the state cannot be copied or fingerprinted`);
    case 'bigint': w32(T_STR); wStr(`${v}n`); return;
    case 'symbol': throw new Error(`symbol in state at ${path}`);
  }
  if (v === null) { w32(T_NULL); return; }
  if (v instanceof Uint8Array) { w32(T_BYTES); w32(ids.id(v)); return; }
  if (Array.isArray(v)) {
    w32(T_ARR);
    w32(v.length);
    for (let i = 0; i < v.length; i++) hv(v[i], ids, path, skip);
    return;
  }
  if (v instanceof Map || v instanceof Set) {
    const sa = HA;
    const sb = HB;
    let ca = 0;
    let cb = 0;
    if (v instanceof Map) {
      for (const [k, x] of v) {
        HA = 0x811c9dc5; HB = 0x9747b28c;
        hv(k, ids, path, skip);
        hv(x, ids, path, skip);
        ca = (ca + fmix(HA)) | 0;
        cb = (cb + fmix(HB)) | 0;
      }
    } else {
      for (const x of v) {
        HA = 0x811c9dc5; HB = 0x9747b28c;
        hv(x, ids, path, skip);
        ca = (ca + fmix(HA)) | 0;
        cb = (cb + fmix(HB)) | 0;
      }
    }
    HA = sa;
    HB = sb;
    w32(v instanceof Map ? T_MAP : T_SET);
    w32(v.size);
    w32(ca);
    w32(cb);
    return;
  }
  const o = v as Record<string, unknown>;
  const proto = Object.getPrototypeOf(o);
  if (proto === Object.prototype || proto === null) {
    // plain objects: key order does not matter
    const sa = HA;
    const sb = HB;
    let ca = 0;
    let cb = 0;
    let n = 0;
    for (const k in o) {
      HA = 0x811c9dc5; HB = 0x9747b28c;
      wStr(k);
      hv(o[k], ids, path === '$' ? k : path, skip);
      ca = (ca + fmix(HA)) | 0;
      cb = (cb + fmix(HB)) | 0;
      n++;
    }
    HA = sa;
    HB = sb;
    w32(T_PLAIN); w32(n); w32(ca); w32(cb);
    return;
  }
  w32(T_OBJ);
  for (const k of Object.keys(o)) {
    if (skip?.has(k)) continue;
    wStr(k);
    hv(o[k], ids, path === '$' ? k : path, skip);
  }
}

/** Incremental 64-bit structural hash: feed values and words, then take `digest()`. */
export class StructHash {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;
  /** `skip`: keys of class instances (at any depth) left out */
  value(v: unknown, ids: FrameIds, path = '$', skip?: ReadonlySet<string>): this {
    HA = this.a; HB = this.b;
    hv(v, ids, path, skip);
    this.a = HA; this.b = HB;
    return this;
  }
  word(x: number): this {
    HA = this.a; HB = this.b;
    w32(x | 0);
    this.a = HA; this.b = HB;
    return this;
  }
  str(s: string): this {
    HA = this.a; HB = this.b;
    wStr(s);
    this.a = HA; this.b = HB;
    return this;
  }
  /** 64 bits as text (a visited-set key) */
  digest(): string {
    return `${(fmix(this.a) >>> 0).toString(36)}.${(fmix(this.b ^ 0x2545f491) >>> 0).toString(36)}`;
  }
}
