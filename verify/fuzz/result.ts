// A campaign's result as a file (`nicraft fuzz --out FILE`), so that a campaign can run on many
// machines: each runs a shard of the seed space (`--shard K/N`) and `nicraft fuzz merge` combines
// the files (docs/fuzz.md: a Kubernetes Indexed Job, a Slurm job array).
//
// A seed's record is a function of the seed and the options only (no wall-clock figure), so the
// merge of the shards of a seed range is the same as one unsharded run of it: `digest` hashes the
// records in seed order, and tests compare it.

import { createHash } from 'node:crypto';
import type { SeedResult, SeedStats } from './campaign.js';

export const RESULT_FORMAT = 'nicraft-fuzz-result/1';

/** What decides a seed's outcome besides the seed: shards merge only with the same. */
export interface CampaignOptions {
  backend: 'model' | 'rtl';
  draw: 1 | 2 | 3;
  faultUs?: number;
  livenessUs?: number;
  replicas?: number;
  planes?: number;
  strictClient: boolean;
  nicGuard: boolean;
  /** follower reads forced on or off (absent: drawn per seed) */
  followerReads?: boolean;
  /** the clients' plane mode forced (absent: drawn per seed) */
  clientPlanes?: 'rotate' | 'duplicate';
  /** frame authentication and the network attacker (absent: off, as before they existed) */
  attack?: boolean;
}

export interface SeedRecord {
  seed: number;
  ok: boolean;
  /** the first line of each failure */
  failures: string[];
  /** the drawn configuration, one line (describeSchedule) */
  config: string;
  replay: string;
  stats: Omit<SeedStats, 'wallMs' | 'checkMs'>;
  clientMisreports: number;
}

export interface ShardSpec {
  /** 1-based */
  k: number;
  n: number;
}

export interface CampaignResult {
  format: typeof RESULT_FORMAT;
  options: CampaignOptions;
  /** the seed space: [from, from + count), or from `from` on while time lasts (count null) */
  from: number;
  count: number | null;
  /** the shards this file holds (one for a shard's run, several after a merge; [{1, 1}] unsharded) */
  shards: ShardSpec[];
  seeds: SeedRecord[];
  passed: number;
  failed: number;
  simUs: number;
  /** wall time and seeds per minute of each run that went into this file */
  runs: Array<{ shard: ShardSpec; seeds: number; wallSeconds: number; seedsPerMin: number; host?: string }>;
  /** sha256 over the seed records in seed order */
  digest: string;
}

/** The seeds of shard k of n: seed from + i for every i = k - 1 (mod n), in order (a stride, so an unbounded space splits too). */
export function shardSeeds(from: number, count: number, sh: ShardSpec): number[] {
  const out: number[] = [];
  for (let i = sh.k - 1; i < count; i += sh.n) out.push(from + i);
  return out;
}

/** The i-th seed of shard k of n (unbounded spaces). */
export function shardSeed(from: number, sh: ShardSpec, i: number): number {
  return from + sh.k - 1 + i * sh.n;
}

/** Parses `K/N` (1 <= K <= N). */
export function parseShard(v: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  if (!m) throw new Error(`--shard: expected K/N with 1 <= K <= N (e.g. 3/8), got '${v}'`);
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || k < 1 || k > n) throw new Error(`--shard: expected K/N with 1 <= K <= N (e.g. 3/8), got '${v}'`);
  return { k, n };
}

export function toRecord(r: SeedResult): SeedRecord {
  const { wallMs: _w, checkMs: _c, ...stats } = r.stats;
  return {
    seed: r.seed, ok: r.ok, failures: r.failures.map((f) => f.split('\n')[0]!), config: r.summary, replay: r.replay, stats,
    clientMisreports: r.clientMisreports.length,
  };
}

export function digestOf(seeds: SeedRecord[]): string {
  const h = createHash('sha256');
  for (const s of [...seeds].sort((a, b) => a.seed - b.seed)) h.update(JSON.stringify(s) + '\n');
  return h.digest('hex');
}

