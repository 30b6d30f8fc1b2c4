// The command language of the data-driven interaction tests (testdata/*.txt), in the manner of
// etcd-io/raft's interaction tests: each block is a command, `----`, and the golden output.

import { Harness } from './harness.js';
import type { CrashPoint } from '../../ctrl/core/memstore.js';
import { describeEntry } from '../../ctrl/core/entry.js';

export interface Block { cmd: string; expected: string[]; line: number }

export function parseFile(text: string): { blocks: Block[]; chunks: string[] } {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  const chunks: string[] = []; // verbatim text before each block (comments, blank lines)
  let pre: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.trim() === '' || l.startsWith('#')) { pre.push(l); i++; continue; }
    const cmd = l;
    const line = i + 1;
    i++;
    if (lines[i] !== '----') throw new Error(`line ${i + 1}: expected ---- after command`);
    i++;
    const expected: string[] = [];
    while (i < lines.length && lines[i] !== '') expected.push(lines[i++]!);
    chunks.push(pre.join('\n'));
    pre = [];
    blocks.push({ cmd, expected, line });
  }
  chunks.push(pre.join('\n'));
  return { blocks, chunks };
}

export function render(chunks: string[], blocks: Block[], outputs: string[][]): string {
  let s = '';
  for (let k = 0; k < blocks.length; k++) {
    if (k > 0 || chunks[k]) s += chunks[k] + '\n';
    s += `${blocks[k]!.cmd}\n----\n${(outputs[k]!.length ? outputs[k]! : ['ok']).join('\n')}\n`;
  }
  const tail = chunks[blocks.length] ?? '';
  return s + (tail ? tail + '\n' : '');
}

function kv(args: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (const a of args) {
    const [k, v] = a.split('=');
    o[k!] = v ?? '';
  }
  return o;
}

/** Runs one command; returns its output lines. */
export function run(h: Harness | undefined, cmd: string, setH: (h: Harness) => void): string[] {
  const [name, ...args] = cmd.trim().split(/\s+/);
  const num = (k: number) => Number(args[k]);
  if (name === 'cluster') {
    const o = kv(args);
    const nh = new Harness({
      seed: Number(o.seed ?? 1), preVote: o.prevote !== 'false', checkQuorum: o.checkquorum !== 'false',
      electionTimeoutNs: Number(o.election ?? 1000), heartbeatIntervalNs: Number(o.heartbeat ?? 100), amnesiaGuard: o.amnesia !== 'false',
    });
    nh.addNodes(Number(o.nodes ?? 3));
    setH(nh);
    nh.stabilize();
    return [...nh.out, ...nh.statusLines()];
  }
  if (!h) throw new Error('no cluster yet');
  h.out = [];
  switch (name) {
    case 'add-nodes': h.addNodes(num(0)); return h.statusLines();
    case 'campaign': h.step(num(0), { kind: 'campaign' }); h.stabilize(); break;
    case 'stabilize': h.stabilize(); break;
    case 'tick': h.tick(num(0), args[1] ? Number(args[1]) : undefined); break;
    case 'status': return h.statusLines();
    case 'partition': h.partition(args.join(' ').split('/').map((g) => g.trim().split(/\s+/).map(Number))); break;
    case 'heal': h.cut.clear(); break;
    case 'crash': h.crash(num(0)); break;
    case 'restart': h.restart(num(0)); h.stabilize(); break;
    case 'request': { // request <node> <client> <seq> [text]
      h.clientRequest(num(0), num(1), num(2), new TextEncoder().encode(args[3] ?? 'x'));
      h.stabilize();
      break;
    }
    case 'propose': h.step(num(0), { kind: 'propose', payload: new TextEncoder().encode(args[3] ?? 'x'), clientId: num(1), seq: num(2) }); h.stabilize(); break;
    case 'conf': h.step(num(0), { kind: 'confChange', op: args[1] as 'add' | 'remove', node: num(2) }); h.stabilize(); break;
    case 'transfer': h.step(num(0), { kind: 'transfer', to: num(1) }); h.stabilize(); break;
    case 'read': h.step(num(0), { kind: 'read', ctx: num(1) }); h.stabilize(); break;
    case 'compact': h.step(num(0), { kind: 'compact', index: num(1), data: new TextEncoder().encode(`snap@${num(1)}`) }); h.stabilize(); break;
    case 'arm-crash': { // arm-crash <node> before|after|torn=<bytes>|corrupt
      const a = args[1]!;
      const point: CrashPoint = a.startsWith('torn=') ? { at: 'torn', keepBytes: Number(a.slice(5)) } : ({ at: a } as CrashPoint);
      h.node(num(0)).storage.armCrash(point);
      break;
    }
    case 'drop-net': h.net = []; break;
    case 'log': {
      const c = h.node(num(0)).core;
      return c ? [c.log.entries.map(describeEntry).join(', ') || 'empty'] : ['down'];
    }
    case 'lease': {
      const c = h.node(num(0)).core!;
      const u = c.leaseUntil();
      return [`now=${h.now} lease_until=${Number.isFinite(u) ? Math.floor(u) : 'none'} valid=${h.now < u}`];
    }
    case 'check': h.checkSafety(); return ['safe'];
    default: throw new Error(`unknown command ${name}`);
  }
  return h.out;
}
