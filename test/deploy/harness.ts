// Helpers of the deployment tests: free loopback ports, a local cluster in a temporary folder,
// the linearizability check of a recorded history, and the comparison of the nodes' WAL files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOperations } from '../../verify/check/checker.js';
import { modelByName } from '../../verify/check/models.js';
import { parseHistory } from '../../verify/check/parse.js';
import { crc32 } from '../../ctrl/core/crc32.js';
import { entryIdentity } from '../../ctrl/core/entry.js';
import { readWal } from '../../ctrl/daemon/file-storage.js';
import { KvStore } from '../../ctrl/app/kv.js';
import { LocalCluster, freeBasePort, writeLayout, type LayoutOptions } from '../../ctrl/deploy/cluster.js';
import type { Workload } from '../../ctrl/deploy/load.js';

const made: string[] = [];

/** A fresh folder under the OS's temporary directory (removed by removeTempDirs). */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `nicraft-${prefix}-`));
  made.push(d);
  return d;
}

/** Removes the folders this test file made (kept with KEEP_DEPLOY_DIRS=1, to read the logs). */
export function removeTempDirs(): void {
  if (process.env.KEEP_DEPLOY_DIRS === '1') {
    if (made.length) console.log(`kept: ${made.join(' ')}`);
    return;
  }
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export { freeBasePort };

export async function makeCluster(prefix: string, o: Partial<LayoutOptions> = {}): Promise<LocalCluster> {
  const dir = tempDir(prefix);
  const replicas = o.replicas ?? 3;
  const planes = o.planes ?? 2;
  const basePort = o.basePort ?? (await freeBasePort(replicas, planes));
  writeLayout(dir, { replicas, planes, backend: o.backend ?? 'model', basePort, overrides: o.overrides, frameAuth: o.frameAuth });
  return new LocalCluster(dir);
}

export function checkHistory(w: Workload): { verdict: string; ops: number; keys: number; detail: string } {
  const h = parseHistory(w.historyJson(), 'history', 'json');
  const r = checkOperations(modelByName('kv'), h.ops, { timeoutMs: 60_000 });
  const detail = r.failing ? JSON.stringify(r.failing.frontier?.map((f) => ({ op: f.op.f, key: f.op.key, value: f.op.value, result: f.op.result, reason: f.reason })).slice(0, 5)) : '';
  return { verdict: r.verdict, ops: h.ops.length, keys: r.partitions, detail };
}

/**
 * The nodes' write-ahead logs agree: at every index up to the smallest commit index, every node
 * that holds the entry holds the same one (term and CRC-32 of its identity), and nodes at the same
 * commit index rebuild the same KV state from their WAL (snapshot + entries). Returns the problems.
 */
export function compareWals(lc: LocalCluster): { problems: string[]; commits: number[]; compared: number; kvCompared: number } {
  const walls = lc.ids.map((id) => ({ id, r: readWal(lc.walPath(id)) }));
  const problems: string[] = [];
  const commits = walls.map((w) => w.r.state.hardState.commit);
  const upTo = Math.min(...commits);
  let compared = 0;
  const byNode = walls.map((w) => new Map(w.r.state.entries.map((e) => [e.index, { term: e.term, crc: crc32(entryIdentity(e.frame)) }])));
  for (let i = 1; i <= upTo; i++) {
    let ref: { term: number; crc: number; node: number } | undefined;
    byNode.forEach((m, k) => {
      const e = m.get(i);
      if (!e) return;
      if (!ref) ref = { ...e, node: walls[k]!.id };
      else if (ref.term !== e.term || ref.crc !== e.crc) {
        if (problems.length < 10) problems.push(`index ${i}: n${ref.node} holds t${ref.term}/${ref.crc}, n${walls[k]!.id} holds t${e.term}/${e.crc}`);
      }
    });
    if (ref) compared++;
  }
  for (const w of walls) if (w.r.tail !== 'clean') problems.push(`n${w.id}: WAL tail ${w.r.tail} after a clean stop`);
  // the state machines: each node's KV store rebuilt from its WAL (snapshot + committed entries);
  // nodes at the same commit index must hold the same bytes
  const states = new Map<number, { node: number; bytes: string }>();
  let kvCompared = 0;
  for (const w of walls) {
    const kv = new KvStore();
    const st = w.r.state;
    if (st.snapshot) kv.restore(st.snapshot.data);
    for (const e of st.entries) if (e.index <= st.hardState.commit) kv.apply(e);
    const bytes = Buffer.from(kv.snapshot()).toString('base64');
    const other = states.get(st.hardState.commit);
    if (!other) states.set(st.hardState.commit, { node: w.id, bytes });
    else kvCompared++;
    if (other && other.bytes !== bytes) problems.push(`n${w.id} and n${other.node} are both at commit ${st.hardState.commit} with different KV states`);
  }
  return { problems, commits, compared, kvCompared };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
