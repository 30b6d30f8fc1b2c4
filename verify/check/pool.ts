// Checks the partitions (keys) of a history in parallel on worker threads, stopping at the first
// violation (docs/checker.md, "Parallel search").
//
// 1. The partitions are first searched in turns on this thread (RoundRobin, time slices), for up
//    to WARMUP_MS: most histories are decided here, with no thread started.
// 2. If two or more partitions are still open and there is more than one core, worker threads
//    join (this thread plus the workers = the available cores, never more threads than open
//    partitions). The partitions searched least so far go to the workers, largest first; this
//    thread keeps searching its own between handling the workers' messages. Every thread runs
//    its partitions in turns, one time slice each, so no key starves; a thread with nothing
//    left takes over a partition waiting at the busiest one (its search restarts there).
//    The first violation anywhere ends the check and stops the workers.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  CacheBudget,
  RoundRobin,
  defaultCacheBytes,
  explain,
  partitions,
  type CheckOptions,
  type CheckResult,
  type Verdict,
} from './checker.js';
import { makeModel, type ModelSpec } from './models.js';
import type { Operation } from './types.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker.js';

export interface ParallelOptions extends CheckOptions {
  /** Threads searching at most, this one included (default: available cores). 1 = no workers. */
  workers?: number;
  /** How long this thread searches alone before workers are started (ms). */
  warmupMs?: number;
}

/** This thread searches alone for this long before starting workers. */
export const WARMUP_MS = 2000;
/** Time slice of one partition, ms (this thread and the workers). */
const SLICE_MS = 100;

const epochNow = (): number => performance.timeOrigin + performance.now();

