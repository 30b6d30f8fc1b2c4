// `nicraft fuzz [--seeds N | --minutes M] [--from S] [--seed S] [--shard K/N --out FILE] [--rtl] [--draw 1|2] ...`
// `nicraft fuzz merge FILES... [--out FILE]`
//
// Fault campaigns in the manner of TigerBeetle's VOPR (docs/fuzz.md): each seed draws a cluster,
// a fault schedule and a client workload, runs it (ModelNic world by default, RTL NICs with
// --rtl), requires liveness once the faults stop, and checks safety. A failing seed prints a
// one-line replay command and writes its event log and history (build/fuzz-out/ by default).
// A campaign splits over machines: each runs `--shard K/N` of the same `--from/--seeds` space and
// writes `--out`; `nicraft fuzz merge` combines the files (docs/fuzz.md).
// Exit status: 0 every seed passed, 1 a seed failed, 2 usage (merge: files that do not belong together, or missing shards).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runSeed, type FuzzOptions, type SeedResult } from './campaign.js';
import {
  makeResult, mergeResults, parseResult, parseShard, shardSeed, toRecord,
  type CampaignOptions, type MergeReport, type SeedRecord, type ShardSpec,
} from './result.js';

/** Cluster sizes a campaign can be pinned to with --replicas: Raft's majorities, and chain replication's
 * range (the sizes its draw takes, verify/fuzz/chain.ts and chain-kv.ts). */
const RAFT_REPLICAS = [3, 5, 7] as const;
const CHAIN_REPLICAS = [2, 5] as const;
const nonNegInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};
const posNum = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
};

interface CliOpts {
  followerReads?: 'on' | 'off';
  followerReplies?: 'on' | 'off';
  clientPlanes?: 'rotate' | 'duplicate';
  seed?: number;
  seeds?: number;
  from?: number;
  minutes?: number;
  rtl?: boolean;
  us?: number;
  livenessUs?: number;
  replicas?: number;
  planes?: number;
  draw: string;
  files: string;
  out?: string;
  shard?: ShardSpec;
  keep?: boolean;
  trace?: boolean;
  guard?: boolean;
  strictClient: boolean;
  json?: string;
  quiet?: boolean;
  wor?: boolean;
  chain?: boolean;
  kv?: boolean;
  attack: boolean;
}

export function formatResult(r: SeedResult): string {
  const st = r.stats;
  const head = `seed ${r.seed}${r.backend === 'rtl' ? ' (rtl)' : ''} ${r.ok ? 'ok  ' : 'FAIL'}`;
  const ops = `${st.ok} ok/${st.fail} failed/${st.indeterminate} indeterminate`;
  const rec = st.recoveryUs !== undefined ? `, recovered in ${st.recoveryUs} us` : '';
  const mis = r.clientMisreports.length ? `, ${r.clientMisreports.length} client misreport(s)` : '';
  const twice = st.sequencedTwice ? `, ${st.sequencedTwice} sequenced twice (executed once)` : '';
  const a = st.attack;
  const atk = a ? `, attacker ${a.frames} frames in ${a.bursts} bursts (counted: AUTH_FAIL ${a.authFail}, NO_KEY ${a.noKey}, REPLAY ${a.replay})` : '';
  return `${head} ${r.summary} | ${ops}, applied ${st.maxApplied}${twice}, ${st.crashes} crash(es)${st.skipped ? ` (${st.skipped} skipped)` : ''}${rec}${mis}${atk} | ${st.wallMs} ms`;
}

/** A failing seed, as the campaign and the merge print it: the drawn configuration, the failures, the replay command. */
export function formatFailure(rec: SeedRecord, files?: { events: string; history: string }): string[] {
  const L = [`seed ${rec.seed} FAILED`, `  config: ${rec.config}`, ...rec.failures.map((f) => `  ${f}`)];
  if (files) L.push(`  event log: ${files.events}`, `  history:   ${files.history}`);
  L.push(`  replay: ${rec.replay}`);
  return L;
}

