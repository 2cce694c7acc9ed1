/**
 * The epoch results in a metrics.jsonl line, in either line format: version 1
 * (`{"event":"epoch","epoch":3,"loss":…,"val_loss":…}`) or version 2, the engine's own event
 * (`{"v":2,"type":"epochEnded","epoch":3,"epochs":20,"logs":{"loss":…}}`). Sweeps and the runs table only
 * need the epoch, its numbers and the planned epochs, so they read both.
 */
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Only finite numbers: a null (NaN written by the engine) is a missing value. */
function numbers(o: Record<string, unknown>, skip: ReadonlySet<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && Number.isFinite(v) && !skip.has(k)) out[k] = v;
  return out;
}

const V1_NOT_METRICS = new Set(['epoch', 'step', 'elapsedMs', 'batch']);

export interface EpochLine { epoch: number; logs: Record<string, number>; epochs?: number }

/** The epoch a line reports, or undefined for any other line. */
export function epochOfLine(line: unknown): EpochLine | undefined {
  if (!isRecord(line) || typeof line.epoch !== 'number') return undefined;
  if (line.type === 'epochEnded' && isRecord(line.logs)) {
    return { epoch: line.epoch, logs: numbers(line.logs, new Set()), ...(typeof line.epochs === 'number' ? { epochs: line.epochs } : {}) };
  }
  if (line.event === 'epoch') return { epoch: line.epoch, logs: numbers(line, V1_NOT_METRICS) };
  return undefined;
}

/** The planned epochs a line announces (the run's first line), or undefined. */
export function plannedEpochsOfLine(line: unknown): number | undefined {
  if (!isRecord(line) || typeof line.epochs !== 'number') return undefined;
  return line.event === 'trainBegin' || line.type === 'runStarted' ? line.epochs : undefined;
}
