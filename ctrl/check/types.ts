// Shared types of the linearizability checker (see docs/checker.md).

/** A register / kv value. `null` is "absent" (Jepsen's nil). Numbers are stored as decimal strings. */
export type Value = string | null;

/** The operation kinds the models understand (aliases are normalised when parsing). */
export type OpKind = 'read' | 'write' | 'cas' | 'append' | 'delete';

/**
 * Outcome of an operation as the checker sees it:
 *  - `ok`: completed; for a read, `result` is the value returned; for cas, the swap happened.
 *  - `fail`: completed with no effect; only kept for cas ("compare failed").
 *  - `unknown`: indeterminate (Jepsen :info, timed out, or never completed); its return time is
 *    +Infinity and its output is unconstrained.
 */
export type OpStatus = 'ok' | 'fail' | 'unknown';

/** One operation of a history, normalised (all input formats are turned into these). */
export interface Operation {
  /** Index in the normalised history (0..n-1). */
  id: number;
  process: number;
  kind: OpKind;
  /** Name used in the input (`get`, `put`, `read`, ...), for display. */
  f: string;
  /** Partition key ('' when the history has no keys). */
  key: string;
  /** Argument of write/put/append. */
  value?: Value;
  /** Arguments of cas. */
  from?: Value;
  to?: Value;
  status: OpStatus;
  /** Value returned by a completed read. */
  result?: Value;
  /** Invocation time. */
  call: number;
  /** Completion time; +Infinity for indeterminate operations. */
  ret: number;
  /** 1-based line of the invocation in the input file, when known. */
  line?: number;
  /** 1-based line of the completion in the input file, when known. */
  retLine?: number;
}

export type ModelName = 'register' | 'kv';
export type FormatName = 'jepsen-log' | 'edn' | 'json';

/** A parsed history: its operations plus what the input said about itself. */
export interface History {
  ops: Operation[];
  format: FormatName;
  /** Model named by the input (JSON `model` field), if any. */
  model?: ModelName;
  /** What the time unit of `call`/`ret` is, for pictures ("line", "ns"). */
  timeUnit: string;
  /** Number of indeterminate reads dropped while reading. */
  droppedReads: number;
}

/** Error in an input file; names the file and the 1-based line. */
export class BadInputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${reason}`);
    this.name = 'BadInputError';
  }
}

// ---------------------------------------------------------------------------------------------
// nicraft's own history JSON (docs/checker.md, "JSON format").

export type JsonOpName = 'read' | 'get' | 'write' | 'put' | 'cas' | 'append' | 'delete';
export type JsonValue = string | number | null;
export type JsonStatus = 'ok' | 'fail' | 'info';

export interface JsonOp {
  process: number;
  op: JsonOpName;
  key?: string;
  /** write/put/append: the value; cas: `[from, to]`; read/get/delete: absent. */
  value?: JsonValue | [JsonValue, JsonValue];
  invokeNs: number;
  /** Absent (or null) when the operation never completed. */
  returnNs?: number | null;
  /** Absent when the operation never completed (treated like `info`). */
  status?: JsonStatus;
  /** read/get: the value returned. */
  output?: JsonValue;
}

export interface JsonHistory {
  model?: ModelName;
  ops: JsonOp[];
}

export interface RecordedInput {
  op: JsonOpName;
  key?: string;
  value?: JsonValue | [JsonValue, JsonValue];
}

/**
 * Records a history as a client runs, for `nicraft check --format json`.
 *
 *     const h = new HistoryRecorder({ model: 'kv' });
 *     const id = h.invoke(0, { op: 'put', key: 'a', value: '1' });
 *     ... h.ok(id);            // or h.fail(id) / h.info(id); reads: h.ok(id, valueRead)
 *     fs.writeFileSync('h.json', h.toJSON());
 */
export class HistoryRecorder {
  private readonly ops: JsonOp[] = [];
  private readonly clock: () => number;
  readonly model: ModelName | undefined;

  constructor(opts: { model?: ModelName; clock?: () => number } = {}) {
    this.model = opts.model;
    this.clock = opts.clock ?? (() => Number(process.hrtime.bigint()));
  }

  /** Records an invocation now; returns the id to complete it with. */
  invoke(processId: number, input: RecordedInput): number {
    const op: JsonOp = { process: processId, op: input.op, invokeNs: this.clock() };
    if (input.key !== undefined) op.key = input.key;
    if (input.value !== undefined) op.value = input.value;
    this.ops.push(op);
    return this.ops.length - 1;
  }

  private complete(id: number, status: JsonStatus): JsonOp {
    const op = this.ops[id];
    if (op === undefined) throw new Error(`HistoryRecorder: no invocation with id ${id}`);
    if (op.status !== undefined) throw new Error(`HistoryRecorder: operation ${id} already completed`);
    op.status = status;
    op.returnNs = this.clock();
    return op;
  }

  /** Completed successfully; for a read/get pass the value returned (null = absent). */
  ok(id: number, output?: JsonValue): void {
    const op = this.complete(id, 'ok');
    if (output !== undefined) op.output = output;
  }

  /** Completed with no effect (for cas: compare failed). */
  fail(id: number): void {
    this.complete(id, 'fail');
  }

  /** Outcome unknown (timeout, crash): may or may not have taken effect. */
  info(id: number): void {
    this.complete(id, 'info'); // returnNs is kept for the record; the checker uses +infinity
  }

  toHistory(): JsonHistory {
    const h: JsonHistory = { ops: this.ops.map((o) => ({ ...o })) };
    if (this.model) h.model = this.model;
    return h;
  }

  /** One operation per line, so that error messages can name a line. */
  toJSON(): string {
    const h = this.toHistory();
    const head = h.model ? `{"model":${JSON.stringify(h.model)},"ops":[` : '{"ops":[';
    return head + '\n' + h.ops.map((o) => JSON.stringify(o)).join(',\n') + '\n]}\n';
  }
}