/** `nicraft fuzz --wor`: the WOR applications' campaign (docs/wor.md). */
async function runWorCampaign(o: CliOpts): Promise<void> {
  for (const [flag, set] of [['--rtl', o.rtl], ['--shard', o.shard], ['--replicas', o.replicas], ['--planes', o.planes], ['--minutes', o.minutes], ['--out', o.out]] as const) {
    if (set !== undefined && set !== false) { console.error(`nicraft fuzz --wor: ${flag} is not supported (allowed: --seed, --seeds, --from, --us, --liveness-us, --quiet)`); process.exitCode = 2; return; }
  }
  const { runWorSeed } = await import('./wor.js');
  const from = o.seed ?? o.from ?? (Date.now() % 1_000_000_000);
  const count = o.seed !== undefined ? 1 : o.seeds ?? 20;
  const wo = { ...(o.us !== undefined ? { faultUs: o.us } : {}), ...(o.livenessUs !== undefined ? { livenessUs: o.livenessUs } : {}) };
  console.log(`nicraft fuzz --wor: seeds ${from}..${from + count - 1}, ModelNic world`);
  const t0 = performance.now();
  let failed = 0;
  for (let s = from; s < from + count; s++) {
    const r = await runWorSeed(s, { ...wo, ...(o.seed !== undefined && !o.quiet ? { log: (l: string) => console.log(`  ${l}`) } : {}) });
    if (!r.ok) failed++;
    if (!r.ok || !o.quiet) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.summary}`);
    if (!r.ok) { for (const f of r.failures) console.log(`  ${f}`); console.log(`  replay: ${r.replay}`); }
  }
  console.log(`${count} seed(s): ${count - failed} passed, ${failed} failed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exitCode = failed ? 1 : 0;
}

