// Local clusters on loopback (`nicraft cluster up|down|status`) and the same control for tests and
// benchmarks (LocalCluster): daemons as real processes, each with its config, data directory, log
// and pid file in one folder:
//
//   DIR/cluster.yaml        the cluster file for clients (nicraft kv|load --cluster DIR/cluster.yaml)
//   DIR/n<i>/node.yaml      node i's config      DIR/n<i>/data/wal   its write-ahead log
//   DIR/n<i>/node.log       its pino log         DIR/n<i>/node.pid   its process id while it runs
//
// Ports: plane p of node i listens on UDP basePort + 100*p + i; its status endpoint on TCP
// basePort + 900 + i (all on 127.0.0.1).
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { ROOT } from '../../native/root.js';
import type { Backend } from '../daemon/config.js';
import { loadClusterFile, loadNodeConfig, type ClusterFile, type NodeConfig } from '../daemon/config.js';

export { ROOT };
export const NICRAFT_BIN = join(ROOT, 'bin', 'nicraft.js');

export interface LayoutOptions {
  replicas: number;
  planes: number;
  backend: Backend;
  basePort: number;
  clusterId?: number;
  /** extra node config fields (timing, nic, storage, ...), merged into every node's config */
  overrides?: Record<string, unknown>;
  /** frame authentication (docs/auth.md): random node and client secrets in the nodes' configs, the client secret in cluster.yaml */
  frameAuth?: boolean;
}

export const planePort = (base: number, plane: number, id: number): number => base + 100 * plane + id;
export const httpPort = (base: number, id: number): number => base + 900 + id;

function udpFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createSocket('udp4');
    s.once('error', () => { s.close(); res(false); });
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => s.close(() => res(true)));
  });
}
export function tcpFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => res(true)));
  });
}

/** A base port (20000..59000) whose plane and status ports of this layout are all free on loopback. */
export async function freeBasePort(replicas: number, planes: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 1000 * Math.floor(Math.random() * 40);
    let ok = true;
    for (let id = 1; id <= replicas && ok; id++) {
      for (let p = 0; p < planes && ok; p++) ok = await udpFree(planePort(base, p, id));
      if (ok) ok = await tcpFree(httpPort(base, id));
    }
    if (ok) return base;
  }
  throw new Error('no free port range on loopback');
}

/** What clients must know of the nodes' config, for cluster.yaml: their NICs' payload size when not the default. */
function clientFields(overrides?: Record<string, unknown>): { maxPayloadBytes?: number } {
  const mp = ((overrides?.nic ?? {}) as { maxPayloadBytes?: number }).maxPayloadBytes;
  return mp === undefined ? {} : { maxPayloadBytes: mp };
}

/** Writes DIR/cluster.yaml and DIR/n<i>/node.yaml (with a fresh HMAC key). */
export function writeLayout(dir: string, o: LayoutOptions): void {
  if (o.replicas < 1 || o.replicas > 7) throw new RangeError(`--replicas must be 1..7 (got ${o.replicas})`);
  if (o.planes < 1 || o.planes > 3) throw new RangeError(`--planes must be 1..3 (got ${o.planes})`);
  if (o.basePort < 1024 || o.basePort + 907 > 65535) throw new RangeError(`--base-port must be 1024..${65535 - 907} (got ${o.basePort})`);
  const members = Array.from({ length: o.replicas }, (_, k) => {
    const id = k + 1;
    return { id, planes: Array.from({ length: o.planes }, (_, p) => `127.0.0.1:${planePort(o.basePort, p, id)}`), http: `127.0.0.1:${httpPort(o.basePort, id)}` };
  });
  const clusterId = o.clusterId ?? 1;
  const frameAuth = o.frameAuth ? { nodeSecret: randomBytes(32).toString('hex'), clientSecret: randomBytes(32).toString('hex') } : undefined;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cluster.yaml'), `# nicraft local cluster (nicraft cluster up); clients: nicraft kv get KEY --cluster ${join(dir, 'cluster.yaml')}\n` +
    `# written as JSON (which is YAML) so that clients parse it without a YAML parser\n` +
    JSON.stringify({ clusterId, planes: o.planes, members, ...clientFields(o.overrides), ...(frameAuth ? { frameAuth: { clientSecret: frameAuth.clientSecret } } : {}) }, null, 2) + '\n');
  const key = randomBytes(32).toString('hex');
  for (const m of members) {
    const nd = join(dir, `n${m.id}`);
    mkdirSync(nd, { recursive: true });
    const ov = o.overrides ?? {};
    const cfg: Record<string, unknown> = {
      id: m.id, clusterId, planes: o.planes, key, dataDir: 'data', members, ...(frameAuth ? { frameAuth } : {}),
      ...ov,
      nic: { backend: o.backend, ...((ov.nic as object | undefined) ?? {}) },
      debug: { planeControl: true, ...((ov.debug as object | undefined) ?? {}) },
    };
    writeFileSync(join(nd, 'node.yaml'), `# node ${m.id} of the local cluster in ${dir}\n` + toYaml(cfg));
  }
}

