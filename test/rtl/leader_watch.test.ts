// nicraft_leader_watch against its C++ reference model (native/tb/tb_leader_watch.cpp): follower mode
// toggling, SILENCE_CYCLES drawn (0 = off) and changed, bursts and silences of the leader's frames,
// a randomly ready consumer; every cycle checks tvalid, ev_silent and the event's header, and that an
// event comes only after SILENCE_CYCLES quiet cycles in follower mode, once per silence.
// Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTbs, runTb, type TbConfig, type Testbench } from '../../native/build-tb.js';

const CYCLES = 200_000;
let tb: Testbench;

beforeAll(async () => {
  [tb] = await loadTbs([{ module: 'nicraft_leader_watch' }]);
}, 600_000);

const label = () => expect.getState().currentTestName ?? '';

const CASES: Record<string, { cfg: TbConfig; check?: (s: Record<string, number>) => void }> = {
  'bursts and silences around the threshold': { cfg: {}, check: (s) => expect(s.events).toBeGreaterThan(100) },
  'a talkative leader: silences shorter than the threshold': {
    cfg: { max_silence: 40, quiet_burst: 5, frame_burst: 50 },
    check: (s) => expect(s.events).toBeLessThan(s.silences),
  },
  'long silences, slow consumer': { cfg: { quiet_burst: 400, ready_p: 0.1 }, check: (s) => expect(s.stalled_cycles).toBeGreaterThan(0) },
  'often out of follower mode': { cfg: { follower_p: 0.5 }, check: (s) => expect(s.off_cycles).toBeGreaterThan(1000) },
  'threshold 1 (every quiet cycle counts)': { cfg: { max_silence: 1 } },
  'random resets': { cfg: { reset_p: 0.002 }, check: (s) => expect(s.resets).toBeGreaterThan(0) },
};

describe('nicraft_leader_watch', () => {
  it.each(Object.keys(CASES))('%s', (name) => {
    const c = CASES[name]!;
    const s = runTb(tb, { cycles: CYCLES, ...c.cfg }, label()).stats;
    expect(s.cycles).toBeGreaterThan(CYCLES * 0.9); // (reset cycles are not counted)
    expect(s.events).toBeGreaterThan(0);
    expect(s.events_taken).toBeLessThanOrEqual(s.events + s.stalled_cycles);
    c.check?.(s);
  });
});
