// The campaign machinery itself: schedules are a pure function of the seed and stay inside the
// fault bound; a seed replays byte for byte; and the checks catch a replica that diverges and an
// acknowledged write that is lost (mutations injected into the KV store, not the control core).
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { drawSchedule } from '../../verify/fuzz/schedule.js';
import { runSeed } from '../../verify/fuzz/campaign.js';
import { KvStore, decodeCommand } from '../../ctrl/app/kv.js';
import { decodeHeader, framePayload } from '../../ctrl/wire/wire.gen.js';

describe('schedules', () => {
  it('are a pure function of the seed, sorted, inside the fault phase, with f from the smallest configuration', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const a = drawSchedule(seed);
      expect(drawSchedule(seed)).toEqual(a);
      for (let i = 1; i < a.events.length; i++) expect(a.events[i]!.atUs).toBeGreaterThanOrEqual(a.events[i - 1]!.atUs);
      for (const e of a.events) {
        expect(e.atUs).toBeGreaterThanOrEqual(0);
        expect(e.atUs).toBeLessThanOrEqual(a.faultUs);
        if ('untilUs' in e) expect(e.untilUs).toBeLessThanOrEqual(a.faultUs);
      }
      const removes = a.events.filter((e) => e.kind === 'membership' && e.op === 'remove').length;
      const minVoters = a.spare ? a.replicas : a.replicas - removes;
      expect(a.faultBound).toBe(Math.floor((minVoters - 1) / 2));
      for (const r of a.clockRates) expect(Math.abs(r - 1)).toBeLessThanOrEqual(a.maxClockDrift);
      // --rtl runs the same schedule, without host clock drift
      const rtl = drawSchedule(seed, { rtl: true });
      expect({ ...rtl, maxClockDrift: 0, clockRates: [] }).toEqual({ ...a, maxClockDrift: 0, clockRates: [] });
      expect(rtl.clockRates.every((r) => r === 1)).toBe(true);
    }
  }, 60_000);
});

describe('a seed replays exactly', () => {
  it('the same seed gives the same event log, history and figures', () => {
    for (const seed of [3, 11]) {
      const a = runSeed(seed, { outDir: 'build/fuzz-out/replay-a', keep: true, strictClient: false });
      const b = runSeed(seed, { outDir: 'build/fuzz-out/replay-b', keep: true, strictClient: false });
      expect(readFileSync(b.files!.events, 'utf8')).toBe(readFileSync(a.files!.events, 'utf8'));
      expect(readFileSync(b.files!.history, 'utf8')).toBe(readFileSync(a.files!.history, 'utf8'));
      expect({ ...b.stats, wallMs: 0, checkMs: 0 }).toEqual({ ...a.stats, wallMs: 0, checkMs: 0 });
      expect(a.stats.maxImpaired).toBeLessThanOrEqual(a.schedule.faultBound);
    }
  }, 120_000);
});

describe('the checks catch injected bugs', () => {
  const apply = KvStore.prototype.apply;
  afterEach(() => { KvStore.prototype.apply = apply; });

  it('a replica that executes one entry wrongly: KV states differ at the same applied index', () => {
    // the first replica to apply index 30 also changes a key (the others do not)
    let hit = false;
    KvStore.prototype.apply = function (this: KvStore, e) {
      if (e.index === 30 && !hit && decodeHeader(e.frame).clientId !== 0) {
        hit = true;
        const r = apply.call(this, e);
        this.execute({ op: 'put', key: 'zz', value: new TextEncoder().encode('corrupted') }); // a key the clients never write
        return r;
      }
      return apply.call(this, e);
    };
    const r = runSeed(7, { outDir: 'build/fuzz-out/mutation', strictClient: false, traceOnFailure: false });
    expect(hit).toBe(true);
    expect(r.ok).toBe(false);
    expect(r.failures.join('\n')).toMatch(/KV states differ/);
  }, 60_000);

  it('acknowledged writes that no replica keeps: the history is not linearizable', () => {
    // from index 25 on, every replica answers puts to k0 but does not store them
    KvStore.prototype.apply = function (this: KvStore, e) {
      if (e.index < 25 || decodeHeader(e.frame).clientId === 0) return apply.call(this, e);
      let cmd;
      try { cmd = decodeCommand(framePayload(e.frame)); } catch { return apply.call(this, e); }
      if (cmd.op !== 'put' || cmd.key !== 'k0') return apply.call(this, e);
      const old = this.get('k0');
      const r = apply.call(this, e);
      if (old) this.execute({ op: 'put', key: 'k0', value: old });
      else this.execute({ op: 'delete', key: 'k0' });
      return r;
    };
    const r = runSeed(7, { outDir: 'build/fuzz-out/mutation', strictClient: false, traceOnFailure: false });
    expect(r.ok).toBe(false);
    expect(r.failures.join('\n')).toMatch(/not linearizable/);
  }, 60_000);
});
