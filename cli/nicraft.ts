// The one entry point for every nicraft tool: `npx nicraft <command>`.
// Each tool lives next to the code it drives and exports `register(program)`.
import { Command, CommanderError } from 'commander';

type Registrar = (program: Command) => void;

// Tools register themselves here; keep one import per line.
const registrars: Array<() => Promise<{ register: Registrar }>> = [
  () => import('../sim/crossing/cli.ts'),
  () => import('../verify/check/cli.ts'),
  () => import('../verify/mc/cli.ts'),
  () => import('../verify/fuzz/cli.ts'),
  () => import('../sim/cli.ts'),
  () => import('../ctrl/daemon/cli.ts'),
  () => import('./deploy.ts'),
  () => import('../bench/report/cli.ts'),
];

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('nicraft')
    .description('SmartNIC-accelerated state machine replication: simulation, checks, benchmarks')
    .showHelpAfterError()
    .exitOverride();
  for (const load of registrars) (await load()).register(program);
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
