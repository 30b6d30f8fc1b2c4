// Public API of the linearizability checker (docs/checker.md).
export * from './types.js';
export * from './models.js';
export * from './checker.js';
export * from './parse.js';
export * from './edn.js';
export * from './explain.js';
export { checkFile, runCheck, DEFAULT_TIMEOUT_MS, type CheckCliOptions, type CheckIo, type FileOutcome } from './cli.js';
