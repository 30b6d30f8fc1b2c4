// Configuration of a nicraft daemon (`nicraft node --config FILE`) and of the clients' cluster
// file (`nicraft kv|load --cluster FILE`), in YAML or JSON, validated with zod. Every error names
// the field and, where there is a choice, the allowed values (docs/deploying.md lists them all).
//
// A node config is a cluster file with more fields, so a client can be pointed at any node's config.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { ScenarioError, fieldPath } from '../config-error.js';
import { HDR_BYTES } from '../wire/wire.gen.js';

/** A config file that failed to load or validate (the CLI prints it and exits 2). */
export class ConfigError extends ScenarioError {
  constructor(message: string, issues: string[]) {
    super(message, issues);
    this.name = 'ConfigError';
  }
}

export const BACKENDS = ['model', 'verilated'] as const;
export type Backend = (typeof BACKENDS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** host:port, the host an IPv4 address or localhost. */
export interface Endpoint {
  host: string;
  port: number;
}

const endpoint = z.string().transform((s, ctx): Endpoint => {
  const m = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  const host = m?.[1] === 'localhost' ? '127.0.0.1' : m?.[1];
  if (!m || !host || !/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.split('.').some((o) => Number(o) > 255) || port < 1 || port > 65535) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be "IPv4:port" or "localhost:port" with a port in 1..65535 (got ${JSON.stringify(s)})` });
    return z.NEVER;
  }
  return { host, port };
});

export const isLoopback = (host: string): boolean => host.startsWith('127.');

const memberSchema = z.object({
  id: z.number().int().min(1).max(7),
  /** one UDP endpoint per network plane, in plane order */
  planes: z.array(endpoint).min(1).max(3),
  /** the HTTP status endpoint (loopback only) */
  http: endpoint.optional(),
}).strict();

const clusterFields = {
  clusterId: z.number().int().min(1).max(65535),
  planes: z.number().int().min(1).max(3),
  members: z.array(memberSchema).min(1).max(7),
};

/** the largest nic.maxPayloadBytes: a frame of 1,518 bytes (Ethernet's largest) with nicraft's header */
export const MAX_PAYLOAD_LIMIT_BYTES = 1518 - HDR_BYTES;

const nicSchema = z.object({
  backend: z.enum(BACKENDS).default('model'),
  /**
   * The simulated NIC's clock rate against the wall clock, in cycles per ms: each tick advances it
   * by cyclesPerMs x tickMs cycles (more while frames are processed). Its timers (heartbeats, ACK
   * delay, NACK, retransmission, the plane merge's 1024-cycle copy window) run on these cycles.
   * Default: model 2500 (a tenth of real time is cheap: the model skips idle cycles), verilated 100
   * (Verilator pays for every cycle: about 12% of a core per node at this rate).
   */
  cyclesPerMs: z.number().int().min(10).max(250_000).optional(),
  /**
   * The largest payload a frame may carry, in bytes (the RTL's MAX_PAYLOAD parameter: a log slot
   * holds the header plus this). 256 (the default build) fits a put of a 16-byte key and a
   * 200-byte value; the largest, 1518 - HDR_BYTES, makes the largest frame 1,518 bytes (Ethernet's),
   * for values up to about 1.4 KB. The verilated backend builds (once, cached) a library with it.
   */
  maxPayloadBytes: z.number().int().min(16).max(MAX_PAYLOAD_LIMIT_BYTES).default(256),
  /** cycles stepped per quantum while settling after an input, and the cap per settle */
  settleQuantumCycles: z.number().int().min(1).max(4096).default(16),
  maxSettleCycles: z.number().int().min(16).max(1_000_000).default(8192),
  /** ACK coalescing: a follower NIC ACKs after this many APPENDs or ackDelayCycles after the first
   *  unacknowledged one. 16: the APPENDs of one driver turn share one ACK per plane (the settle runs
   *  the NIC past the delay at once, so no wall-clock wait); 1 ACKs every APPEND (one datagram each). */
  ackCount: z.number().int().min(1).max(255).default(16),
  ackDelayCycles: z.number().int().min(1).max(65535).default(16),
  /** load-adaptive ACKs (RAFT_ACK_GAP): an ACK as soon as an entry is unacknowledged and no ACK left in
   *  the last ackGapCycles cycles; 0: off (docs/architecture.md "ACK timing") */
  ackGapCycles: z.number().int().min(0).max(65535).default(0),
  /** the NIC's timers; defaults from cyclesPerMs: heartbeats and RTO 20 ms, NACK delay 0.4 ms (at least 64 cycles), NACK interval twice that */
  hbIntervalCycles: z.number().int().min(1).optional(),
  hbCommitDelayCycles: z.number().int().min(1).max(65535).default(32),
  rtoCycles: z.number().int().min(1).optional(),
  nackDelayCycles: z.number().int().min(1).max(65535).optional(),
  nackIntervalCycles: z.number().int().min(1).max(65535).optional(),
}).strict();

const timingSchema = z.object({
  /** the driver's tick: NIC progress read, core timers, NIC clock (default: model 2, verilated 5) */
  tickMs: z.number().min(0.5).max(1000).optional(),
  /** minimum election timeout (default: model 300, verilated 600) */
  electionTimeoutMs: z.number().min(10).max(60_000).optional(),
  /** host-level heartbeat of the leader (default: model 5, verilated 25) */
  heartbeatIntervalMs: z.number().min(1).max(10_000).optional(),
}).strict();

const storageSchema = z.object({
  /** fdatasync after every batch (off only for experiments: a crash can then lose acknowledged writes) */
  fsync: z.boolean().default(true),
  /** group commit: fdatasyncs of the WAL that may run at once (1: each waits for the previous one;
   *  3 leaves one of libuv's 4 pool threads free; docs/deploying.md "Group commit") */
  syncsInFlight: z.number().int().min(1).max(16).default(3),
  /** compact the log into a snapshot of the KV store every this many applied entries (0: never) */
  snapshotEveryEntries: z.number().int().min(0).default(20_000),
}).strict();

const netSchema = z.object({
  /** drop junk datagrams in the kernel (a BPF filter on the plane sockets, Linux) before they wake the daemon */
  kernelFilter: z.boolean().default(true),
  /** one datagram in this many that the kernel filter drops goes on to the daemon's filter, which counts its reason (a power of two; 0: none) */
  kernelFilterSample: z.number().int().min(0).max(65536).refine((n) => (n & (n - 1)) === 0, 'must be 0 or a power of two (1, 2, 4, ..., 65536)').default(64),
  /** frames for one destination in one driver turn go out as one datagram of at most this many bytes,
   *  and such bundles are accepted (0: one frame per datagram; the same on every member). At most 1472:
   *  an Ethernet MTU without IP fragments, and the kernel filter checks every frame (one block each). */
  bundleBytes: z.number().int().min(0).max(1472).refine((n) => n === 0 || n >= 60, 'must be 0 (no bundles) or 60..1472').default(1472),
  /** SO_RCVBUF asked for each plane socket (bytes); Linux caps it at net.core.rmem_max and doubles it
   *  for its bookkeeping: the size the kernel granted is logged at start and in /metrics */
  recvBufferBytes: z.number().int().min(4096).max(1 << 30).default(4 << 20),
}).strict();

const nodeSchema = z.object({
  id: z.number().int().min(1).max(7),
  ...clusterFields,
  /** per-cluster HMAC-SHA256 key of control messages, hex, at least 16 bytes; the same on every member */
  key: z.string().regex(/^([0-9a-fA-F]{2}){16,64}$/, 'must be 32 to 128 hex digits (16 to 64 bytes)'),
  /**
   * frame authentication (issue 16; docs/auth.md): the secrets the node key and the client key are
   * derived from, hex, 16 to 64 bytes each, the same on every member (clients need only clientSecret);
   * the key slot in use. Omitted: off (frames are not signed or checked)
   */
  frameAuth: z.object({
    nodeSecret: z.string().regex(/^([0-9a-fA-F]{2}){16,64}$/, 'must be 32 to 128 hex digits (16 to 64 bytes)'),
    clientSecret: z.string().regex(/^([0-9a-fA-F]{2}){16,64}$/, 'must be 32 to 128 hex digits (16 to 64 bytes)'),
    slot: z.number().int().min(0).max(1).default(0),
  }).strict().refine((a) => a.nodeSecret.toLowerCase() !== a.clientSecret.toLowerCase(), 'nodeSecret and clientSecret must differ (a client holding the client key must not be able to sign node frames)').optional(),
  /** write-ahead log and snapshots (relative paths are relative to the config file) */
  dataDir: z.string().min(1),
  nic: nicSchema.default({}),
  timing: timingSchema.default({}),
  storage: storageSchema.default({}),
  net: netSchema.default({}),
  /** replies wait until a quorum of replicas' storage holds the entry (survives the loss of every node) */
  durableReplies: z.boolean().default(true),
  /** `get` at the leader without the log: a lease read, or ReadIndex when the lease is not valid
   *  (false: every get is an entry of the log, as a write) */
  localReads: z.boolean().default(true),
  /** followers answer gets under read leases of the leader (docs/control-plane.md §6.1; while leases
   *  are out, writes commit once every voter holds them). The same on every member. */
  followerReads: z.boolean().default(false),
  log: z.object({ level: z.enum(LOG_LEVELS).default('info') }).strict().default({}),
  /** POST /debug/planes on the status endpoint (block a plane: tests, drills); frameInjection: POST
   *  /debug/inject and GET /debug/captured (hand a datagram to a plane's receive path with a claimed
   *  source address, read the datagrams a plane received: attack tests; never in production, it lets
   *  any local process speak as a member) */
  debug: z.object({ planeControl: z.boolean().default(false), frameInjection: z.boolean().default(false) }).strict().default({}),
}).strict();

const clusterFileSchema = z.object({
  ...clusterFields,
  /** a client needs only the client key's secret (and the slot) of frame authentication */
  frameAuth: z.object({
    clientSecret: z.string().regex(/^([0-9a-fA-F]{2}){16,64}$/, 'must be 32 to 128 hex digits (16 to 64 bytes)'),
    slot: z.number().int().min(0).max(1).default(0),
  }).passthrough().optional(),
}).passthrough();

export type MemberConfig = z.infer<typeof memberSchema>;
type NicFields = z.infer<typeof nicSchema>;
export type NodeConfig = Omit<z.infer<typeof nodeSchema>, 'nic' | 'timing'> & {
  nic: Omit<NicFields, 'cyclesPerMs' | 'hbIntervalCycles' | 'rtoCycles' | 'nackDelayCycles' | 'nackIntervalCycles'> & {
    cyclesPerMs: number; tickCycles: number; hbIntervalCycles: number; rtoCycles: number; nackDelayCycles: number; nackIntervalCycles: number;
  };
  timing: { tickMs: number; electionTimeoutMs: number; heartbeatIntervalMs: number };
  /** the config file (for messages) */
  source: string;
};
export interface ClusterFile {
  clusterId: number;
  planes: number;
  members: MemberConfig[];
  /** frame authentication: the client key's secret and slot (clients sign their REQs) */
  clientAuth?: { secret: Uint8Array; slot: number };
  /** the largest request payload the members' NICs take (nic.maxPayloadBytes; cluster.yaml's
   *  maxPayloadBytes), for clients: 256 when the file does not say */
  maxPayloadBytes: number;
  source: string;
}

/** Per-backend defaults of the driver's clock and the timing (docs/deploying.md). */
export const BACKEND_DEFAULTS: Record<Backend, { tickMs: number; cyclesPerMs: number; electionTimeoutMs: number; heartbeatIntervalMs: number }> = {
  // model heartbeat 25 ms (was 5): each round is a control message per follower and plane and its answer;
  // at 5 ms the idle daemons spent about 20% of a core each on them (10% at 25-30 ms, measured)
  model: { tickMs: 2, cyclesPerMs: 2500, electionTimeoutMs: 300, heartbeatIntervalMs: 25 },
  verilated: { tickMs: 5, cyclesPerMs: 100, electionTimeoutMs: 600, heartbeatIntervalMs: 25 },
};

/** The plane merge forgets a copy key after this many cycles (hw/rtl, ModelNic COPY_WINDOW_CYCLES). */
export const COPY_WINDOW_CYCLES = 1024;

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    let msg = i.message;
    if (i.code === 'invalid_enum_value') msg = `must be one of ${i.options.map((o) => `'${String(o)}'`).join(' | ')} (got '${String(i.received)}')`;
    if (i.code === 'unrecognized_keys') msg = `unknown field(s) ${i.keys.map((k) => `'${k}'`).join(', ')}`;
    if (i.code === 'invalid_type' && i.received === 'undefined') msg = `required (${i.expected})`;
    return `${fieldPath(i.path).replace('(scenario)', '(config)')}: ${msg}`;
  });
}

function fail(source: string, what: string, issues: string[]): never {
  throw new ConfigError(`${source}: invalid ${what}\n  ${issues.join('\n  ')}`, issues);
}

/** Cross-field checks shared by node configs and cluster files. */
function checkMembers(c: { planes: number; members: MemberConfig[] }): string[] {
  const bad: string[] = [];
  const seen = new Map<number, number>();
  const used = new Map<string, string>();
  c.members.forEach((m, i) => {
    if (seen.has(m.id)) bad.push(`members[${i}].id: ${m.id} is already the id of members[${seen.get(m.id)}]`);
    seen.set(m.id, i);
    if (m.planes.length !== c.planes) bad.push(`members[${i}].planes: ${m.planes.length} endpoint(s), but planes is ${c.planes} (one endpoint per plane)`);
    const eps: Array<[string, Endpoint | undefined]> = [...m.planes.map((e, p): [string, Endpoint] => [`members[${i}].planes[${p}]`, e]), [`members[${i}].http`, m.http]];
    for (const [field, e] of eps) {
      if (!e) continue;
      const key = `${e.host}:${e.port}`;
      const other = used.get(key);
      if (other) bad.push(`${field}: ${key} is also ${other}`);
      else used.set(key, field);
    }
    m.planes.forEach((e, p) => {
      if (e.host === '0.0.0.0') bad.push(`members[${i}].planes[${p}]: 0.0.0.0 is not an address a peer can send to, nor the source address of this member's frames (the planes accept a member's frames only from its endpoint)`);
    });
    if (m.http && !isLoopback(m.http.host)) bad.push(`members[${i}].http: the status endpoint must be on loopback (127.x.x.x or localhost), got ${m.http.host}`);
  });
  return bad;
}

/**
 * YAML is a superset of JSON: files that are JSON after their leading `#` comment lines (what
 * `nicraft cluster up` writes) are parsed with JSON.parse, everything else with the yaml package,
 * loaded only then (it costs a one-shot client such as `nicraft kv get` more than the rest of its
 * start-up).
 */
export function parseConfigText(text: string): unknown {
  const body = text.replace(/^(?:[ \t]*(?:#[^\n]*)?\r?\n)*/, '');
  if (body.startsWith('{')) {
    try {
      return JSON.parse(body);
    } catch { /* not JSON after all: YAML decides */ }
  }
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text);
}

export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`, [(e as Error).message]);
  }
  try {
    return parseConfigText(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid YAML or JSON: ${(e as Error).message}`, [(e as Error).message]);
  }
}

