// The daemon's status endpoint, on loopback only:
//   GET  /status   JSON: role, term, commit, applied, per-plane health, counters (replica, codec,
//                  storage, driver, every NIC counter)
//   GET  /metrics  the same numbers in the Prometheus text format (version 0.0.4)
//   POST /debug/planes?plane=P&blocked=1|0   block or unblock a plane (only with debug.planeControl)
//   POST /debug/inject?plane=P&from=HOST:PORT   body: one datagram (application/octet-stream), handed
//                  to plane P's receive path as if it came from HOST:PORT (only with debug.frameInjection)
//   GET  /debug/captured?plane=P   the last datagrams plane P's socket delivered and its filter
//                  accepted, as hex (only with debug.frameInjection)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { formatEndpoint, type Endpoint } from './config.js';
import { BindError } from './planes.js';

export interface StatusSource {
  status(): Record<string, unknown>;
  setPlaneBlocked(plane: number, blocked: boolean): void;
  /** debug.frameInjection: a datagram into a plane's receive path with a claimed source; the filter's verdict */
  injectDatagram?(plane: number, datagram: Uint8Array, from: Endpoint): { accepted: boolean; verdict: string };
  /** debug.frameInjection: the datagrams a plane's socket delivered and the filter accepted, oldest first */
  capturedDatagrams?(plane: number): Array<{ from: string; atMs: number; hex: string }>;
}

/** The debug endpoints a daemon's config allows (debug.planeControl, debug.frameInjection). */
export interface DebugAccess {
  planeControl: boolean;
  frameInjection: boolean;
}

/** The largest body POST /debug/inject takes (bytes): a datagram of the largest size a plane accepts. */
const MAX_INJECT_BYTES = 65_536;

