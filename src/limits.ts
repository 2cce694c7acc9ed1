/**
 * The bounds on what a user's input may make the engine, the validator or the server do: sizes,
 * depths and counts past which an input gets a clear error instead of a hang or a blow-up. One table,
 * so the README, the messages and the code agree. Each limit can be changed with an environment
 * variable (read by the CLI, the engine, the server and the extension host alike); `serve --max-instances`
 * sets the instances limit for one server. No `vscode` here.
 */

export interface LimitSpec {
  /** the environment variable that overrides it */
  env: string;
  default: number;
  /** `bytes` values accept 10mb / 512kb; `count` values a plain number (1e6, 100k also read) */
  unit: 'bytes' | 'count';
  /** what it bounds, in the README's words */
  what: string;
}

export const LIMITS = {
  modelFileBytes: { env: 'MODEL_STUDIO_MAX_MODEL_FILE_BYTES', default: 2 ** 20, unit: 'bytes', what: 'size of a model file' },
  nestingDepth: { env: 'MODEL_STUDIO_MAX_NESTING_DEPTH', default: 64, unit: 'count', what: 'nesting depth of a model file (YAML or JSON) and of a request body' },
  layers: { env: 'MODEL_STUDIO_MAX_LAYERS', default: 1000, unit: 'count', what: 'layers in `model.layers`' },
  modelMemoryBytes: { env: 'MODEL_STUDIO_MAX_MODEL_MEMORY', default: 4 * 2 ** 30, unit: 'bytes', what: 'memory a model may need to train (estimated from its layers: weights, gradients, optimiser state and one batch of activations)' },
  imagePixels: { env: 'MODEL_STUDIO_MAX_IMAGE_PIXELS', default: 50_000_000, unit: 'count', what: 'pixels of one image (width × height; decoded, 4 bytes each)' },
  requestInstances: { env: 'MODEL_STUDIO_MAX_INSTANCES', default: 10_000, unit: 'count', what: 'instances (rows) in one prediction request' },
  headerBytes: { env: 'MODEL_STUDIO_MAX_HEADER_BYTES', default: 2 ** 20, unit: 'bytes', what: 'length of a CSV/TSV header row' },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;
export type Limits = Record<LimitName, number>;

/** The limits in force: the defaults, overridden by the environment. A bad value is an error that names the variable. */
export function currentLimits(env: NodeJS.ProcessEnv = process.env): Limits {
  const out = {} as Limits;
  for (const name of Object.keys(LIMITS) as LimitName[]) out[name] = limit(name, env);
  return out;
}

/** One limit in force (see currentLimits). */
export function limit(name: LimitName, env: NodeJS.ProcessEnv = process.env): number {
  const spec: LimitSpec = LIMITS[name];
  const text = env[spec.env];
  return text === undefined || text.trim() === '' ? spec.default : parseLimit(text, spec);
}

function parseLimit(text: string, spec: LimitSpec): number {
  const n = spec.unit === 'bytes' ? parseSizeOrNaN(text) : parseCount(text);
  if (!Number.isFinite(n) || n <= 0) {
    const example = spec.unit === 'bytes' ? '10mb, 512kb or a number of bytes' : 'a positive whole number';
    throw new Error(`the environment variable ${spec.env}=${JSON.stringify(text)} is not a valid limit for the ${spec.what}; write ${example}`);
  }
  return n;
}

function parseCount(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*(k|m|g)?\s*$/i.exec(text);
  if (!m) return Number.NaN;
  const mult = { k: 1e3, m: 1e6, g: 1e9 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Math.floor(Number(m[1]) * mult);
}

function parseSizeOrNaN(text: string): number {
  try {
    return parseSize(text);
  } catch {
    return Number.NaN;
  }
}

/** "10mb", "512kb", "1048576" → bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g|tb|t)?\s*$/i.exec(text);
  if (!m) throw new Error(`'${text}' is not a size; write e.g. 10mb, 512kb or a number of bytes`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit.startsWith('t') ? 2 ** 40 : unit.startsWith('g') ? 2 ** 30 : unit.startsWith('m') ? 2 ** 20 : unit.startsWith('k') ? 2 ** 10 : 1;
  return Math.floor(Number(m[1]) * mult);
}

/** 1536 → "1.5 KB"; bytes as a person reads them. */
export const formatSize = (bytes: number): string =>
  bytes >= 2 ** 30 ? `${+(bytes / 2 ** 30).toFixed(1)} GB`
    : bytes >= 2 ** 20 ? `${+(bytes / 2 ** 20).toFixed(1)} MB`
      : bytes >= 2 ** 10 ? `${+(bytes / 2 ** 10).toFixed(1)} KB` : `${bytes} bytes`;

/** A size that is over `max`, said so that it reads larger than the limit (exact bytes when rounding would hide it). */
export const formatSizeOver = (size: number, max: number): string =>
  formatSize(size) === formatSize(max) ? `${size.toLocaleString('en-US')} bytes` : formatSize(size);

/** How to raise a limit, for the end of a message: "(the limit is 1 MB; set MODEL_STUDIO_MAX_HEADER_BYTES to change it)". */
export function limitHint(name: LimitName, value: number): string {
  const spec: LimitSpec = LIMITS[name];
  const shown = spec.unit === 'bytes' ? formatSize(value) : value.toLocaleString('en-US');
  return `the limit is ${shown}; set ${spec.env} to change it`;
}
