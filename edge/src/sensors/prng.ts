// mulberry32 (Tommy Ettinger, public domain): a 32-bit seedable generator, fast and good enough for
// simulation (not for anything secret). No seedable PRNG is among the project's dependencies, and these few
// lines are cheaper than adding one.

/** Returns a generator of uniform numbers in [0, 1); the same seed yields the same sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