const ROLES = ['follower', 'precandidate', 'candidate', 'leader'] as const;

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prometheus text exposition of a status document. */
export function prometheus(s: Record<string, unknown>): string {
  const out: string[] = [];
  const id = String(s.id);
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: Array<[Record<string, string>, number]>): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) {
      const l = Object.entries({ node: id, ...labels }).map(([k, x]) => `${k}="${esc(x)}"`).join(',');
      out.push(`${name}{${l}} ${Number.isFinite(v) ? v : 0}`);
    }
  };
  metric('nicraft_up', 'gauge', 'The daemon is running.', [[{}, 1]]);
  metric('nicraft_role', 'gauge', 'The replica role (1 for the current one).', ROLES.map((r) => [{ role: r }, s.role === r ? 1 : 0]));
  metric('nicraft_term', 'gauge', 'Current term.', [[{}, Number(s.term)]]);
  metric('nicraft_leader_id', 'gauge', 'Node the replica believes leads (0: none).', [[{}, Number(s.lead)]]);
  metric('nicraft_commit_index', 'gauge', 'Host commit index.', [[{}, Number(s.commit)]]);
  metric('nicraft_applied_index', 'gauge', 'Index the KV store applied.', [[{}, Number(s.applied)]]);
  metric('nicraft_last_index', 'gauge', 'Last index of the host log.', [[{}, Number(s.lastIndex)]]);
  metric('nicraft_fast_path_enabled', 'gauge', 'The NIC fast path is on.', [[{}, s.fastPath ? 1 : 0]]);
  metric('nicraft_uptime_seconds', 'gauge', 'Seconds since the daemon started.', [[{}, Number(s.uptimeMs) / 1000]]);
  const kf = s.kernelFilter as { sampleEvery: number } | null | undefined;
  metric('nicraft_plane_kernel_filter', 'gauge', 'The plane sockets drop junk in the kernel (1), or only the daemon filters (0).', [[{}, kf ? 1 : 0]]);
  metric('nicraft_plane_kernel_filter_sample_every', 'gauge', 'One datagram the kernel filter drops in this many reaches the daemon filter, which counts its reason (0: none).', [[{}, kf ? kf.sampleEvery : 0]]);
  metric('nicraft_rejoining', 'gauge', 'Started with --rejoin and not caught up yet: gives and asks no votes.', [[{}, s.rejoining ? 1 : 0]]);
  const planes = (s.planes ?? []) as Array<{
    plane: number; health: string; rxFrames: number; txFrames: number; txDatagrams: number; txBundled: number; txSameRoute: number; rxBlocked: number; txBlocked: number; txNoRoute: number; txErrors: number;
    rxDropped?: Record<string, number>; rxAccepted?: Record<string, number>; rxQueued?: Record<string, number>; kernelDrops?: number | null;
    rxQueueBytes?: number | null; recvBufferBytes?: number | null; sendQueueDatagrams?: number | null;
  }>;
  metric('nicraft_plane_up', 'gauge', 'Plane health (1: frames from a peer recently).', planes.map((p) => [{ plane: String(p.plane) }, p.health === 'ok' ? 1 : 0]));
  metric('nicraft_plane_blocked', 'gauge', 'Plane blocked by /debug/planes.', planes.map((p) => [{ plane: String(p.plane) }, p.health === 'blocked' ? 1 : 0]));
  for (const k of ['rxFrames', 'txFrames', 'txDatagrams', 'txBundled', 'txSameRoute', 'rxBlocked', 'txBlocked', 'txNoRoute', 'txErrors'] as const) {
    const name = `nicraft_plane_udp_${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`;
    metric(name, 'counter', `UDP frames and datagrams per plane: ${k} (txFrames: frames handed to the plane; txDatagrams: datagrams sent, a bundle to a client carries several frames; txSameRoute: frame copies to a client address already queued in the same turn).`, planes.map((p) => [{ plane: String(p.plane) }, p[k]]));
  }
  metric('nicraft_plane_rx_dropped_datagrams_total', 'counter', 'Datagrams the daemon filter dropped before the NIC, by reason (short, oversize, bad_*, not_member, wrong_source_address, unexpected_type, overload_<class>); with the kernel filter, a sample of the junk.',
    planes.flatMap((p) => Object.entries(p.rxDropped ?? {}).map(([r, v]): [Record<string, string>, number] => [{ plane: String(p.plane), reason: r }, v])));
  metric('nicraft_plane_rx_accepted_datagrams_total', 'counter', 'Datagrams the plane filter accepted, by class (control, replication, client).',
    planes.flatMap((p) => Object.entries(p.rxAccepted ?? {}).map(([c, v]): [Record<string, string>, number] => [{ plane: String(p.plane), class: c }, v])));
  metric('nicraft_plane_rx_queued_datagrams', 'gauge', 'Accepted datagrams waiting for the driver, by class.',
    planes.flatMap((p) => Object.entries(p.rxQueued ?? {}).map(([c, v]): [Record<string, string>, number] => [{ plane: String(p.plane), class: c }, v])));
  metric('nicraft_plane_udp_kernel_dropped_datagrams_total', 'counter', 'Datagrams the kernel dropped at the plane socket: by the kernel filter, or because the receive buffer was full (/proc/net/udp).',
    planes.filter((p) => typeof p.kernelDrops === 'number').map((p) => [{ plane: String(p.plane) }, p.kernelDrops as number]));
  const num = (k: 'rxQueueBytes' | 'recvBufferBytes' | 'sendQueueDatagrams') => planes.filter((p) => typeof p[k] === 'number').map((p): [Record<string, string>, number] => [{ plane: String(p.plane) }, p[k] as number]);
  metric('nicraft_plane_udp_rx_queue_bytes', 'gauge', 'Bytes waiting in the plane socket\'s receive buffer (kernel accounting; /proc/net/udp rx_queue): near nicraft_plane_udp_recv_buffer_bytes, datagrams are being dropped.', num('rxQueueBytes'));
  metric('nicraft_plane_udp_recv_buffer_bytes', 'gauge', 'The plane socket\'s receive buffer as the kernel granted it (SO_RCVBUF read back; net.recvBufferBytes asked, capped by net.core.rmem_max).', num('recvBufferBytes'));
  metric('nicraft_plane_udp_send_queue_datagrams', 'gauge', 'Datagrams waiting in the plane socket\'s send queue (the kernel did not take them yet).', num('sendQueueDatagrams'));
  const hu = s.hostUdp as { rcvbufErrors: number; inErrors: number; sndbufErrors: number } | null | undefined;
  if (hu) {
    metric('nicraft_host_udp_rcvbuf_errors_total', 'counter', 'UDP datagrams the kernel dropped because a socket\'s receive buffer was full, on the whole machine (/proc/net/snmp RcvbufErrors; not only this daemon\'s sockets: per socket the kernel counts them only together with its filter\'s drops).', [[{}, hu.rcvbufErrors]]);
    metric('nicraft_host_udp_in_errors_total', 'counter', 'UDP datagrams the kernel dropped at a socket for any reason (socket filters, full buffers), on the whole machine (/proc/net/snmp InErrors).', [[{}, hu.inErrors]]);
    metric('nicraft_host_udp_sndbuf_errors_total', 'counter', 'UDP datagrams the kernel did not send for lack of buffer, on the whole machine (/proc/net/snmp SndbufErrors).', [[{}, hu.sndbufErrors]]);
  }
  const c = (s.counters ?? {}) as Record<string, Record<string, unknown>>;
  const flat = (group: string, help: string): void => {
    const g = c[group] ?? {};
    for (const [k, v] of Object.entries(g)) {
      if (typeof v !== 'number') continue;
      const name = `nicraft_${group}_${k.replace(/[A-Z]/g, (x) => `_${x.toLowerCase()}`)}`;
      metric(name.endsWith('_total') ? name : `${name}_total`, 'counter', `${help}: ${k}.`, [[{}, v]]);
    }
  };
  flat('replica', 'Replica driver counter');
  flat('codec', 'Control message codec counter');
  flat('storage', 'Write-ahead log counter');
  flat('driver', 'Real-time driver counter');
  flat('reads', 'Client gets answered at the leader without the log (localReads)');
  const rd = (c.reads ?? {}) as Record<string, unknown>;
  const rn = (k: string): number => (typeof rd[k] === 'number' ? (rd[k] as number) : 0);
  metric('nicraft_reads_total', 'counter', 'Client gets answered by this node, by path: lease (leader lease, no log), readindex (after a heartbeat round a quorum acknowledged, no log), log (sequenced and applied as an entry), follower (a follower under its read lease).',
    [[{ path: 'lease' }, rn('lease')], [{ path: 'readindex' }, rn('quorum')], [{ path: 'log' }, rn('log')], [{ path: 'follower' }, rn('follower')]]);
  const sr = (s as { syncRate?: { fsyncsPerSec: number; entriesPerFsync: number } }).syncRate;
  if (sr) {
    metric('nicraft_storage_fsyncs_per_second', 'gauge', 'WAL fdatasyncs in the last full second.', [[{}, sr.fsyncsPerSec]]);
    metric('nicraft_storage_entries_per_fsync', 'gauge', 'WAL records (entries, hard state) per fdatasync in the last full second (group commit).', [[{}, sr.entriesPerFsync]]);
  }
  const eps = (s as { entriesPerSync?: { bounds: number[]; counts: number[]; sum: number } }).entriesPerSync;
  if (eps) {
    const name = 'nicraft_storage_fsync_entries';
    out.push(`# HELP ${name} Log entries each fdatasync of the WAL made durable (group commit: one fdatasync covers every entry written while the previous one ran).`, `# TYPE ${name} histogram`);
    let cum = 0;
    eps.bounds.forEach((b, k) => { cum += eps.counts[k] ?? 0; out.push(`${name}_bucket{node="${esc(id)}",le="${b}"} ${cum}`); });
    cum += eps.counts[eps.bounds.length] ?? 0;
    out.push(`${name}_bucket{node="${esc(id)}",le="+Inf"} ${cum}`, `${name}_sum{node="${esc(id)}"} ${eps.sum}`, `${name}_count{node="${esc(id)}"} ${cum}`);
  }
  const refused = (s.refused ?? {}) as Record<string, number>;
  metric('nicraft_core_refused_total', 'counter', 'What the core refused, by kind: proposals and reads (a bounded queue was full: busy), syncMessages (control messages dropped while a sync was full), newerTermFrames (NIC frames with a newer term in their header, never adopted), selfFrames (NIC frames naming this node as their sender: replays or forgeries, dropped).',
    Object.entries(refused).map(([k, v]) => [{ kind: k }, v]));
  const punts = (c.replica?.punts ?? {}) as Record<string, number>;
  metric('nicraft_replica_punts_total', 'counter', 'Frames the NIC punted to the host, by reason.', Object.entries(punts).map(([r, v]) => [{ reason: r }, v]));
  const nic = (c.nic ?? {}) as Record<string, number>;
  metric('nicraft_nic_counter_total', 'counter', 'NIC counters (the counters CSR block).', Object.entries(nic).map(([n, v]) => [{ counter: n }, v]));
  return out.join('\n') + '\n';
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    req.on('data', (b: Buffer) => {
      n += b.length;
      if (n > limit) { reject(new RangeError(`body longer than ${limit} bytes`)); req.destroy(); return; }
      parts.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function endpointParam(v: string | null): Endpoint {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v ?? '');
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new RangeError(`from=IPv4:port is required (got ${JSON.stringify(v)})`);
  return { host: m[1]!, port: Number(m[2]) };
}

async function handleInject(req: IncomingMessage, res: ServerResponse, src: StatusSource, url: URL): Promise<void> {
  try {
    if (req.method !== 'POST') return send(res, 405, 'text/plain', 'POST /debug/inject?plane=P&from=IPv4:port with the datagram as the body\n');
    const p = url.searchParams.get('plane');
    const plane = p === null || p === '' ? NaN : Number(p);
    if (!Number.isInteger(plane)) throw new RangeError('plane=<n> is required');
    const from = endpointParam(url.searchParams.get('from'));
    const body = await readBody(req, MAX_INJECT_BYTES);
    if (body.length === 0) throw new RangeError('the body (the datagram) is empty');
    const r = src.injectDatagram!(plane, body, from);
    send(res, 200, 'application/json', JSON.stringify({ plane, from: formatEndpoint(from), bytes: body.length, ...r }) + '\n');
  } catch (e) {
    if (!res.headersSent && !res.destroyed) send(res, 400, 'text/plain', `${(e as Error).message}\n`);
  }
}

function handle(req: IncomingMessage, res: ServerResponse, src: StatusSource | undefined, debug: DebugAccess): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (!src) return send(res, 503, 'text/plain', 'starting\n');
  try {
    if (req.method === 'GET' && (url.pathname === '/status' || url.pathname === '/')) {
      return send(res, 200, 'application/json', JSON.stringify(src.status(), null, 1) + '\n');
    }
    if (req.method === 'GET' && url.pathname === '/metrics') {
      return send(res, 200, 'text/plain; version=0.0.4', prometheus(src.status()));
    }
    if (url.pathname === '/debug/inject' || url.pathname === '/debug/captured') {
      if (!debug.frameInjection || !src.injectDatagram || !src.capturedDatagrams) return send(res, 403, 'text/plain', 'frame injection is off (debug.frameInjection: true in the config)\n');
      if (url.pathname === '/debug/inject') { void handleInject(req, res, src, url); return; }
      if (req.method !== 'GET') return send(res, 405, 'text/plain', 'GET /debug/captured?plane=P\n');
      const p = url.searchParams.get('plane');
      const plane = p === null || p === '' ? NaN : Number(p);
      if (!Number.isInteger(plane)) return send(res, 400, 'text/plain', 'plane=<n> is required\n');
      return send(res, 200, 'application/json', JSON.stringify({ plane, datagrams: src.capturedDatagrams(plane) }) + '\n');
    }
    if (url.pathname === '/debug/planes') {
      if (!debug.planeControl) return send(res, 403, 'text/plain', 'plane control is off (debug.planeControl: true in the config)\n');
      if (req.method !== 'POST') return send(res, 405, 'text/plain', 'POST /debug/planes?plane=P&blocked=1|0\n');
      const plane = Number(url.searchParams.get('plane'));
      const b = url.searchParams.get('blocked');
      if (!Number.isInteger(plane) || (b !== '0' && b !== '1')) return send(res, 400, 'text/plain', 'plane=<n> and blocked=1|0 are required\n');
      src.setPlaneBlocked(plane, b === '1');
      return send(res, 200, 'application/json', JSON.stringify({ plane, blocked: b === '1' }) + '\n');
    }
    send(res, 404, 'text/plain', 'GET /status, GET /metrics, POST /debug/planes, POST /debug/inject, GET /debug/captured\n');
  } catch (e) {
    send(res, 400, 'text/plain', `${(e as Error).message}\n`);
  }
}

/** Listens on a loopback endpoint; rejects with a BindError naming the field when it cannot. */
export function listenStatus(e: Endpoint, field: string, src: () => StatusSource | undefined, debug: DebugAccess): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => handle(req, res, src(), debug));
    server.keepAliveTimeout = 1000;
    const onError = (err: NodeJS.ErrnoException): void => {
      server.close();
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${err.message})`;
      reject(new BindError(field, formatEndpoint(e), err.code, `${field}: TCP ${formatEndpoint(e)} ${why}`));
    };
    server.once('error', onError);
    server.listen({ port: e.port, host: e.host, exclusive: true }, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}
