// Deep clone and canonical serialization of plain-data object graphs, for the model checker.
//
// Both walk own enumerable properties (TypeScript `private` fields are ordinary properties), Maps,
// Sets, arrays and class instances (the clone keeps the prototype). Uint8Arrays are shared, never
// copied: every frame in the core, the fake NIC and the storage is treated as immutable (they are
// built fresh with slice()/encodeFrame and never written in place). Functions are shared by the
// clone and refused by the serializer: a closure captured in a state (a waiter of the core) would
// make both the clone and the fingerprint unsound, so meeting one is an error, not a guess.
//
// The clone and the structural hash run once per transition of the model checker (one node's
// core, NIC and storage each), so they are written for speed: both look up the shape of each
// object (below) and run code generated once per shape, with every property named. What they
// compute is exactly what the plain walks would (key by key, in Object.keys order): the generated
// code is an unrolled form of those walks, not an approximation (test/mc/canon.test.ts compares
// them).

import { createHash } from 'node:crypto';

// ------------------------------------------------------------------------------------------------
// Shapes. The shape of an object is its prototype and its own enumerable string keys, in order
// (Object.keys). The clone and the hash find the shape of every object they meet among the known
// shapes of its prototype, and use what was derived from it once: a constructor that copies an
// object of that shape (the clone), code that hashes one (the hash). Nothing is assumed about a
// class: an object whose keys differ from every known shape of its prototype (a field added,
// deleted, or added in another order) is another shape, found or made when it is met.

/** Prototypes with more shapes than this (plain objects used as dictionaries) get shapes that are not kept. */
const MAX_SHAPES_PER_PROTO = 64;

/** The code generated per shape (the default); off, the plain loops (for the test that compares the two). */
let specialised = true;
/** Tests only: run the plain loops instead of the code generated per shape (the results are the same). */
export function useGeneratedCode(on: boolean): void {
  specialised = on;
}

type CloneCtor = new (src: Record<string, unknown>, shared: WeakSet<object> | undefined, memo: Memo, clone: typeof cloneInto) => object;
type ObjectHasher = (o: Record<string, unknown>, ids: FrameIds, path: string, skip: ReadonlySet<string> | undefined) => void;

class Shape {
  private ctor?: CloneCtor;
  /** class instances: per set of skipped keys (undefined: none) */
  private hashers?: Map<ReadonlySet<string> | undefined, ObjectHasher>;
  private plain?: ObjectHasher;

  /** `kept`: the shape is one of its prototype's known shapes (code is generated for it only then) */
  constructor(readonly proto: object | null, readonly keys: readonly string[], readonly kept: boolean) {}

  /**
   * A constructor that copies an object of this shape: `new C(src, shared, memo, cloneInto)` is
   * an object with prototype `proto` and src's keys assigned in order, each to cloneInto(src[key]),
   * registered in memo before any field is copied (a cycle back to src finds it): what
   * Object.create(proto) and `o[k] = cloneInto(src[k])` for each key would make. Every store names
   * its property, so V8 keeps the fields inside the object and each store monomorphic, where the
   * loop did one generic keyed store per field. Its body is strict code, as this module is (an
   * assignment that cannot be made throws in both).
   */
  cloneCtor(): CloneCtor {
    if (this.ctor === undefined) {
      const body = ["'use strict';", 'memo.set(memo.objects, src, this);'];
      for (const k of this.keys) body.push(`this[${JSON.stringify(k)}] = clone(src[${JSON.stringify(k)}], shared, memo);`);
      const f = new Function('src', 'shared', 'memo', 'clone', body.join('\n')) as unknown as CloneCtor;
      (f as unknown as { prototype: object | null }).prototype = this.proto;
      this.ctor = f;
    }
    return this.ctor;
  }

