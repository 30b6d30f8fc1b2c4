// The kernel's UDP counters, for test/deploy/flood.test.ts (Linux /proc; empty elsewhere):
//   /proc/net/snmp        Udp: InDatagrams, InErrors (every drop at a socket: filter and full
//                         buffer), RcvbufErrors (full receive buffer), SndbufErrors, ... machine-wide
//   /proc/net/udp         per socket: rx_queue (bytes waiting, truesize) and drops (sk_drops: the
//                         socket filter's drops and full-buffer drops together)
//   /proc/net/softnet_stat per CPU: packets processed, dropped (backlog full), time squeezes
import { readFileSync } from 'node:fs';

export type Counters = Record<string, number>;

/** /proc/net/snmp, the Udp line: field -> value. */
export function snmpUdp(): Counters {
  let text: string;
  try { text = readFileSync('/proc/net/snmp', 'utf8'); } catch { return {}; }
  const lines = text.split('\n').filter((l) => l.startsWith('Udp:'));
  if (lines.length < 2) return {};
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? 0]));
}

/** /proc/net/softnet_stat summed over the CPUs: processed, dropped, squeezed. */
export function softnet(): Counters {
  let text: string;
  try { text = readFileSync('/proc/net/softnet_stat', 'utf8'); } catch { return {}; }
  const out = { processed: 0, dropped: 0, squeezed: 0 };
  for (const line of text.trim().split('\n')) {
    const f = line.trim().split(/\s+/).map((x) => parseInt(x, 16));
    out.processed += f[0] ?? 0;
    out.dropped += f[1] ?? 0;
    out.squeezed += f[2] ?? 0;
  }
  return out;
}

/** /proc/net/udp, per local port: bytes in the receive queue and the socket's drop counter. */
export function udpSockets(ports: readonly number[]): Map<number, { rxQueueBytes: number; drops: number }> {
  const want = new Set(ports);
  const out = new Map<number, { rxQueueBytes: number; drops: number }>();
  let text: string;
  try { text = readFileSync('/proc/net/udp', 'utf8'); } catch { return out; }
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const port = parseInt(f[1]!.split(':')[1]!, 16);
    if (!want.has(port)) continue;
    const rxQueueBytes = parseInt(f[4]!.split(':')[1]!, 16);
    out.set(port, { rxQueueBytes, drops: Number(f[f.length - 1]) });
  }
  return out;
}

/** The difference b - a of two counter sets (keys of b). */
export function delta(a: Counters, b: Counters): Counters {
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - (a[k] ?? 0)]));
}

/**
 * Samples the counters every `everyMs` while running: per window, the deltas of the machine-wide
 * counters and, per port, the largest receive queue seen and the drops.
 */
export class NetSampler {
  private timer?: NodeJS.Timeout;
  private snmp0: Counters = {};
  private soft0: Counters = {};
  private sock0 = new Map<number, { rxQueueBytes: number; drops: number }>();
  private maxQueue = new Map<number, number>();
  /** every sample of this window: time (ms since the epoch), per port rx queue bytes and drops, RcvbufErrors */
  samples: Array<{ t: number; ports: Array<[number, number, number]>; rcvbuf: number; inErrors: number }> = [];

  constructor(private readonly ports: readonly number[], private readonly everyMs = 50) {}

  start(): void {
    this.snmp0 = snmpUdp();
    this.soft0 = softnet();
    this.sock0 = udpSockets(this.ports);
    this.maxQueue = new Map(this.ports.map((p) => [p, 0]));
    this.samples = [];
    const sample = (): void => {
      const s = udpSockets(this.ports);
      const n = snmpUdp();
      const row: Array<[number, number, number]> = [];
      for (const [p, v] of s) {
        this.maxQueue.set(p, Math.max(this.maxQueue.get(p) ?? 0, v.rxQueueBytes));
        row.push([p, v.rxQueueBytes, v.drops]);
      }
      this.samples.push({ t: Date.now(), ports: row, rcvbuf: n.RcvbufErrors ?? 0, inErrors: n.InErrors ?? 0 });
    };
    sample();
    this.timer = setInterval(sample, this.everyMs);
  }

  /** Stops; the deltas since start(). */
  stop(): { snmp: Counters; softnet: Counters; ports: Map<number, { maxRxQueueBytes: number; drops: number }> } {
    clearInterval(this.timer);
    const s = udpSockets(this.ports);
    const ports = new Map<number, { maxRxQueueBytes: number; drops: number }>();
    for (const p of this.ports) ports.set(p, { maxRxQueueBytes: this.maxQueue.get(p) ?? 0, drops: (s.get(p)?.drops ?? 0) - (this.sock0.get(p)?.drops ?? 0) });
    return { snmp: delta(this.snmp0, snmpUdp()), softnet: delta(this.soft0, softnet()), ports };
  }
}
