// Majority quorum math (single configuration; membership changes are one server at a time,
// so any majority of the old configuration overlaps any majority of the new one).

import type { NodeId } from './types.js';

export type VoteResult = 'won' | 'lost' | 'pending';

/** Votes needed for a majority of n voters. */
export function quorumSize(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The largest index that a majority of voters have reached: sort the match indexes in
 * decreasing order and take the one at position quorum-1. Voters without an entry count as 0.
 */
export function committedIndex(voters: readonly NodeId[], match: (id: NodeId) => number | undefined): number {
  if (voters.length === 0) return 0;
  const m = voters.map((v) => match(v) ?? 0).sort((a, b) => b - a);
  return m[quorumSize(voters.length) - 1]!;
}

/** Outcome of an election given the votes recorded so far (true = granted). */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const q = quorumSize(voters.length);
  let yes = 0;
  let missing = 0;
  for (const v of voters) {
    const r = votes.get(v);
    if (r === undefined) missing++;
    else if (r) yes++;
  }
  if (yes >= q) return 'won';
  if (yes + missing >= q) return 'pending';
  return 'lost';
}

/** True when the nodes in `set` (restricted to voters) form a majority. */
export function hasQuorum(voters: readonly NodeId[], set: (id: NodeId) => boolean): boolean {
  let n = 0;
  for (const v of voters) if (set(v)) n++;
  return n >= quorumSize(voters.length);
}

/**
 * The NIC's REPLY_MASK for follower replies: the followers (voters but the leader, by id) share the
 * eight residues of client id mod 8, residue r going to the (r mod followers)-th; bit r set = this
 * node replies for those clients. A leader without followers answers every residue itself; a leader
 * with followers, or a node that is not a voter, none.
 */
export function followerReplyMask(self: NodeId, leader: NodeId, voters: readonly NodeId[]): number {
  const followers = voters.filter((v) => v !== leader).slice().sort((a, b) => a - b);
  if (self === leader) return followers.length === 0 && voters.includes(self) ? 0xff : 0;
  const k = followers.indexOf(self);
  if (k < 0) return 0;
  let m = 0;
  for (let r = 0; r < 8; r++) if (r % followers.length === k) m |= 1 << r;
  return m;
}

/** Bit mask of voters for the NIC's MEMBERS register (bit n = node n). */
export function membersMask(voters: readonly NodeId[]): number {
  let m = 0;
  for (const v of voters) m |= 1 << v;
  return m;
}
