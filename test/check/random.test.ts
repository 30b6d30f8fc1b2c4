// Randomized tests: histories generated from the model (always linearizable) and their
// perturbations (never linearizable); plus a brute-force cross-check on tiny histories.
// Replay a run with SEED=<seed printed below> npx vitest run test/check/random.test.ts
import { describe, expect, it } from 'vitest';
import {
  checkOperations,
  modelByName,
  parseJsonHistory,
  type JsonOp,
  type ModelName,
  type Operation,
  type Value,
} from '../../verify/check/index.js';
import { rng } from './helpers.js';

const seed = process.env.SEED !== undefined ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);
console.log('seed', seed);

const NEVER = '#never-written';

interface Planned {
  json: JsonOp;
  lin: number;
  applies: boolean;
}

/** A concurrent history whose ops take effect at a point inside their interval. */
function generate(rand: () => number, modelName: ModelName): JsonOp[] {
  const nproc = 2 + Math.floor(rand() * 4);
  const n = 5 + Math.floor(rand() * 40);
  const keys = modelName === 'kv' ? ['a', 'b', 'c'].slice(0, 1 + Math.floor(rand() * 3)) : [undefined];
  const kinds: JsonOp['op'][] =
    modelName === 'kv' ? ['get', 'get', 'put', 'append', 'delete', 'cas'] : ['read', 'read', 'write', 'cas'];
  const free = new Array<number>(nproc).fill(0);
  const pid = Array.from({ length: nproc }, (_, i) => i);
  let nextPid = nproc;
  const plan: Planned[] = [];
  const val = () => String(Math.floor(rand() * 4));
  for (let i = 0; i < n; i++) {
    const p = Math.floor(rand() * nproc);
    const call = free[p]! + Math.floor(rand() * 4);
    const lin = call + 0.5 + Math.floor(rand() * 8);
    const ret = Math.ceil(lin) + Math.floor(rand() * 4);
    free[p] = ret + 1;
    const kind = kinds[Math.floor(rand() * kinds.length)]!;
    const json: JsonOp = { process: pid[p]!, op: kind, invokeNs: call, returnNs: ret, status: 'ok' };
    const key = keys[Math.floor(rand() * keys.length)];
    if (key !== undefined) json.key = key;
    if (kind === 'write' || kind === 'put') json.value = val();
    if (kind === 'append') json.value = 'xyz'[Math.floor(rand() * 3)]!;
    if (kind === 'cas') json.value = [rand() < 0.2 ? null : val(), val()];
    let applies = true;
    if (rand() < 0.12) {
      // indeterminate: took effect at its point, or never
      json.status = 'info';
      applies = rand() < 0.5;
      pid[p] = nextPid++; // like Jepsen, a crashed process is replaced
    }
    plan.push({ json, lin, applies });
  }
  // Apply in linearization order to get the outputs.
  const state = new Map<string, Value>();
  for (const { json, applies } of [...plan].sort((a, b) => a.lin - b.lin)) {
    if (!applies) continue;
    const k = json.key ?? '';
    const cur = state.get(k) ?? null;
    switch (json.op) {
      case 'read':
      case 'get':
        json.output = cur;
        break;
      case 'write':
      case 'put':
        state.set(k, json.value as string);
        break;
      case 'append':
        state.set(k, (cur ?? '') + (json.value as string));
        break;
      case 'delete':
        state.set(k, null);
        break;
      case 'cas': {
        const [from, to] = json.value as [Value, Value];
        if (cur === from) state.set(k, to);
        else if (json.status === 'ok') json.status = 'fail';
        break;
      }
    }
  }
  return plan.map((p) => p.json);
}

function run(modelName: ModelName, ops: JsonOp[]): string {
  const h = parseJsonHistory(JSON.stringify({ model: modelName, ops }), 'random.json');
  return checkOperations(modelByName(modelName), h.ops, { timeoutMs: 20_000 }).verdict;
}