export function makeResult(options: CampaignOptions, from: number, count: number | null, shard: ShardSpec, seeds: SeedRecord[], wallSeconds: number, host?: string): CampaignResult {
  const sorted = [...seeds].sort((a, b) => a.seed - b.seed);
  return {
    format: RESULT_FORMAT, options, from, count, shards: [shard], seeds: sorted,
    passed: sorted.filter((s) => s.ok).length, failed: sorted.filter((s) => !s.ok).length,
    simUs: sorted.reduce((a, s) => a + s.stats.simUs, 0),
    runs: [{ shard, seeds: sorted.length, wallSeconds: Math.round(wallSeconds * 10) / 10, seedsPerMin: Math.round((sorted.length / Math.max(1e-9, wallSeconds / 60)) * 10) / 10, ...(host ? { host } : {}) }],
    digest: digestOf(sorted),
  };
}

/** A campaign result read from a file, checked. */
export function parseResult(text: string, source: string): CampaignResult {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not JSON: ${(e as Error).message}`);
  }
  const r = j as Partial<CampaignResult>;
  if (!r || typeof r !== 'object' || r.format !== RESULT_FORMAT) throw new Error(`${source}: not a nicraft fuzz result (format must be '${RESULT_FORMAT}')`);
  if (!Array.isArray(r.seeds) || !Array.isArray(r.shards) || !r.options || typeof r.from !== 'number') throw new Error(`${source}: incomplete fuzz result (seeds, shards, options, from)`);
  if (r.digest !== digestOf(r.seeds)) throw new Error(`${source}: digest mismatch: the seed records were changed or truncated`);
  return r as CampaignResult;
}

export interface MergeReport {
  result: CampaignResult;
  /** seeds of the space that no file holds (bounded spaces with every shard of N present) */
  missing: number[];
  /** shards of 1..N that no file holds */
  missingShards: number[];
}

/**
 * Merges shard results: the same options, seed space start and shard count; no seed twice.
 * The merge of every shard of a bounded space is the unsharded result of that space (same seeds,
 * same records, same digest).
 */
export function mergeResults(parts: Array<{ source: string; result: CampaignResult }>): MergeReport {
  if (parts.length === 0) throw new Error('fuzz merge: no result files');
  const first = parts[0]!;
  const key = (r: CampaignResult): string => JSON.stringify({ o: r.options, from: r.from, count: r.count, n: r.shards[0]?.n });
  const seen = new Map<number, string>();
  const shards = new Map<number, ShardSpec>();
  const seeds: SeedRecord[] = [];
  const runs: CampaignResult['runs'] = [];
  for (const { source, result } of parts) {
    if (key(result) !== key(first.result)) {
      throw new Error(`fuzz merge: ${source} is of another campaign than ${first.source} (options, seed space or shard count differ: ` +
        `${JSON.stringify({ options: result.options, from: result.from, count: result.count, shards: result.shards[0]?.n })} vs ` +
        `${JSON.stringify({ options: first.result.options, from: first.result.from, count: first.result.count, shards: first.result.shards[0]?.n })})`);
    }
    for (const sh of result.shards) {
      if (shards.has(sh.k)) throw new Error(`fuzz merge: shard ${sh.k}/${sh.n} is in two files (${source} and another)`);
      shards.set(sh.k, sh);
    }
    for (const s of result.seeds) {
      const other = seen.get(s.seed);
      if (other !== undefined) throw new Error(`fuzz merge: seed ${s.seed} is in ${other} and ${source}: shards must be disjoint`);
      seen.set(s.seed, source);
      seeds.push(s);
    }
    runs.push(...result.runs);
  }
  const n = first.result.shards[0]?.n ?? 1;
  const missingShards = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !shards.has(k));
  const from = first.result.from;
  const count = first.result.count;
  const missing = count !== null ? Array.from({ length: count }, (_, i) => from + i).filter((s) => !seen.has(s)) : [];
  seeds.sort((a, b) => a.seed - b.seed);
  const all = [...shards.values()].sort((a, b) => a.k - b.k);
  // every shard of N present: the merged file is the unsharded campaign (shard 1/1)
  const complete = missingShards.length === 0 && missing.length === 0;
  const result: CampaignResult = {
    format: RESULT_FORMAT, options: first.result.options, from, count,
    shards: complete ? [{ k: 1, n: 1 }] : all,
    seeds, passed: seeds.filter((s) => s.ok).length, failed: seeds.filter((s) => !s.ok).length,
    simUs: seeds.reduce((a, s) => a + s.stats.simUs, 0), runs, digest: digestOf(seeds),
  };
  return { result, missing, missingShards };
}
