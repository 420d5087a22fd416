/**
 * A small, fast, seedable PRNG (sfc32) so that shuffling, augmentation and dropout are
 * reproducible: the same seed and stream name always give the same sequence.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private counter = 1;

  /** Derives an independent generator from a seed and any number of stream labels. */
  static forStream(seed: number, ...labels: (string | number)[]): SeededRandom {
    return new SeededRandom(hashToUint32([seed, ...labels].join('/')));
  }

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = seed >>> 0;
    // Mix the state so that neighbouring seeds diverge at once.
    for (let round = 0; round < 15; round++) {
      this.next();
    }
  }

  /** A uniform float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.counter) | 0;
    this.counter = (this.counter + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;

    return (t >>> 0) / 4294967296;
  }

  /** A uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** An integer in [0, bound). */
  integer(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** True with the given probability. */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** A standard normal sample (Box–Muller). */
  normal(): number {
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));

    return radius * Math.cos(2 * Math.PI * this.next());
  }

  /** A random permutation of 0..count-1 (Fisher–Yates). */
  permutation(count: number): Int32Array {
    const order = new Int32Array(count);
    for (let index = 0; index < count; index++) {
      order[index] = index;
    }
    for (let index = count - 1; index > 0; index--) {
      const other = this.integer(index + 1);
      [order[index], order[other]] = [order[other], order[index]];
    }

    return order;
  }
}

/** FNV-1a, enough to turn a stream label into a 32-bit seed. */
function hashToUint32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }

  return hash >>> 0;
}
