// `nicraft mc`: explicit-state model checking of the real control core (docs/model-checker.md).
//
// Exit status: 0 no violation within the bound (the output says whether the bound was exhausted
// or the time limit stopped the search first), 1 a violation (with a shortest counterexample),
// 2 bad flags (commander names the flag and the allowed values).
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { replayTrace, search, type LevelStats, type SearchResult } from './search.js';
import type { McOptions } from './world.js';
import { CHAIN_DEFAULTS, checkChain, type ChainCheckOptions, type ChainMutation } from './chain.js';

export interface Bound extends McOptions {
  order: 'fifo' | 'any';
  maxDepth: number;
  /** seconds */
  timeLimit: number;
}

/** `nicraft mc` with no flags: exhausted in well under a minute on 2 shared cores (docs/model-checker.md §6). */
export const DEFAULT_BOUND: Bound = {
  nodes: 3, requests: 2, maxTerm: 3, timeouts: 3, crashes: 1, drops: 1, dups: 0, order: 'fifo', reorders: 0, maxDepth: 9, timeLimit: 120,
};

/** `nicraft mc --small`, and what `make test` runs (test/mc): a few seconds. */
export const SMALL_BOUND: Bound = {
  nodes: 3, requests: 1, maxTerm: 2, timeouts: 2, crashes: 1, drops: 1, dups: 0, order: 'fifo', reorders: 0, maxDepth: 9, timeLimit: 60,
};

/**
 * The small bound from a running cluster (`--small --warm --max-depth 7`, also in `make test`):
 * node 1 leads term 1 with every fast path on, so an election timeout or a host-path request
 * needs a freeze-and-sync, and the search interleaves its NIC answers with everything else.
 */
export const WARM_BOUND: Bound = { ...SMALL_BOUND, warm: true, maxDepth: 7 };

/**
 * Follower reads under leases (`--follower-reads --warm --reads 2 --max-depth 6 --max-term 3`, in
 * `make test`): common clocks; from a cluster whose leader has its leases out (every follower holds
 * one): lease renewals at every clock step, a write, follower reads, a crash of any node and its
 * restart, election timeouts. A leader change is deeper than an exhaustive search reaches in
 * seconds: the random walks (`--walks`) cover it.
 */
export const FOLLOWER_READS_BOUND: Bound = {
  nodes: 3, requests: 1, maxTerm: 3, timeouts: 2, crashes: 1, drops: 0, dups: 0, order: 'fifo', reorders: 0,
  warm: true, followerReads: true, reads: 2, maxDepth: 6, timeLimit: 120,
};

/**
 * NIC failure detection (issue 18, `--follower-reads --warm --nic-silence --silences 2`): the
 * follower-reads bound with the cores' shorter promise and lease (nicSilenceNs = T/2) and two
 * leader-silence reports that may reach any follower that knows a leader at any time. The leader's
 * heartbeat every T/5: the lease now lasts T/2 after a quorum-acknowledged round, so rounds every
 * T/2 (the follower-reads bound's) would let every lease lapse before its renewal. Reads may also
 * be chosen at the leader under its lease (the lease the shorter promise bounds). The cores arm
 * their NICs at the vote (armOnVote).
 */
export const NIC_SILENCE_BOUND: Bound = { ...FOLLOWER_READS_BOUND, heartbeatIntervalNs: 40, nicSilence: true, silences: 2, leaderReads: true };

export const PROPERTIES = ['election safety', 'log matching', 'leader completeness', 'state machine safety'];

export interface McIo {
  out: (line: string) => void;
}

export interface RunResult {
  result: SearchResult;
  code: number;
}

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function describeBound(b: Bound): string {
  const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
  return `${b.nodes} nodes${b.preVote === false ? ' (pre-vote off)' : ''}${b.warm ? ', from a running cluster (node 1 leads term 1, fast paths on)' : ''}, ${plural(b.requests, 'client request')}, max term ${b.maxTerm}, depth <= ${b.maxDepth}; ` +
    `environment: ${plural(b.timeouts, 'election timeout')}, ${plural(b.crashes, 'crash', 'crashes')} (+ restart), ${plural(b.drops, 'lost packet')}, ` +
    `${plural(b.dups, 'duplicated packet')}, ${b.order === 'any' ? 'any delivery order' : `FIFO channels with ${plural(b.reorders, 'reordering')}`}` +
    `${b.followerReads ? `; follower reads (${plural(b.reads ?? 0, 'read')})` : ''}${b.nicSilence ? `; NIC failure detection (${plural(b.silences ?? 0, 'leader-silence report')})` : ''}`;
}

