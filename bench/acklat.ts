// Issue 17 item 3 (added latency): the breakdown at 85.5% (3 replicas, commit snooping), the 85.5% point
// with 5 replicas, the NIC-reply points and, with --sweep, the snooping load sweep (3 and 5 replicas).
// Usage: nice npx tsx bench/acklat.ts [--requests N] [--replicas 3,5] [--set '{"ackCount":4}'] [--no-breakdown] [--sweep] [--nic]
import { Command, InvalidArgumentError, Option } from 'commander';
import { breakdownOf, makeContext, pointSpec, HEADLINE_LOAD } from './report/sections.js';
import { runPoint } from './report/measure.js';

const positive = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a positive integer');
  return n;
};
const replicaList = (v: string): number[] => {
  const xs = v.split(',').map(Number);
  if (!xs.length || xs.some((x) => ![3, 5].includes(x))) throw new InvalidArgumentError('a comma-separated list of 3 and 5');
  return xs;
};
const nicJson = (v: string): Record<string, number> => {
  try { return JSON.parse(v) as Record<string, number>; } catch { throw new InvalidArgumentError('a JSON object of NIC settings, e.g. {"ackCount":4}'); }
};
const o = new Command().name('bench/acklat.ts').showHelpAfterError()
  .addOption(new Option('--requests <n>', 'requests a point').argParser(positive).default(100_000))
  .addOption(new Option('--replicas <list>', 'replica counts of the 85.5% points').argParser(replicaList).default([3, 5]))
  .addOption(new Option('--set <json>', 'NIC settings over the benchmark\'s').argParser(nicJson))
  .option('--no-breakdown', 'no breakdown of the 3-replica point')
  .option('--sweep', 'the snooping load sweep, 3 and 5 replicas')
  .option('--nic', 'the NIC-reply points, 3 and 5 replicas')
  .option('--follower', 'the follower-reply points at 85.5% (the --replicas counts) and, with 3 replicas, their breakdown')
  .option('--no-snoop', 'no snooping points at 85.5%')
  .parse(process.argv)
  .opts<{ requests: number; replicas: number[]; set?: Record<string, number>; breakdown: boolean; sweep?: boolean; nic?: boolean; follower?: boolean; snoop: boolean }>();
const ctx = makeContext('tiny', { replicas: [3, 5], requests: o.requests });
ctx.profile.maxDurationUs = 80_000;
ctx.profile.loneRequests = 200;
if (o.set) Object.assign(ctx.nic, o.set);
const reps = o.replicas;
console.log('nic settings', JSON.stringify(ctx.nic));
const line = (tag: string, r: ReturnType<typeof runPoint>['result']) =>
  console.log(`${tag.padEnd(12)} ${r.replicas}r ${String(r.offeredPct).padStart(5)}%  p50 ${r.latencyNs.p50}  p99 ${r.latencyNs.p99}  p99.9 ${r.latencyNs.p999}  floor ${r.networkFloorNs.toFixed(1)}  p99-floor ${(r.latencyNs.p99 - r.networkFloorNs).toFixed(1)}  ${r.committedGbps.toFixed(1)} Gb/s  samples ${r.samples}  lost ${r.lostRequests} drops ${r.drops}  ${r.sustained ? "sustained" : "NOT sustained"}  ${r.wallSeconds}s${r.drops ? " " + JSON.stringify(r.dropsByReason) : ""}`);
for (const n of o.snoop ? reps : []) {
  const r = runPoint(pointSpec(ctx, { replicas: n, path: 'fast', reply: 'snoop', ratePct: HEADLINE_LOAD })).result;
  line('snoop', r);
  if (n === 3 && o.breakdown) {
    const b = breakdownOf(ctx, r);
    const { floorHops: _h, statement, ...rest } = b;
    console.log(JSON.stringify(rest));
    console.log(statement);
  }
}
if (o.follower) {
  for (const n of reps) {
    const r = runPoint(pointSpec(ctx, { replicas: n, path: 'fast', reply: 'follower', ratePct: HEADLINE_LOAD })).result;
    line('follower', r);
    if (n === 3 && o.breakdown) {
      const b = breakdownOf(ctx, r);
      const { floorHops: _h, statement, ...rest } = b;
      console.log(JSON.stringify(rest));
      console.log(statement);
    }
  }
}
if (o.nic) {
  for (const n of [3, 5]) for (const rate of [10, 30, 50]) line('nic', runPoint(pointSpec(ctx, { replicas: n, path: 'fast', reply: 'nic', ratePct: rate })).result);
}
if (o.sweep) {
  for (const n of [3, 5]) for (const rate of [10, 50, 90, 95, 100]) line('snoop', runPoint(pointSpec(ctx, { replicas: n, path: 'fast', reply: 'snoop', ratePct: rate })).result);
}
