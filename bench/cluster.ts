// Cluster benchmark (make bench-cluster; also `nicraft bench`): load sweep for 3 and 5 replicas,
// payload sweep, hardware vs software path, failover, plane loss and simulation speed on the
// co-simulated cluster of RTL NICs. Writes bench/out/cluster.json and bench/out/report.html and
// prints a summary table. Options: --quick, --replicas 3,5, --only <sections>, --seed, --requests,
// --out, --report-only (npx tsx bench/cluster.ts --help). docs/benchmarks.md explains the report.
import { Command, CommanderError } from 'commander';
import { benchMain, withBenchOptions, type Opts } from './report/cli.js';

const program = withBenchOptions(new Command().name('bench/cluster.ts')).showHelpAfterError().exitOverride();
try {
  program.parse(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  throw e;
}
await benchMain(program.opts<Opts>());