  /** The hash of a class instance of this shape, without the keys in `skip`: see hashClassLoop(). */
  classHasher(skip: ReadonlySet<string> | undefined): ObjectHasher {
    this.hashers ??= new Map();
    let f = this.hashers.get(skip);
    if (f === undefined) {
      const keys = skip === undefined ? this.keys : this.keys.filter((k) => !skip.has(k));
      f = generate(`let a = L[0], b = L[1], k = 0, x;\n${genWord(T_OBJ)}\n${genFields(keys)}\nL[0] = a; L[1] = b;`);
      this.hashers.set(skip, f);
    }
    return f;
  }

  /** The hash of a plain object of this shape: see hashPlainLoop(). */
  plainHasher(): ObjectHasher {
    if (this.plain === undefined) {
      const body: string[] = [];
      for (const k of this.keys) {
        const [sa, sb] = keyedLanes(k);
        body.push(`a = ${sa}; b = ${sb}; x = o[${JSON.stringify(k)}];`, genValue(k), 'ca = (ca + fmix(a)) | 0; cb = (cb + fmix(b)) | 0;');
      }
      body.push('a = oa; b = ob;', genWord(T_PLAIN), genWord(this.keys.length), `x = ca; ${GEN_WORD_X}`, `x = cb; ${GEN_WORD_X}`);
      this.plain = generate(`const oa = L[0], ob = L[1];\nlet a = 0, b = 0, k = 0, x, ca = 0, cb = 0;\n${body.join('\n')}\nL[0] = a; L[1] = b;`);
    }
    return this.plain;
  }
}

const shapesByProto = new Map<object | null, Shape[]>();

/** keys[0..n) equal `a` */
function sameKeys(a: readonly string[], keys: readonly string[], n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== keys[i]) return false;
  return true;
}

/** (shapeOfObject's buffer for the keys of the object at hand; a key is an interned string, so it holds nothing alive) */
const keyBuf: string[] = [];

/**
 * The shape of `o`, whose prototype is `proto`. Its keys are listed with `for (k in o)`, which
 * allocates nothing (Object.keys makes an array per call, and these calls are most of what the
 * clone and the hash would allocate). for-in lists the own enumerable keys in Object.keys order,
 * then the enumerable keys inherited and not shadowed: so when the last key listed is an own one,
 * none was inherited and the list is Object.keys(o). If it is not (an enumerable property on a
 * prototype, which classes do not have), Object.keys gives the keys.
 */
function shapeOfObject(o: object, proto: object | null): Shape {
  // most often the object has the first known shape of its prototype: a single pass checks that
  const first = shapesByProto.get(proto)?.[0];
  if (first !== undefined && keysAre(o, first.keys)) return first;
  let n = 0;
  for (const k in o) keyBuf[n++] = k;
  if (n > 0 && !Object.prototype.hasOwnProperty.call(o, keyBuf[n - 1]!)) {
    const keys = Object.keys(o);
    return shapeOf(proto, keys, keys.length);
  }
  return shapeOf(proto, keyBuf, n);
}

/** Object.keys(o) equals `keys`: checked as in shapeOfObject, without making the array. */
export function keysAre(o: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in o) {
    if (k !== keys[i]) return false;
    i++;
  }
  return i === keys.length && (i === 0 || Object.prototype.hasOwnProperty.call(o, keys[i - 1]!));
}

/** The shape of an object with prototype `proto` and own enumerable keys keys[0..n) (as Object.keys lists them). */
function shapeOf(proto: object | null, keys: readonly string[], n: number): Shape {
  let list = shapesByProto.get(proto);
  if (list === undefined) {
    list = [];
    shapesByProto.set(proto, list);
  }
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    if (sameKeys(s.keys, keys, n)) {
      // a shape met again moves one place forward: the common shapes end up first
      if (i > 0) {
        list[i] = list[i - 1]!;
        list[i - 1] = s;
      }
      return s;
    }
  }
  const kept = list.length < MAX_SHAPES_PER_PROTO;
  const s = new Shape(proto, keys.slice(0, n), kept);
  if (kept) list.push(s);
  return s;
}

// ------------------------------------------------------------------------------------------------
// Deep clone

