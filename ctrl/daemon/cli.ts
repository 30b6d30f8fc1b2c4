// `nicraft node --config FILE`: one replica as a daemon (docs/deploying.md).
// Exit status: 0 stopped by SIGTERM/SIGINT, 2 bad config or an endpoint that cannot be bound
// (nothing written then), 1 the driver failed.
import type { Command } from 'commander';
import pino from 'pino';
import { ConfigError, loadNodeConfig, type NodeConfig } from './config.js';
import { BindError } from './planes.js';

export async function runNode(configFile: string): Promise<void> {
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
    daemon = await NodeDaemon.start(cfg, log);
  } catch (e) {
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
    .action(async (o: { config: string }) => {
      await runNode(o.config);
    });
}
