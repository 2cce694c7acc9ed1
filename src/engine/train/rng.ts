/**
 * Seeded randomness for training: shuffling and dropout masks. mulberry32: tiny, fast, and the
 * same sequence on every machine, which is all "same seed, same numbers" needs.
 */
import { createRng as createDataRng } from '../data/split';

export function createRng(seed: number): () => number {
  const rng = createDataRng(seed);
  return () => rng.next();
}

/** Fisher–Yates with the given generator; returns a new array. */
export function shuffled(n: number, rng: () => number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

/** Something with a seed read at call time (tf.layers Dropout keeps it in `seed`). */
type Seeded = object;

/** Integer seeds for initialisers and dropout, all derived from train.seed. */
export interface SeedSource {
  /** a fresh integer seed */
  next(): number;
  /** the seed tracked layers hold for the current batch */
  current(): number;
  /** reseed every tracked layer (call once per training batch) */
  advance(): void;
  track(layer: Seeded): void;
}

export function createSeedSource(seed: number): SeedSource {
  const rng = createRng(seed);
  const next = () => Math.floor(rng() * 2147483647);
  const tracked: Seeded[] = [];
  let cur = next();
  return {
    next,
    current: () => cur,
    advance() {
      cur = next();
      for (const layer of tracked) (layer as { seed?: number }).seed = cur + tracked.indexOf(layer);
    },
    track(layer) {
      tracked.push(layer);
    },
  };
}
