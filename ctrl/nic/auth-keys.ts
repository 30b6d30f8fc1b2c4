// Frame authentication keys on the host side (issue 16; docs/auth.md): deriving the key material of a
// key context from a cluster secret, the CSR writes that install it in a NIC (round keys the host
// expands, the hash key), and signing a frame as a NIC or a client does (the client library, tests
// and attack tools use it; the NIC signs its own frames in hardware).
import { hkdfSync } from 'node:crypto';
import { FrameKey, aesRoundKeys, hashKeyBytes } from '../wire/auth.js';
import { Csr, HDR_BYTES } from '../wire/wire.gen.js';
import { frameClass, frameNonce, macInput } from './model/auth.js';

/** Node frames (class 0) or client REQ/REPLY frames (class 1). */
export type KeyClass = 'node' | 'client';
export interface KeyMaterial { aesKey: Uint8Array; hashKey: Uint8Array }

/** Longest frame a derived hash key covers: 24 beats (a 1,518-byte Ethernet frame); a NIC takes the prefix it needs. */
export const KEY_MAX_BEATS = 24;

/** The key material of (class, slot) from a cluster secret (HKDF-SHA256; the hash key a prefix for any MAX_BEATS). */
export function deriveKey(secret: Uint8Array, cls: KeyClass, slot: number, maxBeats = KEY_MAX_BEATS): KeyMaterial {
  if (secret.length < 16) throw new Error(`frame authentication: the cluster secret must have at least 16 bytes, got ${secret.length}`);
  const info = (what: string) => Buffer.from(`nicraft frame auth v1 ${cls} slot ${slot} ${what}`);
  const aesKey = new Uint8Array(hkdfSync('sha256', secret, Buffer.alloc(0), info('aes'), 16));
  const hashKey = new Uint8Array(hkdfSync('sha256', secret, Buffer.alloc(0), info('hash'), hashKeyBytes(maxBeats)));
  return { aesKey, hashKey };
}

export const contextOf = (cls: KeyClass, slot: number): number => 2 * (cls === 'client' ? 1 : 0) + (slot & 1);

/** The CSR writes that install key material in a NIC's context ctx (0..3) for frames of up to maxBeats beats. */
export function keyWrites(ctx: number, km: KeyMaterial, maxBeats: number): Array<[number, number]> {
  const w: Array<[number, number]> = [];
  const rk = aesRoundKeys(km.aesKey);
  const word = (b: Uint8Array, i: number): number => ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24)) >>> 0;
  w.push([Csr.RAFT_AUTH_KEY_ADDR, (ctx << 12) | 0]);
  for (let i = 0; i < 44; i++) w.push([Csr.RAFT_AUTH_KEY_DATA, word(rk, 4 * i)]);
  const hk = km.hashKey.subarray(0, hashKeyBytes(maxBeats));
  if (hk.length < hashKeyBytes(maxBeats)) throw new Error(`frame authentication: hash key of ${km.hashKey.length} bytes, ${hashKeyBytes(maxBeats)} needed for ${maxBeats} beats`);
  w.push([Csr.RAFT_AUTH_KEY_ADDR, (ctx << 12) | 64]);
  const words = Math.ceil((maxBeats * 512 + 63) / 32);
  for (let i = 0; i < words; i++) w.push([Csr.RAFT_AUTH_KEY_DATA, word(hk, 4 * i)]);
  return w;
}

/**
 * Signs frames as a sender does (the NIC's transmit path, bit for bit): key id, packet number and ICV
 * written into the header; the packet number counts up per call unless given.
 */
export class FrameSigner {
  private readonly keys = new Map<number, FrameKey>();
  pn: number;

  constructor(material: Partial<Record<number, KeyMaterial>>, readonly maxBeats = KEY_MAX_BEATS, firstPn = 1) {
    for (const [ctx, km] of Object.entries(material)) {
      if (km) this.keys.set(Number(ctx), new FrameKey(km.aesKey, km.hashKey.subarray(0, hashKeyBytes(maxBeats)), maxBeats));
    }
    this.pn = firstPn;
  }

  /** Installs (or with no material removes) the key of a context: a key roll at a client. */
  setKey(ctx: number, km: KeyMaterial | undefined): void {
    if (km) this.keys.set(ctx, new FrameKey(km.aesKey, km.hashKey.subarray(0, hashKeyBytes(this.maxBeats)), this.maxBeats));
    else this.keys.delete(ctx);
  }

  /** A signed copy of the frame (slot: the key slot; pn: this packet number instead of the next one). */
  sign(frame: Uint8Array, slot = 0, pn?: number): Uint8Array {
    if (frame.length < HDR_BYTES) throw new Error(`frame authentication: a ${frame.length}-byte frame has no authentication fields`);
    const f = frame.slice();
    const n = pn ?? this.pn++;
    f[44] = slot & 1;
    f[45] = 0;
    const hi = Math.floor(n / 4294967296), lo = n >>> 0;
    f[46] = (hi >>> 8) & 0xff; f[47] = hi & 0xff;
    f[48] = lo >>> 24; f[49] = (lo >>> 16) & 0xff; f[50] = (lo >>> 8) & 0xff; f[51] = lo & 0xff;
    const ctx = 2 * frameClass(f[15]!) + (slot & 1);
    const k = this.keys.get(ctx);
    if (!k) throw new Error(`frame authentication: no key for context ${ctx} (class ${frameClass(f[15]!) ? 'client' : 'node'}, slot ${slot & 1})`);
    f.set(k.tag(macInput(f), frameNonce(f)), 52);
    return f;
  }
}