/** Starts a worker running worker.ts (through tsx when running from TypeScript sources). */
function spawnWorker(init: WorkerInit): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./worker.js', self), { workerData: init });
  // Development (tsx, vitest): the worker registers tsx's loader, then imports the .ts module.
  let api: string;
  try {
    api = import.meta.resolve('tsx/esm/api');
  } catch {
    api = 'file://' + createRequire(self).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  }
  const target = new URL('./worker.ts', self).href;
  const code =
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })` +
    `.catch((e) => { setImmediate(() => { throw e; }); });`;
  return new Worker(code, { eval: true, workerData: init });
}

interface Job {
  id: number;
  key: string;
  ops: Operation[];
  steps: number;
  best: number[];
  /** The worker holding this job's search (undefined: nobody has started it). */
  owner?: Slot;
}

interface Slot {
  worker: Worker;
  queue: Job[];
  running?: Job;
  dead?: boolean;
}

/** Checks a history: this thread first, then this thread and a pool of workers (see above). */
export async function checkHistory(spec: ModelSpec, ops: Operation[], opts: ParallelOptions = {}): Promise<CheckResult> {
  const t0 = performance.now();
  const deadline = opts.deadline ?? t0 + (opts.timeoutMs ?? Infinity);
  const model = makeModel(spec);
  const cacheBytes = opts.cacheBytes ?? defaultCacheBytes();
  const threads = Math.max(1, opts.workers ?? availableParallelism());
  const parts = partitions(model, ops);
  const budget = new CacheBudget(threads > 1 ? Math.floor(cacheBytes / Math.min(threads, parts.length)) : cacheBytes);
  const rr = new RoundRobin(model, parts, budget);
  let workerSteps = 0;
  let workerDone = 0;
  let workerEvictions = 0;
  let workerStarted = 0;
  let nWorkersStarted = 0;
  let note: string | undefined;
  const progress = (): void =>
    opts.onProgress?.({ partitions: parts.length, done: rr.done + workerDone, steps: rr.steps + workerSteps, elapsedMs: performance.now() - t0 });
  const result = (verdict: Verdict, extra: Partial<CheckResult> = {}): CheckResult => {
    rr.release();
    const r: CheckResult = {
      verdict,
      partitions: parts.length,
      searched: Math.min(parts.length, rr.searched + workerStarted),
      elapsedMs: performance.now() - t0,
      steps: rr.steps + workerSteps,
      evictions: rr.evictions + workerEvictions,
      threads: 1 + nWorkersStarted,
      ...extra,
    };
    if (note) r.note = note;
    return r;
  };
  const violation = (): CheckResult => {
    const v = rr.violation!;
    return result('not linearizable', { failing: explain(model, v.ops, v.key, v.best, 'not linearizable') });
  };

  // 1. This thread alone.
  const warmupEnd = Math.min(deadline, t0 + (opts.warmupMs ?? WARMUP_MS));
  let lastProgress = t0;
  for (;;) {
    const st = rr.step(deadline, SLICE_MS);
    if (st === 'violation') return violation();
    if (st === 'empty') return result('linearizable');
    if (performance.now() - lastProgress > 100) {
      lastProgress = performance.now();
      progress();
    }
    const now = performance.now();
    if (now >= deadline) {
      const w = rr.hardest()!;
      return result('unknown', { failing: explain(model, w.ops, w.key, w.best, 'unknown'), unfinished: rr.open.map((x) => x.key) });
    }
    if (now >= warmupEnd && rr.open.length >= 2 && threads >= 2) break;
  }

  // 2. This thread and the workers.
  const nWorkers = Math.min(threads - 1, rr.open.length - 1);
  const handOut = Math.floor((rr.open.length * nWorkers) / (nWorkers + 1));
  const jobs: Job[] = [];
  for (let i = 0; i < handOut; i++) {
    const p = rr.take()!;
    jobs.push({ id: i, key: p.key, ops: p.ops, steps: 0, best: [] });
  }
  const init: WorkerInit = { spec, cacheBytes: budget.limit };
  const slots: Slot[] = [];
  for (let i = 0; i < nWorkers; i++) slots.push({ worker: spawnWorker(init), queue: [] });
  nWorkersStarted = nWorkers;
  [...jobs].sort((a, b) => b.ops.length - a.ops.length).forEach((j, i) => slots[i % nWorkers]!.queue.push(j));
  const deadlineEpochMs = Number.isFinite(deadline) ? performance.timeOrigin + deadline : Infinity;
  let openJobs = jobs.length;
  let settled: CheckResult | undefined;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const dispatch = (slot: Slot): void => {
    if (settled || slot.dead) return;
    let job = slot.queue.shift();
    if (!job) {
      // Take over a waiting job from the busiest worker, or one of this thread's partitions.
      const donor = slots.filter((s) => s !== slot && s.queue.length > 0).sort((a, b) => b.queue.length - a.queue.length)[0];
      job = donor?.queue.pop();
      if (job?.owner) {
        job.owner.worker.postMessage({ t: 'drop', job: job.id } satisfies ToWorker);
        job.owner = undefined;
      }
      if (!job && rr.open.length >= 2 && performance.now() < deadline) {
        const p = rr.take()!;
        job = { id: jobs.length, key: p.key, ops: p.ops, steps: 0, best: [] };
        jobs.push(job);
        openJobs++;
      }
    }
    slot.running = job;
    if (!job) return;
    const m: ToWorker = { t: 'run', job: job.id, key: job.key, sliceMs: SLICE_MS, deadlineEpochMs };
    if (job.owner !== slot) {
      if (job.steps === 0 && job.owner === undefined) workerStarted++;
      m.ops = job.ops;
      job.owner = slot;
      job.steps = 0; // a new search there
    }
    slot.worker.postMessage(m);
  };

  for (const slot of slots) {
    slot.worker.on('message', (m: FromWorker) => {
      if (settled) return;
      const job = jobs[m.job]!;
      slot.running = undefined;
      workerSteps += m.steps - job.steps;
      job.steps = m.steps;
      if (m.best) job.best = m.best;
      if (m.status === 'not linearizable') {
        settled = result('not linearizable', { failing: explain(model, job.ops, job.key, job.best, 'not linearizable') });
        poke();
        return;
      }
      if (m.status === 'linearizable') {
        openJobs--;
        workerDone++;
        workerEvictions += m.evictions;
        job.owner = undefined;
      } else if (epochNow() < deadlineEpochMs) slot.queue.push(job);
      dispatch(slot);
      poke();
    });
    slot.worker.on('error', (e: Error) => {
      // A worker that stops (out of memory, say): its partitions are searched again here.
      note ??= `a checker worker stopped (${e.message}); its keys were searched again on the main thread`;
      slot.dead = true;
      for (const job of [...(slot.running ? [slot.running] : []), ...slot.queue]) {
        job.owner = undefined;
        openJobs--;
        rr.add({ key: job.key, ops: job.ops });
      }
      slot.queue = [];
      slot.running = undefined;
      poke();
    });
    dispatch(slot);
  }

  try {
    for (;;) {
      if (settled) return settled;
      const workersBusy = slots.some((s) => s.running);
      if (rr.open.length > 0 && performance.now() < deadline) {
        const st = rr.step(deadline, SLICE_MS);
        if (st === 'violation') return violation();
      } else if (!workersBusy) {
        break;
      } else {
        // Nothing to do here: take a job waiting at a worker, or wait for a message.
        const donor = slots.filter((s) => s.queue.length > 0).sort((a, b) => b.queue.length - a.queue.length)[0];
        const job = performance.now() < deadline ? donor?.queue.pop() : undefined;
        if (job) {
          if (job.owner) job.owner.worker.postMessage({ t: 'drop', job: job.id } satisfies ToWorker);
          job.owner = undefined;
          openJobs--;
          rr.add({ key: job.key, ops: job.ops });
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (performance.now() - lastProgress > 250) {
        lastProgress = performance.now();
        progress();
      }
      await new Promise<void>((resolve) => setImmediate(resolve)); // let the workers' messages in
    }
    if (settled) return settled;
    const openHere = rr.open.length;
    if (openHere === 0 && openJobs === 0) return result('linearizable');
    // Out of time (or a worker stopped): unknown. Report the hardest open partition.
    const candidates = [
      ...jobs.filter((j) => j.owner || slots.some((s) => s.queue.includes(j))).map((j) => ({ key: j.key, ops: j.ops, best: j.best })),
    ];
    const here = rr.hardest();
    if (here) candidates.push(here);
    const open = candidates.length > 0 ? candidates : jobs.map((j) => ({ key: j.key, ops: j.ops, best: j.best }));
    const w = open.reduce((a, b) => (b.ops.length - b.best.length > a.ops.length - a.best.length ? b : a));
    return result('unknown', {
      failing: explain(model, w.ops, w.key, w.best, 'unknown'),
      unfinished: [...new Set([...rr.open.map((x) => x.key), ...open.map((x) => x.key)])],
    });
  } finally {
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