export interface NodeStatus {
  id: number;
  role: string;
  term: number;
  lead: number;
  commit: number;
  applied: number;
  lastIndex: number;
  recovering: boolean;
  /** started with --rejoin and not caught up yet (gives and asks no votes) */
  rejoining?: boolean;
  fastPath: boolean;
  durableIndex: number;
  pid: number;
  planes: Array<{ plane: number; health: string; rxFrames: number; txFrames: number; txDatagrams?: number; lastRxAgoMs: Record<string, number | null> }>;
  counters: Record<string, Record<string, unknown>>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class LocalCluster {
  readonly cluster: ClusterFile;
  readonly configs: Map<number, NodeConfig>;
  /** exit codes of nodes this process started and saw exit */
  readonly exits = new Map<number, number | null>();

  constructor(readonly dir: string) {
    this.cluster = loadClusterFile(join(dir, 'cluster.yaml'));
    this.configs = new Map(this.cluster.members.map((m) => [m.id, loadNodeConfig(this.nodeFile(m.id, 'node.yaml'))]));
  }

  get ids(): number[] {
    return this.cluster.members.map((m) => m.id);
  }
  get clusterFile(): string {
    return join(this.dir, 'cluster.yaml');
  }
  nodeFile(id: number, name: string): string {
    return join(this.dir, `n${id}`, name);
  }
  walPath(id: number): string {
    return join(this.configs.get(id)!.dataDir, 'wal');
  }
  logText(id: number): string {
    try { return readFileSync(this.nodeFile(id, 'node.log'), 'utf8'); } catch { return ''; }
  }

  pid(id: number): number | undefined {
    try {
      const pid = Number(readFileSync(this.nodeFile(id, 'node.pid'), 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Starts node `id` as a detached process (stdout and stderr appended to its log); `args`: more flags of `nicraft node` (e.g. --rejoin). */
  start(id: number, extraEnv: Record<string, string> = {}, args: string[] = []): number {
    if (this.pid(id) !== undefined) throw new Error(`node ${id} is already running (pid ${this.pid(id)})`);
    const logFd = openSync(this.nodeFile(id, 'node.log'), 'a');
    try {
      // NICRAFT_NODE_ARGS: flags for the node's Node.js (e.g. --cpu-prof --cpu-prof-dir=DIR: not allowed in NODE_OPTIONS)
      const nodeArgs = (process.env.NICRAFT_NODE_ARGS ?? '').split(/\s+/).filter((a) => a.length > 0);
      const child = spawn(process.execPath, [...nodeArgs, NICRAFT_BIN, 'node', '--config', this.nodeFile(id, 'node.yaml'), ...args], {
        cwd: ROOT, detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, ...extraEnv },
      });
      this.exits.delete(id);
      child.on('exit', (code) => this.exits.set(id, code));
      child.unref();
      writeFileSync(this.nodeFile(id, 'node.pid'), `${child.pid}\n`);
      return child.pid!;
    } finally {
      closeSync(logFd);
    }
  }

  /** Sends a signal to node `id`; waits until it is gone (SIGKILL after timeoutMs for SIGTERM). */
  async kill(id: number, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> {
    const pid = this.pid(id);
    if (pid === undefined) return;
    try { process.kill(pid, signal); } catch { /* gone */ }
    const until = Date.now() + timeoutMs;
    while (alive(pid)) {
      if (Date.now() > until) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
      await sleep(20);
    }
    try { unlinkSync(this.nodeFile(id, 'node.pid')); } catch { /* removed */ }
  }

  httpUrl(id: number, path: string): string {
    const m = this.cluster.members.find((x) => x.id === id)!;
    if (!m.http) throw new Error(`node ${id} has no status endpoint`);
    return `http://${m.http.host}:${m.http.port}${path}`;
  }

  async status(id: number, timeoutMs = 1000): Promise<NodeStatus | undefined> {
    try {
      const r = await fetch(this.httpUrl(id, '/status'), { signal: AbortSignal.timeout(timeoutMs) });
      if (!r.ok) return undefined;
      return (await r.json()) as NodeStatus;
    } catch {
      return undefined;
    }
  }

  async metrics(id: number): Promise<string> {
    const r = await fetch(this.httpUrl(id, '/metrics'), { signal: AbortSignal.timeout(2000) });
    return r.text();
  }

  async blockPlane(id: number, plane: number, blocked: boolean): Promise<void> {
    const r = await fetch(this.httpUrl(id, `/debug/planes?plane=${plane}&blocked=${blocked ? 1 : 0}`), { method: 'POST', signal: AbortSignal.timeout(2000) });
    if (!r.ok) throw new Error(`node ${id}: /debug/planes: ${r.status} ${await r.text()}`);
  }

  /** Waits until node `id` answers on its status endpoint; throws if it exited or timed out. */
  async waitUp(id: number, timeoutMs = 30_000): Promise<NodeStatus> {
    const started = Date.now();
    const until = started + timeoutMs;
    for (;;) {
      const s = await this.status(id, 500);
      if (s) return s;
      if (this.exits.has(id) || (this.pid(id) === undefined && Date.now() - started > 2000)) {
        const tail = this.logText(id).trim().split('\n').slice(-5).join('\n  ');
        throw new Error(`node ${id} exited (code ${this.exits.get(id) ?? '?'}):\n  ${tail}`);
      }
      if (Date.now() > until) throw new Error(`node ${id} did not answer on ${this.httpUrl(id, '/status')} within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** The node every live node agrees leads (undefined while there is none). */
  async leader(): Promise<number | undefined> {
    const st = (await Promise.all(this.ids.map((id) => this.status(id)))).filter((s): s is NodeStatus => !!s);
    const leaders = st.filter((s) => s.role === 'leader').sort((a, b) => b.term - a.term);
    return leaders[0]?.id;
  }

  async waitLeader(timeoutMs = 20_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const l = await this.leader();
      if (l !== undefined) return l;
      if (Date.now() > until) throw new Error(`no leader within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  async startAll(timeoutMs = 30_000): Promise<void> {
    for (const id of this.ids) if (this.pid(id) === undefined) this.start(id);
    await Promise.all(this.ids.map((id) => this.waitUp(id, timeoutMs)));
  }

  async stopAll(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await Promise.all(this.ids.map((id) => this.kill(id, signal)));
  }
}

// ---- the CLI's actions ----------------------------------------------------------------------------

export interface UpOptions extends LayoutOptions {
  dir: string;
  timeoutMs?: number;
}

/** `cluster up`: writes the layout (unless DIR already has one), starts every node, waits for a leader. */
export async function clusterUp(o: UpOptions, out: (s: string) => void): Promise<LocalCluster> {
  const dir = resolve(o.dir);
  if (existsSync(join(dir, 'cluster.yaml'))) {
    out(`cluster: ${dir} has a cluster already: starting it as configured there (its data is kept; \`nicraft cluster down --purge\` removes it)`);
  } else {
    writeLayout(dir, o);
    out(`cluster: wrote ${join(dir, 'cluster.yaml')} and ${o.replicas} node configs`);
  }
  const lc = new LocalCluster(dir);
  const backends = new Set([...lc.configs.values()].map((c) => c.nic.backend));
  if (backends.has('verilated')) {
    const { prepareBackend } = await import('../daemon/backend.js');
    out('cluster: building (or finding) the Verilated NIC library ...');
    const sizes = new Set([...lc.configs.values()].filter((c) => c.nic.backend === 'verilated').map((c) => c.nic.maxPayloadBytes));
    for (const size of sizes) await prepareBackend('verilated', lc.cluster.planes, size);
  }
  for (const id of lc.ids) {
    if (lc.pid(id) !== undefined) { out(`  n${id}: already running (pid ${lc.pid(id)})`); continue; }
    const pid = lc.start(id);
    out(`  n${id}: started, pid ${pid}, log ${lc.nodeFile(id, 'node.log')}`);
  }
  try {
    await Promise.all(lc.ids.map((id) => lc.waitUp(id, o.timeoutMs ?? 60_000)));
  } catch (e) {
    await lc.stopAll();
    throw e;
  }
  const leader = await lc.waitLeader(o.timeoutMs ?? 60_000).catch(() => undefined);
  out(leader !== undefined ? `cluster: up, n${leader} leads` : 'cluster: up, no leader yet');
  out(`  try: npx nicraft kv put hello world --cluster ${lc.clusterFile}`);
  return lc;
}

export async function clusterDown(dir: string, purge: boolean, out: (s: string) => void): Promise<void> {
  const lc = new LocalCluster(resolve(dir));
  for (const id of lc.ids) {
    const pid = lc.pid(id);
    if (pid === undefined) { out(`  n${id}: not running`); continue; }
    await lc.kill(id, 'SIGTERM');
    out(`  n${id}: stopped (pid ${pid})`);
  }
  if (purge) {
    rmSync(resolve(dir), { recursive: true, force: true });
    out(`cluster: removed ${resolve(dir)}`);
  }
}

export function formatStatus(rows: Array<{ id: number; pid?: number; s?: NodeStatus }>): string {
  const lines = ['node  pid      role          term  lead  commit   applied  last     planes'];
  for (const { id, pid, s } of rows) {
    if (!s) {
      lines.push(`n${id}    ${String(pid ?? '-').padEnd(8)} ${pid ? 'no answer' : 'down'}`);
      continue;
    }
    const planes = s.planes.map((p) => `p${p.plane}:${p.health}`).join(' ');
    lines.push(`n${id}    ${String(s.pid).padEnd(8)} ${(s.role + (s.rejoining ? '!' : s.recovering ? '*' : '')).padEnd(13)} ${String(s.term).padEnd(5)} ${String(s.lead || '-').padEnd(5)} ${String(s.commit).padEnd(8)} ${String(s.applied).padEnd(8)} ${String(s.lastIndex).padEnd(8)} ${planes}`);
  }
  if (rows.some((r) => r.s?.recovering && !r.s.rejoining)) lines.push('  * recovering: restarted, waits for the leader to reconcile its log before it may vote');
  if (rows.some((r) => r.s?.rejoining)) lines.push('  ! rejoining (nicraft node --rejoin): lost its log, neither votes nor stands until it has caught up with a leader');
  lines.push(`  plane health: ok = frames from a peer within two election timeouts, silent = none, blocked = cut by /debug/planes`);
  return lines.join('\n');
}

export async function clusterStatus(dir: string): Promise<{ text: string; up: number; total: number }> {
  const lc = new LocalCluster(resolve(dir));
  const rows = await Promise.all(lc.ids.map(async (id) => ({ id, pid: lc.pid(id), s: await lc.status(id) })));
  return { text: formatStatus(rows), up: rows.filter((r) => r.s).length, total: rows.length };
}
