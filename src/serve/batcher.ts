/**
 * Merges concurrent predict requests into one model call: requests queue for at most `maxWaitMs`
 * (or until `maxBatch` rows are waiting), run as one batch, and each gets its own rows back.
 * Small models spend most of a call in fixed overhead, so merging is what makes 64 concurrent
 * clients cheaper than 64 calls.
 */
export type PredictFn = (x: Float32Array, n: number) => Promise<Float32Array>;

interface Pending {
  x: Float32Array;
  n: number;
  resolve(y: Float32Array): void;
  reject(err: unknown): void;
}

export interface BatcherOptions {
  /** longest a request waits for others to join its batch (default 2 ms) */
  maxWaitMs?: number;
  /** most rows in one model call (default 256; a single larger request runs alone) */
  maxBatch?: number;
  /**
   * How many requests could be waiting to join (e.g. open HTTP connections). When that many are
   * queued there is nobody to wait for, so a lone client pays no batching delay.
   */
  expected?: () => number;
}

export interface BatcherStats {
  /** how many times the model ran */
  calls: number;
  /** how many requests were answered */
  requests: number;
  /** how many rows went through the model */
  rows: number;
  largestBatch: number;
}

export class Batcher {
  readonly stats: BatcherStats = { calls: 0, requests: 0, rows: 0, largestBatch: 0 };
  private queue: Pending[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly maxWaitMs: number;
  private readonly maxBatch: number;
  private readonly expected?: () => number;

  constructor(private readonly width: number, private readonly predict: PredictFn, options: BatcherOptions = {}) {
    this.maxWaitMs = options.maxWaitMs ?? 2;
    this.maxBatch = options.maxBatch ?? 256;
    this.expected = options.expected;
  }

  /** Predict n rows (x is row-major [n, width]); resolves with this request's outputs only. */
  run(x: Float32Array, n: number): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ x, n, resolve, reject });
      this.queuedRows += n;
      const everyoneHere = this.expected ? this.queue.length >= this.expected() : false;
      this.kick(this.queuedRows >= this.maxBatch || everyoneHere ? 0 : this.maxWaitMs);
    });
  }

  private kick(delay: number): void {
    if (this.running) return; // the running batch drains the queue when it finishes
    if (delay === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = null; void this.flush(); }, delay);
    }
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let rows = 0;
    // Always take at least one request, even one larger than maxBatch (it runs alone).
    while (this.queue.length && (batch.length === 0 || rows + this.queue[0].n <= this.maxBatch)) {
      const p = this.queue.shift() as Pending;
      rows += p.n;
      batch.push(p);
    }
    this.queuedRows -= rows;
    return batch;
  }

  private async flush(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.takeBatch();
    try {
      const n = batch.reduce((a, p) => a + p.n, 0);
      let x: Float32Array;
      if (batch.length === 1) x = batch[0].x;
      else {
        x = new Float32Array(n * this.width);
        let o = 0;
        for (const p of batch) { x.set(p.x, o); o += p.x.length; }
      }
      this.stats.calls++;
      this.stats.rows += n;
      this.stats.largestBatch = Math.max(this.stats.largestBatch, n);
      const y = await this.predict(x, n);
      const k = y.length / n;
      let r = 0;
      for (const p of batch) {
        p.resolve(y.slice(r * k, (r + p.n) * k));
        r += p.n;
        this.stats.requests++;
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.running = false;
      // What queued while the model ran goes next, without waiting again: those requests already waited.
      if (this.queue.length) this.kick(0);
    }
  }
}
