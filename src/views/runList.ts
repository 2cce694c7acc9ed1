/**
 * The runs of a model as the sidebar shows them, read from the runs folder (DESIGN.md §3):
 * newest first, each with its status, best metric, duration and a tooltip. Plain Node (no
 * `vscode`), async I/O only, so it is unit-tested and never blocks the extension host.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { RunStatus } from '../protocol/engine';
import type { RunRecord } from '../engine/run';

export interface RunEntry {
  runDir: string;
  runId: string;
  modelName: string;
  /** as on disk, except a `running` run whose engine is gone, which is shown `failed` */
  status: RunStatus;
  specPath?: string;
  startedAt?: string;
  durationMs?: number;
  backend?: string;
  epochs?: { planned: number; completed: number };
  best?: { epoch: number; monitor: string; value: number };
  metrics?: Record<string, number>;
  stopReason?: string;
  error?: string;
  /** run.json could not be read (being written, or damaged) */
  unreadable?: string;
  /** a run submitted to a SLURM target: its job (`123`, or `123_4` for a sweep trial), target and job log (absolute) */
  job?: { key: string; target?: string; log?: string; state?: string; reason?: string };
}

/** Whether a process id is alive (for `running` runs left behind by an engine that is gone). */
export type IsAlive = (pid: number) => boolean;

export const defaultIsAlive: IsAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Runs of one model (runsDir/<modelName>/<runId>/), newest first. A missing folder is no runs. */
export async function listRuns(runsDir: string, modelName: string, isLive: (runDir: string) => boolean, isAlive: IsAlive = defaultIsAlive): Promise<RunEntry[]> {
  const modelDir = path.join(runsDir, modelName);
  let names: string[];
  try {
    names = (await fsp.readdir(modelDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const entries = await Promise.all(names.map((n) => readRunEntry(path.join(modelDir, n), modelName, isLive, isAlive)));
  return entries.filter((e): e is RunEntry => e !== undefined).sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
}

export async function readRunEntry(runDir: string, modelName: string, isLive: (runDir: string) => boolean, isAlive: IsAlive = defaultIsAlive): Promise<RunEntry | undefined> {
  const runId = path.basename(runDir);
  let text: string;
  try {
    text = await fsp.readFile(path.join(runDir, 'run.json'), 'utf8');
  } catch {
    return undefined; // not a run folder (yet)
  }
  let r: Partial<RunRecord>;
  try {
    r = JSON.parse(text) as Partial<RunRecord>;
  } catch (err) {
    return { runDir, runId, modelName, status: 'failed', unreadable: `run.json is not valid JSON (${(err as Error).message})` };
  }
  let status: RunStatus = isStatus(r.status) ? r.status : 'failed';
  let error = r.error?.message;
  // a cluster job's pid is on its node, not here: SLURM says when it is over (the watcher settles run.json)
  if (status === 'running' && !r.slurm && !isLive(runDir) && typeof r.pid === 'number' && !isAlive(r.pid)) {
    status = 'failed';
    error = error ?? 'the engine ended without finishing this run (the editor or the machine was closed, or the process was killed)';
  }
  return {
    runDir, runId, modelName: r.modelName ?? modelName, status, specPath: r.specPath, startedAt: r.startedAt, durationMs: r.durationMs,
    backend: r.backend?.device ?? r.backend?.name, epochs: r.epochs, best: r.best, metrics: r.metrics, stopReason: r.stopReason, error,
    ...(r.slurm && typeof r.slurm.jobId === 'string' ? { job: jobOf(runDir, r) } : {}),
  };
}

function jobOf(runDir: string, r: Partial<RunRecord>): NonNullable<RunEntry['job']> {
  const s = r.slurm as NonNullable<RunRecord['slurm']>;
  const key = typeof s.arrayTaskId === 'number' ? `${s.jobId}_${s.arrayTaskId}` : s.jobId;
  // relative to the run folder (a sweep trial's is in the sweep's logs/); Show Job Log opens it only inside the workspace
  const log = typeof s.output === 'string' && s.output ? path.resolve(runDir, s.output) : undefined;
  return {
    key, ...(typeof r.target === 'string' ? { target: r.target } : {}), ...(log ? { log } : {}),
    ...(typeof s.state === 'string' ? { state: s.state } : {}), ...(typeof s.reason === 'string' ? { reason: s.reason } : {}),
  };
}

const isStatus = (s: unknown): s is RunStatus => s === 'queued' || s === 'running' || s === 'completed' || s === 'stopped' || s === 'failed';

/** Metrics shown first when present: the ones people compare runs by. */
const HEADLINE = ['accuracy', 'macroF1', 'auc', 'r2', 'rmse', 'mae', 'mse', 'loss'];

/** The single most telling number of a run: a test metric, else the best monitored value. */
export function headlineMetric(e: Pick<RunEntry, 'metrics' | 'best'>): { name: string; value: number } | undefined {
  const m = e.metrics ?? {};
  for (const k of HEADLINE) if (typeof m[k] === 'number' && Number.isFinite(m[k])) return { name: k, value: m[k] };
  if (e.best && Number.isFinite(e.best.value)) return { name: e.best.monitor, value: e.best.value };
  return undefined;
}

export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 0.001 ? v.toPrecision(3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '') : v.toExponential(2);
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatAgo(iso: string | undefined, now: number): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(t)) return '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** "2026-11-29 10:57:13" from a run id like 2026-11-29T10-57-13-123Z. */
export function runLabel(runId: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})/.exec(runId);
  return m ? `${m[1]} ${m[2]}:${m[3]}:${m[4]}` : runId;
}

