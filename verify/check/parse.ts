// Input formats: Jepsen log lines, EDN op maps (one a line, or in one top-level vector), nicraft
// history JSON.
import { EdnMap, EdnParseError, EdnReader, Keyword, ednSnippet, lineOf, lineStarts, parseEdn, type EdnValue } from './edn.js';
import {
  BadInputError,
  type FormatName,
  type History,
  type InitialValue,
  type JsonHistory,
  type ModelName,
  type OpKind,
  type Operation,
  type Value,
} from './types.js';

const KIND_OF: Record<string, OpKind> = {
  read: 'read',
  get: 'read',
  write: 'write',
  put: 'write',
  cas: 'cas',
  append: 'append',
  delete: 'delete',
  del: 'delete',
};

/**
 * Guesses the format from the first meaningful characters: `{:` EDN, `{` JSON, `[{:` / `({:` /
 * `[` + `]` / `;` EDN (a vector of op maps, a comment), anything else a Jepsen log.
 */
export function detectFormat(text: string): FormatName {
  let i = 0;
  const skip = (): string | undefined => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    return text[i];
  };
  const c = skip();
  if (c === ';') return 'edn';
  if (c === '[' || c === '(') {
    i++;
    const d = skip();
    if (d === '{') {
      i++;
      return skip() === ':' ? 'edn' : 'json';
    }
    return d === ']' || d === ')' || d === '[' || d === '(' || d === ';' ? 'edn' : 'jepsen-log';
  }
  if (c === '{') {
    i++;
    return skip() === ':' ? 'edn' : 'json';
  }
  return 'jepsen-log';
}

type CompletionType = 'ok' | 'fail' | 'info';

interface Pending {
  op: Operation;
}

/**
 * Pairs invocations with completions per process and applies Jepsen's reading rules.
 * Time is the caller's (event index or ns).
 */
class Builder {
  readonly ops: Operation[] = [];
  private readonly pending = new Map<number, Pending>();
  droppedReads = 0;
  private readonly dropped = new Set<Operation>();

  constructor(private readonly file: string) {}

  err(line: number | undefined, reason: string): never {
    throw new BadInputError(this.file, line, reason);
  }

  invoke(op: Omit<Operation, 'id' | 'status' | 'ret'>): void {
    const prior = this.pending.get(op.process);
    if (prior) {
      this.err(
        op.line,
        `process ${op.process} invokes ${op.f} while its ${prior.op.f} (line ${prior.op.line}) has not completed`,
      );
    }
    const full: Operation = { ...op, id: this.ops.length, status: 'unknown', ret: Infinity };
    this.ops.push(full);
    this.pending.set(op.process, { op: full });
  }

  complete(
    process: number,
    type: CompletionType,
    f: string,
    time: number,
    line: number | undefined,
    value: Value | undefined,
    timedOut: boolean,
  ): void {
    const p = this.pending.get(process);
    if (!p) this.err(line, `:${type} ${f} of process ${process} has no matching invocation`);
    const op = p.op;
    if (KIND_OF[f] !== op.kind) {
      this.err(line, `:${type} ${f} of process ${process} does not match its invocation ${op.f} (line ${op.line})`);
    }
    if (time < op.call) this.err(line, `completion time ${time} is before the invocation time ${op.call}`);
    this.pending.delete(process);
    op.retLine = line;
    if (type === 'ok') {
      op.status = 'ok';
      op.ret = time;
      if (op.kind === 'read') op.result = value === undefined ? null : value;
    } else if (type === 'fail' && op.kind === 'cas' && !timedOut) {
      op.status = 'fail'; // completed: compare failed
      op.ret = time;
    } else if (type === 'fail' && op.kind !== 'read' && !timedOut) {
      this.dropped.add(op); // definitely did not happen
    } else {
      // indeterminate: :info, or a :fail :timed-out
      if (op.kind === 'read') this.dropRead(op);
      // others stay status 'unknown', ret = +Infinity
    }
  }

  private dropRead(op: Operation): void {
    this.dropped.add(op);
    this.droppedReads++;
  }

  finish(): Operation[] {
    // Never completed: indeterminate.
    for (const { op } of this.pending.values()) if (op.kind === 'read') this.dropRead(op);
    const out = this.ops.filter((o) => !this.dropped.has(o));
    out.forEach((o, i) => (o.id = i));
    return out;
  }
}