/** Validates a node config (already parsed); `source` names it in errors and anchors relative paths. */
export function parseNodeConfig(raw: unknown, source: string): NodeConfig {
  const r = nodeSchema.safeParse(raw);
  if (!r.success) fail(source, 'node config', formatIssues(r.error));
  const c = r.data;
  const bad = checkMembers(c);
  if (!c.members.some((m) => m.id === c.id)) {
    bad.push(`id: ${c.id} is not a member (members: ${c.members.map((m) => m.id).join(', ')})`);
  }
  const d = BACKEND_DEFAULTS[c.nic.backend];
  const rate = c.nic.cyclesPerMs ?? d.cyclesPerMs;
  const timing = {
    tickMs: c.timing.tickMs ?? d.tickMs,
    electionTimeoutMs: c.timing.electionTimeoutMs ?? d.electionTimeoutMs,
    heartbeatIntervalMs: c.timing.heartbeatIntervalMs ?? d.heartbeatIntervalMs,
  };
  const nackDelay = c.nic.nackDelayCycles ?? Math.min(65535, Math.max(64, Math.round(0.4 * rate)));
  const nic = {
    ...c.nic, cyclesPerMs: rate, tickCycles: Math.max(1, Math.round(rate * timing.tickMs)),
    hbIntervalCycles: c.nic.hbIntervalCycles ?? Math.round(20 * rate), rtoCycles: c.nic.rtoCycles ?? Math.round(20 * rate),
    nackDelayCycles: nackDelay, nackIntervalCycles: c.nic.nackIntervalCycles ?? Math.min(65535, 2 * nackDelay),
  };
  // A host retransmission (the leader's repair frames, resent at every heartbeat answer) must find
  // the follower NIC's copy window expired, or the plane merge drops it as a copy of the last one.
  if (timing.heartbeatIntervalMs * rate < 2 * COPY_WINDOW_CYCLES) {
    bad.push(`timing.heartbeatIntervalMs: ${timing.heartbeatIntervalMs} ms is ${Math.round(timing.heartbeatIntervalMs * rate)} NIC cycles at nic.cyclesPerMs ${rate}; it must be at least ${2 * COPY_WINDOW_CYCLES} (twice the NIC's copy window), i.e. >= ${Math.ceil((2 * COPY_WINDOW_CYCLES) / rate)} ms`);
  }
  if (timing.electionTimeoutMs < 4 * timing.heartbeatIntervalMs) bad.push(`timing.electionTimeoutMs: must be at least 4 x heartbeatIntervalMs (${4 * timing.heartbeatIntervalMs} ms)`);
  if (timing.tickMs > timing.heartbeatIntervalMs) bad.push(`timing.tickMs: must not exceed heartbeatIntervalMs (${timing.heartbeatIntervalMs} ms)`);
  if (bad.length) fail(source, 'node config', bad);
  const base = dirname(resolve(source));
  return {
    ...c,
    dataDir: isAbsolute(c.dataDir) ? c.dataDir : resolve(base, c.dataDir),
    nic,
    timing,
    source,
  };
}

