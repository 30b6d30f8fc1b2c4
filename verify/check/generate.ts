// Generated histories with known verdicts, for tests and benchmarks of the checker.
import type { JsonHistory, JsonOp } from './types.js';

/**
 * `writers` writes of distinct values, all concurrent (invoked at 0, returned at 100), then one
 * read (101–102) of a value nobody wrote: not linearizable, and to prove it the search must try
 * every set of writes with every last write (about writers × 2^(writers-1) configurations), so the
 * search cache has to hold them all. A read of one of the written values (`readWritten`) makes it
 * linearizable: `read: writers - 1` is found at once; `read: 0` (the first write placed last) only
 * after the search tried most orders.
 */
export function concurrentWrites(writers: number, opts: { key?: string; read?: number; process0?: number } = {}): JsonHistory {
  const key = opts.key ?? 'k';
  const ops: JsonOp[] = [];
  const p0 = opts.process0 ?? 0;
  for (let i = 0; i < writers; i++) {
    ops.push({ process: p0 + i, op: 'put', key, value: `v${i}`, invokeNs: 0, returnNs: 100, status: 'ok' });
  }
  ops.push({
    process: p0 + writers,
    op: 'get',
    key,
    invokeNs: 101,
    returnNs: 102,
    status: 'ok',
    output: opts.read === undefined ? 'never-written' : `v${opts.read}`,
  });
  return { model: 'kv', ops };
}

/**
 * Several keys in one history: `hard` keys of `appenders` concurrent appends followed by an
 * impossible read (each needs a search of every order of the appends, hopeless for 12 or more),
 * and `easy` keys of sequential put/get pairs, the last of which reads a stale value when
 * `violation` is set. The hard keys come first, so a checker that searches keys one after
 * another spends its whole time limit on them; a fair one finds the violation at once.
 */
export function hardAndEasyKeys(opts: { hard: number; appenders: number; easy: number; violation: boolean }): JsonHistory {
  const ops: JsonOp[] = [];
  let proc = 0;
  for (let h = 0; h < opts.hard; h++) {
    const key = `hard${h}`;
    for (let i = 0; i < opts.appenders; i++) {
      ops.push({ process: proc++, op: 'append', key, value: String.fromCharCode(97 + (i % 26)) + i, invokeNs: 0, returnNs: 100, status: 'ok' });
    }
    ops.push({ process: proc++, op: 'get', key, invokeNs: 101, returnNs: 102, status: 'ok', output: 'impossible' });
  }
  for (let e = 0; e < opts.easy; e++) {
    const key = `easy${e}`;
    const p = proc++;
    ops.push({ process: p, op: 'put', key, value: '1', invokeNs: 200, returnNs: 210, status: 'ok' });
    ops.push({ process: p, op: 'put', key, value: '2', invokeNs: 220, returnNs: 230, status: 'ok' });
    const stale = opts.violation && e === opts.easy - 1;
    ops.push({ process: p, op: 'get', key, invokeNs: 240, returnNs: 250, status: 'ok', output: stale ? '1' : '2' });
  }
  return { model: 'kv', ops };
}
