// `nicraft check`: linearizability of recorded histories (docs/checker.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { checkOperations, type CheckResult, type Verdict } from './checker.js';
import { explainLines, historyHtml, historySvg, type Picture } from './explain.js';
import { modelByName } from './models.js';
import { parseHistory } from './parse.js';
import { BadInputError, type FormatName, type History, type ModelName } from './types.js';

export interface CheckCliOptions {
  model?: ModelName;
  format?: FormatName;
  timeoutMs?: number;
  explain?: boolean;
  svg?: string;
  html?: string;
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
  error?: string;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/** Parses and checks one file (never throws for bad input; reports it). */
export function checkFile(file: string, opts: CheckCliOptions = {}): FileOutcome {
  let history: History;
  try {
    const text = readFileSync(file, 'utf8');
    history = parseHistory(text, file, opts.format);
    const modelName = opts.model ?? history.model ?? (history.format === 'jepsen-log' ? 'register' : 'kv');
    const model = modelByName(modelName);
    for (const op of history.ops) {
      if (!model.kinds.has(op.kind)) {
        throw new BadInputError(file, op.line, `operation ${op.f} is not supported by the ${model.name} model`);
      }
    }
    const result = checkOperations(model, history.ops, { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS });
    return { file, verdict: result.verdict, result, history };
  } catch (e) {
    if (e instanceof BadInputError) return { file, verdict: 'bad input', error: e.message };
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES') {
      return { file, verdict: 'bad input', error: `${file}: ${err.message}` };
    }
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

/** Runs the check command; returns the exit code (0 all linearizable, 1 a violation, 2 unknown/bad). */
export function runCheck(files: string[], opts: CheckCliOptions = {}, io?: CheckIo): number {
  const out = io?.out ?? ((s: string) => process.stdout.write(s + '\n'));
  const err = io?.err ?? ((s: string) => process.stderr.write(s + '\n'));
  const t0 = performance.now();
  let anyNot = false;
  let anyUnknown = false;
  for (const file of files) {
    const o = checkFile(file, opts);
    if (o.verdict === 'bad input') {
      anyUnknown = true;
      out(`${file}: unknown`);
      err(`bad input: ${o.error}`);
      continue;
    }
    out(`${file}: ${o.verdict}`);
    if (o.verdict === 'not linearizable') anyNot = true;
    if (o.verdict === 'unknown') anyUnknown = true;
    const expl = o.result ? explainLines(o.result, o.history!.timeUnit, !!opts.explain) : [];
    for (const line of expl) out(line);
    if (o.history && o.history.droppedReads > 0 && opts.explain) {
      out(`  (${o.history.droppedReads} indeterminate reads were dropped)`);
    }
    const draw = files.length === 1 || o.verdict !== 'linearizable';
    const pic = draw ? pictureOf(o) : undefined;
    if (pic) {
      if (opts.svg) {
        const target = files.length === 1 ? opts.svg : perFileName(opts.svg, file);
        writeFileSync(target, historySvg(pic));
        err(`wrote ${target}`);
      }
      if (opts.html) {
        const target = files.length === 1 ? opts.html : perFileName(opts.html, file);
        const lines = o.result ? explainLines(o.result, o.history!.timeUnit, true) : [];
        writeFileSync(target, historyHtml(pic, [`${file}: ${o.verdict}`, ...lines]));
        err(`wrote ${target}`);
      }
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

export function register(program: Command): void {
  program
    .command('check')
    .description('check recorded histories for linearizability (Porcupine-style)')
    .argument('<files...>', 'history files (Jepsen log, EDN maps one a line, or nicraft JSON)')
    .addOption(new Option('--model <model>', 'sequential model (default: register for Jepsen logs, else kv or as the JSON says)').choices(['register', 'kv']))
    .addOption(new Option('--format <format>', 'input format (default: detected per file)').choices(['jepsen-log', 'edn', 'json']))
    .option('--timeout-ms <n>', `time limit per file; when reached the answer is "unknown" (default ${DEFAULT_TIMEOUT_MS})`, positiveInt)
    .option('--explain', 'print the longest linearizable prefix and the operations that cannot be placed')
    .option('--svg <file>', 'write an SVG picture of the failing partition (several inputs: one file each)')
    .option('--html <file>', 'write an HTML page with the picture and the explanation')
    .action((files: string[], o: CheckCliOptions) => {
      process.exitCode = runCheck(files, o);
    });
}
