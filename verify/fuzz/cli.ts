// `nicraft fuzz [--seeds N | --minutes M] [--from S] [--seed S] [--rtl] [--us N] ...`
//
// Fault campaigns in the manner of TigerBeetle's VOPR (docs/fuzz.md): each seed draws a cluster,
// a fault schedule and a client workload, runs it (ModelNic world by default, RTL NICs with
// --rtl), requires liveness once the faults stop, and checks safety. A failing seed prints a
// one-line replay command and writes its event log and history (build/fuzz-out/ by default).
// Exit status: 0 every seed passed, 1 a seed failed, 2 usage.

import { Command, InvalidArgumentError, Option } from 'commander';
import { runSeed, type FuzzOptions, type SeedResult } from './campaign.js';

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
  seed?: number;
  seeds?: number;
  from?: number;
  minutes?: number;
  rtl?: boolean;
  us?: number;
  livenessUs?: number;
  replicas?: string;
  planes?: number;
  out: string;
  keep?: boolean;
  trace?: boolean;
  guard?: boolean;
  strictClient: boolean;
  json?: string;
  quiet?: boolean;
}

export function formatResult(r: SeedResult): string {
  const st = r.stats;
  const head = `seed ${r.seed}${r.backend === 'rtl' ? ' (rtl)' : ''} ${r.ok ? 'ok  ' : 'FAIL'}`;
  const ops = `${st.ok} ok/${st.fail} failed/${st.indeterminate} indeterminate`;
  const rec = st.recoveryUs !== undefined ? `, recovered in ${st.recoveryUs} us` : '';
  const mis = r.clientMisreports.length ? `, ${r.clientMisreports.length} client misreport(s)` : '';
  return `${head} ${r.summary} | ${ops}, applied ${st.maxApplied}, ${st.crashes} crash(es)${st.skipped ? ` (${st.skipped} skipped)` : ''}${rec}${mis} | ${st.wallMs} ms`;
}

export function register(program: Command): void {
  program
    .command('fuzz')
    .description('seeded fault campaigns (VOPR-style): faults swarm, then liveness; checks linearizability, one log, KV agreement, no lost write')
    .option('--seed <s>', 'run (replay) this one seed', nonNegInt)
    .option('--seeds <n>', 'run n seeds (default 20 unless --minutes)', nonNegInt)
    .option('--from <s>', 'first seed of --seeds/--minutes (default: drawn from the clock, printed)', nonNegInt)
    .option('--minutes <m>', 'run seeds until this much wall time has passed', posNum)
    .option('--rtl', 'RTL NICs in the C++ fabric (sim/raft-host.ts) instead of the ModelNic world')
    .option('--us <n>', 'length of the fault phase in simulated microseconds (default 1200)', posNum)
    .option('--liveness-us <n>', 'liveness bound after the faults stop (default 3000)', posNum)
    .addOption(new Option('--replicas <n>', 'cluster size (default: drawn per seed)').choices(['3', '5']))
    .option('--planes <n>', 'network planes, 1..3 (default: drawn per seed)', (v) => {
      const n = nonNegInt(v);
      if (n < 1 || n > 3) throw new InvalidArgumentError('must be 1, 2 or 3');
      return n;
    })
    .option('--out <dir>', 'where a failing seed writes <seed>.events.log and <seed>.history.json', 'build/fuzz-out')
    .option('--keep', 'write the files for passing seeds too')
    .option('--trace', 'log every client frame and outcome (a failing seed is rerun with it anyway)')
    .option('--guard', "ModelNic world: drive the NIC through the daemon's delivery guard before APPLIED_INDEX writes")
    .option('--no-strict-client', "do not fail a seed when the client library's 'failed' outcome was wrong (still reported)")
    .option('--json <file>', 'write every seed result as JSON')
    .option('--quiet', 'print failing seeds and the summary only')
    .action(async (o: CliOpts) => {
      const fo: FuzzOptions = {
        rtl: !!o.rtl, outDir: o.out, keep: !!o.keep, trace: !!o.trace, nicGuard: !!o.guard, strictClient: o.strictClient,
        ...(o.us !== undefined ? { faultUs: o.us } : {}),
        ...(o.livenessUs !== undefined ? { livenessUs: o.livenessUs } : {}),
        ...(o.replicas !== undefined ? { replicas: Number(o.replicas) as 3 | 5 } : {}),
        ...(o.planes !== undefined ? { planes: o.planes } : {}),
      };
      const single = o.seed !== undefined;
      const from = single ? o.seed! : o.from ?? (Date.now() % 1_000_000_000);
      const count = single ? 1 : o.seeds ?? (o.minutes ? Infinity : 20);
      const deadline = o.minutes ? performance.now() + o.minutes * 60_000 : Infinity;
      if (!single) console.log(`nicraft fuzz: seeds from ${from}${Number.isFinite(count) ? ` (${count})` : ''}, ${fo.rtl ? 'RTL NICs' : 'ModelNic world'}`);
      const t0 = performance.now();
      const results: SeedResult[] = [];
      let simUs = 0;
      for (let k = 0; k < count && performance.now() < deadline; k++) {
        const r = runSeed(from + k, fo);
        results.push(r);
        simUs += r.stats.simUs;
        if (!r.ok || !o.quiet) console.log(formatResult(r));
        if (!r.ok) {
          for (const f of r.failures) console.log(`  ${f}`);
          if (r.files) console.log(`  event log: ${r.files.events}\n  history:   ${r.files.history}`);
          console.log(`  replay: ${r.replay}`);
        }
      }
      const secs = (performance.now() - t0) / 1000;
      const failed = results.filter((r) => !r.ok);
      const mis = results.filter((r) => r.clientMisreports.length > 0);
      const last = from + results.length - 1;
      console.log(`${results.length} seed(s) ${from}..${last}: ${results.length - failed.length} passed, ${failed.length} failed` +
        `${mis.length ? `, ${mis.length} with client misreports` : ''}; ${(simUs / 1000).toFixed(1)} ms simulated in ${secs.toFixed(1)} s` +
        ` = ${(results.length / (secs / 60)).toFixed(1)} seeds/min`);
      for (const r of failed) console.log(`  failed: ${r.replay}`);
      if (o.json) {
        const { writeFileSync, mkdirSync } = await import('node:fs');
        const { dirname } = await import('node:path');
        mkdirSync(dirname(o.json), { recursive: true });
        writeFileSync(o.json, JSON.stringify(results.map((r) => ({ ...r, schedule: r.schedule })), null, 1) + '\n');
      }
      process.exitCode = failed.length ? 1 : 0;
    });
}