/** Exhaustive search over orders (indeterminate ops may be left out entirely). */
function bruteForce(modelName: ModelName, ops: Operation[]): boolean {
  const model = modelByName(modelName);
  const used = new Array<boolean>(ops.length).fill(false);
  const rec = (state: Map<string, Value>): boolean => {
    if (ops.every((o, i) => used[i] || o.status === 'unknown')) return true;
    for (let i = 0; i < ops.length; i++) {
      if (used[i]) continue;
      const op = ops[i]!;
      if (ops.some((o, j) => !used[j] && j !== i && o.ret < op.call)) continue; // something must precede it
      const ns = model.step(state.get(op.key) ?? null, op);
      if (ns === undefined) continue;
      used[i] = true;
      const next = new Map(state).set(op.key, ns);
      const ok = rec(next);
      used[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return rec(new Map());
}

describe(`randomized histories (seed ${seed})`, () => {
  for (const modelName of ['register', 'kv'] as const) {
    it(`${modelName}: generated histories are linearizable, perturbed reads are not`, () => {
      const rand = rng(seed + (modelName === 'kv' ? 1 : 0));
      let perturbed = 0;
      for (let iter = 0; iter < 300; iter++) {
        const ops = generate(rand, modelName);
        expect(run(modelName, ops), `iteration ${iter}: ${JSON.stringify(ops)}`).toBe('linearizable');
        const reads = ops.filter((o) => (o.op === 'read' || o.op === 'get') && o.status === 'ok');
        if (reads.length === 0) continue;
        const victim = reads[Math.floor(rand() * reads.length)]!;
        const saved = victim.output;
        victim.output = NEVER;
        expect(run(modelName, ops), `iteration ${iter} perturbed: ${JSON.stringify(ops)}`).toBe('not linearizable');
        victim.output = saved;
        perturbed++;
      }
      expect(perturbed).toBeGreaterThan(100);
    });

    it(`${modelName}: agrees with brute force on tiny arbitrary histories`, () => {
      const rand = rng(seed + 7 + (modelName === 'kv' ? 1 : 0));
      const kinds: JsonOp['op'][] =
        modelName === 'kv' ? ['get', 'put', 'append', 'delete', 'cas'] : ['read', 'write', 'cas'];
      const val = (): string | null => (rand() < 0.2 ? null : String(Math.floor(rand() * 3)));
      let nots = 0;
      for (let iter = 0; iter < 400; iter++) {
        const n = 1 + Math.floor(rand() * 6);
        const ops: JsonOp[] = [];
        for (let i = 0; i < n; i++) {
          const call = Math.floor(rand() * 10);
          const kind = kinds[Math.floor(rand() * kinds.length)]!;
          const o: JsonOp = { process: i, op: kind, invokeNs: call, returnNs: call + Math.floor(rand() * 5), status: 'ok' };
          if (modelName === 'kv') o.key = rand() < 0.5 ? 'a' : 'b';
          if (kind === 'write' || kind === 'put') o.value = val();
          if (kind === 'append') o.value = 'xy'[Math.floor(rand() * 2)]!;
          if (kind === 'read' || kind === 'get') {
            o.output = modelName === 'kv' && rand() < 0.3 ? ['x', 'y', 'xy', 'yx'][Math.floor(rand() * 4)]! : val();
          }
          if (kind === 'cas') {
            o.value = [val(), val()];
            if (rand() < 0.4) o.status = 'fail';
          }
          if (rand() < 0.2) o.status = 'info';
          ops.push(o);
        }
        const h = parseJsonHistory(JSON.stringify({ model: modelName, ops }), 'tiny.json');
        const expected = bruteForce(modelName, h.ops) ? 'linearizable' : 'not linearizable';
        if (expected !== 'linearizable') nots++;
        expect(checkOperations(modelByName(modelName), h.ops).verdict, JSON.stringify(ops)).toBe(expected);
      }
      expect(nots).toBeGreaterThan(20);
    });
  }
});
