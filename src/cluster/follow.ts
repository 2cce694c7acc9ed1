/**
 * Following a run folder that another process writes (a SLURM job on a shared filesystem): new lines
 * of metrics.jsonl and changes of run.json become the engine messages a local run sends — runStarted,
 * progress, epochEnded, checkpointSaved — so the CLI and the dashboard show a cluster run exactly as
 * a local one. Reads only what was appended since the last call; a line still being written waits.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { BackendInfo, EngineMessage, Logs } from '../protocol/engine';
import { RUN_FILES, type RunRecord } from '../engine/run';
import { monitored, monitorMode } from '../engine/train/callbacks';
import type { ModelSpecFile } from '../modelFile/schema';

type Line = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const BOOKKEEPING = new Set(['event', 'epoch', 'batch', 'step', 'elapsedMs', 'epochs', 'batches']);
function logsOf(l: Line): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(l)) if (!BOOKKEEPING.has(k) && typeof v === 'number') out[k] = v;
  return out;
}

export async function readRunJson(runDir: string): Promise<RunRecord | undefined> {
  try {
    return JSON.parse(await fsp.readFile(path.join(runDir, RUN_FILES.run), 'utf8')) as RunRecord;
  } catch {
    return undefined; // not there yet, or being replaced (the rename is atomic, but a read may race it)
  }
}

export class RunFolderFollower {
  private offset = 0;
  private partial = '';
  private epochs = 0;
  private batches = 0;
  private batchSize = 0;
  private last: { step: number; elapsedMs: number } | undefined;
  private lastBatch: Extract<EngineMessage, { type: 'progress' }>['progress'] | undefined;
  /** what the best checkpoint follows (spec.json), and its best so far: checkpointSaved as the engine sends it */
  private watched: { monitor: string; mode: 'min' | 'max' } | undefined;
  private best: number | undefined;
  /** the newest run.json read */
  record: RunRecord | undefined;

  constructor(readonly runDir: string, private readonly id: string, private readonly emit: (m: EngineMessage) => void) {}

  /** Read what is new; emit its messages; returns run.json as it is now. */
  async poll(): Promise<RunRecord | undefined> {
    const record = await readRunJson(this.runDir);
    if (record) this.record = record;
    if (!this.watched && this.record?.samples) this.watched = await this.readWatched(this.record.samples.validation > 0);
    for (const line of await this.newLines()) this.line(line);
    return this.record;
  }

  /** The best checkpoint's monitored value, as the engine picks it (session.ts): early stopping's, else val_loss or loss. */
  private async readWatched(validation: boolean): Promise<{ monitor: string; mode: 'min' | 'max' } | undefined> {
    try {
      const spec = JSON.parse(await fsp.readFile(path.join(this.runDir, RUN_FILES.spec), 'utf8')) as ModelSpecFile;
      const monitor = spec.train?.earlyStopping?.monitor ?? (validation ? 'val_loss' : 'loss');
      return { monitor, mode: monitorMode(monitor, spec.train?.earlyStopping?.mode as 'auto' | 'min' | 'max' | undefined) };
    } catch {
      return undefined;
    }
  }

  private async newLines(): Promise<Line[]> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(path.join(this.runDir, RUN_FILES.metrics), 'r');
    } catch {
      return [];
    }
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return [];
      const buffer = Buffer.alloc(Math.min(size - this.offset, 16 * 1024 * 1024));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const text = this.partial + buffer.subarray(0, bytesRead).toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      const out: Line[] = [];
      for (const p of parts) {
        if (!p.trim()) continue;
        try {
          const v = JSON.parse(p) as unknown;
          if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(v as Line);
        } catch {
          // a line torn by a crash: the next attempt starts a fresh one
        }
      }
      return out;
    } finally {
      await handle.close();
    }
  }

  private line(l: Line): void {
    const r = this.record;
    switch (l.event) {
      case 'trainBegin':
      case 'resume': {
        this.epochs = num(l.epochs) ?? this.epochs;
        this.batches = num(l.batches) ?? this.batches;
        this.batchSize = num(l.batchSize) ?? this.batchSize;
        this.last = undefined;
        // a resumed run keeps the best it had (run.json says it)
        this.best = l.event === 'resume' ? r?.best?.value : undefined;
        const backend: BackendInfo = r?.backend ?? { name: 'unknown', device: 'unknown', reason: 'run.json does not say', gpu: false };
        this.emit({
          type: 'runStarted', id: this.id, runDir: this.runDir, runId: r?.runId ?? path.basename(this.runDir), modelName: r?.modelName ?? path.basename(path.dirname(this.runDir)),
          backend, epochs: this.epochs, batchesPerEpoch: this.batches, samples: r?.samples ?? { train: num(l.samples) ?? 0, validation: num(l.validationSamples) ?? 0, test: 0 },
          ...(l.event === 'resume' ? { resumed: { epoch: num(l.epoch) ?? 1, batch: num(l.batch) ?? 0, step: num(l.step) ?? 0 } } : {}),
        });
        return;
      }
      case 'batch': {
        const step = num(l.step) ?? 0;
        const elapsedMs = num(l.elapsedMs) ?? 0;
        const samplesPerSec = this.last && elapsedMs > this.last.elapsedMs && step > this.last.step && this.batchSize
          ? ((step - this.last.step) * this.batchSize * 1000) / (elapsedMs - this.last.elapsedMs) : 0;
        this.last = { step, elapsedMs };
        const total = this.epochs * this.batches;
        const progress = {
          epoch: num(l.epoch) ?? 0, epochs: this.epochs, batch: num(l.batch) ?? 0, batches: this.batches, step, logs: logsOf(l),
          samplesPerSec, elapsedMs, etaMs: step > 0 && total > 0 ? Math.round((elapsedMs / step) * Math.max(0, total - step)) : null,
        };
        this.lastBatch = progress;
        this.emit({ type: 'progress', id: this.id, progress });
        return;
      }
      case 'epoch': {
        const logs = logsOf(l);
        const elapsedMs = num(l.elapsedMs) ?? 0;
        const epoch = num(l.epoch) ?? 0;
        if (this.lastBatch) this.emit({ type: 'progress', id: this.id, progress: { ...this.lastBatch, epoch, batch: this.batches, logs, elapsedMs } });
        this.emit({ type: 'epochEnded', id: this.id, epoch, epochs: this.epochs, logs, elapsedMs });
        const w = this.watched;
        const m = w ? monitored(logs, w.monitor) : null;
        if (m && Number.isFinite(m.value) && (this.best === undefined || (w?.mode === 'min' ? m.value < this.best : m.value > this.best))) {
          this.best = m.value;
          this.emit({ type: 'checkpointSaved', id: this.id, epoch, path: path.join(this.runDir, RUN_FILES.bestCheckpoint), monitor: m.key, value: m.value });
        }
        return;
      }
      default:
        return;
    }
  }
}
