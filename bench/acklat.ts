// Issue 17 item 3 (added latency): the breakdown at 85.5% (3 replicas, commit snooping), the 85.5% point
// with 5 replicas, the NIC-reply points and, with --sweep, the snooping load sweep (3 and 5 replicas).
// Usage: nice npx tsx bench/acklat.ts [--requests N] [--replicas 3,5] [--set '{"ackCount":4}'] [--no-breakdown] [--sweep] [--nic]
import { breakdownOf, makeContext, pointSpec, HEADLINE_LOAD } from './report/sections.js';
import { runPoint } from './report/measure.js';

const args = process.argv.slice(2);
const reqIdx = args.indexOf('--requests');
const requests = reqIdx >= 0 ? Number(args[reqIdx + 1]) : 100_000;
const ctx = makeContext('tiny', { replicas: [3, 5], requests });
ctx.profile.maxDurationUs = 80_000;
ctx.profile.loneRequests = 200;
const setIdx = args.indexOf('--set');
if (setIdx >= 0) Object.assign(ctx.nic, JSON.parse(args[setIdx + 1]!));
const repIdx = args.indexOf('--replicas');
const reps = repIdx >= 0 ? args[repIdx + 1]!.split(',').map(Number) : [3, 5];
console.log('nic settings', JSON.stringify(ctx.nic));
const line = (tag: string, r: ReturnType<typeof runPoint>['result']) =>
  console.log(`${tag.padEnd(12)} ${r.replicas}r ${String(r.offeredPct).padStart(5)}%  p50 ${r.latencyNs.p50}  p99 ${r.latencyNs.p99}  p99.9 ${r.latencyNs.p999}  floor ${r.networkFloorNs.toFixed(1)}  p99-floor ${(r.latencyNs.p99 - r.networkFloorNs).toFixed(1)}  ${r.committedGbps.toFixed(1)} Gb/s  samples ${r.samples}  lost ${r.lostRequests} drops ${r.drops}  ${r.sustained ? "sustained" : "NOT sustained"}  ${r.wallSeconds}s${r.drops ? " " + JSON.stringify(r.dropsByReason) : ""}`);
for (const n of reps) {
  const r = runPoint(pointSpec(ctx, { replicas: n, path: 'fast', reply: 'snoop', ratePct: HEADLINE_LOAD })).result;
  line('snoop', r);
  if (n === 3 && !args.includes('--no-breakdown')) {
    const b = breakdownOf(ctx, r);
    const { floorHops: _h, statement, ...rest } = b;
    console.log(JSON.stringify(rest));
    console.log(statement);
  }
}
if (args.includes('--nic')) {
  for (const n of [3, 5]) for (const rate of [10, 30, 50]) line('nic', runPoint(pointSpec(ctx, { replicas: n, path: 'fast', reply: 'nic', ratePct: rate })).result);
}
if (args.includes('--sweep')) {
  for (const n of [3, 5]) for (const rate of [10, 50, 90, 95, 100]) line('snoop', runPoint(pointSpec(ctx, { replicas: n, path: 'fast', reply: 'snoop', ratePct: rate })).result);
}
