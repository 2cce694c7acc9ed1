/**
 * Messages between the extension host and the model-server child process (`dist/server.js`,
 * started by the Deploy action). Same rules as the engine protocol: plain JSON objects with a
 * `type`, checked with `parseServeHostMessage` / `parseServeWorkerMessage` on arrival.
 */
import { isRecord, type Parsed } from './engine';

/** One served version, as the worker reports it. */
export interface ServedVersionInfo {
  version: number;
  /** the model folder (model.json, weights.bin, preprocessing.json) */
  dir: string;
  /** the run id when the version came from a run folder */
  runId?: string;
}

// ---------------------------------------------------------------- host → server

export type ServeHostMessage =
  | { type: 'serve'; dir: string; name?: string; host?: string; port?: number; backend?: string; maxBodyBytes?: number }
  | { type: 'shutdown' };

// ---------------------------------------------------------------- server → host

export type ServeWorkerMessage =
  | { type: 'listening'; url: string; name: string; versions: ServedVersionInfo[]; defaultVersion: number; host: string; port: number; backend: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'error'; message: string }
  | { type: 'stopped' };

type Check = (m: Record<string, unknown>) => string | null;
const str = (k: string): Check => (m) => (typeof m[k] === 'string' && m[k] !== '' ? null : `'${k}' must be a non-empty string`);
const optStr = (k: string): Check => (m) => (m[k] === undefined || typeof m[k] === 'string' ? null : `'${k}' must be a string`);
const num = (k: string): Check => (m) => (typeof m[k] === 'number' && Number.isFinite(m[k]) ? null : `'${k}' must be a finite number`);
const optPort = (k: string): Check => (m) =>
  m[k] === undefined || (Number.isInteger(m[k]) && (m[k] as number) >= 0 && (m[k] as number) <= 65535) ? null : `'${k}' must be a port number 0–65535`;
const optPositive = (k: string): Check => (m) =>
  m[k] === undefined || (typeof m[k] === 'number' && Number.isFinite(m[k]) && (m[k] as number) > 0) ? null : `'${k}' must be a positive number`;
const arr = (k: string): Check => (m) => (Array.isArray(m[k]) ? null : `'${k}' must be an array`);
const level: Check = (m) => (['info', 'warn', 'error'].includes(m.level as string) ? null : `'level' must be info, warn or error`);

const HOST_CHECKS: Record<ServeHostMessage['type'], Check[]> = {
  serve: [str('dir'), optStr('name'), optStr('host'), optPort('port'), optStr('backend'), optPositive('maxBodyBytes')],
  shutdown: [],
};

const WORKER_CHECKS: Record<ServeWorkerMessage['type'], Check[]> = {
  listening: [str('url'), str('name'), arr('versions'), num('defaultVersion'), str('host'), num('port'), str('backend')],
  log: [level, str('message')],
  error: [str('message')],
  stopped: [],
};

function parseWith<T>(checks: Record<string, Check[]>, raw: unknown): Parsed<T> {
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

export const parseServeHostMessage = (raw: unknown): Parsed<ServeHostMessage> => parseWith<ServeHostMessage>(HOST_CHECKS, raw);
export const parseServeWorkerMessage = (raw: unknown): Parsed<ServeWorkerMessage> => parseWith<ServeWorkerMessage>(WORKER_CHECKS, raw);