export function loadNodeConfig(file: string): NodeConfig {
  return parseNodeConfig(readConfigFile(file), file);
}

/** Validates a cluster file (a node config is one too: its other fields are ignored). */
export function parseClusterFile(raw: unknown, source: string): ClusterFile {
  const r = clusterFileSchema.safeParse(raw);
  if (!r.success) fail(source, 'cluster file', formatIssues(r.error));
  const bad = checkMembers(r.data);
  // the members' payload size: cluster.yaml's maxPayloadBytes, or a node config's nic.maxPayloadBytes
  const rawObj = raw as { maxPayloadBytes?: unknown; nic?: { maxPayloadBytes?: unknown } };
  const [field, mp] = rawObj.maxPayloadBytes !== undefined ? ['maxPayloadBytes', rawObj.maxPayloadBytes] : ['nic.maxPayloadBytes', rawObj.nic?.maxPayloadBytes];
  if (mp !== undefined && !(Number.isInteger(mp) && (mp as number) >= 16 && (mp as number) <= MAX_PAYLOAD_LIMIT_BYTES)) {
    bad.push(`${field}: must be an integer 16..${MAX_PAYLOAD_LIMIT_BYTES} (got ${JSON.stringify(mp)})`);
  }
  if (bad.length) fail(source, 'cluster file', bad);
  const fa = r.data.frameAuth;
  return { clusterId: r.data.clusterId, planes: r.data.planes, members: r.data.members, maxPayloadBytes: (mp as number | undefined) ?? 256, source, ...(fa ? { clientAuth: { secret: Buffer.from(fa.clientSecret, 'hex'), slot: fa.slot } } : {}) };
}

export function loadClusterFile(file: string): ClusterFile {
  // `nicraft cluster up --dir D` writes D/cluster.yaml: --cluster D means that file
  if (existsSync(file) && statSync(file).isDirectory()) {
    const inDir = resolve(file, 'cluster.yaml');
    if (!existsSync(inDir)) throw new ConfigError(`${file}: a directory without cluster.yaml (give the cluster file, or the --dir of \`nicraft cluster up\`)`, ['no cluster.yaml']);
    file = inDir;
  }
  return parseClusterFile(readConfigFile(file), file);
}

export function formatEndpoint(e: Endpoint): string {
  return `${e.host}:${e.port}`;
}