/** Explains a violation: the property, the search figures and the trace, one readable block per step. */
export function formatViolation(b: Bound, r: SearchResult): string[] {
  const v = r.violation!;
  const lines: string[] = [];
  lines.push(`VIOLATION of ${v.property}: ${v.detail}`);
  lines.push(`found after ${fmtInt(r.states)} states (${fmtInt(r.transitions)} transitions) in ${secs(r.ms)}; shortest counterexample: ${v.trace.length} steps (breadth-first)`);
  const { steps, world } = replayTrace(b, v.trace);
  steps.forEach((s, i) => {
    lines.push(`step ${i + 1}: ${s.label}`);
    for (const l of s.lines) lines.push(`  ${l}`);
  });
  if (!world.violation) lines.push('  (!) the replayed trace did not reproduce the violation: the search is not deterministic');
  else if (world.violation.detail !== v.detail) lines.push(`  replayed: ${world.violation.property}: ${world.violation.detail}`);
  lines.push('state after the last step:');
  lines.push(...world.statusLines());
  return lines;
}

export function runMc(b: Bound, opts: { quiet?: boolean; verify?: boolean; json?: string } = {}, io?: McIo): RunResult {
  const out = io?.out ?? ((s: string) => process.stdout.write(s + '\n'));
  out(`nicraft mc: ${describeBound(b)}`);
  const onLevel = opts.quiet ? undefined : (l: LevelStats): void => {
    out(`  depth ${String(l.depth).padStart(2)}: ${fmtInt(l.states).padStart(10)} new states ${fmtInt(l.total).padStart(11)} total ${secs(l.ms).padStart(8)}`);
  };
  const r = search(b, { maxDepth: b.maxDepth, timeLimitMs: b.timeLimit * 1000, verify: opts.verify, onLevel });
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ ...r, levels: r.levels }, null, 2) + '\n');
  if (r.violation) {
    for (const l of formatViolation(b, r)) out(l);
    return { result: r, code: 1 };
  }
  const how = r.stop === 'fixpoint' ? `every reachable state (no new state at depth ${r.depth})`
    : r.stop === 'depth' ? `bound exhausted (every state within ${b.maxDepth} steps)`
    : r.stop === 'time' ? `INCOMPLETE: the time limit (${b.timeLimit} s) stopped the search at depth ${r.depth}`
    : `INCOMPLETE: the state limit stopped the search at depth ${r.depth}`;
  out(`explored ${fmtInt(r.states)} distinct states (${fmtInt(r.transitions)} transitions) in ${secs(r.ms)}: ${how}`);
  out(`no violation: ${[...PROPERTIES, ...(b.followerReads ? ['read safety'] : []), ...(b.followerReplies ? ['reply safety'] : [])].join(', ')} hold in every explored state`);
  return { result: r, code: 0 };
}

function intIn(lo: number, hi: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < lo || n > hi) throw new InvalidArgumentError(`must be an integer from ${lo} to ${hi}`);
    return n;
  };
}

function positiveSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

interface Flags {
  small?: boolean; nodes?: number; requests?: number; maxTerm?: number; maxDepth?: number; timeLimit?: number;
  timeouts?: number; crashes?: number; drops?: number; dups?: number; reorders?: number; order?: 'fifo' | 'any';
  quiet?: boolean; verify?: boolean; json?: string; prevote?: boolean; warm?: boolean; followerReads?: boolean; reads?: number; followerReplies?: boolean; nicSilence?: boolean; silences?: number;
}

