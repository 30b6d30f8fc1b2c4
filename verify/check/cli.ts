// `nicraft check`: linearizability of recorded histories (docs/checker.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultCacheBytes, type CheckProgress, type CheckResult, type Verdict } from './checker.js';
import { readEventLog, type EventNote } from './events.js';
import { explainLines, historySvg, type Picture } from './explain.js';
import { historyView } from './view.js';
import { makeModel, type ModelSpec } from './models.js';
import { oneLine, parseHistory, readInitialState } from './parse.js';
import { checkHistory } from './pool.js';
import { BadInputError, type FormatName, type History, type InitialValue, type ModelName, type Value } from './types.js';

export interface CheckCliOptions {
  model?: ModelName;
  format?: FormatName;
  timeoutMs?: number;
  explain?: boolean;
  svg?: string;
  html?: string;
  /** Value of a key never written (default: what the input format implies). */
  initial?: InitialValue;
  /** JSON file: key -> starting value. */
  initialState?: string;
  /** Memory for the search caches, MiB (default: from the machine's memory). */
  cacheMb?: number;
  /** Worker threads at most (default: available cores). */
  workers?: number;
  /** nicraft event log to show on the time axis of --html. */
  events?: string;
  /** Clock of the event log's cycle numbers, MHz (default 250). */
  eventsClockMhz?: number;
  /** Progress bar on stderr (only when it is a terminal); false: never. */
  progress?: boolean;
}

export interface CheckIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface FileOutcome {
  file: string;
  verdict: Verdict | 'bad input';
  result?: CheckResult;
  history?: History;
  spec?: ModelSpec;
  error?: string;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
const MiB = 1024 * 1024;

/** Turns an unreadable file into a one-line bad-input message (other errors are rethrown). */
function fileError(file: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return `${file}: no such file`;
  if (err.code === 'EISDIR') return `${file}: is a directory`;
  if (err.code === 'EACCES') return `${file}: permission denied`;
  if (err.code === 'ERR_STRING_TOO_LONG' || err.code === 'ERR_FS_FILE_TOO_LARGE') return `${file}: too large to read`;
  throw e;
}

/** Reads an --initial-state file: a JSON object of key -> value. Throws BadInputError. */
export function readInitialStateFile(file: string): Record<string, Value> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BadInputError(file, undefined, fileError(file, e).slice(file.length + 2));
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new BadInputError(file, undefined, `--initial-state: malformed JSON: ${oneLine((e as Error).message)}`);
  }
  return readInitialState(doc, (msg) => {
    throw new BadInputError(file, undefined, `--initial-state: ${msg}`);
  });
}

/** The model a file is checked with: flags first, then what the input says, then defaults. */
export function specFor(history: History, opts: CheckCliOptions, flagState?: Record<string, Value>): ModelSpec {
  const name = opts.model ?? history.model ?? (history.format === 'jepsen-log' ? 'register' : 'kv');
  const spec: ModelSpec = { name, initial: opts.initial ?? history.initial };
  if (history.initialState || flagState) spec.initialState = { ...history.initialState, ...flagState };
  return spec;
}

/** Parses and checks one file (never throws for bad input; reports it). */
export async function checkFile(
  file: string,
  opts: CheckCliOptions = {},
  hooks: { initialState?: Record<string, Value>; onProgress?: (p: CheckProgress) => void } = {},
): Promise<FileOutcome> {
  let history: History;
  try {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      return { file, verdict: 'bad input', error: fileError(file, e) };
    }
    history = parseHistory(text, file, opts.format);
    if (history.ops.length === 0) {
      const dropped = history.droppedReads > 0 ? `; ${history.droppedReads} indeterminate reads dropped` : '';
      throw new BadInputError(
        file,
        undefined,
        `no operations to check (read as ${history.format}${dropped}): expected Jepsen log lines, EDN op maps or nicraft JSON`,
      );
    }
    const spec = specFor(history, opts, hooks.initialState);
    const model = makeModel(spec);
    for (const op of history.ops) {
      if (!model.kinds.has(op.kind)) {
        throw new BadInputError(file, op.line, `operation ${op.f} is not supported by the ${model.name} model`);
      }
    }
    const result = await checkHistory(spec, history.ops, {
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      cacheBytes: opts.cacheMb !== undefined ? opts.cacheMb * MiB : defaultCacheBytes(),
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
      ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    });
    return { file, verdict: result.verdict, result, history, spec };
  } catch (e) {
    if (e instanceof BadInputError) return { file, verdict: 'bad input', error: oneLine(e.message) };
    throw e;
  }
}

