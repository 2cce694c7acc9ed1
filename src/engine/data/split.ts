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

/** Which split each row went to (values of the Uint8Array `assignSplits` returns). */
export const TRAIN = 0;
export const VALIDATION = 1;
export const TEST = 2;

export interface AssignOptions extends Omit<SplitOptions, 'labels'> {
  /** stratify: the class of each row, 0..classes-1 */
  classOf?: Int32Array;
  /** stratify: class ids in the order their groups are shuffled (the classes' names sorted) */
  classOrder?: readonly number[];
}

/** Sizes of the test and validation splits for n rows (at least one training row is kept). */
export function splitSizes(n: number, validation: number, test: number): { nTest: number; nVal: number } {
  if (!(validation >= 0 && test >= 0 && validation + test < 1)) {
    throw new RangeError(`split fractions must be ≥ 0 and validation + test < 1, got validation ${validation}, test ${test}`);
  }
  let nTest = Math.round(n * test);
  let nVal = Math.round(n * validation);
  while (nTest + nVal > n - 1 && nTest + nVal > 0) {
    if (nTest >= nVal) nTest--; else nVal--;
  }
  return { nTest, nVal };
}

/** Fisher–Yates over a[start, end) with the generator (the same draws as Rng.shuffle on a copy of that range). */
function shuffleRange(a: Int32Array, start: number, end: number, rng: Rng): void {
  for (let i = end - start - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const tmp = a[start + i];
    a[start + i] = a[start + j];
    a[start + j] = tmp;
  }
}

/**
 * The split of rows 0..n-1 as one byte per row (TRAIN, VALIDATION, TEST), in typed arrays only, so
 * millions of rows cost a few bytes each. Sizes: test = round(n·test), validation = round(n·validation),
 * train = the rest (at least one row). Stratified: the rows of each class (in file order) are shuffled
 * with the seeded generator, class by class in the order of the classes' names, and shared out so every
 * split holds the same proportions (largest-remainder rounding keeps the totals). Same file, same seed:
 * same rows, on every machine (README "How the split is made").
 */
export function assignSplits(n: number, opts: AssignOptions): Uint8Array {
  const { nTest, nVal } = splitSizes(n, opts.validation, opts.test);
  const out = new Uint8Array(n);
  if (opts.shuffle === false) {
    out.fill(VALIDATION, n - nVal - nTest, n - nTest);
    out.fill(TEST, n - nTest, n);
    return out;
  }
  const rng = createRng(opts.seed);
  if (!opts.stratify || !opts.classOf || !opts.classOrder) {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    shuffleRange(order, 0, n, rng);
    for (let k = 0; k < nTest; k++) out[order[k]] = TEST;
    for (let k = nTest; k < nTest + nVal; k++) out[order[k]] = VALIDATION;
    return out;
  }
  const classOf = opts.classOf;
  const classes = opts.classOrder;
  const k = classes.reduce((m, c) => Math.max(m, c + 1), 0);
  // Counting sort of the rows by class: one Int32Array holds every class's rows, in file order.
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) sizes[classOf[i]]++;
  const start = new Int32Array(k);
  let at = 0;
  for (const c of classes) { start[c] = at; at += sizes[c]; }
  const fill = Int32Array.from(start);
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[fill[classOf[i]]++] = i;
  for (const c of classes) shuffleRange(rows, start[c], start[c] + sizes[c], rng);
  const groupSizes = classes.map((c) => sizes[c]);
  const testShare = allocate(groupSizes, nTest);
  const valShare = allocate(groupSizes.map((s, j) => s - testShare[j]), nVal);
  classes.forEach((c, j) => {
    const s = start[c];
    for (let r = s; r < s + testShare[j]; r++) out[rows[r]] = TEST;
    for (let r = s + testShare[j]; r < s + testShare[j] + valShare[j]; r++) out[rows[r]] = VALIDATION;
  });
  return out;
}

/**
 * Split row indices 0..n-1 (the same split as assignSplits, as index lists in ascending order; for
 * small inputs such as folders of images).
 */
export function splitIndices(n: number, opts: SplitOptions): SplitIndices {
  let classOf: Int32Array | undefined;
  let classOrder: number[] | undefined;
  if (opts.stratify && opts.labels) {
    const ids = new Map<string, number>();
    classOf = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const key = String(opts.labels[i]);
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size));
      classOf[i] = id;
    }
    classOrder = [...ids.keys()].sort().map((key) => ids.get(key) as number);
  }
  const parts = assignSplits(n, { ...opts, classOf, classOrder });
  const out: SplitIndices = { train: [], validation: [], test: [] };
  for (let i = 0; i < n; i++) (parts[i] === TEST ? out.test : parts[i] === VALIDATION ? out.validation : out.train).push(i);
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