export function register(program: Command): void {
  registerChain(program);
  const d = DEFAULT_BOUND;
  const s = SMALL_BOUND;
  program
    .command('mc')
    .description('model-check the real control core (ctrl/core) for small clusters: breadth-first over every interleaving, with faults as choices')
    .option('--small', `the test bound: ${describeBound(s)}`)
    .addOption(new Option('--nodes <n>', `replicas (default ${d.nodes})`).argParser(intIn(2, 5)))
    .addOption(new Option('--requests <n>', `client requests (default ${d.requests})`).argParser(intIn(0, 9)))
    .addOption(new Option('--max-term <n>', `highest term an election may start (default ${d.maxTerm})`).argParser(intIn(1, 9)))
    .addOption(new Option('--max-depth <n>', `longest choice sequence explored (default ${d.maxDepth})`).argParser(intIn(1, 200)))
    .addOption(new Option('--time-limit <s>', `stop after this many seconds, reporting an incomplete search (default ${d.timeLimit})`).argParser(positiveSeconds))
    .addOption(new Option('--timeouts <n>', `election timeouts, all nodes together (default ${d.timeouts})`).argParser(intIn(0, 20)))
    .addOption(new Option('--crashes <n>', `node crashes, each restartable from storage (default ${d.crashes})`).argParser(intIn(0, 9)))
    .addOption(new Option('--drops <n>', `lost packets (default ${d.drops})`).argParser(intIn(0, 9)))
    .addOption(new Option('--dups <n>', `duplicated packets (default ${d.dups})`).argParser(intIn(0, 9)))
    .addOption(new Option('--order <order>', `channel order: fifo (in order, but --reorders packets may overtake) or any (every packet in flight may be delivered next) (default ${d.order})`).choices(['fifo', 'any']))
    .addOption(new Option('--reorders <n>', `packets delivered ahead of older ones on their channel, fifo order only (default ${d.reorders})`).argParser(intIn(0, 9)))
    .option('--no-prevote', 'run the cores without pre-vote (elections take two steps fewer; the mutation check uses this)')
    .option('--warm', 'start from a running cluster (node 1 leads term 1, every fast path on) instead of a fresh one: elections and host-path requests then need a freeze-and-sync')
    .option('--follower-reads', 'follower reads under leases (common clocks: one time step moves every clock); with --warm from a cluster whose leases are out; checks read safety')
    .addOption(new Option('--reads <n>', 'follower reads (with --follower-reads; default 2)').argParser(intIn(0, 9)))
    .option('--nic-silence', 'NIC failure detection (core nicSilenceNs = half the election timeout, armOnVote on): leader-silence reports reach followers at any time, leases shrink to match')
    .option('--follower-replies', 'follower replies (core followerReplies: REQs flagged FOLLOWER_REPLY, the cores write REPLY_MASK); every NIC REPLY is checked like an application (reply safety)')
    .addOption(new Option('--silences <n>', 'leader-silence reports (with --nic-silence; default 2)').argParser(intIn(0, 9)))
    .option('--quiet', 'no line per depth')
    .option('--verify', 're-fingerprint every rebuilt state (checks that the search is deterministic; slower)')
    .option('--json <file>', 'write the figures (and the counterexample, if any) as JSON')
    .action((f: Flags) => {
      const base = f.small ? s : d;
      const b: Bound = {
        nodes: f.nodes ?? base.nodes, requests: f.requests ?? base.requests, maxTerm: f.maxTerm ?? base.maxTerm,
        maxDepth: f.maxDepth ?? base.maxDepth, timeLimit: f.timeLimit ?? base.timeLimit, timeouts: f.timeouts ?? base.timeouts,
        crashes: f.crashes ?? base.crashes, drops: f.drops ?? base.drops, dups: f.dups ?? base.dups, reorders: f.reorders ?? base.reorders,
        order: f.order ?? base.order, preVote: f.prevote === false ? false : base.preVote, warm: f.warm ?? base.warm,
        ...(f.followerReads ? { followerReads: true, reads: f.reads ?? 2 } : {}),
        ...(f.followerReplies ? { followerReplies: true } : {}),
        ...(f.nicSilence ? { nicSilence: true, silences: f.silences ?? 2, heartbeatIntervalNs: NIC_SILENCE_BOUND.heartbeatIntervalNs, leaderReads: true } : {}),
      };
      process.exitCode = runMc(b, { quiet: f.quiet, verify: f.verify, json: f.json }).code;
    });
}