function pictureOf(o: FileOutcome): Picture | undefined {
  if (!o.history) return undefined;
  const f = o.result?.failing;
  if (f) {
    return {
      title: `${o.file}: ${o.verdict}${f.key !== '' ? ` (key ${JSON.stringify(f.key)})` : ''}`,
      ops: f.ops,
      unit: o.history.timeUnit,
      prefix: f.prefix,
      red: o.verdict === 'not linearizable' ? f.frontier.map((x) => x.op) : [],
    };
  }
  return { title: `${o.file}: ${o.verdict}`, ops: o.history.ops, unit: o.history.timeUnit };
}

/** out.svg + etcd_001.log → out.etcd_001.svg (used when several files are checked). */
function perFileName(target: string, input: string): string {
  const ext = extname(target);
  const stem = basename(input, extname(input));
  return ext ? `${target.slice(0, -ext.length)}.${stem}${ext}` : `${target}.${stem}`;
}

/** A progress bar on stderr for checks that take more than a second (terminals only). */
class ProgressBar {
  private bar: import('cli-progress').SingleBar | undefined;
  private cp: typeof import('cli-progress') | undefined;
  private label = '';
  constructor(private readonly limitS: number) {}

  async load(): Promise<void> {
    this.cp = await import('cli-progress');
  }

  file(name: string): void {
    this.stop();
    this.label = basename(name);
  }