/**
 * Deep copy of an object graph (shared references stay shared). Uint8Arrays, functions, objects
 * in `shared` and entries ({index, term, frame}: never written after they are made) are shared,
 * not copied. Arrays become plain arrays (a hole becomes an undefined element), Maps and Sets plain
 * Maps and Sets; any other object becomes an object with its prototype and its own enumerable
 * properties, in their order, as data properties.
 */
export function deepClone<T>(v: T, shared?: WeakSet<object>): T {
  return cloneInto(v, shared, new Memo()) as T;
}

/** Objects of one kind scanned for linearly in a memo before a Map takes the rest. */
const MEMO_SCAN = 32;

/**
 * deepClone's memo: source -> copy. The graphs copied here hold some tens of objects: looking an
 * object up by scanning a small array of pairs is cheaper than a Map and allocates less (a Map's
 * table is reallocated as it grows). The pairs are kept by kind (arrays, Maps, Sets, other
 * objects), as an object can only be one of its own kind; past MEMO_SCAN objects of a kind, a Map
 * holds the rest.
 */
class Memo {
  /** pairs (source, copy), by kind */
  readonly arrays: unknown[] = [];
  readonly maps: unknown[] = [];
  readonly sets: unknown[] = [];
  readonly objects: unknown[] = [];
  private more?: Map<unknown, unknown>;
  /** The copy of v (whose kind's pairs are `pairs`), or undefined. */
  get(pairs: unknown[], v: unknown): unknown {
    for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === v) return pairs[i + 1];
    return this.more?.get(v);
  }
  set(pairs: unknown[], v: unknown, copy: unknown): void {
    if (pairs.length < 2 * MEMO_SCAN) pairs.push(v, copy);
    else (this.more ??= new Map()).set(v, copy);
  }
}

/**
 * deepClone's walk. Every object copied is registered in `memo` (source -> copy) before its
 * contents are copied, and every object met is looked up there first: an object reached twice (two
 * fields naming one array) is copied once and both copies name that copy, as in the source. The
 * memo is what keeps shared references shared, so no object skips it (not even an empty array: the
 * core could push into it through either name). Elements that are not objects are copied without
 * a call: for them cloneInto is the identity.
 */
function cloneInto(v: unknown, shared: WeakSet<object> | undefined, memo: Memo): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return v;
  if (shared !== undefined && shared.has(v)) return v;
  if (Array.isArray(v)) {
    const seen = memo.get(memo.arrays, v);
    if (seen !== undefined) return seen;
    const n = v.length;
    const a: unknown[] = [];
    memo.set(memo.arrays, v, a);
    for (let i = 0; i < n; i++) {
      const x: unknown = v[i];
      a.push(x === null || typeof x !== 'object' ? x : cloneInto(x, shared, memo));
    }
    return a;
  }
  if (v instanceof Map || v instanceof Set) return cloneCollection(v, shared, memo);
  const src = v as Record<string, unknown>;
  const proto = Object.getPrototypeOf(v) as object | null;
  const s = shapeOfObject(src, proto);
  const keys = s.keys;
  if (keys.length === 3 && src.frame instanceof Uint8Array && typeof src.index === 'number' && typeof src.term === 'number') return v;
  const seen = memo.get(memo.objects, v);
  if (seen !== undefined) return seen;
  if (proto === null || !s.kept || !specialised) {
    // the plain loop (a constructor's prototype cannot be null; a shape not kept gets no code)
    const o = Object.create(proto) as Record<string, unknown>;
    memo.set(memo.objects, v, o);
    for (const k of keys) o[k] = cloneInto(src[k], shared, memo);
    return o;
  }
  const C = s.cloneCtor();
  return new C(src, shared, memo, cloneInto);
}

// Maps and Sets are walked with forEach and a callback that is not a closure (its arguments are in
// module variables, saved and restored around the walk, as a walk may nest in another): a for-of
// loop over a Map allocates an [key, value] pair per entry.
let cmTo: Map<unknown, unknown> | Set<unknown> = new Map();
let cmShared: WeakSet<object> | undefined;
let cmMemo = new Memo();

