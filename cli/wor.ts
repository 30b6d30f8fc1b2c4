// `nicraft wor` and `nicraft log` (docs/wor.md): the WOR address space and a shared log over it,
// against a running cluster (the daemons of `nicraft cluster up`, docs/deploying.md).
//
//   nicraft wor alloc N | capture ADDR | write ADDR VALUE [--epoch E] | read ADDR   --cluster FILE
//   nicraft log create [--capacity N] | append LOG VALUE | read LOG POS | tail LOG | trim LOG POS   --cluster FILE
//
// Exit: 0 done; 1 refused (write: the register holds another value or was captured above the
// epoch; read: empty, undecided or trimmed; log full); 3 indeterminate (no answer in time: it may
// or may not have executed); 2 usage or a bad cluster file.
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadClusterFile, type ClusterFile } from '../ctrl/daemon/config.js';

const U32 = 0xffff_ffff;
const intArg = (name: string, min: number, max: number) => (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}, not ${JSON.stringify(v)}`);
  return n;
};

interface NetOpts { cluster: string; timeoutMs: number; attempts: number }

function usage(msg: string): void {
  process.stderr.write(`${msg}\n`);
  process.exitCode = 2;
}

function clusterOrExit(file: string): ClusterFile | undefined {
  try {
    return loadClusterFile(file);
  } catch (e) {
    if (e instanceof ConfigError) { usage(e.message); return undefined; }
    throw e;
  }
}

/** Parses positional argument `what` (an integer in min..max) or reports it; undefined: reported. */
function parseInt32(cmd: string, what: string, v: string | undefined, min: number, max = U32): number | undefined {
  if (v === undefined) { usage(`${cmd}: expects ${what}`); return undefined; }
  try {
    return intArg(what, min, max)(v);
  } catch (e) {
    usage(`${cmd}: ${(e as Error).message}`);
    return undefined;
  }
}

/** Runs `fn` with a WorClient on a fresh session; maps its errors to exit codes. */
async function withWor(cmd: string, o: NetOpts, fn: (wor: import('../ctrl/app/wor/client.js').WorClient) => Promise<void>): Promise<void> {
  const cluster = clusterOrExit(o.cluster);
  if (!cluster) return;
  const { ClientPool } = await import('../ctrl/deploy/udp-client.js');
  const { WorClient, WorError } = await import('../ctrl/app/wor/client.js');
  const pool = await ClientPool.open(cluster, { attemptTimeoutMs: o.timeoutMs, maxAttempts: o.attempts });
  try {
    const c = pool.client();
    await fn(new WorClient((command) => c.invoke(command)));
  } catch (e) {
    if (!(e instanceof WorError)) throw e;
    if (e.kind === 'indeterminate') { process.stderr.write(`${cmd}: indeterminate (${e.message}): it may or may not have executed\n`); process.exitCode = 3; return; }
    process.stderr.write(`${cmd}: ${e.kind === 'failed' ? 'failed (not executed)' : 'refused'}: ${e.message}\n`);
    process.exitCode = 1;
  } finally {
    pool.close();
  }
}

const WOR_OPS = ['alloc', 'capture', 'write', 'read'] as const;
const LOG_OPS = ['create', 'append', 'read', 'tail', 'trim'] as const;
const td = new TextDecoder();
const te = new TextEncoder();

async function runWor(op: string, args: string[], o: NetOpts & { epoch: number }): Promise<void> {
  const cmd = `nicraft wor ${op}`;
  if (!(WOR_OPS as readonly string[]).includes(op)) { usage(`nicraft wor: unknown operation '${op}' (one of ${WOR_OPS.join(' | ')})`); return; }
  const want = op === 'write' ? 2 : 1;
  if (args.length !== want) { usage(`${cmd}: expects ${op === 'alloc' ? 'N' : op === 'write' ? 'ADDR VALUE' : 'ADDR'}, got ${args.length} argument(s)${args.length > want ? ' (quote a value that holds spaces)' : ''}`); return; }
  const n = parseInt32(cmd, op === 'alloc' ? 'N (registers)' : 'ADDR', args[0], 1);
  if (n === undefined) return;
  await withWor(cmd, o, async (wor) => {
    switch (op) {
      case 'alloc': process.stdout.write(`${await wor.alloc(n)}\n`); return;
      case 'capture': {
        const c = await wor.capture(n);
        process.stdout.write(`epoch ${c.epoch}${c.value ? `: written ${JSON.stringify(td.decode(c.value))}` : ': empty'}\n`);
        return;
      }
      case 'write': {
        const w = await wor.write(n, te.encode(args[1]!), o.epoch);
        if (w.ok) { process.stdout.write('OK\n'); return; }
        process.stdout.write(`${w.reason.toUpperCase()}: ${w.message}${w.reason === 'written' ? ` (it holds ${JSON.stringify(td.decode(w.value))})` : ''}\n`);
        process.exitCode = 1;
        return;
      }
      case 'read': {
        const r = await wor.read(n);
        if (r.state === 'value') { process.stdout.write(`${td.decode(r.value)}\n`); return; }
        process.stderr.write(r.state === 'undecided' ? `(undecided: captured with epoch ${r.epoch}, not written)\n` : `(${r.state})\n`);
        process.exitCode = 1;
      }
    }
  });
}

async function runLog(op: string, args: string[], o: NetOpts & { capacity: number }): Promise<void> {
  const cmd = `nicraft log ${op}`;
  if (!(LOG_OPS as readonly string[]).includes(op)) { usage(`nicraft log: unknown operation '${op}' (one of ${LOG_OPS.join(' | ')})`); return; }
  const arity: Record<string, string[]> = { create: [], append: ['LOG', 'VALUE'], read: ['LOG', 'POS'], tail: ['LOG'], trim: ['LOG', 'POS'] };
  const names = arity[op]!;
  if (args.length !== names.length) { usage(`${cmd}: expects ${names.join(' ') || 'no arguments (--capacity N)'}, got ${args.length} argument(s)`); return; }
  let base = 0;
  if (names.length) {
    const b = parseInt32(cmd, 'LOG (the log\'s base address, from `nicraft log create`)', args[0], 1);
    if (b === undefined) return;
    base = b;
  }
  let pos = 0;
  if (op === 'read' || op === 'trim') {
    const p = parseInt32(cmd, 'POS', args[1], 0);
    if (p === undefined) return;
    pos = p;
  }
  const { SharedLog } = await import('../ctrl/app/wor/log.js');
  await withWor(cmd, o, async (wor) => {
    const log = new SharedLog(wor, base);
    switch (op) {
      case 'create': process.stdout.write(`${(await SharedLog.create(wor, o.capacity)).base}\n`); return;
      case 'append': process.stdout.write(`${await log.append(te.encode(args[1]!))}\n`); return;
      case 'tail': { const t = await log.tail(); process.stdout.write(`tail ${t.tail} trimmed ${t.trimmed}\n`); return; }
      case 'trim': process.stdout.write(`trimmed below ${await log.trim(pos)}\n`); return;
      case 'read': {
        const r = await log.read(pos);
        if (r.state === 'value') { process.stdout.write(`${td.decode(r.value)}\n`); return; }
        process.stderr.write(`(${r.state})\n`);
        process.exitCode = 1;
      }
    }
  });
}

function netOptions(c: Command): Command {
  return c
    .requiredOption('--cluster <file>', 'cluster file (DIR/cluster.yaml of `nicraft cluster up`, or any node config)')
    .option('--timeout-ms <ms>', 'timeout of one attempt', (v) => { const n = Number(v); if (!(n > 0)) throw new InvalidArgumentError('--timeout-ms must be a positive number'); return n; }, 500)
    .option('--attempts <n>', 'attempts before the outcome is indeterminate', intArg('--attempts', 1, 1000), 20);
}

export function register(program: Command): void {
  netOptions(program
    .command('wor')
    .description('one operation on the write-once registers of a running cluster (docs/wor.md)')
    .usage('alloc N | capture ADDR | write ADDR VALUE [--epoch E] | read ADDR  --cluster FILE')
    .argument('<op>', `operation: ${WOR_OPS.join(' | ')}`)
    .argument('<args...>', 'N (alloc), ADDR, then VALUE (write)')
    .option('--epoch <e>', 'write: the epoch of your capture (0: the range owner\'s write, no capture)', intArg('--epoch', 0, U32), 0))
    .action(async (op: string, args: string[], o: NetOpts & { epoch: number }) => runWor(op, args, o));
  netOptions(program
    .command('log')
    .description('a shared log over write-once registers on a running cluster (docs/wor.md)')
    .usage('create [--capacity N] | append LOG VALUE | read LOG POS | tail LOG | trim LOG POS  --cluster FILE')
    .argument('<op>', `operation: ${LOG_OPS.join(' | ')}`)
    .argument('[args...]', 'LOG (the base `create` printed), then VALUE (append) or POS (read, trim)')
    .option('--capacity <n>', 'create: positions of the log', intArg('--capacity', 1, 1 << 30), 1 << 20))
    .action(async (op: string, args: string[], o: NetOpts & { capacity: number }) => runLog(op, args, o));
}