/** The tree item's description: status, headline metric, duration (or live progress). */
export function runDescription(e: RunEntry, live?: { epoch: number; epochs: number; loss?: number }, now = Date.now()): string {
  const parts: string[] = [e.status];
  if (e.status === 'queued' && e.job) {
    parts.push(`SLURM job ${e.job.key}${e.job.target ? ` on ${e.job.target}` : ''}`);
    if (e.job.reason && e.job.reason !== 'None') parts.push(e.job.reason);
    return parts.join(' · ');
  }
  if (live && e.status === 'running') {
    parts.push(`epoch ${live.epoch}/${live.epochs}`);
    if (live.loss !== undefined && Number.isFinite(live.loss)) parts.push(`loss ${formatNumber(live.loss)}`);
    return parts.join(' · ');
  }
  const h = headlineMetric(e);
  if (h) parts.push(`${h.name} ${formatNumber(h.value)}`);
  const duration = e.durationMs ?? (e.status === 'running' && e.startedAt ? now - Date.parse(e.startedAt) : undefined);
  if (duration !== undefined && Number.isFinite(duration)) parts.push(formatDuration(duration));
  return parts.join(' · ');
}

/** The tooltip (markdown): everything a person wants before opening the run. */
export function runTooltip(e: RunEntry, now = Date.now()): string {
  const lines = [`**${e.modelName}** — run \`${e.runId}\``, '', `Status: **${e.status}**${e.stopReason ? ` (${e.stopReason})` : ''}`];
  if (e.startedAt) lines.push(`Started: ${e.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} (${formatAgo(e.startedAt, now)})`);
  if (e.durationMs !== undefined) lines.push(`Duration: ${formatDuration(e.durationMs)}`);
  if (e.epochs) lines.push(`Epochs: ${e.epochs.completed}/${e.epochs.planned}`);
  if (e.backend) lines.push(`Backend: ${e.backend}`);
  if (e.job) lines.push(`SLURM job: ${e.job.key}${e.job.target ? ` on target ${e.job.target}` : ''}${e.job.state ? ` (${e.job.state}${e.job.reason && e.job.reason !== 'None' ? `, ${e.job.reason}` : ''})` : ''}`);
  if (e.best) lines.push(`Best: ${e.best.monitor} ${formatNumber(e.best.value)} at epoch ${e.best.epoch}`);
  const metrics = Object.entries(e.metrics ?? {}).filter(([, v]) => typeof v === 'number');
  if (metrics.length) lines.push(`Test: ${metrics.slice(0, 6).map(([k, v]) => `${k} ${formatNumber(v)}`).join(', ')}`);
  if (e.error) lines.push('', `Error: ${e.error}`);
  if (e.unreadable) lines.push('', e.unreadable);
  lines.push('', `\`${e.runDir}\``);
  return lines.join('  \n');
}

/** The model's name as the engine will use it for its run folder: `name:` in the file, else the file name. */
export function modelNameOf(parsed: unknown, file: string): string {
  if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { name?: unknown }).name === 'string') {
    const n = (parsed as { name: string }).name.trim();
    if (n) return n;
  }
  return path.basename(file).replace(/\.model\.(ya?ml|json)$/i, '');
}