function cloneMapEntry(x: unknown, k: unknown): void {
  (cmTo as Map<unknown, unknown>).set(k === null || typeof k !== 'object' ? k : cloneInto(k, cmShared, cmMemo), x === null || typeof x !== 'object' ? x : cloneInto(x, cmShared, cmMemo));
}
function cloneSetElement(x: unknown): void {
  (cmTo as Set<unknown>).add(x === null || typeof x !== 'object' ? x : cloneInto(x, cmShared, cmMemo));
}

/** A Map's or a Set's copy (one walk for both kinds: the memo's table and the callback differ). */
function cloneCollection(v: Map<unknown, unknown> | Set<unknown>, shared: WeakSet<object> | undefined, memo: Memo): Map<unknown, unknown> | Set<unknown> {
  const isMap = v instanceof Map;
  const pairs = isMap ? memo.maps : memo.sets;
  const seen = memo.get(pairs, v);
  if (seen !== undefined) return seen as Map<unknown, unknown> | Set<unknown>;
  const c = isMap ? new Map<unknown, unknown>() : new Set<unknown>();
  memo.set(pairs, v, c);
  const to = cmTo, sh = cmShared, me = cmMemo;
  cmTo = c; cmShared = shared; cmMemo = memo;
  if (isMap) v.forEach(cloneMapEntry);
  else v.forEach(cloneSetElement);
  cmTo = to; cmShared = sh; cmMemo = me;
  return c;
}

