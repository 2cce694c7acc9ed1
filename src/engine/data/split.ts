/**
 * Seeded randomness and the train / validation / test split. The generator is our own
 * (mulberry32, 32-bit integer arithmetic only), so the same seed gives the same rows on every
 * machine, Node version and backend; Math.random is never used.
 */

export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform integer in [0, n) */
  int(n: number): number;
  /** standard normal (Box–Muller) */
  normal(): number;
  /** Fisher–Yates shuffle in place; returns the same array */
  shuffle<T>(items: T[]): T[];
  /** the generator's whole state (one uint32), for resumable checkpoints */
  getState(): number;
  /** continue from a state getState() returned */
  setState(state: number): void;
}

/** A seeded generator (mulberry32). Any integer seed; equal seeds give equal sequences everywhere. */
export function createRng(seed: number): Rng {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = items[i];
        items[i] = items[j];
        items[j] = tmp;
      }
      return items;
    },
    getState: () => state,
    setState: (s) => { state = s >>> 0; },
  };
  return rng;
}

export interface SplitOptions {
  /** fraction of rows for validation, 0 ≤ v < 1 */
  validation: number;
  /** fraction of rows for test, 0 ≤ t < 1 */
  test: number;
  seed: number;
  /** keep class proportions in every split (needs labels) */
  stratify?: boolean;
  /** shuffle before splitting (default true); without it the split is contiguous: train, then validation, then test */
  shuffle?: boolean;
  /** one label per row, used when stratify is true */
  labels?: ArrayLike<string | number>;
}

export interface SplitIndices {
  train: number[];
  validation: number[];
  test: number[];
}

/**
 * Split row indices 0..n-1. Sizes: test = round(n·test), validation = round(n·validation), train = the rest
 * (at least one row). Stratified: each class is shuffled and shared out so every split holds the same
 * proportions (largest-remainder rounding keeps the totals). Each split's indices come back in ascending order.
 */
export function splitIndices(n: number, opts: SplitOptions): SplitIndices {
  const { validation, test, seed } = opts;
  if (!(validation >= 0 && test >= 0 && validation + test < 1)) {
    throw new RangeError(`split fractions must be ≥ 0 and validation + test < 1, got validation ${validation}, test ${test}`);
  }
  let nTest = Math.round(n * test);
  let nVal = Math.round(n * validation);
  // Keep at least one training row.
  while (nTest + nVal > n - 1 && nTest + nVal > 0) {
    if (nTest >= nVal) nTest--; else nVal--;
  }
  const rng = createRng(seed);
  const asc = (a: number, b: number) => a - b;
  if (opts.shuffle === false) {
    const all = Array.from({ length: n }, (_, i) => i);
    return { train: all.slice(0, n - nVal - nTest), validation: all.slice(n - nVal - nTest, n - nTest), test: all.slice(n - nTest) };
  }
  if (!opts.stratify || !opts.labels) {
    const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    return {
      test: order.slice(0, nTest).sort(asc),
      validation: order.slice(nTest, nTest + nVal).sort(asc),
      train: order.slice(nTest + nVal).sort(asc),
    };
  }
  // Group rows by class, in a fixed class order so the result does not depend on row order of first appearance.
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = String(opts.labels[i]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  const classes = [...groups.keys()].sort();
  for (const c of classes) rng.shuffle(groups.get(c) as number[]);
  const testShare = allocate(classes.map((c) => (groups.get(c) as number[]).length), nTest);
  const remaining = classes.map((c, k) => (groups.get(c) as number[]).length - testShare[k]);
  const valShare = allocate(remaining, nVal);
  const out: SplitIndices = { train: [], validation: [], test: [] };
  classes.forEach((c, k) => {
    const g = groups.get(c) as number[];
    out.test.push(...g.slice(0, testShare[k]));
    out.validation.push(...g.slice(testShare[k], testShare[k] + valShare[k]));
    out.train.push(...g.slice(testShare[k] + valShare[k]));
  });
  out.train.sort(asc);
  out.validation.sort(asc);
  out.test.sort(asc);
  return out;
}

/**
 * Share `total` items among groups in proportion to their sizes (largest remainder), never taking
 * a group's last member, so every class keeps at least one training row where it can.
 */
function allocate(sizes: number[], total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) return sizes.map(() => 0);
  const cap = sizes.map((s) => Math.max(0, s - 1));
  const exact = sizes.map((s) => (s * total) / sum);
  const share = exact.map((e, k) => Math.min(cap[k], Math.floor(e)));
  let left = total - share.reduce((a, b) => a + b, 0);
  const order = exact.map((e, k) => ({ k, rem: e - Math.floor(e) })).sort((a, b) => b.rem - a.rem || a.k - b.k);
  // Hand out the rest by largest remainder, then to whoever still has room.
  for (const { k } of order) {
    if (left > 0 && share[k] < cap[k] && share[k] < Math.ceil(exact[k])) { share[k]++; left--; }
  }
  let moved = true;
  while (left > 0 && moved) {
    moved = false;
    for (const { k } of order) {
      if (left > 0 && share[k] < cap[k]) { share[k]++; left--; moved = true; }
    }
  }
  return share;
}