interface ChainFlags {
  crash?: 'head' | 'middle' | 'tail' | 'any' | 'none'; requests?: number; crashes?: number; restarts?: number; ticks?: number;
  masterRestarts?: number; mutation?: ChainMutation; timeLimit?: number; json?: string;
}

/**
 * `nicraft mc-chain`: the chain master's model check (verify/mc/chain.ts; docs/model-checker.md §9).
 * Exit status: 0 exhausted (or stopped by the time limit: said) with no violation, 1 a violation, 2 bad flags.
 */
export function registerChain(program: Command): void {
  const d = CHAIN_DEFAULTS;
  program
    .command('mc-chain')
    .description('model-check the real chain master (ctrl/chain/master.ts) with three abstract nodes: crashes, restarts, master restarts, beats and ticks as choices, control messages in any order')
    .addOption(new Option('--crash <pos>', 'the node that may crash: head (0), middle (1), tail (2), any, or none (default any)').choices(['head', 'middle', 'tail', 'any', 'none']))
    .addOption(new Option('--requests <n>', `client requests (default ${d.requests})`).argParser(intIn(0, 5)))
    .addOption(new Option('--crashes <n>', `node crashes (default ${d.crashes})`).argParser(intIn(0, 3)))
    .addOption(new Option('--restarts <n>', `node restarts (default ${d.restarts})`).argParser(intIn(0, 3)))
    .addOption(new Option('--ticks <n>', `clock advances (default ${d.timeSteps})`).argParser(intIn(0, 6)))
    .addOption(new Option('--master-restarts <n>', `crashes of the master, each restarted from its stable storage at once (default ${d.masterRestarts})`).argParser(intIn(0, 3)))
    .addOption(new Option('--mutation <m>', 'a known bug to inject (the check must find it)').choices(['headLast', 'skipCatchup', 'ignoreTruncate', 'noIncarnationCheck', 'forgetMaxEpoch']))
    .addOption(new Option('--time-limit <s>', 'stop after this many seconds, reporting an incomplete search (default 600)').argParser(positiveSeconds))
    .option('--json <file>', 'write the figures (and the counterexample, if any) as JSON')
    .action((f: ChainFlags) => {
      const pos = f.crash ?? 'any';
      const o: ChainCheckOptions = {
        crashable: pos === 'head' ? [0] : pos === 'middle' ? [1] : pos === 'tail' ? [2] : [0, 1, 2],
        crashes: pos === 'none' ? 0 : f.crashes ?? d.crashes,
        restarts: pos === 'none' ? 0 : f.restarts ?? d.restarts,
        requests: f.requests ?? d.requests, timeSteps: f.ticks ?? d.timeSteps, masterRestarts: f.masterRestarts ?? d.masterRestarts,
        timeLimitMs: (f.timeLimit ?? 600) * 1000,
        ...(f.mutation ? { mutation: f.mutation } : {}),
      };
      const say = (t: string): void => { process.stdout.write(`${t}\n`); };
      const r = checkChain(o);
      const { maxStates: _m, timeLimitMs: _t, maxDepth: _d, ...b } = r.bound;
      say(`chain model check: bound ${JSON.stringify(b)}`);
      say(`${r.states} states, ${r.transitions} transitions, depth ${r.depth}, ${r.ms} ms: ${r.stop === 'fixpoint' ? 'exhausted' : `stopped (${r.stop})`}`);
      say(`reached ${JSON.stringify(r.reached)}`);
      if (r.violation) {
        say(`VIOLATION ${r.violation.property}: ${r.violation.detail}\ntrace (${r.violation.trace.length} steps):\n  ${r.violation.trace.join('\n  ')}`);
      } else {
        say(r.complete ? 'no violation: every state within the bound explored' : 'no violation found, but the bound was NOT exhausted');
      }
      if (f.json) writeFileSync(f.json, JSON.stringify(r, null, 2) + '\n');
      process.exitCode = r.violation ? 1 : 0;
    });
}
