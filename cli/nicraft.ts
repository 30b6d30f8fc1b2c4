// The one entry point for every nicraft tool: `nicraft <command>` (bin/nicraft.js runs the compiled
// copy of this file from dist/). Each tool keeps its command-line wiring next to its code and exports
// `register(program)`; this file knows only the names, so a command loads its own module graph and
// nothing else: `nicraft --help` loads no tool at all, `nicraft kv get` only the client.
import { Command, CommanderError } from 'commander';

type Registrar = { register: (program: Command) => void };

interface Tool {
  /** Top-level commands the module registers. */
  commands: string[];
  /** One line per command for `nicraft --help` (the tool's own help has the details). */
  summary: Record<string, string>;
  load: () => Promise<Registrar>;
}

// Layers, top to bottom: cli -> bench, verify -> sim -> ctrl -> native (docs/architecture.md).
export const TOOLS: Tool[] = [
  {
    commands: ['sim'],
    summary: { sim: 'run a co-simulated cluster scenario (sim/scenarios/*.yaml): RTL NICs, plane switches, clients, faults' },
    load: () => import('../sim/cli.ts'),
  },
  {
    commands: ['crossing'],
    summary: { crossing: 'the crossing (CrossTalk) mode: run a scenario, or bench it against OM(1)' },
    load: () => import('../sim/crossing/cli.ts'),
  },
  {
    commands: ['check'],
    summary: { check: 'check recorded histories for linearizability (Jepsen logs, EDN, nicraft JSON)' },
    load: () => import('../verify/check/cli.ts'),
  },
  {
    commands: ['mc', 'mc-chain'],
    summary: {
      mc: 'model-check the real control core for small clusters (every interleaving, faults as choices)',
      'mc-chain': 'model-check the real chain master with three abstract nodes (crashes, restarts, master restarts, any message order)',
    },
    load: () => import('../verify/mc/cli.ts'),
  },
  {
    commands: ['fuzz'],
    summary: { fuzz: 'seeded fault campaigns (VOPR-style) on ModelNic or RTL NICs' },
    load: () => import('../verify/fuzz/cli.ts'),
  },
  {
    commands: ['node'],
    summary: { node: 'run one replica as a daemon: control core, NIC backend bridged to UDP planes, WAL, HTTP status' },
    load: () => import('../ctrl/daemon/cli.ts'),
  },
  {
    commands: ['kv', 'load', 'cluster'],
    summary: {
      kv: 'one KV operation against a running cluster: get|del KEY, put|append KEY VALUE, cas KEY EXPECTED NEW',
      load: 'closed-loop load: throughput, latency percentiles, a history for `nicraft check`',
      cluster: 'a local cluster of daemons on loopback: up | down | status',
    },
    load: () => import('./deploy.ts'),
  },
  {
    commands: ['wor', 'log'],
    summary: {
      wor: 'write-once registers on a running cluster: alloc N | capture ADDR | write ADDR VALUE | read ADDR',
      log: 'a shared log over write-once registers: create | append LOG VALUE | read LOG POS | tail LOG | trim LOG POS',
    },
    load: () => import('./wor.ts'),
  },
  {
    commands: ['bench'],
    summary: { bench: 'the cluster benchmark: sweeps, software path, failover, plane loss; bench/out/cluster.json and report.html' },
    load: () => import('../bench/report/cli.ts'),
  },
];

/** The command named on the command line (the first argument that is not an option), if any. */
function commandName(argv: string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('nicraft')
    .description('SmartNIC-accelerated state machine replication: simulation, checks, benchmarks, daemons')
    .showHelpAfterError()
    .exitOverride();
  const name = commandName(argv);
  const tool = name === undefined ? undefined : TOOLS.find((t) => t.commands.includes(name));
  if (tool) {
    (await tool.load()).register(program);
  } else {
    // `nicraft`, `nicraft --help` or an unknown command: the list of commands, no tool loaded.
    for (const t of TOOLS) for (const c of t.commands) program.command(c).description(t.summary[c] ?? '');
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors exit 2 (bad flag or argument).
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    throw err;
  }
}
