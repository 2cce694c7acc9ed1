/**
 * Seeded randomness for training: shuffling and dropout masks. mulberry32: tiny, fast, and the
 * same sequence on every machine, which is all "same seed, same numbers" needs. Each generator's
 * state is one uint32, saved in resumable checkpoints so a resumed run draws what it would have.
 */
import { createRng as createDataRng } from '../data/split';

/** A generator called as a function, whose state can be saved and restored. */
export interface TrainRng {
  (): number;
  getState(): number;
  setState(state: number): void;
}

export function createRng(seed: number): TrainRng {
  const rng = createDataRng(seed);
  return Object.assign(() => rng.next(), { getState: () => rng.getState(), setState: (s: number) => rng.setState(s) });
}

/** Something with a seed read at call time (tf.layers Dropout keeps it in `seed`). */
type Seeded = object;

/** What a SeedSource needs to continue exactly where it was. */
export interface SeedSourceState {
  rng: number;
  current: number;
}

/** Integer seeds for initialisers and dropout, all derived from train.seed. */
export interface SeedSource {
  /** a fresh integer seed */
  next(): number;
  /** the seed tracked layers hold for the current batch */
  current(): number;
  /** reseed every tracked layer (call once per training batch) */
  advance(): void;
  track(layer: Seeded): void;
  getState(): SeedSourceState;
  /** continue from a saved state (tracked layers are reseeded with its current seed) */
  setState(state: SeedSourceState): void;
}

export function createSeedSource(seed: number): SeedSource {
  const rng = createRng(seed);
  const next = () => Math.floor(rng() * 2147483647);
  const tracked: Seeded[] = [];
  let cur = next();
  const reseed = () => {
    for (const layer of tracked) (layer as { seed?: number }).seed = cur + tracked.indexOf(layer);
  };
  return {
    next,
    current: () => cur,
    advance() {
      cur = next();
      reseed();
    },
    track(layer) {
      tracked.push(layer);
    },
    getState: () => ({ rng: rng.getState(), current: cur }),
    setState(s) {
      rng.setState(s.rng);
      cur = s.current;
      reseed();
    },
  };
}
