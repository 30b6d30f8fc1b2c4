// Entries the control plane itself puts in the log, and helpers on APPEND frames.
//
// Every log entry is an APPEND frame. Client entries carry the client's id (>= 1) and sequence
// number in the header and the encoded command as payload. Client id 0 is reserved for the
// control plane's own entries, whose payload starts with a tag byte:
//   (empty) or 0x00   no-op (the new leader's first entry of its term)
//   0x01 node         configuration change: add voter `node`
//   0x02 node         configuration change: remove voter `node`

import { decodeHeader, encodeFrame, Flag, framePayload, MAC_GROUP, MsgType as WireType, nodeMac } from '../wire/wire.gen.js';
import type { Entry, NodeId } from './types.js';

export const CTL_CLIENT = 0;
export const EntryTag = { NOOP: 0, ADD: 1, REMOVE: 2 } as const;

export interface AppendArgs {
  clusterId: number;
  leader: NodeId;
  term: number;
  index: number;
  commit: number;
  clientId: number;
  seq: number;
  flags: number;
  payload: Uint8Array;
}

/** The APPEND frame an entry is, as the leader NIC would have built it from a REQ. */
export function buildAppend(a: AppendArgs): Uint8Array {
  return encodeFrame(
    {
      dstMac: MAC_GROUP, srcMac: nodeMac(a.leader), type: WireType.APPEND, clusterId: a.clusterId, flags: a.flags,
      srcNode: a.leader, dstNode: 0xff, term: a.term, logIndex: a.index, commitIndex: a.commit,
      clientId: a.clientId, seq: a.seq,
    },
    a.payload,
  );
}

/** The same entry re-headed for a retransmission to one follower (flag RETRANSMIT). */
export function retransmitFrame(frame: Uint8Array, from: NodeId, to: NodeId, commit: number): Uint8Array {
  const f = Uint8Array.from(frame); // a copy (Buffer.slice would be a view)
  const h = decodeHeader(f);
  // dst_mac = node mac, src_mac/src_node = the sender, flags |= RETRANSMIT, dst_node = to, commit_index
  const mac = nodeMac(to);
  for (let i = 5, v = mac; i >= 0; i--, v = Math.floor(v / 256)) f[i] = v % 256;
  for (let i = 11, v = nodeMac(from); i >= 6; i--, v = Math.floor(v / 256)) f[i] = v % 256;
  f[19] = from;
  f[18] = h.flags | Flag.RETRANSMIT;
  f[20] = to;
  f[30] = (commit >>> 24) & 0xff; f[31] = (commit >>> 16) & 0xff; f[32] = (commit >>> 8) & 0xff; f[33] = commit & 0xff;
  return f;
}

/** The part of an entry that identifies it for the CRC in Append messages: everything but the
 *  per-transmission fields (MACs, flags, src and dst node, rsvd, commit index, and the frame
 *  authentication fields: key id, packet number and ICV, which each NIC writes as it sends). */
export function entryIdentity(frame: Uint8Array): Uint8Array {
  const f = Uint8Array.from(frame); // a copy (Buffer.slice would be a view)
  f.fill(0, 0, 12);
  f[18] = 0;
  f[19] = 0;
  f[20] = 0;
  f[21] = 0; // rsvd: the NIC's retransmission round on go-back-N copies
  f.fill(0, 30, 34);
  f.fill(0, 44, Math.min(f.length, 60)); // auth_kid, auth_rsvd, pn, icv (docs/auth.md)
  return f;
}

export function entryFromFrame(frame: Uint8Array): Entry {
  const h = decodeHeader(frame);
  return { index: h.logIndex, term: h.term, frame };
}

export type ControlEntry = { kind: 'noop' } | { kind: 'add'; node: NodeId } | { kind: 'remove'; node: NodeId } | { kind: 'client' };

export function classify(e: Entry): ControlEntry {
  const h = decodeHeader(e.frame);
  if (h.clientId !== CTL_CLIENT) return { kind: 'client' };
  const p = framePayload(e.frame);
  if (p.length === 0 || p[0] === EntryTag.NOOP) return { kind: 'noop' };
  if (p[0] === EntryTag.ADD) return { kind: 'add', node: p[1]! };
  if (p[0] === EntryTag.REMOVE) return { kind: 'remove', node: p[1]! };
  return { kind: 'noop' };
}

export function describeEntry(e: Entry): string {
  const c = classify(e);
  if (c.kind === 'client') {
    const h = decodeHeader(e.frame);
    return `${e.index}/t${e.term} c${h.clientId}#${h.seq}`;
  }
  if (c.kind === 'noop') return `${e.index}/t${e.term} noop`;
  return `${e.index}/t${e.term} ${c.kind} ${c.node}`;
}