/** `nicraft fuzz --chain`: chain replication's campaign (verify/fuzz/chain.ts, docs/fuzz.md "Chain mode"). */
async function runChainCampaign(o: CliOpts): Promise<void> {
  for (const [flag, set] of [['--shard', o.shard], ['--minutes', o.minutes], ['--out', o.out], ['--wor', o.wor]] as const) {
    if (set !== undefined && set !== false) { console.error(`nicraft fuzz --chain: ${flag} is not supported (allowed: --seed, --seeds, --from, --rtl, --replicas, --planes, --us, --quiet, --json, --kv)`); process.exitCode = 2; return; }
  }
  if (o.replicas !== undefined && (o.replicas < CHAIN_REPLICAS[0] || o.replicas > CHAIN_REPLICAS[1])) {
    console.error(`nicraft fuzz --chain: --replicas must be ${CHAIN_REPLICAS[0]}..${CHAIN_REPLICAS[1]} (got ${o.replicas})`); process.exitCode = 2; return;
  }
  if (o.planes !== undefined && o.planes > 2) { console.error(`nicraft fuzz --chain: --planes must be 1 or 2 (got ${o.planes})`); process.exitCode = 2; return; }
  const pinned = {
    ...(o.replicas !== undefined ? { replicas: o.replicas } : {}), ...(o.planes !== undefined ? { planes: o.planes } : {}),
    ...(o.us !== undefined ? { trafficUs: o.us } : {}),
  };
  const from = o.seed ?? o.from ?? (Date.now() % 1_000_000_000);
  const count = o.seed !== undefined ? 1 : o.seeds ?? 20;
  const writeJson = (all: unknown[]): void => {
    if (!o.json) return;
    mkdirSync(dirname(o.json), { recursive: true });
    writeFileSync(o.json, JSON.stringify(all, null, 1) + '\n');
  };
  if (o.kv) {
    const { runChainKvSeed, formatChainKvResult } = await import('./chain-kv.js');
    console.log(`nicraft fuzz --chain --kv: seeds ${from}..${from + count - 1}, the KV store and its clients over chain replication, ${o.rtl ? 'RTL NICs' : 'ModelNic cluster'}`);
    const t0 = performance.now();
    const all: Array<ReturnType<typeof runChainKvSeed>> = [];
    for (let s = from; s < from + count; s++) {
      const r = runChainKvSeed(s, { backend: o.rtl ? 'rtl' : 'model', ...pinned });
      all.push(r);
      if (!r.ok || !o.quiet) console.log(formatChainKvResult(r));
      if (!r.ok) {
        for (const f of r.failures.slice(0, 20)) console.log(`  ${f}`);
        const pins = `${o.replicas !== undefined ? ` --replicas ${o.replicas}` : ''}${o.planes !== undefined ? ` --planes ${o.planes}` : ''}${o.us !== undefined ? ` --us ${o.us}` : ''}`;
        console.log(`  replay: nicraft fuzz --chain --kv --seed ${s}${o.rtl ? ' --rtl' : ''}${pins}`);
      }
    }
    const n = (f: (r: ReturnType<typeof runChainKvSeed>) => number): number => all.reduce((a, r) => a + f(r), 0);
    const failed = n((r) => (r.ok ? 0 : 1));
    console.log(`${count} seed(s): ${count - failed} passed, ${failed} failed in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${n((r) => r.outcomes.ok)} operations ok; ` +
      `read leases in ${n((r) => (r.leases.granted ? 1 : 0))} seed(s): ${n((r) => r.app.leaseReads)} gets answered under a lease (${n((r) => r.app.leaseReadsWaited)} waited for their floor), ` +
      `${n((r) => r.leases.waits)} change(s) waited for a lease; ${n((r) => r.masterRestarts)} master restart(s)`);
    writeJson(all);
    process.exitCode = failed ? 1 : 0;
    return;
  }
  const { runChainSeed, formatChainResult } = await import('./chain.js');
  const { ModelCluster } = await import('../../sim/model-cluster.js');
  const backend = o.rtl ? 'rtl' : 'model';
  console.log(`nicraft fuzz --chain: seeds ${from}..${from + count - 1}, ${backend === 'rtl' ? 'RTL NICs' : 'ModelNic cluster'}`);
  const t0 = performance.now();
  const all: Array<ReturnType<typeof runChainSeed>> = [];
  for (let s = from; s < from + count; s++) {
    const r = runChainSeed(s, { backend, modelFabric: (c) => new ModelCluster(c), ...pinned });
    all.push(r);
    if (!r.ok || !o.quiet) console.log(formatChainResult(r));
    if (!r.ok) {
      for (const f of r.failures.slice(0, 20)) console.log(`  ${f}`);
      if (o.seed !== undefined) for (const e of r.events) console.log(`  ${e}`);
      console.log(`  replay: ${r.replay}`);
    }
  }
  const n = (f: (r: ReturnType<typeof runChainSeed>) => number): number => all.reduce((a, r) => a + f(r), 0);
  const failed = n((r) => (r.ok ? 0 : 1));
  console.log(`${count} seed(s): ${count - failed} passed, ${failed} failed in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
    `${n((r) => r.check.reconfigurations)} reconfigurations; read leases in ${n((r) => (r.schedule.control.readLeaseNs > 0 ? 1 : 0))} seed(s) ` +
    `(${n((r) => r.master.leaseWaits)} change(s) waited for one); ${n((r) => r.masterCrashes.length)} master restart(s), ` +
    `${n((r) => r.masterCrashes.filter((p: string) => p !== 'run').length)} during a change`);
  writeJson(all);
  process.exitCode = failed ? 1 : 0;
}

export function register(program: Command): void {
  const fuzz = program
    .command('fuzz')
    .description('seeded fault campaigns (VOPR-style swarm): each seed draws the whole configuration, faults swarm, then liveness; checks linearizability, one log, KV agreement, no lost write, and a liveness detector')
    .option('--seed <s>', 'run (replay) this one seed', nonNegInt)
    .option('--seeds <n>', 'run n seeds (default 20 unless --minutes)', nonNegInt)
    .option('--from <s>', 'first seed of --seeds/--minutes (default: drawn from the clock, printed; required with --shard)', nonNegInt)
    .option('--minutes <m>', 'run seeds until this much wall time has passed', posNum)
    .option('--shard <K/N>', 'run shard K of N of the seed space (seeds from+K-1, from+K-1+N, ...; disjoint; merge the --out files with `nicraft fuzz merge`)', (v) => {
      try { return parseShard(v); } catch (e) { throw new InvalidArgumentError((e as Error).message.replace(/^--shard: /, '')); }
    })
    .option('--out <file>', 'write the campaign result as JSON (mergeable: nicraft fuzz merge)')
    .option('--rtl', 'RTL NICs in the C++ fabric (sim/raft-host.ts) instead of the ModelNic world')
    .addOption(new Option('--draw <v>', 'the draw: 2 the swarm (default), 1 the draw before it (replays seeds reported before the swarm), 3 the swarm with follower replies and the ACK gap drawn per seed').choices(['1', '2', '3']).default('2'))
    .option('--us <n>', 'length of the fault phase in simulated microseconds (default: drawn per seed; --draw 1: 1200)', posNum)
    .option('--liveness-us <n>', 'liveness bound after the faults stop (default: 3000 + 10 election timeouts; --draw 1: 3000)', posNum)
    .option('--replicas <n>', `cluster size (default: drawn per seed): ${RAFT_REPLICAS.join(', ')}; with --chain ${CHAIN_REPLICAS[0]}..${CHAIN_REPLICAS[1]}`, (v) => {
      const n = nonNegInt(v);
      if (n < Math.min(CHAIN_REPLICAS[0], RAFT_REPLICAS[0]) || n > Math.max(CHAIN_REPLICAS[1], RAFT_REPLICAS[2])) throw new InvalidArgumentError(`must be ${RAFT_REPLICAS.join(', ')} (Raft campaigns) or ${CHAIN_REPLICAS[0]}..${CHAIN_REPLICAS[1]} (--chain)`);
      return n;
    })
    .option('--planes <n>', 'network planes, 1..3 (default: drawn per seed)', (v) => {
      const n = nonNegInt(v);
      if (n < 1 || n > 3) throw new InvalidArgumentError('must be 1, 2 or 3');
      return n;
    })
    .addOption(new Option('--follower-reads <on|off>', 'follower reads under leases in every seed (on) or none (off); default: drawn per seed').choices(['on', 'off']))
    .addOption(new Option('--follower-replies <on|off>', 'follower replies (writes answered by a follower NIC at its commit) in every seed (on) or none (off); default: drawn per seed from its own stream').choices(['on', 'off']))
    .addOption(new Option('--client-planes <mode>', "how the clients use the planes in every seed: rotate (one plane per attempt) or duplicate (every attempt on every plane); default: drawn per seed").choices(['rotate', 'duplicate']))
    .option('--files <dir>', 'where a failing seed writes seed-<s>.events.log and seed-<s>.history.json', 'build/fuzz-out')
    .option('--keep', 'write the files for passing seeds too')
    .option('--trace', 'log every client frame and outcome (a failing seed is rerun with it anyway)')
    .option('--guard', "ModelNic world: drive the NIC through the daemon's delivery guard before APPLIED_INDEX writes")
    .option('--no-strict-client', "do not fail a seed when the client library's 'failed' outcome was wrong (still reported)")
    .option('--json <file>', 'write every seed result in full (schedules included) as JSON')
    .option('--quiet', 'print failing seeds and the summary only')
    .option('--no-attack', 'frame authentication off and no network attacker (the campaigns before issue 16 item 5)')
    .option('--chain', 'chain replication\'s campaign (verify/fuzz/chain.ts): crashes of each chain position with rejoins, partitions, loss; ModelNic cluster, or RTL NICs with --rtl; takes --seed/--seeds/--from/--replicas/--planes/--us/--quiet/--json')
    .option('--kv', 'with --chain: the KV store, its client library and the linearizability checker over chain replication (verify/fuzz/chain-kv.ts)')
    .option('--wor', 'the WOR campaign (verify/fuzz/wor.ts, docs/wor.md): shared log, 2PC and write-once registers under faults, ModelNic world; takes --seed/--seeds/--from/--us')
    .action(async (o: CliOpts) => {
      if (o.wor) { await runWorCampaign(o); return; }
      if (o.chain) { await runChainCampaign(o); return; }
      const draw = Number(o.draw) as 1 | 2 | 3;
      if (o.replicas !== undefined && !(RAFT_REPLICAS as readonly number[]).includes(o.replicas)) { console.error(`nicraft fuzz: --replicas must be ${RAFT_REPLICAS.join(', ')} (got ${o.replicas}; ${CHAIN_REPLICAS[0]}..${CHAIN_REPLICAS[1]} only with --chain)`); process.exitCode = 2; return; }
      if (o.replicas === 7 && draw === 1) { console.error('nicraft fuzz: --replicas 7 needs --draw 2 (draw 1 knows 3 or 5)'); process.exitCode = 2; return; }
      if (o.shard && o.seed !== undefined) { console.error('nicraft fuzz: --shard splits a range of seeds (--seeds or --minutes), not --seed'); process.exitCode = 2; return; }
      if (o.shard && o.from === undefined) { console.error('nicraft fuzz: --shard needs --from (every shard must split the same seed space)'); process.exitCode = 2; return; }
      const fo: FuzzOptions = {
        rtl: !!o.rtl, outDir: o.files, keep: !!o.keep, trace: !!o.trace, nicGuard: !!o.guard, strictClient: o.strictClient, draw, attack: o.attack,
        ...(o.us !== undefined ? { faultUs: o.us } : {}),
        ...(o.livenessUs !== undefined ? { livenessUs: o.livenessUs } : {}),
        ...(o.replicas !== undefined ? { replicas: o.replicas as 3 | 5 | 7 } : {}),
        ...(o.planes !== undefined ? { planes: o.planes } : {}),
        ...(o.followerReads !== undefined ? { followerReads: o.followerReads === 'on' } : {}),
        ...(o.followerReplies !== undefined ? { followerReplies: o.followerReplies === 'on' } : {}),
        ...(o.clientPlanes !== undefined ? { clientPlanes: o.clientPlanes } : {}),
      };
      const options: CampaignOptions = {
        backend: fo.rtl ? 'rtl' : 'model', draw, strictClient: o.strictClient, nicGuard: !!o.guard, ...(o.attack ? { attack: true } : {}),
        ...(o.us !== undefined ? { faultUs: o.us } : {}),
        ...(o.livenessUs !== undefined ? { livenessUs: o.livenessUs } : {}),
        ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
        ...(o.planes !== undefined ? { planes: o.planes } : {}),
        ...(o.followerReads !== undefined ? { followerReads: o.followerReads === 'on' } : {}),
        ...(o.followerReplies !== undefined ? { followerReplies: o.followerReplies === 'on' } : {}),
        ...(o.clientPlanes !== undefined ? { clientPlanes: o.clientPlanes } : {}),
      };
      const single = o.seed !== undefined;
      const from = single ? o.seed! : o.from ?? (Date.now() % 1_000_000_000);
      const count = single ? 1 : o.seeds ?? (o.minutes ? Infinity : 20);
      const shard: ShardSpec = o.shard ?? { k: 1, n: 1 };
      const seedAt = (i: number): number | undefined => {
        const s = shardSeed(from, shard, i);
        return s - from < count ? s : undefined;
      };
      const deadline = o.minutes ? performance.now() + o.minutes * 60_000 : Infinity;
      if (!single) {
        const sh = o.shard ? `, shard ${shard.k}/${shard.n} (seeds ${from + shard.k - 1}, ${from + shard.k - 1 + shard.n}, ...)` : '';
        console.log(`nicraft fuzz: seeds from ${from}${Number.isFinite(count) ? ` (${count})` : ''}${sh}, ${fo.rtl ? 'RTL NICs' : 'ModelNic world'}, draw ${draw}`);
      }
      const t0 = performance.now();
      const results: SeedResult[] = [];
      let simUs = 0;
      for (let i = 0; performance.now() < deadline; i++) {
        const seed = seedAt(i);
        if (seed === undefined) break;
        const r = runSeed(seed, fo);
        results.push(r);
        simUs += r.stats.simUs;
        if (r.ok && !o.quiet) console.log(formatResult(r));
        if (!r.ok) {
          if (!o.quiet) console.log(formatResult(r));
          for (const l of formatFailure(toRecord(r), r.files)) console.log(l);
        }
      }
      const secs = (performance.now() - t0) / 1000;
      const failed = results.filter((r) => !r.ok);
      const mis = results.filter((r) => r.clientMisreports.length > 0);
      const range = results.length ? `${results[0]!.seed}..${results[results.length - 1]!.seed}${shard.n > 1 ? ` step ${shard.n}` : ''}` : 'none';
      console.log(`${results.length} seed(s) ${range}: ${results.length - failed.length} passed, ${failed.length} failed` +
        `${mis.length ? `, ${mis.length} with client misreports` : ''}; ${(simUs / 1000).toFixed(1)} ms simulated in ${secs.toFixed(1)} s` +
        ` = ${(results.length / (secs / 60)).toFixed(1)} seeds/min`);
      for (const r of failed) console.log(`  failed: ${r.replay}`);
      if (o.json) {
        mkdirSync(dirname(o.json), { recursive: true });
        writeFileSync(o.json, JSON.stringify(results, null, 1) + '\n');
      }
      if (o.out) {
        const res = makeResult(options, from, Number.isFinite(count) ? count : null, shard, results.map(toRecord), secs, hostname());
        mkdirSync(dirname(o.out), { recursive: true });
        writeFileSync(o.out, JSON.stringify(res, null, 1) + '\n');
        console.log(`result: ${o.out} (${res.seeds.length} seeds, digest ${res.digest.slice(0, 16)})`);
      }
      process.exitCode = failed.length ? 1 : 0;
    });

  fuzz
    .command('merge')
    .description('combine the --out files of the shards of a campaign (disjoint seeds, the same options); exit 1 if a seed failed, 2 if a shard or seed is missing or the files do not belong together')
    .argument('<files...>', 'result files (nicraft fuzz --out)')
    .option('--out <file>', 'write the merged result')
    .option('--partial', 'accept missing shards or seeds (they are listed)')
    .action((files: string[], o: { out?: string; partial?: boolean }) => {
      // `--out` after `merge` may be taken by the parent command (the same flag there)
      o = { ...o, out: o.out ?? (fuzz.opts() as { out?: string }).out };
      let rep: MergeReport;
      try {
        rep = mergeResults(files.map((f) => {
          let text: string;
          try { text = readFileSync(f, 'utf8'); } catch (e) { throw new Error(`${f}: ${(e as Error).message}`); }
          return { source: f, result: parseResult(text, f) };
        }));
      } catch (e) {
        console.error((e as Error).message);
        process.exitCode = 2;
        return;
      }
      const r = rep.result;
      const wall = Math.max(...r.runs.map((x) => x.wallSeconds));
      const cpuMin = r.runs.reduce((a, x) => a + x.wallSeconds, 0) / 60;
      console.log(`nicraft fuzz merge: ${files.length} file(s), ${r.runs.length} run(s), ${r.options.backend === 'rtl' ? 'RTL NICs' : 'ModelNic world'}, draw ${r.options.draw}, seeds from ${r.from}${r.count !== null ? ` (${r.count})` : ''}`);
      console.log(`${r.seeds.length} seed(s): ${r.passed} passed, ${r.failed} failed; ${(r.simUs / 1000).toFixed(1)} ms simulated; ` +
        `${(r.seeds.length / Math.max(1e-9, cpuMin)).toFixed(1)} seeds/min per run, ${(r.seeds.length / Math.max(1e-9, wall / 60)).toFixed(1)} seeds/min together (longest run ${wall.toFixed(1)} s); digest ${r.digest.slice(0, 16)}`);
      for (const s of r.seeds.filter((x) => !x.ok)) for (const l of formatFailure(s)) console.log(l);
      if (rep.missingShards.length) console.log(`missing shards: ${rep.missingShards.map((k) => `${k}/${r.runs[0]?.shard.n ?? '?'}`).join(', ')}`);
      if (rep.missing.length) console.log(`missing seeds: ${rep.missing.length} (first ${rep.missing.slice(0, 10).join(', ')})`);
      if (o.out) {
        mkdirSync(dirname(o.out), { recursive: true });
        writeFileSync(o.out, JSON.stringify(r, null, 1) + '\n');
        console.log(`merged result: ${o.out}`);
      }
      const incomplete = rep.missingShards.length > 0 || rep.missing.length > 0;
      process.exitCode = incomplete && !o.partial ? 2 : r.failed ? 1 : 0;
    });
}
