// nicraft event logs (`nicraft sim --events F`, the fuzzer's seed-N.events.log): "cycle text"
// lines, `#` comments. Read for the annotations of the history view (view.ts).
import { readFileSync } from 'node:fs';
import { BadInputError } from './types.js';

export type EventKind = 'election' | 'campaign' | 'role' | 'crash' | 'plane' | 'fault' | 'other';

export interface EventNote {
  /** Time on the history's clock (ns): cycle * 1000 / clock MHz. */
  timeNs: number;
  cycle: number;
  kind: EventKind;
  text: string;
  /** 1-based line in the event log. */
  line: number;
}

/** What an event line is about (the annotations are coloured and filtered by it). */
export function eventKind(text: string): EventKind {
  if (/\b(crash(ed)?|restart(s|ed)?|power loss)\b/.test(text)) return 'crash';
  if (/\bplane[ _=]?\d*\s*(down|up)\b|\bplane_(down|up)\b/.test(text)) return 'plane';
  if (/\bleader\b.*\bterm=/.test(text) && !/\bfollower\b/.test(text)) return 'election';
  if (/\b(pre)?candidate\b.*\bterm=/.test(text)) return 'campaign';
  if (/\bfollower\b.*\bterm=/.test(text)) return 'role';
  if (/\bfaults?\b|\bfault_(start|end)\b|\binject\b|\bpartition\b/.test(text)) return 'fault';
  return 'other';
}

const LINE = /^\s*(\d+)\s+(.*?)\s*$/;

export function parseEventLog(text: string, file: string, clockMhz = 250): EventNote[] {
  if (!(clockMhz > 0)) throw new BadInputError(file, undefined, `event clock must be positive, not ${clockMhz} MHz`);
  const out: EventNote[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '' || l.trimStart().startsWith('#')) continue;
    const m = LINE.exec(l);
    if (!m) continue; // e.g. "(fuzz) ..." notes without a cycle
    const cycle = Number(m[1]);
    const body = m[2]!;
    out.push({ cycle, timeNs: (cycle * 1000) / clockMhz, kind: eventKind(body), text: body, line: i + 1 });
  }
  if (out.length === 0) {
    throw new BadInputError(file, undefined, 'no events found (expected "cycle text" lines, as `nicraft sim --events` writes)');
  }
  return out;
}

export function readEventLog(file: string, clockMhz = 250): EventNote[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BadInputError(file, undefined, `cannot read the event log: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseEventLog(text, file, clockMhz);
}
