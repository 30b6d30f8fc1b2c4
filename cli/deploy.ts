// `nicraft kv`, `nicraft load` and `nicraft cluster` (docs/deploying.md).
//
//   nicraft kv get|del KEY | put|append KEY VALUE | cas KEY EXPECTED NEW --cluster FILE
//       exit 0 done; 1 not found / cas compare failed / refused by every replica;
//       3 indeterminate (no answer in time: it may or may not have executed); 2 usage or bad cluster file
//   nicraft load --cluster FILE --clients N --duration S [--history out.json] [--json out.json]
//   nicraft cluster up|down|status [--dir DIR] [--replicas 3] [--planes 2] [--backend model|verilated]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { PUT_OVERHEAD_BYTES, Status } from '../ctrl/app/kv.js';
import { BACKENDS, ConfigError, MAX_PAYLOAD_LIMIT_BYTES, loadClusterFile, type Backend, type ClusterFile } from '../ctrl/daemon/config.js';

const posInt = (name: string, max = Number.MAX_SAFE_INTEGER) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be an integer in 1..${max}`);
  return n;
};
const posNum = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};
const share = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a number in 0..1');
  return n;
};

function clusterOrExit(file: string): ClusterFile | undefined {
  try {
    return loadClusterFile(file);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exitCode = 2;
      return undefined;
    }
    throw e;
  }
}

function writeOut(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const KV_OPS = ['get', 'put', 'del', 'cas', 'append'] as const;
const ARITY: Record<(typeof KV_OPS)[number], string> = { get: 'KEY', put: 'KEY VALUE', del: 'KEY', append: 'KEY VALUE', cas: 'KEY EXPECTED NEW (or KEY NEW with --expect-absent)' };

interface KvOpts { cluster: string; timeoutMs: number; attempts: number; expectAbsent?: boolean; any?: boolean; planes: 'spread' | 'duplicate' | number }

/** --planes: 'spread' | 'duplicate' | a plane number; names the flag and the allowed values on a bad one. */
function planesArg(v: string): 'spread' | 'duplicate' | number {
  if (v === 'spread' || v === 'duplicate') return v;
  if (/^\d+$/.test(v) && Number(v) <= 2) return Number(v);
  throw new InvalidArgumentError(`--planes must be one of spread, duplicate, or a plane number 0..2 (got '${v}')`);
}
const PLANES_HELP = 'how requests use the network planes: duplicate (every request on every plane: a lost plane costs no timeout), spread (one plane per attempt, rotating), or a plane number';

const READ_FROM = ['any', 'leader'] as const;
/** --read-from: names the flag and the allowed values on a bad one. */
function readFromArg(v: string): 'any' | 'leader' {
  if (!(READ_FROM as readonly string[]).includes(v)) throw new InvalidArgumentError(`--read-from must be one of ${READ_FROM.join(', ')} (got '${v}')`);
  return v as 'any' | 'leader';
}

async function runKv(op: string, args: string[], o: KvOpts): Promise<void> {
  if (!(KV_OPS as readonly string[]).includes(op)) {
    process.stderr.write(`nicraft kv: unknown operation '${op}' (one of ${KV_OPS.join(' | ')})\n`);
    process.exitCode = 2;
    return;
  }
  const want = op === 'get' || op === 'del' ? 1 : op === 'cas' ? (o.expectAbsent ? 2 : 3) : 2;
  if (args.length !== want) {
    process.stderr.write(`nicraft kv ${op}: expects ${ARITY[op as keyof typeof ARITY]}, got ${args.length} argument(s)${args.length > want ? ' (quote a value that holds spaces)' : ''}\n`);
    process.exitCode = 2;
    return;
  }
  if (o.any && op !== 'get') {
    process.stderr.write(`nicraft kv ${op}: --any applies to get only (a write always goes to the leader)\n`);
    process.exitCode = 2;
    return;
  }
  const cluster = clusterOrExit(o.cluster);
  if (!cluster) return;
  const { ClientPool } = await import('../ctrl/deploy/udp-client.js');
  let pool;
  try {
    pool = await ClientPool.open(cluster, { attemptTimeoutMs: o.timeoutMs, maxAttempts: o.attempts, readFrom: o.any ? 'any' : 'leader', planes: o.planes });
  } catch (e) {
    process.stderr.write(`nicraft kv: --${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const te = new TextEncoder();
  const td = new TextDecoder();
  const key = args[0]!;
  try {
    const c = pool.client();
    const cmd = op === 'get' ? { op: 'get' as const, key }
      : op === 'del' ? { op: 'delete' as const, key }
      : op === 'put' ? { op: 'put' as const, key, value: te.encode(args[1]!) }
      : op === 'append' ? { op: 'append' as const, key, value: te.encode(args[1]!) }
      : { op: 'cas' as const, key, expected: o.expectAbsent ? null : te.encode(args[1]!), value: te.encode(args[o.expectAbsent ? 1 : 2]!) };
    const out = await c.invoke(cmd);
    if (out.kind === 'indeterminate') {
      process.stderr.write(`nicraft kv ${op}: indeterminate (${out.reason}): it may or may not have executed\n`);
      process.exitCode = 3;
      return;
    }
    if (out.kind === 'failed') {
      process.stderr.write(`nicraft kv ${op}: failed (${out.reason}): not executed\n`);
      process.exitCode = 1;
      return;
    }
    const r = out.reply;
    const value = r.value ? td.decode(r.value) : undefined;
    if (op === 'get' && o.any) process.stderr.write(`(answered by ${out.path === 'replica' ? `replica n${out.node} under its read lease` : `the leader n${out.node}`})\n`);
    if (op === 'get') {
      if (r.status === Status.NOT_FOUND) { process.stderr.write(`(not found)\n`); process.exitCode = 1; return; }
      process.stdout.write(`${value ?? ''}\n`);
    } else if (op === 'cas' && r.status === Status.CAS_FAILED) {
      process.stdout.write(`CAS_FAILED: the value is ${value === undefined ? '(absent)' : JSON.stringify(value)}\n`);
      process.exitCode = 1;
    } else if (op === 'del' && r.status === Status.NOT_FOUND) {
      process.stdout.write(`OK (was absent)\n`);
    } else {
      process.stdout.write(op === 'append' && value !== undefined ? `OK: ${JSON.stringify(value)}\n` : 'OK\n');
    }
  } finally {
    pool.close();
  }
}

