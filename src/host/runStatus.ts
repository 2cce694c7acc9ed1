/**
 * What the status bar says about runs, as a pure function of the live runs and the time (no `vscode`):
 * the newest running run (starting, its epoch, loss and ETA, or "stopping"), else the run that ended last
 * (completed, stopped, failed) for a short while after it ended, else nothing. It follows a run to its end
 * in every outcome and never shows an earlier run's state once a newer one has started.
 */
import * as path from 'node:path';
import { readPassText, readPercent, readProgressText, type ReadProgressLike } from '../protocol/dataProgress';
import type { ProgressInfo, RunStatus } from '../protocol/engine';
import { formatDuration, formatNumber } from '../views/runList';

/** The parts of a live run the status bar reads (RunManager's LiveRun has them all). */
export interface RunForStatus {
  runKey: string;
  specPath: string;
  modelName?: string;
  status: RunStatus;
  stopRequested: boolean;
  startedAt: number;
  /** when the run left `running` (done, stopped, failed, or its process ended) */
  endedAt?: number;
  progress?: ProgressInfo;
  /** the epochs that ended (a stopped run says this, not the epoch it was in when it stopped) */
  epochsCompleted?: number;
  /** reading the data, before the first epoch */
  reading?: ReadProgressLike;
  epochs?: number;
  lastError?: string;
  /** the test metrics of a completed run */
  summary?: Record<string, number>;
}

export interface StatusView {
  runKey: string;
  text: string;
  tooltip: string;
  /** an error colour (a failed run) */
  error: boolean;
  /** when this view stops being true without any message (an ended run's linger runs out): update then */
  until?: number;
}

/** How long an ended run stays in the status bar. */
export const ENDED_LINGER_MS = 15_000;

const nameOf = (r: RunForStatus) => r.modelName ?? path.basename(r.specPath).replace(/\.model\.(ya?ml|json)$/, '');

/** The headline metric of a summary (accuracy for classifiers, R² for regression), as "accuracy 0.96". */
function headline(summary: Record<string, number> | undefined): string | undefined {
  if (!summary) return undefined;
  for (const key of ['accuracy', 'r2', 'macroF1', 'mae', 'mse']) {
    const v = summary[key];
    if (typeof v === 'number' && Number.isFinite(v)) return `${key === 'r2' ? 'R²' : key} ${formatNumber(v)}`;
  }
  return undefined;
}

export function statusView(runs: readonly RunForStatus[], now: number, lingerMs = ENDED_LINGER_MS): StatusView | null {
  const newestFirst = [...runs].sort((a, b) => b.startedAt - a.startedAt);
  const running = newestFirst.filter((r) => r.status === 'running');
  const run = running[0];
  if (run) {
    const more = running.length > 1 ? ` (+${running.length - 1} more)` : '';
    const p = run.progress;
    if (run.stopRequested) {
      return { runKey: run.runKey, text: `$(loading~spin) ${nameOf(run)} · stopping after this batch…${more}`, tooltip: `Stopping ${run.specPath}: the current batch finishes and the best checkpoint is kept\nClick to open the dashboard`, error: false };
    }
    const parts = [nameOf(run)];
    if (!p && run.reading) {
      // a big table takes a while to read before the first epoch: say how far (the dashboard's words, shorter)
      const r = run.reading;
      parts.push(`reading data ${readPercent(r)}% (${readPassText(r)})`);
      return { runKey: run.runKey, text: `$(sync~spin) ${parts.join(' · ')}${more}`, tooltip: `Reading the data of ${run.specPath}: ${readProgressText(r)}\nClick to open the dashboard`, error: false };
    }
    if (!p) parts.push('starting…');
    else {
      parts.push(`epoch ${p.epoch}/${p.epochs}`);
      if (typeof p.logs.loss === 'number' && Number.isFinite(p.logs.loss)) parts.push(`loss ${formatNumber(p.logs.loss)}`);
      if (p.etaMs !== null) parts.push(`ETA ${formatDuration(p.etaMs)}`);
    }
    return { runKey: run.runKey, text: `$(sync~spin) ${parts.join(' · ')}${more}`, tooltip: `Training ${run.specPath}\nClick to open the dashboard`, error: false };
  }
  // nothing runs: the run that ended last, for a while (only if no newer run started since)
  const last = newestFirst[0];
  if (!last || last.endedAt === undefined || now - last.endedAt >= lingerMs) return null;
  const until = last.endedAt + lingerMs;
  const p = last.progress;
  const epoch = p ? ` at epoch ${last.epochsCompleted ?? 0}/${p.epochs}` : '';
  switch (last.status) {
    case 'completed': {
      const metric = headline(last.summary);
      return { runKey: last.runKey, text: `$(pass) ${nameOf(last)} · completed${metric ? ` · ${metric}` : ''}`, tooltip: `${last.specPath} trained${epoch}\nClick to open the dashboard and its report`, error: false, until };
    }
    case 'stopped':
      return { runKey: last.runKey, text: `$(debug-stop) ${nameOf(last)} · stopped${epoch}`, tooltip: `${last.specPath}: stopped${epoch}; the best checkpoint is kept\nClick to open the dashboard`, error: false, until };
    case 'failed':
      return { runKey: last.runKey, text: `$(error) ${nameOf(last)} · failed`, tooltip: `${last.specPath}: ${last.lastError ?? 'training failed'}\nClick to open the dashboard`, error: true, until };
    default:
      return null;
  }
}
