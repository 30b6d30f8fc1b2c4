// Public API of the linearizability checker (docs/checker.md).
export * from './types.js';
export * from './models.js';
export * from './checker.js';
export * from './parse.js';
export * from './edn.js';
export * from './explain.js';
export * from './events.js';
export { checkHistory, WARMUP_MS, type ParallelOptions } from './pool.js';
export { historyView, viewData, type ViewData, type ViewInput } from './view.js';
export { checkFile, runCheck, specFor, readInitialStateFile, DEFAULT_TIMEOUT_MS, type CheckCliOptions, type CheckIo, type FileOutcome } from './cli.js';
export * from './generate.js';
