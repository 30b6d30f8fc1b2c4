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

export type { ModelName } from '../../ctrl/app/history.js';
import type { ModelName } from '../../ctrl/app/history.js';
export type FormatName = 'jepsen-log' | 'edn' | 'json';

/** Value of a key never written: `nil` (null) or `empty` (""). See models.ts ModelSpec. */
export type InitialValue = 'nil' | 'empty';

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
  /** Initial value the input's format implies (docs/checker.md, "Initial value"). */
  initial: InitialValue;
  /** Starting values the input itself gives (nicraft JSON `initialState`). */
  initialState?: Record<string, Value>;
  /** Time of the first invocation (for showing times relative to it). */
  t0?: number;
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

// nicraft's own history JSON and its recorder live with the client library (ctrl/app/history.ts):
// the product records histories, the checker (this layer) reads them.
export type { JsonOpName, JsonValue, JsonStatus, JsonOp, JsonHistory, RecordedInput } from '../../ctrl/app/history.js';
export { HistoryRecorder } from '../../ctrl/app/history.js';
