// The command language of the data-driven interaction tests (testdata/*.txt), in the manner of
// etcd-io/raft's interaction tests: each block is a command, `----`, and the golden output.

import { fmtAnswer, fmtPacket, Harness, type Packet } from './harness.js';
import type { CrashPoint } from '../../ctrl/core/memstore.js';
import { describeEntry } from '../../ctrl/core/entry.js';
import { MSG_NAMES, type CsrName } from '../../ctrl/core/types.js';
import { decodeHeader, MsgType as W } from '../../ctrl/wire/wire.gen.js';

const FRAME_NAMES: Record<number, string> = Object.fromEntries(Object.entries(W).map(([k, v]) => [v, k]));

/**
 * Packets in flight to `to` that match the filters (`from=N`, `type=T` with T a control message
 * name such as Vote or Heartbeat or a frame type such as APPEND, or `msg`/`frame`), or the
 * single packet `#k` (its position among the packets to `to`, as `pending` lists them).
 */
function selectPackets(h: Harness, to: number, args: string[]): Packet[] {
  const mine = h.net.filter((p) => p.to === to);
  const pick = args.find((a) => a.startsWith('#'));
  if (pick) {
    const k = Number(pick.slice(1));
    const p = mine[k - 1];
    if (!Number.isInteger(k) || !p) throw new Error(`no packet ${pick} in flight to ${to} (${mine.length} are)`);
    return [p];
  }
  const o = kv(args.filter((a) => a !== 'drop'));
  for (const k of Object.keys(o)) if (k !== 'from' && k !== 'type') throw new Error(`deliver: unknown filter ${k} (from=, type=, #k, drop)`);
  return mine.filter((p) => {
    if (o.from !== undefined && p.from !== Number(o.from)) return false;
    if (o.type === undefined) return true;
    if (o.type === 'msg') return !!p.msg;
    if (o.type === 'frame') return !!p.frame;
    return p.msg ? MSG_NAMES[p.msg.type] === o.type : FRAME_NAMES[decodeHeader(p.frame!).type] === o.type;
  });
}

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
    case 'campaign': // campaign <node> [step]: with `step`, only the event (no stabilize)
      h.step(num(0), { kind: 'campaign' });
      if (args[1] !== 'step') h.stabilize();
      break;
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
    // ---- one step at a time (etcd raft's interaction tests have the same idea): nothing else moves
    case 'advance': { // advance <ns>: every node's clock moves (NIC heartbeat, progress, tick), nothing is delivered
      h.now += num(0);
      for (const b of h.nodes.values()) {
        if (!b.up) continue;
        b.nic.heartbeat();
        h.step(b.id, { kind: 'nic', ev: { type: 'progress', lastIndex: b.nic.r('LAST_INDEX'), commitIndex: b.nic.r('COMMIT_INDEX'), activity: b.nic.activity } });
        h.step(b.id, { kind: 'tick', nowNs: h.now });
      }
      h.p(`now=${h.now}`);
      break;
    }
    case 'pending': { // pending [node]: packets in flight per destination, and NIC read answers not yet stepped
      const ids = args.length ? args.map(Number) : [...h.nodes.keys()].sort((a, b) => a - b);
      const out: string[] = [];
      for (const id of ids) {
        h.net.filter((p) => p.to === id).forEach((p, k) => out.push(`to ${id}: #${k + 1} ${fmtPacket(p)}`));
        const b = h.node(id);
        if (b.nic.answers.length) out.push(`nic ${id}: ${b.nic.answers.map(fmtAnswer).join(' ')}`);
      }
      return out.length ? out : ['nothing pending'];
    }
    case 'deliver': { // deliver <node> [from=N] [type=T] [#k] [drop]: those packets reach the node (or are lost)
      const to = num(0);
      const sel = selectPackets(h, to, args.slice(1));
      if (sel.length === 0) throw new Error(`deliver: no packet in flight to ${to} matches ${args.slice(1).join(' ') || '(any)'}`);
      const drop = args.includes('drop');
      h.net = h.net.filter((p) => !sel.includes(p));
      for (const p of sel) {
        h.p(`${to}: ${drop ? 'lost' : '<-'} ${fmtPacket(p)}`);
        if (!drop) h.deliver(p, false); // the node's NIC read answers stay queued (nic-answers)
      }
      break;
    }
    case 'process-ready': { // process-ready <node>...: each node's driver performs one Ready (its read answers stay queued)
      for (const id of args.map(Number)) {
        if (!h.handleReady(id)) h.p(`${id}: no ready`);
        h.pumpNic(h.node(id), false);
      }
      break;
    }
    case 'nic-answers': { // nic-answers <node>: the answers to the node's register and log port reads reach its core
      const evs = h.nicAnswers(num(0));
      h.p(`${num(0)}: nic answers ${evs.length ? evs.map(fmtAnswer).join(' ') : 'none'}`);
      break;
    }
    case 'nic-answer': { // nic-answer <node> csr <REG> <value> | log <index>: an answer the driver makes up (a driver bug)
      const id = num(0);
      if (args[1] === 'csr') h.step(id, { kind: 'nic', ev: { type: 'csr', reg: args[2] as CsrName, value: num(3) } });
      else if (args[1] === 'log') h.step(id, { kind: 'nic', ev: { type: 'log', index: num(2), frame: null } });
      else throw new Error('nic-answer <node> csr <REG> <value> | log <index>');
      break;
    }
    default: throw new Error(`unknown command ${name}`);
  }
  return h.out;
}
