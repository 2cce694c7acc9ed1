/**
 * The model server: resolves the folder into versions, loads TF.js, and answers HTTP on
 * 127.0.0.1 unless told otherwise. `close()` stops accepting, lets in-flight requests finish,
 * then closes every connection.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServedVersionInfo } from '../protocol/serve';
import type { BatcherOptions, BatcherStats } from './batcher';
import { limit } from '../limits';
import { DecodePool } from './decodePool';
import { loadVersions } from './models';
import { handle, type RouteContext } from './routes';
import { loadTf, type LoadedTf } from './tf';
import { resolveModel } from './versions';

export interface ServeOptions {
  /** a model folder, a run folder or a runs folder of one model */
  dir: string;
  name?: string;
  host?: string;
  port?: number;
  /** request bodies above this many bytes get 413 (default 10 MB) */
  maxBodyBytes?: number;
  /** requests with more instances get 413 (default MODEL_STUDIO_MAX_INSTANCES, 10,000) */
  maxInstances?: number;
  /** threads that decode images off the event loop (default 2) */
  decodeThreads?: number;
  /** TF.js already set up (e.g. by the engine's backend loader); default: wasm, else cpu */
  tf?: LoadedTf;
  batch?: BatcherOptions;
  /** whole request must arrive within this (default 30 s); headers within headersTimeoutMs (default 10 s) */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  name: string;
  versions: ServedVersionInfo[];
  defaultVersion: number;
  backend: string;
  /** model calls and requests of a version (null until it has served one) */
  stats(version?: number): Promise<BatcherStats | null>;
  /** graceful: stop accepting, finish in-flight requests (at most graceMs), close connections */
  close(graceMs?: number): Promise<void>;
  readonly http: http.Server;
}

export const DEFAULT_MAX_BODY = 10 * 2 ** 20;

export const isLoopback = (host: string): boolean => host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');

/** "1", "1–3" or "1, 3, 4" for the start-up line. */
export function versionRange(versions: number[]): string {
  if (versions.length === 1) return String(versions[0]);
  const contiguous = versions.every((v, i) => i === 0 || v === versions[i - 1] + 1);
  return contiguous ? `${versions[0]}–${versions[versions.length - 1]}` : versions.join(', ');
}

/** The line the CLI prints when it listens. */
export function listeningLine(s: Pick<RunningServer, 'name' | 'versions' | 'url' | 'host'>): string {
  const v = s.versions.map((x) => x.version);
  const where = isLoopback(s.host) ? 'bound to loopback only' : `reachable from other machines on ${s.host}`;
  return `Serving ${s.name} (version${v.length > 1 ? 's' : ''} ${versionRange(v)}) on ${s.url} — ${where}`;
}

/** What a malformed request was, in words: the parser's codes (HPE_…) mean little to a client. */
export function clientErrorMessage(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT': return 'the request did not arrive in time';
    case 'HPE_HEADER_OVERFLOW': return 'the request headers are too large';
    case 'HPE_INVALID_EOF_STATE': return 'the request was cut short: the connection ended before the whole body arrived (fewer bytes than its Content-Length)';
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH': return 'the request has an invalid Content-Length header (it must be one number, and not beside Transfer-Encoding: chunked)';
    case 'HPE_INVALID_CHUNK_SIZE': return 'the request\'s chunked body is malformed (a chunk size is not a hexadecimal number)';
    case 'HPE_INVALID_METHOD': return 'the request line has an unknown HTTP method';
    case 'HPE_INVALID_URL': return 'the request line has an invalid URL';
    case 'HPE_INVALID_VERSION': return 'the request line has an invalid HTTP version';
    case 'HPE_INVALID_HEADER_TOKEN': return 'a request header has an invalid name or value';
    default: return `malformed HTTP request (${err.code ?? err.message})`;
  }
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? (() => undefined);
  const resolved = await resolveModel(options.dir, options.name);
  if (resolved.note) log('warn', resolved.note);
  const loaded = options.tf ?? (await loadTf());
  let inFlight = 0;
  // Each open connection could send a request that joins the batch; a lone client has one, so it never waits.
  let connections = 0;
  const versions = await loadVersions(resolved.versions, loaded.tf, { expected: () => Math.max(connections, inFlight), ...options.batch });
  const byNumber = (n: number) => versions.find((v) => v.version === n);
  // Warm the default version so the first request does not pay for loading.
  await byNumber(resolved.defaultVersion)?.load();

  const pool = new DecodePool(options.decodeThreads ?? 2);
  const ctx: RouteContext = {
    name: resolved.name,
    versions,
    defaultVersion: resolved.defaultVersion,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY,
    maxInstances: options.maxInstances ?? limit('requestInstances'),
    decodeImage: (t, bytes) => pool.decode(t, bytes),
    log,
  };

  let closing = false;
  let idle: (() => void) | null = null;
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const server = http.createServer({
    requestTimeout,
    headersTimeout: Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout),
    keepAliveTimeout: 5_000,
    // How often Node checks the two timeouts above (its default, 30 s, is too coarse for short limits).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(requestTimeout / 4))),
  });
  server.on('connection', (socket) => {
    connections++;
    socket.once('close', () => { connections--; });
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight++;
    if (closing) res.setHeader('Connection', 'close');
    res.on('close', () => {
      inFlight--;
      if (inFlight === 0 && idle) idle();
    });
    handle(req, res, ctx).catch((err: unknown) => log('error', `unexpected: ${String(err)}`));
  });
  // Malformed HTTP (bad request line, header overflow): answer 400 on the raw socket, never throw.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') { socket.destroy(); return; }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ error: clientErrorMessage(err) });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8501, host, () => { server.off('error', reject); resolve(); });
  });
  server.on('error', (err) => log('error', `server error: ${err.message}`));
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  let closed: Promise<void> | null = null;
  const close = (graceMs = 10_000): Promise<void> => {
    if (!closed) {
      closing = true;
      closed = new Promise<void>((resolve) => {
        server.close(() => { void pool.close().then(resolve, resolve); });
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        const drained = () => { server.closeIdleConnections(); };
        if (inFlight === 0) drained();
        else idle = drained;
      });
    }
    return closed;
  };

  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    name: resolved.name,
    versions: resolved.versions,
    defaultVersion: resolved.defaultVersion,
    backend: loaded.backend,
    stats: async (version) => (await byNumber(version ?? resolved.defaultVersion)?.stats()) ?? null,
    close,
    http: server,
  };
}
