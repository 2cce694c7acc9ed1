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

export interface EpochLine { epoch: number; logs: Record<string, number>; epochs?: number; step?: number }

/** The epoch a line reports, or undefined for any other line. */
export function epochOfLine(line: unknown): EpochLine | undefined {
  if (!isRecord(line) || typeof line.epoch !== 'number') return undefined;
  if (line.type === 'epochEnded' && isRecord(line.logs)) {
    return { epoch: line.epoch, logs: numbers(line.logs, new Set()), ...(typeof line.epochs === 'number' ? { epochs: line.epochs } : {}) };
  }
  if (line.event === 'epoch') return { epoch: line.epoch, logs: numbers(line, V1_NOT_METRICS), ...(typeof line.step === 'number' ? { step: line.step } : {}) };
  return undefined;
}

/**
 * A resumed run's marker (`train --resume`): it continues at `epoch` (1-based, the epoch in progress) after
 * `step` batches. Epoch lines written after the checkpoint it resumed from are superseded by the ones that follow.
 */
export function resumeOfLine(line: unknown): { epoch: number; step?: number } | undefined {
  if (!isRecord(line) || typeof line.epoch !== 'number' || !(line.event === 'resume' || line.type === 'resumed' || line.type === 'resume')) return undefined;
  return { epoch: line.epoch, ...(typeof line.step === 'number' ? { step: line.step } : {}) };
}

/** Whether an epoch line is superseded by a resume marker (written after the checkpoint the run resumed from). */
export function supersededBy(e: Pick<EpochLine, 'epoch' | 'step'>, resume: { epoch: number; step?: number }): boolean {
  return e.step !== undefined && resume.step !== undefined ? e.step > resume.step : e.epoch >= resume.epoch;
}

/** The epochs of a run's metrics.jsonl lines, in order, without those a resume superseded. */
export function epochsOfLines(lines: Iterable<unknown>): EpochLine[] {
  let out: EpochLine[] = [];
  for (const line of lines) {
    const r = resumeOfLine(line);
    if (r) {
      out = out.filter((e) => !supersededBy(e, r));
      continue;
    }
    const e = epochOfLine(line);
    if (e) out.push(e);
  }
  return out;
}

/** The planned epochs a line announces (the run's first line), or undefined. */
export function plannedEpochsOfLine(line: unknown): number | undefined {
  if (!isRecord(line) || typeof line.epochs !== 'number') return undefined;
  return line.event === 'trainBegin' || line.type === 'runStarted' ? line.epochs : undefined;
}
