/**
 * Streaming statistics of one column over every row (pass 1): what type inference needs (how many
 * values are numbers, booleans, image paths, spaced long strings; how many distinct), and what
 * `inspect` prints (missing, distinct, min/max/mean, the most frequent values). Memory per column is
 * bounded: values are counted exactly while a column has at most COUNT_CAP distinct ones; beyond, the
 * counts stop and a HyperLogLog estimate gives the distinct count (README "Data at scale").
 */
import type { ColumnType } from '../../modelFile/schema';
import { HyperLogLog, hashNumber, hashString } from './sketch';
import type { ColumnInfo } from './types';
import { categoryOf, detached, isMissing, parseBoolean, parseNumber } from './values';

/** Distinct values counted exactly per kind (numbers, other text); beyond, a HyperLogLog estimate takes over. */
export const COUNT_CAP = 20_000;

const IMAGE_RE = /\.(png|jpe?g)$/i;
const SPACE_RE = /\s/;

export interface FirstValue {
  row: number;
  value: unknown;
}

export class ColumnStats {
  rows = 0;
  present = 0;
  missing = 0;
  /** values that are numbers (numbers, numeric text; with a decimal comma in ';' files) */
  numbers = 0;
  /** numbers written with a decimal comma */
  commaNumbers = 0;
  /** non-number values that are true/false/yes/no words (or JSON booleans) */
  booleans = 0;
  images = 0;
  withSpace = 0;
  /** total length of the present values as text (for "long strings") */
  totalLength = 0;
  min = Infinity;
  max = -Infinity;
  sum = 0;
  /** counts of non-number values by their category string, and of numbers by value, while there are few */
  readonly textCounts = new DistinctCounts<string>(hashString);
  readonly numberCounts = new DistinctCounts<number>(hashNumber);
  /** the first value that is present but not a number / not a boolean (with 1/0): errors name its row */
  firstNonNumber?: FirstValue;
  firstNonBoolean?: FirstValue;
  firstMissingRow?: number;

  constructor(readonly name: string, private readonly decimalComma: boolean) {}

  observe(v: unknown, row: number): void {
    this.rows++;
    let x: number | undefined;
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return this.markMissing(row);
      x = Number.isFinite(v) ? v : undefined;
    } else if (typeof v === 'string') {
      x = parseNumber(v, this.decimalComma);
      if (x === undefined && isMissing(v)) return this.markMissing(row);
      if (x !== undefined && this.decimalComma && v.includes(',')) this.commaNumbers++;
    } else if (v === null || v === undefined) {
      return this.markMissing(row);
    }
    this.present++;
    if (x !== undefined) {
      this.numbers++;
      if (x < this.min) this.min = x;
      if (x > this.max) this.max = x;
      this.sum += x;
      if (typeof v === 'string') this.totalLength += v.length;
      this.numberCounts.add(x);
      if (this.firstNonBoolean === undefined && x !== 0 && x !== 1) this.firstNonBoolean = { row, value: v };
      return;
    }
    const s = categoryOf(v);
    this.totalLength += s.length;
    if (parseBoolean(v) !== undefined) this.booleans++;
    else if (this.firstNonBoolean === undefined) this.firstNonBoolean = { row, value: v };
    if (this.firstNonNumber === undefined) this.firstNonNumber = { row, value: v };
    if (IMAGE_RE.test(s)) this.images++;
    if (SPACE_RE.test(s)) this.withSpace++;
    this.textCounts.add(s);
  }

  private markMissing(row: number): void {
    this.missing++;
    if (this.firstMissingRow === undefined) this.firstMissingRow = row;
  }

  get distinct(): number {
    return this.numberCounts.distinct + this.textCounts.distinct;
  }

  get distinctIsExact(): boolean {
    return this.numberCounts.counts !== null && this.textCounts.counts !== null;
  }

  get countsComplete(): boolean {
    return this.distinctIsExact;
  }
}

/**
 * Exact counts per value while there are at most COUNT_CAP distinct values; past that the counts are
 * dropped and a HyperLogLog sketch (seeded with the values counted so far) estimates the distinct count.
 * One map lookup per value while small, one hash per value after.
 */
