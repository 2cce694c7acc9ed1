/**
 * Image decoding for the server, on worker threads: the event loop only moves bytes. At most `size`
 * images decode at once (so memory is bounded by that many of the largest image allowed), the rest
 * wait in order. A worker that dies fails only its own image and is replaced. Without the worker file
 * (a bundle that does not ship it) images decode in-process, still bounded by the size checks.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { decodeImageForModel, ImageError, type ImageTransform } from '../engine/data/image';
import type { DecodeReply, DecodeRequest } from './decodeWorker';

interface Job {
  transform: ImageTransform;
  bytes: Uint8Array;
  resolve(x: Float32Array): void;
  reject(err: unknown): void;
}

/** dist/decode-worker.js beside the bundle, or the TypeScript source when running under tsx (tests). */
function workerFile(): string | undefined {
  for (const f of [path.join(__dirname, 'decode-worker.js'), path.join(__dirname, 'decodeWorker.ts')]) if (existsSync(f)) return f;
  return undefined;
}

function spawn(file: string): Worker {
  if (!file.endsWith('.ts')) return new Worker(file);
  // Under tsx the worker needs its loader registered before the source is required.
  const api = require.resolve('tsx/cjs/api');
  return new Worker(`require(${JSON.stringify(api)}).register(); require(${JSON.stringify(file)});`, { eval: true });
}

export class DecodePool {
  private readonly file = workerFile();
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, { id: number; job: Job }>();
  private readonly queue: Job[] = [];
  private workers = 0;
  private nextId = 1;
  private closed = false;

  constructor(private readonly size = 2) {}

  /** Whether decoding runs on worker threads (false: in-process fallback). */
  get threaded(): boolean {
    return this.file !== undefined;
  }

  decode(transform: ImageTransform, bytes: Uint8Array): Promise<Float32Array> {
    if (!this.file || this.closed) return Promise.resolve().then(() => decodeImageForModel(transform, bytes));
    return new Promise((resolve, reject) => {
      this.queue.push({ transform, bytes, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let worker = this.idle.pop();
      if (!worker && this.workers < this.size) worker = this.start();
      if (!worker) return;
      const job = this.queue.shift() as Job;
      const id = this.nextId++;
      this.busy.set(worker, { id, job });
      const request: DecodeRequest = { id, transform: job.transform, bytes: job.bytes };
      worker.postMessage(request);
    }
  }

  private start(): Worker {
    const worker = spawn(this.file as string);
    this.workers++;
    worker.unref();
    worker.on('message', (reply: DecodeReply) => {
      const current = this.busy.get(worker);
      if (!current || current.id !== reply.id) return;
      this.busy.delete(worker);
      if ('x' in reply) current.job.resolve(reply.x);
      else current.job.reject(reply.name === 'ImageError' ? new ImageError(reply.error) : new Error(reply.error));
      if (!this.closed) this.idle.push(worker);
      this.pump();
    });
    const lost = (why: string) => {
      this.workers--;
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      const current = this.busy.get(worker);
      this.busy.delete(worker);
      current?.job.reject(new ImageError(`the image could not be decoded (${why})`));
      if (!this.closed) this.pump();
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => { if (this.busy.has(worker) || this.idle.includes(worker)) lost(`decoder exited with code ${code}`); });
    return worker;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the server is shutting down'));
    const all = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.terminate()));
  }
}