/** A small id per distinct text, numbered in order of first use (fingerprints name parts by these ids). */
export function internId(ids: Map<string, number>, text: string): number {
  let id = ids.get(text);
  if (id === undefined) {
    id = ids.size;
    ids.set(text, id);
  }
  return id;
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

/**
 * The two lanes (A, B) of the hash being written. They live in an Int32Array, not in two module
 * variables: a variable holding a number outside V8's small-integer range (31 bits) is a boxed
 * heap number, so every write of a lane would allocate one.
 */
const LANES = new Int32Array(2);
/** the lanes' starting values (every hash, every collection entry and every string starts from them) */
const SEED_A = 0x811c9dc5 | 0;
const SEED_B = 0x9747b28c | 0;
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

function w32(x: number): void {
  let k = Math.imul(x, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let b = LANES[1]! ^ k;
  b = (b << 13) | (b >>> 19);
  LANES[1] = (Math.imul(b, 5) + 0xe6546b64) | 0;
  LANES[0] = Math.imul(LANES[0]! ^ x, 0x01000193);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

const strHash = new Map<string, readonly [number, number]>();
/** The two words a string is written as: its own hash (length and UTF-16 units), finalized. */
function strWords(s: string): readonly [number, number] {
  let p = strHash.get(s);
  if (p === undefined) {
    const sa = LANES[0]!;
    const sb = LANES[1]!;
    LANES[0] = SEED_A;
    LANES[1] = SEED_B;
    w32(s.length);
    for (let i = 0; i < s.length; i++) w32(s.charCodeAt(i));
    p = [fmix(LANES[0]), fmix(LANES[1])];
    LANES[0] = sa;
    LANES[1] = sb;
    if (strHash.size < 100_000) strHash.set(s, p);
  }
  return p;
}

/** The two words StructHash.str(s) writes (see StructHash.strWords). */
export function stringWords(s: string): readonly [number, number] {
  return strWords(s);
}

function wStr(s: string): void {
  const p = strWords(s);
  w32(p[0]);
  w32(p[1]);
}

/** The lanes of a plain object's entry after its key: the key's words written from the seed. */
function keyedLanes(k: string): readonly [number, number] {
  const sa = LANES[0]!;
  const sb = LANES[1]!;
  LANES[0] = SEED_A;
  LANES[1] = SEED_B;
  wStr(k);
  const r = [LANES[0]!, LANES[1]!] as const;
  LANES[0] = sa;
  LANES[1] = sb;
  return r;
}

/**
 * Plain objects are hashed by their own enumerable keys as `for (k in o)` lists them. That is
 * Object.keys(o), and so their shape, when no prototype of theirs has an enumerable property:
 * Object.prototype has none unless something added one, which each StructHash checks.
 */
let plainByShape = true;
function objectPrototypeClean(): boolean {
  for (const _ in Object.prototype) return false;
  return true;
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
  if (v instanceof Map) return hashCollection(v, T_MAP, ids, path, skip);
  if (v instanceof Set) return hashCollection(v, T_SET, ids, path, skip);
  const o = v as Record<string, unknown>;
  const proto = Object.getPrototypeOf(o) as object | null;
  if (proto === Object.prototype || proto === null) {
    if (!plainByShape) return hashPlainLoop(o, ids, path, skip);
    const s = shapeOfObject(o, proto);
    if (specialised && s.kept) s.plainHasher()(o, ids, path, skip);
    else hashPlainLoop(o, ids, path, skip);
    return;
  }
  const s = shapeOfObject(o, proto);
  if (specialised && s.kept) s.classHasher(skip)(o, ids, path, skip);
  else hashClassLoop(o, s.keys, ids, path, skip);
}

// Maps and Sets are walked with forEach and a callback that is not a closure, as in the clone
// (hmIds, hmPath, hmSkip: the walk's arguments; SUMS: its two sums, in an Int32Array for the
// reason LANES is one); all saved and restored around a walk, which may nest in another.
let hmIds = new FrameIds();
let hmPath = '$';
let hmSkip: ReadonlySet<string> | undefined;
const SUMS = new Int32Array(2);

function hashMapEntry(x: unknown, k: unknown): void {
  LANES[0] = SEED_A; LANES[1] = SEED_B;
  hv(k, hmIds, hmPath, hmSkip);
  hv(x, hmIds, hmPath, hmSkip);
  SUMS[0] = (SUMS[0]! + fmix(LANES[0])) | 0;
  SUMS[1] = (SUMS[1]! + fmix(LANES[1])) | 0;
}
function hashSetElement(x: unknown): void {
  LANES[0] = SEED_A; LANES[1] = SEED_B;
  hv(x, hmIds, hmPath, hmSkip);
  SUMS[0] = (SUMS[0]! + fmix(LANES[0])) | 0;
  SUMS[1] = (SUMS[1]! + fmix(LANES[1])) | 0;
}

/**
 * A Map (T_MAP) or a Set (T_SET): order does not matter. Each entry (key and value; a Set's
 * element) is hashed on its own from the seed, and the entries' finalized hashes are summed.
 */
function hashCollection(v: Map<unknown, unknown> | Set<unknown>, tag: number, ids: FrameIds, path: string, skip: ReadonlySet<string> | undefined): void {
  const sa = LANES[0]!, sb = LANES[1]!;
  const pIds = hmIds, pPath = hmPath, pSkip = hmSkip, pa = SUMS[0]!, pb = SUMS[1]!;
  hmIds = ids; hmPath = path; hmSkip = skip; SUMS[0] = 0; SUMS[1] = 0;
  if (tag === T_MAP) (v as Map<unknown, unknown>).forEach(hashMapEntry);
  else (v as Set<unknown>).forEach(hashSetElement);
  const ca = SUMS[0]!, cb = SUMS[1]!;
  hmIds = pIds; hmPath = pPath; hmSkip = pSkip; SUMS[0] = pa; SUMS[1] = pb;
  LANES[0] = sa;
  LANES[1] = sb;
  w32(tag); w32(v.size); w32(ca); w32(cb);
}

/**
 * A plain object: key order does not matter. Each entry (key, value) is hashed on its own from the
 * seed and the entries' finalized hashes are summed; then the sum is written with the count.
 */
function hashPlainLoop(o: Record<string, unknown>, ids: FrameIds, path: string, skip: ReadonlySet<string> | undefined): void {
  const sa = LANES[0]!;
  const sb = LANES[1]!;
  let ca = 0;
  let cb = 0;
  let n = 0;
  for (const k in o) {
    LANES[0] = SEED_A; LANES[1] = SEED_B;
    wStr(k);
    hv(o[k], ids, path === '$' ? k : path, skip);
    ca = (ca + fmix(LANES[0])) | 0;
    cb = (cb + fmix(LANES[1])) | 0;
    n++;
  }
  LANES[0] = sa;
  LANES[1] = sb;
  w32(T_PLAIN); w32(n); w32(ca); w32(cb);
}

/** A class instance: its keys in their order, each key then its value; keys in `skip` left out. */
function hashClassLoop(o: Record<string, unknown>, keys: readonly string[], ids: FrameIds, path: string, skip: ReadonlySet<string> | undefined): void {
  w32(T_OBJ);
  hashFieldsLoop(o, keys, ids, path, skip);
}

function hashFieldsLoop(o: Record<string, unknown>, keys: readonly string[], ids: FrameIds, path: string, skip: ReadonlySet<string> | undefined): void {
  for (const k of keys) {
    if (skip?.has(k)) continue;
    wStr(k);
    hv(o[k], ids, path === '$' ? k : path, skip);
  }
}

// Code generation for the hashers of shapes. The generated function holds the lanes in two local
// variables (a, b), and writes each key's words as constants (their murmur3 mixing is constant
// too, so it is done here, once); a value that is an integer or a boolean is written inline, any
// other goes through hv() with the lanes stored back for it and reloaded after. Each piece is
// w32() or hv() spelled out, word for word.

/** Source text writing the constant word w into the lanes a, b: w32(w). */
function genWord(w: number): string {
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  return `b ^= ${k}; b = (b << 13) | (b >>> 19); b = (Math.imul(b, 5) + 0xe6546b64) | 0; a = Math.imul(a ^ ${w | 0}, 0x01000193);`;
}
/** Source text writing the int32 in x into the lanes a, b: w32(x). */
const GEN_WORD_X = 'k = Math.imul(x, 0xcc9e2d51); k = (k << 15) | (k >>> 17); k = Math.imul(k, 0x1b873593); b ^= k; b = (b << 13) | (b >>> 19); b = (Math.imul(b, 5) + 0xe6546b64) | 0; a = Math.imul(a ^ x, 0x01000193);';
/** Source text writing the value in x, the value of key `key`: hv(x, ids, path === '$' ? key : path, skip). */
function genValue(key: string): string {
  return `if (typeof x === 'number' && (x | 0) === x) { ${genWord(T_INT)} ${GEN_WORD_X} }
else if (x === true) { ${genWord(T_TRUE)} }
else if (x === false) { ${genWord(T_FALSE)} }
else { L[0] = a; L[1] = b; hv(x, ids, path === '$' ? ${JSON.stringify(key)} : path, skip); a = L[0]; b = L[1]; }`;
}
/** Source text writing the fields `keys` of o, as hashFieldsLoop() does: each key's words, then its value. */
function genFields(keys: readonly string[]): string {
  const body: string[] = [];
  for (const k of keys) {
    const [wa, wb] = strWords(k);
    body.push(`${genWord(wa)} ${genWord(wb)}`, `x = o[${JSON.stringify(k)}];`, genValue(k));
  }
  return body.join('\n');
}
function generate(body: string): ObjectHasher {
  const make = new Function('L', 'hv', 'fmix', `'use strict';\nreturn function (o, ids, path, skip) {\n${body}\n};`) as (l: Int32Array, h: typeof hv, f: typeof fmix) => ObjectHasher;
  return make(LANES, hv, fmix);
}

/**
 * Keys hashed as the fields of a class instance are (each key's words, then its value), without
 * the class's tag: for a caller that writes some fields of an object itself (World.hashCore).
 */
export class FieldList {
  private readonly hash: ObjectHasher;
  constructor(readonly keys: readonly string[]) {
    this.hash = generate(`let a = L[0], b = L[1], k = 0, x;\n${genFields(keys)}\nL[0] = a; L[1] = b;`);
  }
  /** (with the lanes set) */
  write(o: Record<string, unknown>, ids: FrameIds): void {
    if (specialised) this.hash(o, ids, '$', undefined);
    else hashFieldsLoop(o, this.keys, ids, '$', undefined);
  }
}

/** Incremental 64-bit structural hash: feed values and words, then take `digest()`. */
export class StructHash {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;
  /** (see plainByShape: checked once per hash; nothing runs between its values that could change it) */
  private plainByShape = objectPrototypeClean();
  /** `skip`: keys of class instances (at any depth) left out */
  value(v: unknown, ids: FrameIds, path = '$', skip?: ReadonlySet<string>): this {
    plainByShape = this.plainByShape;
    LANES[0] = this.a; LANES[1] = this.b;
    hv(v, ids, path, skip);
    this.a = LANES[0]; this.b = LANES[1];
    return this;
  }
  /** The fields of o in `fields` (as `str(k).value(o[k], ids, k)` for each key k, in order). */
  fields(o: Record<string, unknown>, fields: FieldList, ids: FrameIds): this {
    plainByShape = this.plainByShape;
    LANES[0] = this.a; LANES[1] = this.b;
    fields.write(o, ids);
    this.a = LANES[0]; this.b = LANES[1];
    return this;
  }
  word(x: number): this {
    LANES[0] = this.a; LANES[1] = this.b;
    w32(x | 0);
    this.a = LANES[0]; this.b = LANES[1];
    return this;
  }
  str(s: string): this {
    LANES[0] = this.a; LANES[1] = this.b;
    wStr(s);
    this.a = LANES[0]; this.b = LANES[1];
    return this;
  }
  /** The same as str(s), given words = stringWords(s) (a string written often, its words kept). */
  strWords(words: readonly [number, number]): this {
    LANES[0] = this.a; LANES[1] = this.b;
    w32(words[0]); w32(words[1]);
    this.a = LANES[0]; this.b = LANES[1];
    return this;
  }
  /** 64 bits as text (a visited-set key) */
  digest(): string {
    return `${(fmix(this.a) >>> 0).toString(36)}.${(fmix(this.b ^ 0x2545f491) >>> 0).toString(36)}`;
  }
  /** stringWords(this.digest()), without making the text (for a digest only ever written into another hash). */
  digestWords(): readonly [number, number] {
    const nx = base36Digits(fmix(this.a) >>> 0, DIGITS_X);
    const ny = base36Digits(fmix(this.b ^ 0x2545f491) >>> 0, DIGITS_Y);
    const sa = LANES[0]!;
    const sb = LANES[1]!;
    // as strWords: the length, then each UTF-16 unit ('0'-'9', 'a'-'z', '.')
    LANES[0] = SEED_A;
    LANES[1] = SEED_B;
    w32(nx + 1 + ny);
    for (let i = nx - 1; i >= 0; i--) w32(DIGITS_X[i]!);
    w32(0x2e);
    for (let i = ny - 1; i >= 0; i--) w32(DIGITS_Y[i]!);
    const p = [fmix(LANES[0]), fmix(LANES[1])] as const;
    LANES[0] = sa;
    LANES[1] = sb;
    return p;
  }
}

/** (digestWords: the character codes of a number's base-36 digits, least significant first) */
const DIGITS_X = new Int32Array(8);
const DIGITS_Y = new Int32Array(8);

/** The character codes of x.toString(36) (x an unsigned 32-bit integer) into out, last digit first; their count. */
function base36Digits(x: number, out: Int32Array): number {
  let n = 0;
  do {
    const d = x % 36;
    out[n++] = d < 10 ? 0x30 + d : 0x61 + d - 10;
    x = (x - d) / 36;
  } while (x > 0);
  return n;
}
