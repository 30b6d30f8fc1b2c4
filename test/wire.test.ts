// The wire format has one source of truth (spec/wire.yaml); these tests fail when a generated
// file is stale and check that the TypeScript codec agrees with the spec's layout.
import { describe, expect, it } from 'vitest';
import { staleFiles, loadSpec } from '../tools/gen-wire.ts';
import {
  decodeHeader, encodeFrame, framePayload, HDR_BYTES, MIN_FRAME_BYTES, MsgType, Flag, nodeMac, clientMac,
  COUNTERS, DropReason,
} from '../ctrl/wire/wire.gen.ts';

describe('wire format', () => {
  it('generated files are current (run `npm run gen` after editing spec/wire.yaml)', () => {
    expect(staleFiles()).toEqual([]);
  });

  it('a header-only frame is a minimum frame; one 64-byte beat carries a request with a 4-byte payload', () => {
    expect(encodeFrame({
      dstMac: nodeMac(0), srcMac: nodeMac(1), type: MsgType.ACK, clusterId: 1, flags: 0,
      srcNode: 1, dstNode: 0, term: 1, logIndex: 1, commitIndex: 0, clientId: 0, seq: 1,
    }).length).toBe(MIN_FRAME_BYTES);                    // + 4 bytes FCS on the wire = 64
    const payload = Uint8Array.from({ length: 4 }, (_, i) => i + 1);
    const f = encodeFrame({
      dstMac: nodeMac(0), srcMac: clientMac(7), type: MsgType.REQ, clusterId: 1, flags: Flag.NIC_REPLY,
      srcNode: 0xff, dstNode: 0, term: 0, logIndex: 0, commitIndex: 0, clientId: 7, seq: 42,
    }, payload);
    expect(f.length).toBe(64);                         // one beat
    expect(HDR_BYTES + payload.length).toBe(64);
    const h = decodeHeader(f);
    expect(h).toMatchObject({ type: MsgType.REQ, clientId: 7, seq: 42, payloadLen: 4, ethertype: 0x88b5, version: 1 });
    expect(Array.from(framePayload(f))).toEqual(Array.from(payload));
  });

  it('fields are big-endian at the offsets the spec gives', () => {
    const spec = loadSpec();
    const f = encodeFrame({
      dstMac: 0x0102030405, srcMac: 0, type: MsgType.APPEND, clusterId: 0x1234, flags: 0, srcNode: 3,
      dstNode: 0xff, term: 0xa1b2c3d4, logIndex: 0x01020304, commitIndex: 5, clientId: 6, seq: 7,
    });
    const off = (n: string) => spec.header.find((x) => x.name === n)!.offset;
    expect(Array.from(f.subarray(off('term'), off('term') + 4))).toEqual([0xa1, 0xb2, 0xc3, 0xd4]);
    expect(Array.from(f.subarray(off('cluster_id'), off('cluster_id') + 2))).toEqual([0x12, 0x34]);
    expect(f[off('src_node')]).toBe(3);
  });

  it('every drop reason has its counter', () => {
    for (const r of Object.keys(DropReason)) expect(COUNTERS).toContain(`DROP_${r}`);
  });
});
