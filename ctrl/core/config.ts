// The core's configuration: defaults and validation. A bad value is refused at construction with a
// message naming the field, its allowed values and what was given (never clamped silently).

import type { Config } from './types.js';

export type CoreConfig = Required<Config>;

export const CORE_DEFAULTS = {
  preVote: true, checkQuorum: true, maxClockDrift: 1e-4, leaseReads: true, followerReads: false, followerLeaseNs: 0, nicSilenceNs: 0, armOnVote: false, followerReplies: false, readIndexAtTick: false, maxAppendEntries: 12, maxInflightAppends: 8,
  snapshotChunkBytes: 128, amnesiaGuard: true, maxPendingProposals: 1024, maxPendingReads: 1024, maxSyncWaiters: 64, maxLogReads: 256,
} as const;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Integer fields: [min, max] inclusive. */
const INT_RANGES: [keyof Config, number, number][] = [
  ['id', 1, 7],
  ['clusterId', 0, 0xffff],
  // an Append names its entries' terms and CRCs in one control payload (test/core/units.test.ts: 12 fit)
  ['maxAppendEntries', 1, 12],
  ['maxInflightAppends', 1, 1024],
  ['snapshotChunkBytes', 1, 128],
  ['maxPendingProposals', 1, 1 << 20],
  ['maxPendingReads', 1, 1 << 20],
  ['maxSyncWaiters', 1, 1 << 16],
  ['maxLogReads', 1, 1 << 16],
];

/** Fills in the defaults and checks every field; throws ConfigError naming the first bad one. */
export function coreConfig(cfg: Config): CoreConfig {
  const c: CoreConfig = { ...CORE_DEFAULTS, ...cfg };
  const bad = (field: string, allowed: string, got: unknown): never => {
    throw new ConfigError(`core config: ${field} must be ${allowed} (got ${JSON.stringify(got) ?? String(got)})`);
  };
  for (const [k, lo, hi] of INT_RANGES) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) bad(k, `an integer from ${lo} to ${hi}`, v);
  }
  for (const k of ['electionTimeoutNs', 'heartbeatIntervalNs'] as const) {
    if (typeof c[k] !== 'number' || !Number.isFinite(c[k]) || c[k] <= 0) bad(k, 'a positive number of nanoseconds', c[k]);
  }
  if (c.heartbeatIntervalNs >= c.electionTimeoutNs) bad('heartbeatIntervalNs', `below electionTimeoutNs (${c.electionTimeoutNs})`, c.heartbeatIntervalNs);
  if (!(c.maxClockDrift >= 0 && c.maxClockDrift < 1)) bad('maxClockDrift', 'a number in [0, 1)', c.maxClockDrift);
  for (const k of ['preVote', 'checkQuorum', 'leaseReads', 'amnesiaGuard', 'followerReads', 'readIndexAtTick', 'armOnVote'] as const) {
    if (typeof c[k] !== 'boolean') bad(k, 'true or false', c[k]);
  }
  if (c.followerReads && !(c.leaseReads && c.checkQuorum)) bad('followerReads', 'false unless leaseReads and checkQuorum are true (the follower leases rest on the leader lease)', c.followerReads);
  if (typeof c.followerLeaseNs !== 'number' || !Number.isFinite(c.followerLeaseNs) || c.followerLeaseNs < 0) bad('followerLeaseNs', 'a number of nanoseconds >= 0 (0: the election timeout)', c.followerLeaseNs);
  if (typeof c.nicSilenceNs !== 'number' || !Number.isFinite(c.nicSilenceNs) || c.nicSilenceNs < 0 || c.nicSilenceNs > c.electionTimeoutNs) {
    bad('nicSilenceNs', `a number of nanoseconds from 0 (off) to electionTimeoutNs (${c.electionTimeoutNs})`, c.nicSilenceNs);
  }
  if (!Array.isArray(c.voters) || c.voters.some((v) => !Number.isInteger(v) || v < 1 || v > 7) || new Set(c.voters).size !== c.voters.length) {
    bad('voters', 'distinct node ids from 1 to 7', c.voters);
  }
  if (!c.rand || typeof c.rand.int !== 'function') bad('rand', 'an object with int(n)', c.rand);
  return c;
}