function toValue(v: EdnValue | undefined, what: string, fail: (msg: string) => never): Value {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Keyword) return v.toString();
  return fail(`${what}: expected nil, a number or a string, got ${ednSnippet(v)}`);
}

function casArgs(v: EdnValue | undefined, fail: (msg: string) => never): [Value, Value] {
  if (!Array.isArray(v) || v.length !== 2) {
    return fail(`cas: expected [from to], got ${v === undefined ? 'nothing' : ednSnippet(v)}`);
  }
  return [toValue(v[0], 'cas from', fail), toValue(v[1], 'cas to', fail)];
}

function isTimedOut(v: EdnValue | undefined): boolean {
  return v instanceof Keyword && (v.name === 'timed-out' || v.name === 'timeout');
}

/** Fills the argument fields of an invocation from its EDN value. */
function invocationArgs(
  kind: OpKind,
  v: EdnValue | undefined,
  fail: (msg: string) => never,
): Pick<Operation, 'value' | 'from' | 'to'> {
  switch (kind) {
    case 'write':
    case 'append':
      return { value: toValue(v, kind, fail) };
    case 'cas': {
      const [from, to] = casArgs(v, fail);
      return { from, to };
    }
    default:
      return {};
  }
}

const LOG_LINE =
  /jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:([A-Za-z][\w-]*)(?:\s+(.*))?\s*$/;

/** Jepsen's log lines (see testdata/jepsen-etcd/README.md). Other lines are ignored. */
export function parseJepsenLog(text: string, file: string): History {
  const b = new Builder(file);
  const lines = text.split('\n');
  let t = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = LOG_LINE.exec(lines[i]!);
    if (!m) continue;
    const lineNo = i + 1;
    const fail = (msg: string): never => b.err(lineNo, msg);
    const process = Number(m[1]);
    const type = m[2] as 'invoke' | CompletionType;
    const f = m[3]!;
    const kind = KIND_OF[f];
    if (!kind) fail(`unknown operation :${f}`);
    let v: EdnValue | undefined;
    const raw = m[4]?.trim();
    if (raw !== undefined && raw !== '') {
      try {
        v = parseEdn(raw);
      } catch (e) {
        if (e instanceof EdnParseError) fail(`bad value '${oneLine(raw.length > 60 ? raw.slice(0, 59) + '…' : raw)}': ${e.message}`);
        throw e;
      }
    }
    t++;
    if (type === 'invoke') {
      b.invoke({ process, kind: kind!, f, key: '', call: t, line: lineNo, ...invocationArgs(kind!, v, fail) });
    } else {
      const timedOut = isTimedOut(v);
      const value = kind === 'read' && type === 'ok' ? toValue(v, 'read', fail) : undefined;
      if (kind === 'cas' && type !== 'info' && !timedOut) casArgs(v, fail);
      b.complete(process, type, f, t, lineNo, value, timedOut);
    }
  }
  const ops = b.finish();
  // Jepsen's register (Knossos' cas-register) starts nil; a read before any write returns nil.
  return { ops, format: 'jepsen-log', timeUnit: 'event', droppedReads: b.droppedReads, initial: 'nil' };
}

/** Operation names of Porcupine's KV logs and of MIT 6.824's key-value service. */
const KV_VOCABULARY = new Set(['get', 'put', 'append']);

/**
 * The initial value an EDN history implies: `empty` when every client operation is named
 * `:get`, `:put` or `:append` (Porcupine's KV logs, the MIT 6.824 key-value service: a Get of a
 * missing key returns ""), otherwise `nil` (Jepsen's registers).
 */
function ednInitial(names: Set<string>): InitialValue {
  if (names.size === 0) return 'nil';
  for (const n of names) if (!KV_VOCABULARY.has(n)) return 'nil';
  return 'empty';
}

/**
 * EDN op maps: `{:process 0, :type :invoke, :f :put, :key "a", :value "1"}`, one a line (or
 * spread over lines), or all inside one top-level vector or list (`[{...}\n {...}]`).
 */
