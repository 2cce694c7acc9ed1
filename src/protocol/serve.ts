/**
 * Messages between the extension host and the model-server child process (`dist/server.js`,
 * started by the Deploy action). Same rules as the engine protocol: plain JSON objects with a
 * `type`, checked with `parseServeHostMessage` / `parseServeWorkerMessage` on arrival.
 */
import { arr, nonEmptyStr as str, num, optStr, parseWith, type Check, type Parsed } from './check';

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

const optPort = (k: string): Check => (m) =>
  m[k] === undefined || (Number.isInteger(m[k]) && (m[k] as number) >= 0 && (m[k] as number) <= 65535) ? null : `'${k}' must be a port number 0–65535`;
const optPositive = (k: string): Check => (m) =>
  m[k] === undefined || (typeof m[k] === 'number' && Number.isFinite(m[k]) && (m[k] as number) > 0) ? null : `'${k}' must be a positive number`;
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

export const parseServeHostMessage = (raw: unknown): Parsed<ServeHostMessage> => parseWith<ServeHostMessage>(HOST_CHECKS, raw);
export const parseServeWorkerMessage = (raw: unknown): Parsed<ServeWorkerMessage> => parseWith<ServeWorkerMessage>(WORKER_CHECKS, raw);
