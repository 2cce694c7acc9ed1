/**
 * Batching: every split — tabular rows in memory or in the disk cache, images decoded per batch, token
 * ids of texts — is a SplitData whose epoch() yields batches in a seeded order.
 *
 * - Random-access splits (in memory, images) shuffle a permutation of the sample indices (an Int32Array),
 *   drawn with the training generator exactly as before the disk cache existed.
 * - Splits in the disk cache are read a block at a time (about 1 MiB): each epoch shuffles the order of
 *   the blocks, reads the next block while the current one is used (prefetch), and draws samples at
 *   random from a shuffle buffer of rows (as tf.data's shuffle), so memory holds a few blocks and the
 *   buffer, never the split.
 */
import type { BlockStore } from './store';
import type { RawRowEncoder } from './preprocess';
import type { Batch, EpochOptions, EpochReader, RawRecord, SplitData } from './types';

/** Shuffle buffer and prefetch limits of a disk-backed epoch. */
export const SHUFFLE_BUFFER_BYTES = 64 * 1024 * 1024;
export const SHUFFLE_BUFFER_ROWS = 1 << 17;
const PREFETCH_BLOCKS = 2;

/** Fisher–Yates permutation of 0..n-1 with the generator (the draws training has always made). */
export function permutation(n: number, rng: () => number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

export function checkIndices(indices: ArrayLike<number>, n: number): void {
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`sample index ${i} is out of range 0..${n - 1}`);
  }
}

export type Fill = (indices: ArrayLike<number>, x: Float32Array, y: Float32Array, options: { augment?: boolean; seed?: number }) => Promise<void>;

/** An epoch over a random-access split: a permutation (or 0..n-1), sliced into batches. */
export function permutationEpoch(n: number, width: number, options: EpochOptions, fill: Fill): EpochReader {
  const order = options.shuffle ? permutation(n, options.rng ?? Math.random) : undefined;
  let pos = Math.min(n, options.skip ?? 0);
  return {
    async next(o = {}) {
      if (pos >= n) return null;
      const m = Math.min(options.batchSize, n - pos);
      let idx: ArrayLike<number>;
      if (order) idx = order.subarray(pos, pos + m);
      else {
        const seq = new Int32Array(m);
        for (let k = 0; k < m; k++) seq[k] = pos + k;
        idx = seq;
      }
      pos += m;
      const x = new Float32Array(m * width);
      const y = new Float32Array(m);
      await fill(idx, x, y, o);
      return { x, y, n: m };
    },
    async close() { pos = n; },
  };
}

/** A split whose samples can be filled by index (in-memory tables, images, texts). */
export function randomAccessSplit(n: number, xShape: number[], fill: Fill, raw?: (indices: readonly number[]) => Promise<RawRecord[]>): SplitData {
  const width = xShape.reduce((a, b) => a * b, 1);
  return {
    n,
    xShape,
    epoch: (options) => permutationEpoch(n, width, options, fill),
    async batch(indices, options = {}) {
      checkIndices(indices, n);
      const x = new Float32Array(indices.length * width);
      const y = new Float32Array(indices.length);
      await fill(indices, x, y, options);
      return { x, y };
    },
    ...(raw ? { raw: async (indices: readonly number[]) => { checkIndices(indices, n); return raw(indices); } } : {}),
  };
}

export interface StoreSplitOptions {
  store: BlockStore;
  width: number;
  encode: RawRowEncoder;
  labelSlot: number;
  ordinalSlot: number;
  target: (raw: number) => number;
  /** the source rows (0-based data-row positions) as records, for report examples */
  rawRows?: (ordinals: readonly number[]) => Promise<RawRecord[]>;
}

/** A tabular split over a block store (in memory or in the disk cache). */
export function storeSplit(o: StoreSplitOptions): SplitData {
  const { store, width, encode, labelSlot, ordinalSlot, target } = o;
  const n = store.n;
  const B = store.blockRows;

  /** Read the blocks these indices need, then call `each(block, row, k)` for every index k. */
  const visit = async (indices: ArrayLike<number>, each: (block: Float64Array, r: number, k: number) => void) => {
    const cache = new Map<number, Float64Array>();
    for (let k = 0; k < indices.length; k++) {
      const b = Math.floor(indices[k] / B);
      if (!cache.has(b)) cache.set(b, await store.readBlock(b));
    }
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      each(cache.get(Math.floor(i / B)) as Float64Array, i % B, k);
    }
  };
  const fill: Fill = async (indices, x, y) => {
    await visit(indices, (block, r, k) => {
      encode(block, B, r, x, k * width);
      y[k] = target(block[labelSlot * B + r]);
    });
  };

  return {
    n,
    xShape: [width],
    epoch(options) {
      if (store.inMemory || n === 0) return permutationEpoch(n, width, options, fill);
      return blockEpoch(o, options);
    },
    async batch(indices) {
      checkIndices(indices, n);
      const x = new Float32Array(indices.length * width);
      const y = new Float32Array(indices.length);
      await fill(indices, x, y, {});
      return { x, y };
    },
    ...(o.rawRows ? {
      async raw(indices: readonly number[]) {
        checkIndices(indices, n);
        const ordinals = new Array<number>(indices.length);
        await visit(indices, (block, r, k) => { ordinals[k] = block[ordinalSlot * B + r]; });
        return (o.rawRows as NonNullable<StoreSplitOptions['rawRows']>)(ordinals);
      },
    } : {}),
  };
}

