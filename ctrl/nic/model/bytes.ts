// Frame-sized byte arrays carved from shared slabs (ModelNic's output frames, the ModelNic cluster's
// REQ frames).
//
// In V8 a Uint8Array longer than 64 bytes gets a backing store of its own, off the JS heap: an
// allocation, and a finalizer the garbage collector must run; for a frame of a few hundred bytes that
// costs about a microsecond (most of it in the collector), ten times the copy itself. An array carved
// from a 64-KiB slab (a view: new Uint8Array(slab, offset, n)) costs a small object on the heap. The
// arrays a ByteSlab hands out never overlap, are zero-filled when handed out, and are plain
// Uint8Arrays; only their `buffer` is shared (with a non-zero byteOffset: code that reads `.buffer`
// must use byteOffset and byteLength, as all of this repository's does). A slab is freed when every
// array carved from it is: frames of one lifetime should share a ByteSlab (one per place that makes
// them), so that a long-lived frame does not keep the short-lived frames' slab alive.

/** Slab size (bytes). */
const SLAB_BYTES = 1 << 16;
/** Arrays this long or shorter are on the heap anyway (V8's typed_array_max_size_in_heap): made alone. */
const ON_HEAP_BYTES = 64;
/** Arrays longer than this are made alone too (a jumbo frame would waste the rest of a slab). */
const MAX_CARVED_BYTES = SLAB_BYTES >> 3;

export class ByteSlab {
  private slab = new ArrayBuffer(0);
  private off = 0;

  /** A zero-filled array of n bytes. */
  alloc(n: number): Uint8Array {
    if (n <= ON_HEAP_BYTES || n > MAX_CARVED_BYTES) return new Uint8Array(n);
    if (this.off + n > this.slab.byteLength) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.off = 0;
    }
    const a = new Uint8Array(this.slab, this.off, n);
    this.off += n;
    return a;
  }

  /** A copy of src[start, end), as src.slice(start, end) (start and end >= 0, clamped to src.length as slice does). */
  copy(src: Uint8Array, start = 0, end = src.length): Uint8Array {
    if (end > src.length) end = src.length;
    if (start > end) start = end;
    const a = this.alloc(end - start);
    a.set(start === 0 && end === src.length ? src : src.subarray(start, end));
    return a;
  }
}
