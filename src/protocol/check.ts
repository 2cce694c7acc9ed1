/**
 * Checks every message that crosses a process boundary before it is used (DESIGN.md §4): each
 * message type has a list of field checks; a message of an unknown type, or one that fails a check,
 * is rejected with a reason.
 */

/** A field check: null when the field is fine, else what is wrong with it. */
export type Check = (m: Record<string, unknown>) => string | null;

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const str = (k: string): Check => (m) => (typeof m[k] === 'string' ? null : `'${k}' must be a string`);
export const nonEmptyStr = (k: string): Check => (m) => (typeof m[k] === 'string' && m[k] !== '' ? null : `'${k}' must be a non-empty string`);
export const optStr = (k: string): Check => (m) => (m[k] === undefined || typeof m[k] === 'string' ? null : `'${k}' must be a string`);
export const num = (k: string): Check => (m) => (typeof m[k] === 'number' && Number.isFinite(m[k]) ? null : `'${k}' must be a finite number`);
export const obj = (k: string): Check => (m) => (isRecord(m[k]) ? null : `'${k}' must be an object`);
export const optObj = (k: string): Check => (m) => (m[k] === undefined || isRecord(m[k]) ? null : `'${k}' must be an object`);
export const arr = (k: string): Check => (m) => (Array.isArray(m[k]) ? null : `'${k}' must be an array`);
/** An optional list of `{ path, value }` field overrides (paths are strings; values any JSON). */
export const fieldSets = (k: string): Check => (m) => (m[k] === undefined || (Array.isArray(m[k]) && (m[k] as unknown[]).every((o) => isRecord(o) && typeof o.path === 'string' && o.path !== '' && 'value' in o))
  ? null : `'${k}' must be a list of { path, value }`);
export const oneOf = (k: string, values: readonly string[]): Check => (m) =>
  values.includes(m[k] as string) ? null : `'${k}' must be one of ${values.join(', ')}`;

/** Check a raw message against the checks of its type. */
export function parseWith<T>(checks: Record<string, Check[]>, raw: unknown): Parsed<T> {
  if (!isRecord(raw)) return { ok: false, error: 'message is not an object' };
  const type = raw.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(checks, type)) {
    return { ok: false, error: `unknown message type ${JSON.stringify(type)}` };
  }
  for (const check of checks[type]) {
    const problem = check(raw);
    if (problem) return { ok: false, error: `${type}: ${problem}` };
  }
  return { ok: true, message: raw as T };
}