/** An epoch over a disk store: shuffled blocks, prefetch, and a seeded shuffle buffer of rows. */
function blockEpoch(o: StoreSplitOptions, options: EpochOptions): EpochReader {
  const { store, width, encode, labelSlot, target } = o;
  const n = store.n;
  const B = store.blockRows;
  const S = store.slots;
  const rng = options.rng ?? Math.random;
  const order = options.shuffle ? permutation(store.blocks, rng) : Int32Array.from({ length: store.blocks }, (_, b) => b);
  const capacity = options.shuffle
    ? Math.max(1, Math.min(n, SHUFFLE_BUFFER_ROWS, Math.floor(SHUFFLE_BUFFER_BYTES / (8 * S)), Math.max(options.batchSize * 4, B * 4)))
    : 0;
  const pool = new Float64Array(capacity * S);
  let poolSize = 0;
  // incoming rows: the current block and the reads in flight
  let nextBlock = 0;
  const inflight: Array<Promise<{ data: Float64Array; rows: number }>> = [];
  let current: { data: Float64Array; rows: number } | undefined;
  let r = 0;
  let emitted = 0;
  const startReads = () => {
    while (inflight.length < PREFETCH_BLOCKS && nextBlock < order.length) {
      const b = order[nextBlock++];
      inflight.push(store.readBlock(b).then((data) => ({ data, rows: store.rowsIn(b) })));
    }
  };
  /** Make `current` hold a row at r, reading the next block when needed; false when no rows are left. */
  const haveIncoming = async (): Promise<boolean> => {
    while (!current || r >= current.rows) {
      startReads();
      const p = inflight.shift();
      if (!p) return false;
      current = await p;
      r = 0;
      startReads();
    }
    return true;
  };
  const copyIn = (j: number) => {
    const data = (current as { data: Float64Array }).data;
    for (let s = 0; s < S; s++) pool[s * capacity + j] = data[s * B + r];
    r++;
  };
  let filled = false;
  /** The next m samples, written into x/y (or passed over when x is undefined). */
  const take = async (m: number, x?: Float32Array, y?: Float32Array) => {
    if (!options.shuffle) {
      for (let k = 0; k < m; k++) {
        if (!(current !== undefined && r < current.rows) && !(await haveIncoming())) throw new Error('the cache holds fewer rows than its description says');
        const data = (current as { data: Float64Array }).data;
        if (x && y) {
          encode(data, B, r, x, k * width);
          y[k] = target(data[labelSlot * B + r]);
        }
        r++;
      }
    } else {
      if (!filled) {
        while (poolSize < capacity && ((current !== undefined && r < current.rows) || (await haveIncoming()))) copyIn(poolSize++);
        filled = true;
      }
      for (let k = 0; k < m; k++) {
        const j = Math.floor(rng() * poolSize);
        if (x && y) {
          encode(pool, capacity, j, x, k * width);
          y[k] = target(pool[labelSlot * capacity + j]);
        }
        // an await per sample would cost more than the sample: only when a block runs out
        if ((current !== undefined && r < current.rows) || (await haveIncoming())) copyIn(j);
        else {
          // drain: move the last row into the hole
          const last = --poolSize;
          if (j !== last) for (let s = 0; s < S; s++) pool[s * capacity + j] = pool[s * capacity + last];
        }
      }
    }
    emitted += m;
  };
  let toSkip = Math.min(n, options.skip ?? 0);

  return {
    async next() {
      if (toSkip > 0) {
        await take(toSkip);
        toSkip = 0;
      }
      if (emitted >= n) return null;
      if (options.signal?.aborted) return null;
      const m = Math.min(options.batchSize, n - emitted);
      const x = new Float32Array(m * width);
      const y = new Float32Array(m);
      await take(m, x, y);
      return { x, y, n: m } satisfies Batch;
    },
    async close() {
      emitted = n;
      await Promise.allSettled(inflight.splice(0));
    },
  };
}
