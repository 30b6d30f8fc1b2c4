// A worker thread of the checker's pool (pool.ts): keeps the searches of the partitions given to
// it and runs them one time slice at a time, as the pool asks.
import { parentPort, workerData } from 'node:worker_threads';
import { CacheBudget, PartitionSearch } from './checker.js';
import { makeModel, type ModelSpec } from './models.js';
import type { Operation, Value } from './types.js';

export interface WorkerInit {
  spec: ModelSpec;
  cacheBytes: number;
}

export type ToWorker =
  | { t: 'run'; job: number; key: string; ops?: Operation[]; sliceMs: number; deadlineEpochMs: number }
  | { t: 'drop'; job: number };

export interface FromWorker {
  t: 'done';
  job: number;
  status: 'linearizable' | 'not linearizable' | 'paused';
  steps: number;
  depth: number;
  evictions: number;
  /** The longest linearizable prefix (local indices), sent with a verdict or at the deadline. */
  best?: number[];
}

const init = workerData as WorkerInit;
const model = makeModel(init.spec);
const budget = new CacheBudget(init.cacheBytes);
const jobs = new Map<number, PartitionSearch<Value>>();

parentPort!.on('message', (m: ToWorker) => {
  if (m.t === 'drop') {
    jobs.get(m.job)?.release();
    jobs.delete(m.job);
    return;
  }
  let s = jobs.get(m.job);
  if (!s) {
    if (!m.ops) throw new Error(`checker worker: job ${m.job} is unknown here and came without its operations`);
    s = new PartitionSearch(model, m.ops, m.key, budget);
    jobs.set(m.job, s);
  }
  const deadline = m.deadlineEpochMs - performance.timeOrigin;
  const status = s.run(Math.min(deadline, performance.now() + m.sliceMs));
  const reply: FromWorker = { t: 'done', job: m.job, status, steps: s.steps, depth: s.depth, evictions: s.evictions };
  if (status !== 'paused' || performance.now() >= deadline) reply.best = s.best;
  if (status !== 'paused') jobs.delete(m.job);
  parentPort!.postMessage(reply);
});
