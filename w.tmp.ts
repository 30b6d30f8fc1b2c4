import { concurrentWrites, parseJsonHistory, checkOperations, makeModel } from '/work/wt/checker/verify/check/index.ts';
const n = Number(process.argv[2]); const mb = Number(process.argv[3]);
const h = parseJsonHistory(JSON.stringify(concurrentWrites(n)), 'w.json');
const t = performance.now(); const c0 = process.cpuUsage();
const r = checkOperations(makeModel({ name: 'kv' }), h.ops, { cacheBytes: mb * 2 ** 20, timeoutMs: 900000 });
const cpu = process.cpuUsage(c0);
console.log(n, mb, 'MiB', r.verdict, r.steps, 'wall', ((performance.now() - t)/1000).toFixed(1), 's cpu', ((cpu.user+cpu.system)/1e6).toFixed(1), 's evictions', r.evictions, 'rss', (process.memoryUsage().rss/2**20).toFixed(0), 'MiB');