export function parseEdnHistory(text: string, file: string): History {
  const b = new Builder(file);
  const starts = lineStarts(text);
  const r = new EdnReader(text);
  const names = new Set<string>();
  let t = 0;

  const op = (v: EdnValue, lineNo: number): void => {
    const fail = (msg: string): never => b.err(lineNo, msg);
    if (!(v instanceof EdnMap)) return fail(`expected an EDN op map {...}, got ${ednSnippet(v, 40)}`);
    const proc = v.kw('process');
    if (typeof proc !== 'number') {
      if (proc instanceof Keyword) return; // :nemesis and friends are not clients
      return fail(':process must be an integer');
    }
    const type = v.kw('type');
    if (!(type instanceof Keyword) || !['invoke', 'ok', 'fail', 'info'].includes(type.name)) {
      return fail(':type must be :invoke, :ok, :fail or :info');
    }
    const fv = v.kw('f');
    if (!(fv instanceof Keyword) && typeof fv !== 'string') return fail(':f must be a keyword');
    const f = fv instanceof Keyword ? fv.name : fv;
    const kind = KIND_OF[f];
    if (!kind) return fail(`unknown operation :${f}`);
    names.add(f);
    const keyV = v.kw('key');
    const key = keyV === undefined ? '' : toValue(keyV, 'key', fail) ?? 'nil';
    const value = v.kw('value');
    t++;
    if (type.name === 'invoke') {
      b.invoke({ process: proc, kind, f, key, call: t, line: lineNo, ...invocationArgs(kind, value, fail) });
    } else {
      const timedOut = isTimedOut(value) || isTimedOut(v.kw('error'));
      const out = kind === 'read' && type.name === 'ok' ? toValue(value, 'read', fail) : undefined;
      b.complete(proc, type.name as CompletionType, f, t, lineNo, out, timedOut);
    }
  };

  try {
    while (!r.atEnd()) {
      const c = text[r.pos];
      if (c === '[' || c === '(') {
        // One top-level vector (or list) of op maps: read its items one at a time.
        const open = r.pos;
        const close = c === '[' ? ']' : ')';
        r.pos++;
        for (;;) {
          if (r.atEnd()) r.fail(`missing '${close}' of the top-level ${c === '[' ? 'vector' : 'list'} opened here`, open);
          if (text[r.pos] === close) {
            r.pos++;
            break;
          }
          const v = r.read();
          op(v, lineOf(starts, r.valueStart).line);
        }
      } else {
        const v = r.read();
        op(v, lineOf(starts, r.valueStart).line);
      }
    }
  } catch (e) {
    if (!(e instanceof EdnParseError)) throw e;
    const { line, column } = lineOf(starts, e.offset);
    b.err(line, `malformed EDN: ${e.reason} (column ${column})`);
  }
  const ops = b.finish();
  return { ops, format: 'edn', timeUnit: 'event', droppedReads: b.droppedReads, initial: ednInitial(names) };
}

/** 1-based line of each element of the top-level "ops" array (for error messages). */
function opLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inOps = false;
  let lastString = '';
  let afterColon = false;
  let opsKeyPending = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      lastString = text.slice(i + 1, j);
      i = j;
    } else if (c === ':') {
      afterColon = true;
      opsKeyPending = depth === 1 && lastString === 'ops';
      continue;
    } else if (c === '{' || c === '[') {
      if (c === '[' && depth === 1 && afterColon && opsKeyPending) inOps = true;
      else if (c === '{' && depth === 2 && inOps) lines.push(line);
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 1) inOps = false;
    }
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') afterColon = false;
  }
  return lines;
}

function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

const JSON_OPS = new Set(['read', 'get', 'write', 'put', 'cas', 'append', 'delete']);