/** Byte-wise equality of two secrets. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

/** The secrets of one key slot: the node key and the client key of the slot are derived from them. */
export interface SlotSecrets { nodeSecret: Uint8Array; clientSecret: Uint8Array }

/**
 * Frame authentication as a node's configuration (ReplicaOptions.frameAuth): the secrets of the key
 * slot in use (`slot`, default 0), and while a key is being rolled (docs/auth.md, "Rolling a key") the
 * other slot's secrets (`next`, installed beside) and which of the two the node signs with
 * (`signWithNext`). A node that starts mid-roll installs both and signs as the others do.
 */
export interface FrameAuthConfig extends SlotSecrets {
  slot?: number;
  next?: SlotSecrets;
  signWithNext?: boolean;
}

/** The slots a FrameAuthConfig installs (slot, secrets) and the slot its senders sign with. */
export function configSlots(fa: FrameAuthConfig): { slots: Array<{ slot: number } & SlotSecrets>; txSlot: number } {
  const slot = (fa.slot ?? 0) & 1;
  const slots: Array<{ slot: number } & SlotSecrets> = [{ slot, nodeSecret: fa.nodeSecret, clientSecret: fa.clientSecret }];
  if (fa.next) slots.push({ slot: slot ^ 1, ...fa.next });
  return { slots, txSlot: fa.next && fa.signWithNext ? slot ^ 1 : slot };
}

/**
 * A key roll as configuration steps (docs/auth.md, "Rolling a key"): `begin` installs the next slot
 * beside the one in use, `sign` moves senders to it, `finish` retires the old slot (the next one
 * becomes the slot in use). The object is mutated in place, so that nodes started later install what
 * the running ones hold.
 */
export function rollStep(fa: FrameAuthConfig, step: 'begin' | 'sign' | 'finish', next?: SlotSecrets): void {
  if (step === 'begin') {
    if (fa.next) throw new Error('frame authentication: a key roll is already under way');
    if (!next) throw new Error('frame authentication: a key roll needs the next slot\'s secrets');
    fa.next = next;
    fa.signWithNext = false;
  } else if (step === 'sign') {
    if (!fa.next) throw new Error('frame authentication: no key roll under way (begin it first)');
    fa.signWithNext = true;
  } else {
    if (!fa.next || !fa.signWithNext) throw new Error('frame authentication: a key roll finishes after its sign step');
    fa.slot = ((fa.slot ?? 0) & 1) ^ 1;
    fa.nodeSecret = fa.next.nodeSecret;
    fa.clientSecret = fa.next.clientSecret;
    delete fa.next;
    delete fa.signWithNext;
  }
}

/**
 * One key-roll step for a whole world: the configuration moves (rollStep), every running node's NIC
 * follows it (`applyFrameAuth`: a Replica), and so do the clients' keys.
 */
export function rollEverywhere(fa: FrameAuthConfig, step: 'begin' | 'sign' | 'finish', next: SlotSecrets | undefined,
  running: Iterable<{ applyFrameAuth(fa: FrameAuthConfig): void }>, clients: ClientFrameKeys): void {
  rollStep(fa, step, next);
  for (const r of running) r.applyFrameAuth(fa);
  clients.sync();
}

/**
 * A client's frame keys under a FrameAuthConfig: signs REQs with the client key of the slot senders
 * use, and follows a key roll (sync after each step: the next slot's key is taken at `begin`, signing
 * moves at `sign`, the old key is dropped at `finish`).
 */
export class ClientFrameKeys {
  private readonly signer = new FrameSigner({});
  private readonly installed = new Map<number, Uint8Array>();
  private txSlot = 0;

  constructor(private readonly fa: FrameAuthConfig) { this.sync(); }

  sync(): void {
    const { slots, txSlot } = configSlots(this.fa);
    for (const s of slots) {
      const had = this.installed.get(s.slot);
      if (had && sameBytes(had, s.clientSecret)) continue;
      this.signer.setKey(contextOf('client', s.slot), deriveKey(s.clientSecret, 'client', s.slot));
      this.installed.set(s.slot, s.clientSecret);
    }
    for (const slot of [...this.installed.keys()]) {
      if (!slots.some((s) => s.slot === slot)) { this.signer.setKey(contextOf('client', slot), undefined); this.installed.delete(slot); }
    }
    this.txSlot = txSlot;
  }

  /** A signed copy of a REQ frame with packet number pn (the client numbers its own REQs). */
  sign(frame: Uint8Array, pn: number): Uint8Array { return this.signer.sign(frame, this.txSlot, pn); }
}
