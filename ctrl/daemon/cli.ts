// `nicraft node --config FILE [--rejoin [--min-term N]]`: one replica as a daemon (docs/deploying.md).
// Exit status: 0 stopped by SIGTERM/SIGINT, 2 bad config, an endpoint that cannot be bound (nothing
// written then), or a data directory it must not start from (corrupt or lost WAL or hard state,
// another cluster's or node's: one line naming the file, offset and record; nothing changed on
// disk; the recovery is --rejoin), 1 the driver failed.
import { InvalidArgumentError, type Command } from 'commander';
import pino from 'pino';
import { ConfigError, loadNodeConfig, type NodeConfig } from './config.js';
import { WalError } from './file-storage.js';
import { BindError } from './planes.js';

export interface NodeFlags {
  /** discard the local state and rejoin as a non-voter until caught up (docs/deploying.md §5) */
  rejoin?: boolean;
  /** with rejoin, when the hard state is lost too: the highest term any member reports */
  minTerm?: number;
}

export async function runNode(configFile: string, flags: NodeFlags = {}): Promise<void> {
  if (flags.minTerm !== undefined && !flags.rejoin) {
    process.stderr.write('nicraft node: --min-term is only for --rejoin\n');
    process.exitCode = 2;
    return;
  }
  let cfg: NodeConfig;
  try {
    cfg = loadNodeConfig(configFile);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`nicraft node: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const log = pino({ level: cfg.log.level, base: { node: cfg.id, pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
  const { NodeDaemon } = await import('./node.js');
  let daemon;
  try {
    daemon = await NodeDaemon.start(cfg, log, flags.rejoin ? { minTerm: flags.minTerm } : undefined);
  } catch (e) {
    if (e instanceof WalError) {
      process.stderr.write(`nicraft node: ${e.message}\n`);
      log.fatal({ kind: e.kind, file: e.file, offset: e.offset, record: e.record }, e.message);
      process.exitCode = 2;
      return;
    }
    if (e instanceof BindError) {
      process.stderr.write(`nicraft node: ${cfg.source}: ${e.message}\n`);
      log.error({ field: e.field, endpoint: e.endpoint, code: e.code }, e.message);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const d = daemon;
  d.onStopped = (code) => {
    process.exit(code);
  };
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      log.info({ signal: sig }, `${sig}: stopping`);
      void d.stop(0);
    });
  }
  process.on('uncaughtException', (err) => {
    log.fatal({ err: err.stack }, 'uncaught exception');
    void d.stop(1);
  });
}

export function register(program: Command): void {
  program
    .command('node')
    .description('run one replica as a daemon: the control core, a NIC backend bridged to UDP planes, a write-ahead log, an HTTP status endpoint')
    .requiredOption('--config <file>', 'node config (YAML or JSON; see docs/deploying.md)')
    .option('--rejoin', 'discard this node\'s log (kept as wal.discarded-<ms>) and rejoin as a member that neither votes nor stands until it has caught up with a leader; keeps the term and vote from the hard state file')
    .option('--min-term <n>', 'with --rejoin, when the hard state file is lost too: the highest term any member reports (the node counts as having voted in it)', (v: string) => {
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new InvalidArgumentError('--min-term must be an integer 0..4294967295');
      return Number(v);
    })
    .action(async (o: { config: string; rejoin?: boolean; minTerm?: number }) => {
      await runNode(o.config, { rejoin: o.rejoin, minTerm: o.minTerm });
    });
}
