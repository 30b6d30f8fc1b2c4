// CONTROL frames: nicraft header (type CONTROL) + payload = protobuf `Control` ++ HMAC-SHA256 tag.
// The tag covers the header up to its authentication fields (44 bytes, with payload_len) and the protobuf bytes, under a
// per-cluster key. A frame that fails to parse or to authenticate is counted and dropped; the
// core never sees it. (node:crypto lives here, outside the pure core.)

import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../native/root.js';
import protobuf from 'protobufjs';
import { decodeHeader, encodeFrame, HDR_BYTES, HEADER_FIELDS, MsgType as W, nodeMac } from './wire.gen.js';

/** The HMAC covers the header up to its authentication fields (the NIC writes those when it signs the frame). */
const HMAC_HDR_BYTES = HEADER_FIELDS.find((f) => f.name === 'authKid')!.offset;
import type { Message } from '../core/types.js';

export const TAG_BYTES = 32;
/** The NIC drops frames whose payload exceeds its MAX_PAYLOAD (256 by default). */
export const MAX_CONTROL_PAYLOAD = 256;

const root = protobuf.parse(readFileSync(join(ROOT, 'proto/control.proto'), 'utf8'), { keepCase: false }).root;
const ControlT = root.lookupType('nicraft.control.Control');

export interface CodecStats {
  encoded: number;
  decoded: number;
  dropShort: number;
  dropNotControl: number;
  dropBadTag: number;
  dropBadProto: number;
  dropMismatch: number;
}

export class ControlCodec {
  stats: CodecStats = { encoded: 0, decoded: 0, dropShort: 0, dropNotControl: 0, dropBadTag: 0, dropBadProto: 0, dropMismatch: 0 };
  /** the header seq of the last frame encoded: every transmission gets the next one (mod 2^32) */
  private txSeq: number;
  /**
   * `firstSeq`: where this sender's transmission numbers start. The receiving driver drops a
   * CONTROL frame whose tag it took within its copy window (the same transmission through another
   * plane); the number makes every transmission's tag distinct, so a message sent again with the
   * same content (a pre-vote round repeated in the same term, the same answer to it, a repeated
   * probe or snapshot chunk) is never taken for a copy. A driver starts it where a restarted node's
   * numbers cannot meet the previous incarnation's (ctrl/driver/replica.ts: the NIC cycle at start).
   */
  constructor(private key: Uint8Array, private clusterId: number, firstSeq = 0) {
    this.txSeq = firstSeq >>> 0;
  }

  private tag(header: Uint8Array, body: Uint8Array): Buffer {
    return createHmac('sha256', this.key).update(header).update(body).digest();
  }

  encode(m: Message): Uint8Array {
    const obj = {
      type: m.type, from: m.from, to: m.to, term: m.term, logTerm: m.logTerm, index: m.index, commit: m.commit,
      reject: m.reject, hint: m.hint, entryTerms: m.entryTerms, entryCrcs: m.entryCrcs, context: m.context,
      recovering: m.recovering, snap: m.snap, lease: m.lease, durable: m.durable ?? 0,
    };
    const body = ControlT.encode(ControlT.fromObject(obj)).finish();
    const payloadLen = body.length + TAG_BYTES;
    if (payloadLen > MAX_CONTROL_PAYLOAD) throw new Error(`control message of ${payloadLen} bytes exceeds ${MAX_CONTROL_PAYLOAD}`);
    this.txSeq = (this.txSeq + 1) >>> 0;
    const frame = encodeFrame(
      { dstMac: nodeMac(m.to), srcMac: nodeMac(m.from), type: W.CONTROL, clusterId: this.clusterId, flags: 0, srcNode: m.from, dstNode: m.to, term: m.term, logIndex: m.index, commitIndex: m.commit, clientId: 0, seq: this.txSeq },
      new Uint8Array(payloadLen),
    );
    frame.set(body, HDR_BYTES);
    frame.set(this.tag(frame.subarray(0, HMAC_HDR_BYTES), body), HDR_BYTES + body.length);
    this.stats.encoded++;
    return frame;
  }

  /** Returns the message, or undefined (counted) when the frame is not a valid authenticated CONTROL frame. */
  decode(frame: Uint8Array): Message | undefined {
    if (frame.length < HDR_BYTES + TAG_BYTES) { this.stats.dropShort++; return undefined; }
    const h = decodeHeader(frame);
    if (h.type !== W.CONTROL || h.clusterId !== this.clusterId) { this.stats.dropNotControl++; return undefined; }
    if (h.payloadLen < TAG_BYTES || HDR_BYTES + h.payloadLen > frame.length) { this.stats.dropShort++; return undefined; }
    const body = frame.subarray(HDR_BYTES, HDR_BYTES + h.payloadLen - TAG_BYTES);
    const tag = frame.subarray(HDR_BYTES + h.payloadLen - TAG_BYTES, HDR_BYTES + h.payloadLen);
    const want = this.tag(frame.subarray(0, HMAC_HDR_BYTES), body);
    if (!timingSafeEqual(Buffer.from(tag), want)) { this.stats.dropBadTag++; return undefined; }
    let o: Record<string, unknown>;
    try {
      o = ControlT.toObject(ControlT.decode(body), { defaults: true, arrays: true, longs: Number, bytes: Uint8Array }) as Record<string, unknown>;
    } catch {
      this.stats.dropBadProto++;
      return undefined;
    }
    const m: Message = {
      type: o.type as Message['type'], from: o.from as number, to: o.to as number, term: o.term as number, logTerm: o.logTerm as number,
      index: o.index as number, commit: o.commit as number, reject: o.reject as boolean, hint: o.hint as number,
      entryTerms: o.entryTerms as number[], entryCrcs: o.entryCrcs as number[], context: o.context as number, recovering: o.recovering as boolean,
    };
    if (o.snap) {
      const s = o.snap as Record<string, unknown>;
      m.snap = { index: s.index as number, term: s.term as number, voters: s.voters as number[], offset: s.offset as number, total: s.total as number, data: new Uint8Array(s.data as Uint8Array) };
    }
    if (o.lease) {
      const l = o.lease as Record<string, unknown>;
      m.lease = { round: l.round as number, ns: l.ns as number, floor: l.floor as number };
    }
    if (o.durable) m.durable = o.durable as number;
    // the header must agree with the authenticated body
    if (m.from !== h.srcNode || m.to !== h.dstNode || m.term !== h.term || m.type < 1 || m.type > 10) { this.stats.dropMismatch++; return undefined; }
    this.stats.decoded++;
    return m;
  }
}
