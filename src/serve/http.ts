/** Small HTTP helpers: a bounded body reader and JSON answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestError } from './errors';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** "10mb", "512kb", "1048576" → bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?\s*$/i.exec(text);
  if (!m) throw new Error(`'${text}' is not a size; write e.g. 10mb, 512kb or a number of bytes`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit.startsWith('g') ? 2 ** 30 : unit.startsWith('m') ? 2 ** 20 : unit.startsWith('k') ? 2 ** 10 : 1;
  return Math.floor(Number(m[1]) * mult);
}

export const formatSize = (bytes: number): string =>
  bytes >= 2 ** 20 ? `${+(bytes / 2 ** 20).toFixed(1)} MB` : bytes >= 2 ** 10 ? `${+(bytes / 2 ** 10).toFixed(1)} KB` : `${bytes} bytes`;

/**
 * Reads the body up to `limit` bytes. Over the limit (declared or actual) it rejects with 413
 * and stops reading: the answer goes out and the connection closes.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): RequestError => new RequestError(`request body is larger than the limit of ${formatSize(limit)} (start the server with a larger --max-body)`, 413);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.pause();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => { if (!done) { done = true; resolve(Buffer.concat(chunks)); } });
    req.on('error', (err) => { if (!done) { done = true; reject(err); } });
    req.on('aborted', () => { if (!done) { done = true; reject(new RequestError('the client closed the connection before sending the whole body', 400)); } });
  });
}

/** The media type without parameters, lower-case ("application/json; charset=utf-8" → "application/json"). */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}
