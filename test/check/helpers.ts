// Helpers shared by the checker tests.
import { SeededRand } from '../../ctrl/rand.js';
import {
  checkOperations,
  modelByName,
  parseJsonHistory,
  type CheckResult,
  type JsonOp,
  type JsonValue,
  type ModelName,
} from '../../verify/check/index.js';

type Status = 'ok' | 'fail' | 'info' | 'pending';

/** One JSON op; `ret` is ignored for info/pending. */
export function op(
  process: number,
  name: JsonOp['op'],
  call: number,
  ret: number,
  args: { key?: string; value?: JsonValue | [JsonValue, JsonValue]; output?: JsonValue; status?: Status } = {},
): JsonOp {
  const o: JsonOp = { process, op: name, invokeNs: call };
  if (args.key !== undefined) o.key = args.key;
  if (args.value !== undefined) o.value = args.value;
  const status = args.status ?? 'ok';
  if (status !== 'pending') {
    o.status = status;
    o.returnNs = ret;
  }
  if (args.output !== undefined) o.output = args.output;
  return o;
}

export const w = (p: number, v: JsonValue, call: number, ret: number, status: Status = 'ok') =>
  op(p, 'write', call, ret, { value: v, status });
export const r = (p: number, out: JsonValue, call: number, ret: number) =>
  op(p, 'read', call, ret, { output: out });
export const cas = (p: number, from: JsonValue, to: JsonValue, call: number, ret: number, status: Status = 'ok') =>
  op(p, 'cas', call, ret, { value: [from, to], status });

/** Checks JSON ops through the JSON reader (so the JSON path is exercised too). */
export function check(model: ModelName, ops: JsonOp[], timeoutMs?: number): CheckResult {
  const h = parseJsonHistory(JSON.stringify({ model, ops }), 'test.json');
  return checkOperations(modelByName(model), h.ops, timeoutMs === undefined ? {} : { timeoutMs });
}

export function verdict(model: ModelName, ops: JsonOp[]): string {
  return check(model, ops).verdict;
}

/** The project's seeded generator (ctrl/rand.ts) as a function. */
export function rng(seed: number): () => number {
  const r = new SeededRand(seed);
  return () => r.next();
}
