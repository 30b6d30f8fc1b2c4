// Client histories in nicraft's own JSON format (docs/checker.md, "JSON format"): what a client
// records while it runs, for `nicraft check`. The checker (verify/check) reads this format.

/** The models a history may name. */
export type ModelName = 'register' | 'kv' | 'wor';

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
  /** Value of a key never written: "nil" (null, the default) or "empty" (""). */
  initial?: 'nil' | 'empty';
  /** Keys that held a value before the history began (key -> value). */
  initialState?: Record<string, string | number | null>;
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
