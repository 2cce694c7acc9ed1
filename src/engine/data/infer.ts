/**
 * Column types: inferred from the values (numeric, boolean, categorical, text, image) unless the
 * model file declares them (`data.columns.<name>.type`). Also the value parsers every later step
 * shares, so "missing", "a number" and "a boolean" mean the same thing everywhere.
 */
import type { ColumnType } from '../../modelFile/schema';
import { dataError, type Table } from './read';
import type { ColumnInfo } from './types';

/** Values read as missing (as pandas reads them, plus '?', which UCI files use). Compared trimmed, case-insensitive. */
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', '-nan', 'null', 'none', '<na>', '#n/a', '?']);

export function isMissing(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'number') return Number.isNaN(v);
  if (typeof v === 'string') return MISSING_TOKENS.has(v.trim().toLowerCase());
  return false;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number from a number or a plain decimal string; undefined when it is not one. */
export function parseNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') {
    const s = v.trim();
    if (!NUMBER_RE.test(s)) return undefined;
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n']);

/** 1 / 0 from a boolean or a true/false/yes/no word; with allowDigits also 1/0 and "1"/"0". */
export function parseBoolean(v: unknown, allowDigits = false): 0 | 1 | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (allowDigits && (v === 1 || v === 0)) return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (TRUE_WORDS.has(s) || (allowDigits && s === '1')) return 1;
    if (FALSE_WORDS.has(s) || (allowDigits && s === '0')) return 0;
  }
  return undefined;
}

/** The string a categorical value is known by (numbers as JS prints them, so 3 and "3" agree). */
export function categoryOf(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  return String(v);
}

const IMAGE_RE = /\.(png|jpe?g)$/i;

/** Share of non-missing values that must be numbers for a column to read as numeric (the rest are reported as errors). */
const NUMERIC_SHARE = 0.95;

export interface ColumnTyping {
  name: string;
  type: ColumnType;
  inferred: boolean;
}

/** Infer one column's type from its values. */
export function inferType(values: readonly unknown[]): ColumnType {
  // First pass, cheap: numbers and booleans (most columns stop here).
  let present = 0;
  let numbers = 0;
  let booleans = 0;
  for (const v of values) {
    if (isMissing(v)) continue;
    present++;
    if (typeof v === 'number' || parseNumber(v) !== undefined) numbers++;
    else if (parseBoolean(v) !== undefined) booleans++;
  }
  if (present === 0) return 'categorical';
  if (numbers === present) return 'numeric';
  if (booleans === present) return 'boolean';
  // Mostly numbers and a few stray words: a numeric column with typos, reported row by row later.
  if (numbers >= NUMERIC_SHARE * present && present - numbers <= 5) return 'numeric';
  let images = 0;
  let withSpace = 0;
  let totalLength = 0;
  const distinct = new Set<string>();
  for (const v of values) {
    if (isMissing(v)) continue;
    const s = categoryOf(v);
    if (IMAGE_RE.test(s)) images++;
    if (/\s/.test(s)) withSpace++;
    totalLength += s.length;
    distinct.add(s);
  }
  if (images === present) return 'image';
  // Free text: most values distinct, most with spaces, and long enough to be sentences rather than names.
  if (distinct.size > 0.5 * present && withSpace > 0.5 * present && totalLength / present >= 20 && present >= 10) return 'text';
  return 'categorical';
}

/** Types of every column: declared in the model file or inferred. */
export function inferColumns(table: Table, declared: Record<string, { type?: ColumnType }> = {}): ColumnTyping[] {
  return table.columns.map((name) => {
    const type = declared[name]?.type;
    if (type) return { name, type, inferred: false };
    return { name, type: inferType(table.rows.map((r) => r[name])), inferred: true };
  });
}

/**
 * The numbers of a numeric column (NaN where missing). A value that is not a number is a DataError
 * naming the row and the column, and what to do about it.
 */
export function numericColumn(table: Table, name: string, inferred: boolean): Float64Array {
  const out = new Float64Array(table.rows.length);
  table.rows.forEach((r, i) => {
    const v = r[name];
    if (isMissing(v)) { out[i] = NaN; return; }
    const n = parseNumber(v);
    if (n === undefined) {
      const why = inferred ? 'the column reads as numeric (almost all its values are numbers)' : 'data.columns declares it numeric';
      throw dataError(table.file, `expected a number, got ${JSON.stringify(v)}; ${why}. Fix the value, leave it empty to mark it missing, ` +
        `or declare \`data.columns.${name}.type: categorical\``, table.lineOfRow[i], name);
    }
    out[i] = n;
  });
  return out;
}

/** 0/1 of a boolean column (NaN where missing); other values are DataErrors. */
export function booleanColumn(table: Table, name: string): Float64Array {
  const out = new Float64Array(table.rows.length);
  table.rows.forEach((r, i) => {
    const v = r[name];
    if (isMissing(v)) { out[i] = NaN; return; }
    const b = parseBoolean(v, true);
    if (b === undefined) {
      throw dataError(table.file, `expected true/false (or yes/no, 1/0), got ${JSON.stringify(v)}; ` +
        `fix the value or declare \`data.columns.${name}.type: categorical\``, table.lineOfRow[i], name);
    }
    out[i] = b;
  });
  return out;
}

/** Category strings of a column (null where missing). */
export function categoricalColumn(table: Table, name: string): Array<string | null> {
  return table.rows.map((r) => (isMissing(r[name]) ? null : categoryOf(r[name])));
}

/** What inspect prints about one column. */
export function describeColumn(table: Table, typing: ColumnTyping): ColumnInfo {
  const values = table.rows.map((r) => r[typing.name]);
  if (typing.type === 'numeric') return describeNumeric(typing, values);
  let missing = 0;
  const counts = new Map<string, number>();
  for (const v of values) {
    if (isMissing(v)) { missing++; continue; }
    const key = typing.type === 'boolean' ? String(parseBoolean(v, true) === 1 ? 'true' : parseBoolean(v, true) === 0 ? 'false' : categoryOf(v)) : categoryOf(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const info: ColumnInfo = { name: typing.name, type: typing.type, inferred: typing.inferred, missing, distinct: counts.size };
  if (typing.type === 'categorical' || typing.type === 'boolean') {
    info.top = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 20)
      .map(([value, count]) => ({ value, count }));
  }
  return info;
}

function describeNumeric(typing: ColumnTyping, values: unknown[]): ColumnInfo {
  let missing = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  const distinct = new Set<number | string>();
  for (const v of values) {
    if (isMissing(v)) { missing++; continue; }
    const x = parseNumber(v);
    // a stray word in a numeric column still counts as a distinct value (inspect shows it; prepare rejects it)
    distinct.add(x ?? categoryOf(v));
    if (x === undefined) continue;
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    n++;
  }
  const info: ColumnInfo = { name: typing.name, type: typing.type, inferred: typing.inferred, missing, distinct: distinct.size };
  if (n > 0) Object.assign(info, { min, max, mean: sum / n });
  return info;
}
