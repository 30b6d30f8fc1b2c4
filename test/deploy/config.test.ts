// `nicraft node --config FILE` refuses a bad config, an unknown member and an endpoint in use: a
// clear error naming the field, exit code 2, and nothing written (no data directory, no WAL).
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNodeConfig, ConfigError, MAX_PAYLOAD_LIMIT_BYTES } from '../../ctrl/daemon/config.js';
import { NICRAFT_BIN, ROOT } from '../../ctrl/deploy/cluster.js';
import { freeBasePort, removeTempDirs, tempDir } from './harness.js';

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [NICRAFT_BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => res({ code, out, err }));
  });
}

const KEY = '00112233445566778899aabbccddeeff';

function baseConfig(port: number): Record<string, unknown> {
  return {
    id: 1, clusterId: 7, planes: 2, key: KEY, dataDir: 'data',
    members: [1, 2, 3].map((id) => ({ id, planes: [`127.0.0.1:${port + id}`, `127.0.0.1:${port + 100 + id}`], http: `127.0.0.1:${port + 900 + id}` })),
  };
}

const held: Array<Socket | Server> = [];
afterAll(() => {
  for (const h of held) h.close();
  removeTempDirs();
});

describe('node config', () => {
  it('names every bad field and the allowed values (parser)', () => {
    const c = baseConfig(30000);
    const bad = { ...c, nic: { backend: 'fpga' }, timing: { electionTimeoutMs: -1 }, planes: 2, extra: 1 };
    let e: ConfigError | undefined;
    try { parseNodeConfig(bad, 'x.yaml'); } catch (x) { e = x as ConfigError; }
    expect(e).toBeInstanceOf(ConfigError);
    expect(e!.message).toContain("nic.backend: must be one of 'model' | 'verilated' (got 'fpga')");
    expect(e!.message).toContain('timing.electionTimeoutMs');
    expect(e!.message).toContain("unknown field(s) 'extra'");
    const dup = { ...c, members: [...(c.members as object[]), { id: 2, planes: ['127.0.0.1:1', '127.0.0.1:2'] }] };
    expect(() => parseNodeConfig(dup, 'x.yaml')).toThrow(/members\[3\]\.id: 2 is already the id of members\[1\]/);
    const wrongPlanes = { ...c, planes: 3 };
    expect(() => parseNodeConfig(wrongPlanes, 'x.yaml')).toThrow(/members\[0\]\.planes: 2 endpoint\(s\), but planes is 3/);
    expect(() => parseNodeConfig({ ...c, key: 'xyz' }, 'x.yaml')).toThrow(/key: must be 32 to 128 hex digits/);
    // the NIC's payload size and the WAL's concurrent fdatasyncs: the field and its range
    for (const v of [8, MAX_PAYLOAD_LIMIT_BYTES + 1, 300.5]) expect(() => parseNodeConfig({ ...c, nic: { maxPayloadBytes: v } }, 'x.yaml')).toThrow(/nic\.maxPayloadBytes/);
    for (const v of [0, 17]) expect(() => parseNodeConfig({ ...c, storage: { syncsInFlight: v } }, 'x.yaml')).toThrow(/storage\.syncsInFlight/);
    const ok = parseNodeConfig({ ...c, nic: { maxPayloadBytes: MAX_PAYLOAD_LIMIT_BYTES }, storage: { syncsInFlight: 1 } }, 'x.yaml');
    expect(ok.nic.maxPayloadBytes).toBe(MAX_PAYLOAD_LIMIT_BYTES);
    expect(ok.storage.syncsInFlight).toBe(1);
    expect(parseNodeConfig(c, 'x.yaml').nic.maxPayloadBytes).toBe(256);
    // the debug endpoints: off unless asked for, booleans only
    expect(parseNodeConfig(c, 'x.yaml').debug).toEqual({ planeControl: false, frameInjection: false });
    expect(() => parseNodeConfig({ ...c, debug: { frameInjection: 'yes' } }, 'x.yaml')).toThrow(/debug\.frameInjection: Expected boolean, received string/);
    expect(parseNodeConfig({ ...c, debug: { frameInjection: true } }, 'x.yaml').debug.frameInjection).toBe(true);
  });

  it('a bad field: exit 2, the field named, nothing written', async () => {
    const dir = tempDir('cfg');
    const c = { ...baseConfig(await freeBasePort(3, 2)), nic: { backend: 'fpga' }, members: 'three' };
    writeFileSync(join(dir, 'node.json'), JSON.stringify(c));
    const r = await run(['node', '--config', join(dir, 'node.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("nic.backend: must be one of 'model' | 'verilated' (got 'fpga')");
    expect(r.err).toContain('members: Expected array, received string');
    expect(readdirSync(dir)).toEqual(['node.json']);
  }, 30_000);

  it('an unknown member: exit 2, nothing written', async () => {
    const dir = tempDir('cfg');
    const c = { ...baseConfig(await freeBasePort(3, 2)), id: 5 };
    writeFileSync(join(dir, 'node.yaml'), JSON.stringify(c));
    const r = await run(['node', '--config', join(dir, 'node.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('id: 5 is not a member (members: 1, 2, 3)');
    expect(readdirSync(dir)).toEqual(['node.yaml']);
  }, 30_000);

  it('a plane port or the status port in use: exit 2, the endpoint named, nothing written', async () => {
    const base = await freeBasePort(3, 2);
    const dir = tempDir('cfg');
    writeFileSync(join(dir, 'node.yaml'), JSON.stringify(baseConfig(base)));
    // plane 1 of node 1 taken by another socket
    const u = createSocket('udp4');
    await new Promise<void>((res) => u.bind({ port: base + 101, address: '127.0.0.1' }, () => res()));
    held.push(u);
    const r = await run(['node', '--config', join(dir, 'node.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`members[0].planes[1]: UDP 127.0.0.1:${base + 101} is already in use`);
    expect(existsSync(join(dir, 'data'))).toBe(false);
    u.close();
    held.pop();
    // the status endpoint taken
    const t = createServer();
    await new Promise<void>((res) => t.listen({ port: base + 901, host: '127.0.0.1' }, () => res()));
    held.push(t);
    const r2 = await run(['node', '--config', join(dir, 'node.yaml')]);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain(`members[0].http: TCP 127.0.0.1:${base + 901} is already in use`);
    expect(readdirSync(dir)).toEqual(['node.yaml']);
  }, 30_000);

  it('clients and tools: a bad cluster file or bad flags exit 2', async () => {
    const dir = tempDir('cfg');
    writeFileSync(join(dir, 'cluster.yaml'), 'clusterId: 0\nplanes: 2\nmembers: []\n');
    const r = await run(['kv', 'get', 'k', '--cluster', join(dir, 'cluster.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('clusterId: Number must be greater than or equal to 1');
    expect(r.err).toContain('members: Array must contain at least 1 element(s)');
    const r2 = await run(['cluster', 'up', '--replicas', '9', '--dir', join(dir, 'c')]);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain('--replicas must be an integer in 1..7');
    expect(existsSync(join(dir, 'c'))).toBe(false);
  }, 30_000);
});
