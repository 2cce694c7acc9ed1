/**
 * metrics.jsonl: one JSON object per line, appended and handed to the OS line by line, so a crash
 * (even kill -9) leaves every line written so far readable. Batch lines are thinned by step count,
 * not by time, so two runs with the same seed write the same lines.
 *
 *   {"event":"batch","epoch":1,"batch":4,"step":4,"loss":0.93,"accuracy":0.6,"elapsedMs":812}
 *   {"event":"epoch","epoch":1,"step":8,"loss":0.88,"accuracy":0.64,"val_loss":0.8,"val_accuracy":0.7,"lr":0.01,"elapsedMs":1650}
 *
 * A resumed run appends `{"event":"resume","epoch":3,"batch":2,"step":18,…}` and continues: the next
 * batch is step 19. Lines before the marker with a step above 18 were written after the checkpoint it
 * resumed from (a crash or kill lost them) and are superseded by the lines that follow (readMetricsLog).
 */
import * as fs from 'node:fs';
import type { Callback } from './callbacks';

export interface MetricsLogOptions {
  /** at most this many batch lines per epoch (default 50) */
  maxBatchLinesPerEpoch?: number;
}

export function metricsLogCallback(file: string, o: MetricsLogOptions = {}): Callback {
  const max = o.maxBatchLinesPerEpoch ?? 50;
  let fd: number | null = null;
  let every = 1;
  let lastStep = 0;
  const write = (obj: Record<string, unknown>, sync: boolean) => {
    if (fd === null) {
      fd = fs.openSync(file, 'a');
      // a run killed mid-line left a torn last line: end it, so the first new line stands on its own
      const size = fs.fstatSync(fd).size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        const rd = fs.openSync(file, 'r');
        try { fs.readSync(rd, last, 0, 1, size - 1); } finally { fs.closeSync(rd); }
        if (last[0] !== 0x0a) fs.writeSync(fd, '\n');
      }
    }
    fs.writeSync(fd, `${JSON.stringify(obj)}\n`);
    if (sync) fs.fdatasyncSync(fd);
  };
  const close = () => {
    if (fd !== null) fs.closeSync(fd);
    fd = null;
  };
  return {
    onTrainBegin(ctx) {
      every = Math.max(1, Math.ceil(ctx.params.batches / max));
      const r = ctx.resumedFrom;
      if (r) {
        // appended to the lines of the run so far: lines after this one continue from `step`; lines
        // before it with a greater step (written after the checkpoint, before a crash) are superseded
        lastStep = r.step;
        write({ event: 'resume', epoch: r.epoch, batch: r.batch, step: r.step, ...ctx.params, metrics: undefined, metricNames: ctx.params.metrics, lr: ctx.getLearningRate(), elapsedMs: r.elapsedMs }, true);
        return;
      }
      write({ event: 'trainBegin', ...ctx.params, metrics: undefined, metricNames: ctx.params.metrics, lr: ctx.getLearningRate() }, true);
    },
    onBatchEnd(ctx, epoch, batch, step, logs) {
      lastStep = step;
      if (batch % every === 0 || batch === ctx.params.batches) write({ event: 'batch', epoch, batch, step, ...logs, elapsedMs: ctx.elapsedMs() }, false);
    },
    onEpochEnd(ctx, epoch, logs) {
      write({ event: 'epoch', epoch, step: lastStep, ...logs, elapsedMs: ctx.elapsedMs() }, true);
    },
    onTrainEnd(ctx, result) {
      write({ event: 'trainEnd', reason: result.reason, epochs: result.epochsRun, elapsedMs: ctx.elapsedMs() }, true);
      close();
    },
  };
}
