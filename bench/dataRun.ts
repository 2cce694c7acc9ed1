/**
 * One run of bench/data.ts in its own process: train a model file with the rows in the disk store (or in
 * memory), and print one JSON line with the pass rates, the time to the first batch, samples/s and the
 * process's peak RSS.
 */
import { trainModelFile } from '../src/engine/session';
import type { EngineMessage } from '../src/protocol/engine';

/** the batch size of bench/data.ts's model files */
const BATCH = 1024;

async function main(): Promise<void> {
  const [spec, storage] = process.argv.slice(2);
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const marks: Record<string, { t: number; cpu: number; rows: number }> = {};
  const cpuNow = () => { const c = process.cpuUsage(cpu0); return (c.user + c.system) / 1e6; };
  let firstBatch: number | undefined;
  const rates: number[] = [];
  /** training steps against the process's CPU time (a busy machine slows the wall clock, not this) */
  let stepMarks: { first?: { step: number; cpu: number }; last?: { step: number; cpu: number } } = {};
  let reused = false;
  const onEvent = (e: EngineMessage) => {
    if (e.type === 'dataProgress') {
      const key = `p${e.pass}`;
      marks[`${key}start`] ??= { t: Date.now(), cpu: cpuNow(), rows: 0 };
      marks[`${key}end`] = { t: Date.now(), cpu: cpuNow(), rows: e.rows };
    } else if (e.type === 'progress') {
      firstBatch ??= (Date.now() - t0) / 1000;
      if (e.progress.batch > 2) {
        rates.push(e.progress.samplesPerSec);
        const mark = { step: e.progress.step, cpu: cpuNow() };
        stepMarks = { first: stepMarks.first ?? mark, last: mark };
      }
    } else if (e.type === 'log' && /reusing the rows stored in the cache/.test(e.message)) {
      reused = true;
    }
  };
  const outcome = await trainModelFile({ specPath: spec, onEvent, storage: storage === 'memory' ? 'memory' : 'disk', ...(storage === 'memory' ? { cache: false } : {}) });
  const rate = (p: string) => {
    const a = marks[`${p}start`];
    const b = marks[`${p}end`];
    if (!a || !b || b.t <= a.t) return {};
    return { wall: b.rows / ((b.t - a.t) / 1000), cpu: b.rows / Math.max(1e-3, b.cpu - a.cpu) };
  };
  const p1 = rate('p1');
  const p2 = rate('p2');
  const sorted = rates.slice().sort((a, b) => a - b);
  const { first, last } = stepMarks;
  const samplesPerCpuSec = first && last && last.step > first.step ? ((last.step - first.step) * BATCH) / Math.max(1e-3, last.cpu - first.cpu) : undefined;
  process.stdout.write(`${JSON.stringify({
    status: outcome.status, cacheReused: reused,
    pass1RowsPerSec: p1.wall, pass1RowsPerCpuSec: p1.cpu, pass2RowsPerSec: p2.wall, pass2RowsPerCpuSec: p2.cpu,
    firstBatchSec: firstBatch, samplesPerSec: sorted[sorted.length >> 1], samplesPerCpuSec, peakRssMB: process.resourceUsage().maxRSS / 1024,
  })}\n`);
}

main().catch((err: unknown) => { process.stdout.write(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`); process.exit(1); });
