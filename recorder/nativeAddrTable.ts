// NativeAddrTable: address → object id for the raw-log converter, an open-addressing hash table on
// typed arrays (linear probing, backward-shift deletion), keyed by the address's two 32-bit halves so
// that no heap number is boxed per event. Sized by live objects (grows at 1/2 load), never by trace
// length. Invariant: a slot is empty iff val[slot] === -1.
export class NativeAddrTable {
  private cap: number;
  private mask: number;
  private lo: Uint32Array;
  private hi: Uint32Array;
  private val: Int32Array;
  size = 0;

  constructor(capacity = 1 << 16) {
    this.cap = capacity;
    this.mask = capacity - 1;
    this.lo = new Uint32Array(capacity);
    this.hi = new Uint32Array(capacity);
    this.val = new Int32Array(capacity).fill(-1);
  }

  private slotOf(lo: number, hi: number): number {
    return (Math.imul((lo >>> 3) ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 0) & this.mask;
  }

  /** The id stored for the address, or -1. */
  get(lo: number, hi: number): number {
    const m = this.mask;
    for (let s = this.slotOf(lo, hi); ; s = (s + 1) & m) {
      const v = this.val[s];
      if (v === -1) return -1;
      if (this.lo[s] === lo && this.hi[s] === hi) return v;
    }
  }

  set(lo: number, hi: number, id: number): void {
    if ((this.size + 1) * 2 > this.cap) this.grow();
    const m = this.mask;
    for (let s = this.slotOf(lo, hi); ; s = (s + 1) & m) {
      if (this.val[s] === -1) {
        this.lo[s] = lo; this.hi[s] = hi; this.val[s] = id; this.size++;
        return;
      }
      if (this.lo[s] === lo && this.hi[s] === hi) { this.val[s] = id; return; }
    }
  }

  /** Removes the address; returns its id or -1 if absent. */
  take(lo: number, hi: number): number {
    const m = this.mask;
    let s = this.slotOf(lo, hi);
    for (; ; s = (s + 1) & m) {
      const v = this.val[s];
      if (v === -1) return -1;
      if (this.lo[s] === lo && this.hi[s] === hi) break;
    }
    const id = this.val[s];
    this.size--;
    // backward-shift: move later entries of the probe run into the hole when that keeps them reachable
    let hole = s;
    for (let j = (s + 1) & m; this.val[j] !== -1; j = (j + 1) & m) {
      const home = this.slotOf(this.lo[j], this.hi[j]);
      if (((j - home) & m) >= ((j - hole) & m)) {
        this.lo[hole] = this.lo[j]; this.hi[hole] = this.hi[j]; this.val[hole] = this.val[j];
        hole = j;
      }
    }
    this.val[hole] = -1;
    return id;
  }

  clear(): void {
    this.val.fill(-1);
    this.size = 0;
  }

  /** Every id stored, in slot order (deterministic for a given history). */
  ids(): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.cap; s++) if (this.val[s] !== -1) out.push(this.val[s]);
    return out;
  }

  private grow(): void {
    const { lo, hi, val, cap } = this;
    this.cap = cap * 2;
    this.mask = this.cap - 1;
    this.lo = new Uint32Array(this.cap);
    this.hi = new Uint32Array(this.cap);
    this.val = new Int32Array(this.cap).fill(-1);
    this.size = 0;
    for (let s = 0; s < cap; s++) if (val[s] !== -1) this.set(lo[s], hi[s], val[s]);
  }
}
