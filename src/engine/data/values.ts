/**
 * What a single cell means, the same everywhere (type inference, statistics, encoding for training,
 * predict, evaluate and the model server): "missing", "a number", "a boolean", "a category".
 * Cheap on purpose: the streaming pipeline calls these once per cell of files with millions of rows.
 */

/** Values read as missing (as pandas reads them, plus '?', which UCI files use). Compared trimmed, case-insensitive. */
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', '-nan', 'null', 'none', '<na>', '#n/a', '?']);
const LONGEST_MISSING_TOKEN = 4;

function isMissingText(s: string): boolean {
  if (s.length === 0) return true;
  // Only short strings (plus surrounding spaces) can be a missing token: skip the trim/lowercase for the rest.
  if (s.length > LONGEST_MISSING_TOKEN && s.charCodeAt(0) > 32 && s.charCodeAt(s.length - 1) > 32) return false;
  return MISSING_TOKENS.has(s.trim().toLowerCase());
}

export function isMissing(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'number') return Number.isNaN(v);
  if (typeof v === 'string') return isMissingText(v);
  return false;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** A number written with a decimal comma (`0,5`), as ';'-separated files from European spreadsheets hold them. */
export const DECIMAL_COMMA_RE = /^[+-]?(\d+(,\d*)?|,\d+)([eE][+-]?\d+)?$/;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * A plain decimal (`-12.5`, `.5`, `3`) without an exponent, parsed without allocating: the digits as an
 * integer below 2^53 divided by an exact power of ten is correctly rounded (one IEEE operation on exact
 * operands), so it equals `Number(s)`. Returns undefined when the fast path does not apply.
 */
function fastDecimal(s: string): number | undefined {
  const n = s.length;
  let i = 0;
  let negative = false;
  const first = s.charCodeAt(0);
  if (first === 45 || first === 43) { negative = first === 45; i = 1; }
  let mantissa = 0;
  let significant = 0;
  let fraction = -1;
  let anyDigit = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      anyDigit = true;
      if (significant > 0 || c !== 48) significant++;
      mantissa = mantissa * 10 + (c - 48);
      if (fraction >= 0) fraction++;
    } else if (c === 46 && fraction < 0) {
      fraction = 0;
    } else {
      return undefined;
    }
  }
  if (!anyDigit || significant > 15 || fraction > 22) return undefined;
  const x = fraction > 0 ? mantissa / POW10[fraction] : mantissa;
  return negative ? -x : x;
}

/**
 * A finite number from a number or a plain decimal string; undefined when it is not one. With
 * `decimalComma` (';'-separated text files) `0,5` reads as 0.5 too.
 */
export function parseNumber(v: unknown, decimalComma = false): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const first = v.charCodeAt(0);
  const last = v.charCodeAt(v.length - 1);
  const s = first <= 32 || last <= 32 ? v.trim() : v;
  if (s.length === 0) return undefined;
  const fast = fastDecimal(s);
  if (fast !== undefined) return fast;
  if (NUMBER_RE.test(s)) {
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  }
  if (decimalComma && DECIMAL_COMMA_RE.test(s)) {
    const n = Number(s.replace(',', '.'));
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
  if (typeof v === 'string' && v.length <= 8) {
    const s = v.trim().toLowerCase();
    if (TRUE_WORDS.has(s) || (allowDigits && s === '1')) return 1;
    if (FALSE_WORDS.has(s) || (allowDigits && s === '0')) return 0;
  }
  return undefined;
}

/** The string a categorical value is known by (numbers as JS prints them, so 3 and "3" agree). */
export function categoryOf(v: unknown): string {
  if (typeof v === 'string') {
    const first = v.charCodeAt(0);
    const last = v.charCodeAt(v.length - 1);
    return first <= 32 || last <= 32 ? v.trim() : v;
  }
  return String(v);
}

/**
 * A copy of a string that does not keep a larger one alive: V8 represents `big.slice(a, b)` as a view
 * into `big`, so a category name taken from a 1 MB chunk of a file would pin the whole chunk.
 */
export function detached(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

/** A record keyed by user data (column names): no prototype, so `__proto__` or `constructor` are plain keys. */
export function emptyRecord(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}