  update(p: CheckProgress): void {
    if (!this.cp || p.elapsedMs < 1000) return;
    const payload = {
      file: this.label,
      steps: p.steps >= 1e6 ? `${(p.steps / 1e6).toFixed(1)}M` : String(p.steps),
      elapsed: (p.elapsedMs / 1000).toFixed(0),
      limit: Number.isFinite(this.limitS) ? this.limitS.toFixed(0) : '∞',
    };
    if (!this.bar) {
      this.bar = new this.cp.SingleBar(
        {
          format: '{file} [{bar}] {value}/{total} keys | {steps} steps | {elapsed}/{limit} s',
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
        },
        this.cp.Presets.shades_classic,
      );
      this.bar.start(p.partitions, p.done, payload);
    } else this.bar.update(p.done, payload);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

/** Runs the check command; returns the exit code (0 all linearizable, 1 a violation, 2 unknown/bad). */
export async function runCheck(files: string[], opts: CheckCliOptions = {}, io?: CheckIo): Promise<number> {
  const out = io?.out ?? ((s: string) => process.stdout.write(s + '\n'));
  const err = io?.err ?? ((s: string) => process.stderr.write(s + '\n'));
  const t0 = performance.now();
  let anyNot = false;
  let anyUnknown = false;

  let initialState: Record<string, Value> | undefined;
  let events: EventNote[] | undefined;
  try {
    if (opts.initialState) initialState = readInitialStateFile(opts.initialState);
    if (opts.events) events = readEventLog(opts.events, opts.eventsClockMhz ?? 250);
  } catch (e) {
    if (!(e instanceof BadInputError)) throw e;
    err(`bad input: ${oneLine(e.message)}`);
    return 2;
  }

  const limitS = (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000;
  const bar = !io && opts.progress !== false && process.stderr.isTTY ? new ProgressBar(limitS) : undefined;
  await bar?.load();
  for (const file of files) {
    bar?.file(file);
    const hooks: Parameters<typeof checkFile>[2] = {};
    if (initialState) hooks.initialState = initialState;
    if (bar) hooks.onProgress = (p) => bar.update(p);
    const o = await checkFile(file, opts, hooks);
    bar?.stop();
    if (o.verdict === 'bad input') {
      anyUnknown = true;
      out(`${file}: unknown`);
      err(`bad input: ${o.error}`);
      continue;
    }
    out(`${file}: ${o.verdict}`);
    if (o.verdict === 'not linearizable') anyNot = true;
    if (o.verdict === 'unknown') anyUnknown = true;
    const h = o.history!;
    const expl = o.result ? explainLines(o.result, h.timeUnit, !!opts.explain, h.t0) : [];
    for (const line of expl) out(line);
    if (h.droppedReads > 0 && opts.explain) out(`  (${h.droppedReads} indeterminate reads were dropped)`);
    if (opts.explain && o.result) {
      const r = o.result;
      out(
        `  (${r.partitions} partition${r.partitions === 1 ? '' : 's'}, ${r.steps} search steps, ` +
          `${r.threads ?? 1} thread${(r.threads ?? 1) === 1 ? '' : 's'}, ${r.evictions} cache evictions, ${r.elapsedMs.toFixed(0)} ms)`,
      );
    }
    if (o.result?.note) err(`note: ${o.result.note}`);
    const draw = files.length === 1 || o.verdict !== 'linearizable';
    if (draw && opts.svg) {
      const pic = pictureOf(o);
      if (pic) {
        const target = files.length === 1 ? opts.svg : perFileName(opts.svg, file);
        writeFileSync(target, historySvg(pic));
        err(`wrote ${target}`);
      }
    }
    if (draw && opts.html) {
      const target = files.length === 1 ? opts.html : perFileName(opts.html, file);
      const lines = o.result ? explainLines(o.result, h.timeUnit, true, h.t0) : [];
      writeFileSync(
        target,
        historyView({
          file,
          verdict: o.verdict,
          history: h,
          spec: o.spec!,
          result: o.result!,
          explanation: [`${file}: ${o.verdict}`, ...lines],
          events: events ?? [],
        }),
      );
      err(`wrote ${target}`);
    }
  }
  const secs = (performance.now() - t0) / 1000;
  err(`checked ${files.length} file${files.length === 1 ? '' : 's'} in ${secs.toFixed(secs < 10 ? 2 : 1)} s`);
  return anyUnknown ? 2 : anyNot ? 1 : 0;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function register(program: Command): void {
  program
    .command('check')
    .description('check recorded histories for linearizability (Porcupine-style)')
    .argument('<files...>', 'history files (Jepsen log, EDN op maps, or nicraft JSON)')
    .addOption(new Option('--model <model>', 'sequential model (default: register for Jepsen logs, else kv or as the JSON says)').choices(['register', 'kv', 'wor']))
    .addOption(new Option('--format <format>', 'input format (default: detected per file)').choices(['jepsen-log', 'edn', 'json']))
    .addOption(
      new Option('--initial <value>', 'value of a key never written: nil or empty ("") (default: what the format implies; docs/checker.md)').choices(['nil', 'empty']),
    )
    .option('--initial-state <file>', 'JSON object of key -> value the store held before the history')
    .option('--timeout-ms <n>', `time limit per file; when reached the answer is "unknown" (default ${DEFAULT_TIMEOUT_MS})`, positiveInt)
    .option('--cache-mb <n>', 'memory for the search caches, MiB (default: from the machine\'s memory)', positiveInt)
    .option('--workers <n>', 'worker threads for the keys at most (default: available cores)', positiveInt)
    .option('--explain', 'print the longest linearizable prefix and the operations that cannot be placed')
    .option('--svg <file>', 'write an SVG picture of the failing partition (several inputs: one file each)')
    .option('--html <file>', 'write an interactive HTML view of the history (several inputs: one file each)')
    .option('--events <file>', 'nicraft event log (nicraft sim --events, fuzz) to show on the --html time axis')
    .option('--events-clock-mhz <n>', 'clock of the event log\'s cycle numbers, MHz (default 250)', positiveNumber)
    .option('--no-progress', 'no progress bar')
    .action(async (files: string[], o: CheckCliOptions) => {
      // `nicraft check ... | head`: a closed pipe ends the output, not the process with a trace.
      process.stdout.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
        throw e;
      });
      process.exitCode = await runCheck(files, o);
    });
}