export class DistinctCounts<K extends string | number> {
  counts: Map<K, number> | null = new Map<K, number>();
  /** the counts when the cap was reached (kept for the most frequent values) */
  frozen?: Map<K, number>;
  private hll?: HyperLogLog;

  constructor(private readonly hash: (k: K) => number) {}

  add(key: K): void {
    const counts = this.counts;
    if (counts !== null) {
      const n = counts.get(key);
      if (n !== undefined) { counts.set(key, n + 1); return; }
      if (counts.size < COUNT_CAP) { counts.set(typeof key === 'string' ? (detached(key) as K) : key, 1); return; }
      // too many to count: switch to the sketch
      const hll = new HyperLogLog();
      for (const k of counts.keys()) hll.add(this.hash(k));
      this.hll = hll;
      this.frozen = counts;
      this.counts = null;
    }
    (this.hll as HyperLogLog).add(this.hash(key));
  }

  get distinct(): number {
    return this.counts !== null ? this.counts.size : (this.hll as HyperLogLog).estimate();
  }

  /** value → count (exact, or frozen at the cap) */
  entries(): Iterable<[K, number]> {
    return (this.counts ?? this.frozen ?? new Map<K, number>()).entries();
  }
}

/** Share of non-missing values that must be numbers for a column to read as numeric (the rest are reported as errors). */
const NUMERIC_SHARE = 0.95;

/** A column's type from its statistics (the rules of README "Column types"). */
export function inferType(s: ColumnStats): ColumnType {
  const present = s.present;
  if (present === 0) return 'categorical';
  if (s.numbers === present) return 'numeric';
  if (s.booleans === present) return 'boolean';
  // Mostly numbers and a few stray words: a numeric column with typos, reported row by row later.
  if (s.numbers >= NUMERIC_SHARE * present && present - s.numbers <= 5) return 'numeric';
  if (s.images === present) return 'image';
  // Free text: most values distinct, most with spaces, and long enough to be sentences rather than names.
  if (s.distinct > 0.5 * present && s.withSpace > 0.5 * present && s.totalLength / present >= 20 && present >= 10) return 'text';
  return 'categorical';
}

/** Type inference over plain values (tests, small samples): the same rules as the streaming pipeline. */
export function inferValues(values: ArrayLike<unknown>, decimalComma = false): ColumnType {
  const s = new ColumnStats('', decimalComma);
  for (let i = 0; i < values.length; i++) s.observe(values[i], i + 1);
  return inferType(s);
}

const topOf = (counts: Iterable<[string, number]>) => [...counts]
  .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  .slice(0, 20)
  .map(([value, count]) => ({ value, count }));

/** What `inspect` prints about one column (over every row of the file). */
export function describeStats(s: ColumnStats, type: ColumnType, inferred: boolean): ColumnInfo {
  const info: ColumnInfo = { name: s.name, type, inferred, missing: s.missing, distinct: s.distinct };
  if (!s.distinctIsExact) info.distinctEstimated = true;
  if (type === 'numeric') {
    if (s.numbers > 0) Object.assign(info, { min: s.min, max: s.max, mean: s.sum / s.numbers });
    return info;
  }
  if (type === 'categorical' || type === 'boolean') {
    const merged = new Map<string, number>();
    const add = (k: string, n: number) => merged.set(k, (merged.get(k) ?? 0) + n);
    for (const [k, n] of s.textCounts.entries()) {
      const key = type === 'boolean' ? (parseBoolean(k, true) === 1 ? 'true' : parseBoolean(k, true) === 0 ? 'false' : k) : k;
      add(key, n);
    }
    for (const [x, n] of s.numberCounts.entries()) {
      const key = type === 'boolean' && (x === 0 || x === 1) ? (x === 1 ? 'true' : 'false') : String(x);
      add(key, n);
    }
    if (type === 'boolean') info.distinct = merged.size;
    info.top = topOf(merged);
    if (!s.countsComplete) info.topApproximate = true;
  }
  return info;
}