/** nicraft history JSON: `{"model":"kv","ops":[...]}` (docs/checker.md). */
export function parseJsonHistory(text: string, file: string): History {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const lc = /line (\d+)/.exec(msg);
    const line = pos ? lineAt(text, Number(pos[1])) : lc ? Number(lc[1]) : undefined;
    throw new BadInputError(file, line, `malformed JSON: ${oneLine(msg)}`);
  }
  const top = doc as Partial<JsonHistory> | null;
  if (typeof top !== 'object' || top === null || Array.isArray(top) || !Array.isArray(top.ops)) {
    throw new BadInputError(file, 1, 'expected {"ops": [...]} (and optionally "model")');
  }
  if (top.model !== undefined && top.model !== 'register' && top.model !== 'kv' && top.model !== 'wor') {
    throw new BadInputError(file, 1, `unknown model ${oneLine(JSON.stringify(top.model))} (register, kv or wor)`);
  }
  if (top.initial !== undefined && top.initial !== 'nil' && top.initial !== 'empty') {
    throw new BadInputError(file, 1, `"initial" must be "nil" or "empty", not ${oneLine(JSON.stringify(top.initial))}`);
  }
  let initialState: Record<string, Value> | undefined;
  if (top.initialState !== undefined) {
    initialState = readInitialState(top.initialState, (msg) => {
      throw new BadInputError(file, 1, `"initialState": ${msg}`);
    });
  }
  const where = opLines(text);
  const ops: Operation[] = [];
  let droppedReads = 0;
  top.ops.forEach((raw: unknown, i: number) => {
    const line = where[i];
    const fail = (msg: string): never => {
      throw new BadInputError(file, line, `ops[${i}]: ${msg}`);
    };
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('expected an object');
    const o = raw as Record<string, unknown>;
    if (typeof o.process !== 'number' || !Number.isInteger(o.process)) fail('"process" must be an integer');
    if (typeof o.op !== 'string' || !JSON_OPS.has(o.op)) fail(`"op" must be one of ${[...JSON_OPS].join(', ')}`);
    const kind = KIND_OF[o.op as string]!;
    if (o.key !== undefined && typeof o.key !== 'string') fail('"key" must be a string');
    if (typeof o.invokeNs !== 'number' || !Number.isFinite(o.invokeNs)) fail('"invokeNs" must be a number');
    const status = o.status;
    if (status !== undefined && status !== 'ok' && status !== 'fail' && status !== 'info') {
      fail('"status" must be "ok", "fail" or "info"');
    }
    const completed = status === 'ok' || status === 'fail';
    if (completed && (typeof o.returnNs !== 'number' || !Number.isFinite(o.returnNs))) {
      fail(`"returnNs" must be a number for status ${status}`);
    }
    if (completed && (o.returnNs as number) < (o.invokeNs as number)) fail('"returnNs" is before "invokeNs"');
    const scalar = (v: unknown, what: string): Value => {
      if (v === undefined || v === null) return null;
      if (typeof v === 'string') return v;
      if (typeof v === 'number') return String(v);
      return fail(`${what} must be a string, a number or null`);
    };
    const op: Operation = {
      id: ops.length,
      process: o.process as number,
      kind,
      f: o.op as string,
      key: (o.key as string | undefined) ?? '',
      status: 'unknown',
      call: o.invokeNs as number,
      ret: Infinity,
      line,
      retLine: line,
    };
    if (kind === 'write' || kind === 'append') op.value = scalar(o.value, '"value"');
    if (kind === 'cas') {
      if (!Array.isArray(o.value) || o.value.length !== 2) fail('cas "value" must be [from, to]');
      const [from, to] = o.value as unknown[];
      op.from = scalar(from, 'cas from');
      op.to = scalar(to, 'cas to');
    }
    if (status === 'ok') {
      op.status = 'ok';
      op.ret = o.returnNs as number;
      if (kind === 'read') op.result = scalar(o.output, '"output"');
    } else if (status === 'fail') {
      if (kind !== 'cas') {
        // A failed read/write had no effect (and returned nothing): it constrains nothing.
        if (kind === 'read') droppedReads++;
        return;
      }
      op.status = 'fail';
      op.ret = o.returnNs as number;
    } else if (kind === 'read') {
      droppedReads++; // indeterminate read: pointless
      return;
    }
    ops.push(op);
  });
  const h: History = { ops, format: 'json', timeUnit: 'ns', droppedReads, initial: top.initial ?? 'nil' };
  if (top.model) h.model = top.model as ModelName;
  if (initialState) h.initialState = initialState;
  if (ops.length > 0) h.t0 = Math.min(...ops.map((o) => o.call));
  return h;
}

/** A message on one line, at most 200 characters, printable. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]+/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > 200 ? t.slice(0, 199) + '…' : t;
}

/** Checks a key -> value object (values: strings, numbers or null). */
export function readInitialState(v: unknown, fail: (msg: string) => never): Record<string, Value> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('expected an object of key -> value');
  const out: Record<string, Value> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === null || typeof x === 'string') out[k] = x;
    else if (typeof x === 'number' && Number.isFinite(x)) out[k] = String(x);
    else return fail(`key ${oneLine(JSON.stringify(k))}: the value must be a string, a number or null`);
  }
  return out;
}

export function parseHistory(text: string, file: string, format?: FormatName): History {
  const fmt = format ?? detectFormat(text);
  if (fmt === 'json') return parseJsonHistory(text, file);
  if (fmt === 'edn') return parseEdnHistory(text, file);
  return parseJepsenLog(text, file);
}