interface LoadCliOpts {
  cluster: string; clients: number; duration: number; history?: string; json?: string; keys: number; readShare: number;
  mix: 'mixed' | 'put'; valueBytes: number; seed?: number; readFrom: 'any' | 'leader'; planes: 'spread' | 'duplicate' | number; keyPrefix?: string; warmup: number; timeoutMs: number; attempts: number; check?: boolean; quiet?: boolean;
}

async function runLoadCli(o: LoadCliOpts): Promise<void> {
  const cluster = clusterOrExit(o.cluster);
  if (!cluster) return;
  const { ClientPool } = await import('../ctrl/deploy/udp-client.js');
  const { runLoad, formatLoad, Workload } = await import('../ctrl/deploy/load.js');
  let pool;
  try {
    pool = await ClientPool.open(cluster, { attemptTimeoutMs: o.timeoutMs, maxAttempts: o.attempts, readFrom: o.readFrom, planes: o.planes });
  } catch (e) {
    process.stderr.write(`nicraft load: --${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const w = new Workload(o.keyPrefix);
  // the value must fit the members' NICs (cluster file: maxPayloadBytes; PUT_OVERHEAD_BYTES for the rest of a put)
  if (o.valueBytes > pool.maxPayloadBytes - PUT_OVERHEAD_BYTES) {
    process.stderr.write(`nicraft load: --value-bytes must be at most ${pool.maxPayloadBytes - PUT_OVERHEAD_BYTES} for this cluster (its NICs take payloads of up to ${pool.maxPayloadBytes} bytes: nic.maxPayloadBytes, cluster up --max-payload-bytes)\n`);
    pool.close();
    process.exitCode = 2;
    return;
  }
  let r;
  try {
    r = await runLoad(pool, {
      clients: o.clients, durationS: o.duration, seed: o.seed, keys: o.keys, readShare: o.readShare, mix: o.mix, valueBytes: o.valueBytes, warmupS: o.warmup,
      onSecond: o.quiet ? undefined : (s) => process.stderr.write(`  ${String(s.second).padStart(3)} s  ${s.ops} ops${s.indeterminate ? `, ${s.indeterminate} indeterminate` : ''}\n`),
    }, w);
  } finally {
    pool.close();
  }
  console.log(formatLoad(r));
  if (o.history) {
    writeOut(o.history, w.historyJson());
    console.log(`  history     ${o.history} (${w.history().ops.length} ops; check: npx nicraft check --model kv ${o.history})`);
  }
  if (o.json) writeOut(o.json, JSON.stringify(r, null, 2) + '\n');
  if (o.check) {
    const { checkOperations } = await import('../verify/check/checker.js');
    const { parseHistory } = await import('../verify/check/parse.js');
    const { modelByName } = await import('../verify/check/models.js');
    const h = parseHistory(w.historyJson(), 'history', 'json');
    const res = checkOperations(modelByName('kv'), h.ops, { timeoutMs: 60_000 });
    console.log(`  check       ${res.verdict} (${h.ops.length} ops, ${res.partitions} keys, ${res.elapsedMs.toFixed(0)} ms)`);
    if (res.verdict === 'not linearizable') process.exitCode = 1;
  }
}

export function register(program: Command): void {
  program
    .command('kv')
    .description('one KV operation against a running cluster')
    .usage('get|del KEY | put|append KEY VALUE | cas KEY EXPECTED NEW | cas --expect-absent KEY NEW  --cluster FILE')
    .argument('<op>', `operation: ${KV_OPS.join(' | ')}`)
    .argument('<args...>', 'KEY, then VALUE (put, append) or EXPECTED NEW (cas)')
    .requiredOption('--cluster <file>', 'cluster file (DIR/cluster.yaml of `nicraft cluster up`, or any node config)')
    .option('--timeout-ms <ms>', 'timeout of one attempt', posNum('--timeout-ms'), 500)
    .option('--attempts <n>', 'attempts before the outcome is indeterminate', posInt('--attempts', 1000), 20)
    .option('--expect-absent', 'cas: succeed only if the key is absent (then: cas KEY NEW)')
    .option('--any', 'get: ask any replica (round robin); a follower answers under its read lease (followerReads in the node configs), else the leader')
    .option('--planes <mode>', PLANES_HELP, planesArg, 'duplicate')
    .action(async (op: string, args: string[], o: KvOpts) => runKv(op, args, o));

  program
    .command('load')
    .description('closed-loop load generator: throughput, latency percentiles, a history for `nicraft check`')
    .requiredOption('--cluster <file>', 'cluster file')
    .option('--clients <n>', 'concurrent clients, one operation in flight each', posInt('--clients', 1024), 8)
    .option('--duration <s>', 'seconds of load (after the warm-up)', posNum('--duration'), 10)
    .option('--warmup <s>', 'seconds of load not counted in the figures (still in the history)', (v) => { const n = Number(v); if (!(n >= 0)) throw new InvalidArgumentError('--warmup must be >= 0'); return n; }, 0)
    .option('--history <file>', 'write the history (nicraft JSON) here')
    .option('--json <file>', 'write the figures as JSON here')
    .option('--keys <n>', 'contended keys', posInt('--keys', 100_000), 8)
    .option('--read-share <r>', 'share of gets (0..1)', share, 0.5)
    .option('--read-from <where>', `where gets go first: ${READ_FROM.join(' | ')} (any: round robin over the replicas, followers answer under read leases)`, readFromArg, 'leader')
    .option('--planes <mode>', PLANES_HELP, planesArg, 'duplicate')
    .addOption(new Option('--mix <mix>', 'writes: mixed = put/cas/append/delete, put = puts only').choices(['mixed', 'put']).default('mixed'))
    .option('--value-bytes <n>', `bytes per put/cas value (at most the cluster's maxPayloadBytes - ${PUT_OVERHEAD_BYTES}: ${256 - PUT_OVERHEAD_BYTES} by default, ${MAX_PAYLOAD_LIMIT_BYTES - PUT_OVERHEAD_BYTES} at most)`, posInt('--value-bytes', MAX_PAYLOAD_LIMIT_BYTES - PUT_OVERHEAD_BYTES), 16)
    .option('--timeout-ms <ms>', 'timeout of one attempt', posNum('--timeout-ms'), 500)
    .option('--attempts <n>', 'attempts per operation before it is indeterminate', posInt('--attempts', 1000), 20)
    .option('--seed <n>', "seed of the clients' choices (default: drawn and printed)", (v) => { const n = Number(v); if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError('--seed must be an integer in 0..4294967295'); return n; })
    .option('--key-prefix <p>', 'prefix of every key of the run (default: fresh per run, so the history starts from absent keys)')
    .option('--check', 'check the history for linearizability at the end')
    .option('--quiet', 'no per-second progress')
    .action(async (o: LoadCliOpts) => runLoadCli(o));

  const cluster = program.command('cluster').description('a local cluster of daemons on loopback: up | down | status');
  cluster
    .command('up')
    .description('start (creating if needed) a local cluster: configs, data, logs and pid files in --dir')
    .option('--dir <dir>', 'the cluster folder', 'build/cluster')
    .option('--replicas <n>', 'replicas (1..7)', posInt('--replicas', 7), 3)
    .option('--planes <n>', 'network planes (1..3)', posInt('--planes', 3), 2)
    .addOption(new Option('--backend <backend>', 'NIC backend').choices([...BACKENDS]).default('model'))
    .option('--base-port <port>', 'plane p of node i on UDP base+100p+i, status on TCP base+900+i', posInt('--base-port', 64_000), 17000)
    .option('--follower-reads', 'followers answer gets under read leases (node config followerReads; clients: kv get --any, load --read-from any)')
    .option('--max-payload-bytes <n>', `largest request payload the NICs take (node config nic.maxPayloadBytes, 16..${MAX_PAYLOAD_LIMIT_BYTES}; written to cluster.yaml for clients)`, (v) => { const n = Number(v); if (!Number.isInteger(n) || n < 16 || n > MAX_PAYLOAD_LIMIT_BYTES) throw new InvalidArgumentError(`--max-payload-bytes must be an integer in 16..${MAX_PAYLOAD_LIMIT_BYTES}`); return n; })
    .action(async (o: { dir: string; replicas: number; planes: number; backend: Backend; basePort: number; followerReads?: boolean; maxPayloadBytes?: number }) => {
      const { clusterUp } = await import('../ctrl/deploy/cluster.js');
      try {
        const { followerReads, maxPayloadBytes, ...rest } = o;
        const overrides: Record<string, unknown> = {};
        if (followerReads) overrides.followerReads = true;
        if (maxPayloadBytes !== undefined) overrides.nic = { maxPayloadBytes };
        await clusterUp({ ...rest, ...(Object.keys(overrides).length ? { overrides } : {}) }, (s) => console.log(s));
      } catch (e) {
        if (e instanceof RangeError || e instanceof ConfigError) { process.stderr.write(`nicraft cluster up: ${e.message}\n`); process.exitCode = 2; return; }
        process.stderr.write(`nicraft cluster up: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });
  cluster
    .command('down')
    .description('stop every node of a local cluster (SIGTERM)')
    .option('--dir <dir>', 'the cluster folder', 'build/cluster')
    .option('--purge', 'also remove the folder (configs, data, logs)')
    .action(async (o: { dir: string; purge?: boolean }) => {
      const { clusterDown } = await import('../ctrl/deploy/cluster.js');
      try {
        await clusterDown(o.dir, !!o.purge, (s) => console.log(s));
      } catch (e) {
        process.stderr.write(`nicraft cluster down: ${(e as Error).message}\n`);
        process.exitCode = e instanceof ConfigError ? 2 : 1;
      }
    });
  cluster
    .command('status')
    .description("each node's role, term, commit index and per-plane health (from its status endpoint)")
    .option('--dir <dir>', 'the cluster folder', 'build/cluster')
    .option('--json', 'print the status documents as JSON')
    .action(async (o: { dir: string; json?: boolean }) => {
      const { clusterStatus, LocalCluster } = await import('../ctrl/deploy/cluster.js');
      try {
        if (o.json) {
          const lc = new LocalCluster(o.dir);
          const all = await Promise.all(lc.ids.map(async (id) => ({ id, status: (await lc.status(id)) ?? null })));
          console.log(JSON.stringify(all, null, 2));
          return;
        }
        const s = await clusterStatus(o.dir);
        console.log(s.text);
        if (s.up < s.total) process.exitCode = 1;
      } catch (e) {
        process.stderr.write(`nicraft cluster status: ${(e as Error).message}\n`);
        process.exitCode = e instanceof ConfigError ? 2 : 1;
      }
    });
}
