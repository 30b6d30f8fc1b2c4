// The core's configuration check: timing the core cannot run with is refused at construction,
// with a message naming the field and the allowed range (the daemon's config, ctrl/daemon/config.ts,
// is stricter still: election timeout >= 4 heartbeats). A heartbeat interval above the election
// timeout passes nothing else: followers time out between heartbeats and the cluster climbs terms
// forever (issue 15).
import type { Config } from './types.js';

export class CoreConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid core config: ${issues.join('; ')}`);
    this.name = 'CoreConfigError';
  }
}

/** The problems of a core config (empty: usable). */
export function coreConfigIssues(cfg: Config): string[] {
  const bad: string[] = [];
  const et = cfg.electionTimeoutNs;
  const hb = cfg.heartbeatIntervalNs;
  if (!Number.isFinite(et) || et <= 0) bad.push(`electionTimeoutNs: must be a positive number of ns (got ${et})`);
  if (!Number.isFinite(hb) || hb <= 0) bad.push(`heartbeatIntervalNs: must be a positive number of ns (got ${hb})`);
  else if (Number.isFinite(et) && et > 0 && hb * 2 > et) {
    bad.push(`heartbeatIntervalNs: ${hb} ns must be at most half of electionTimeoutNs (${et} ns), i.e. <= ${Math.floor(et / 2)} ns: ` +
      'followers must hear a heartbeat well within their timeout, or they start elections forever');
  }
  if (cfg.maxClockDrift !== undefined && !(cfg.maxClockDrift >= 0 && cfg.maxClockDrift < 1)) bad.push(`maxClockDrift: must be in [0, 1) (got ${cfg.maxClockDrift})`);
  return bad;
}

/** Throws CoreConfigError listing every problem. */
export function checkCoreConfig(cfg: Config): void {
  const bad = coreConfigIssues(cfg);
  if (bad.length) throw new CoreConfigError(bad);
}
