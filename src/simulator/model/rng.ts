/**
 * Seeded pseudo-random numbers (mulberry32): the simulator never calls Math.random, so a run is
 * reproducible from its seed.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** The same sequence as `new Rng(seed).next`, as a plain function (seeded fuzz tests use it). */
export function seededRandom(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}
