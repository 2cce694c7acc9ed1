/**
 * `model-studio train FILE --target NAME`: submit to a SLURM target and follow the run as if it were local
 * (the same events, the same `done` line), with `queued` events while SLURM keeps it waiting. Ctrl-C stops
 * the job (`scancel`: a pending job is cancelled, a running one gets SIGTERM and saves); `--detach` only submits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineMessage, RunStatus, BackendInfo } from '../protocol/engine';
import type { FieldOverride } from '../modelFile';
import type { BackendName, ModelSpecFile } from '../modelFile/schema';
import { RUN_FILES } from '../engine/run';

export interface TargetRunOptions {
  specPath: string;
  workspaceRoot?: string;
  runsDir?: string;
  epochs?: number;
  backend?: BackendName;
  overrides: FieldOverride[];
  targetName: string;
  detach: boolean;
  signal: AbortSignal;
  /** the id the events carry (default 'train'; the engine worker passes its run's id) */
  id?: string;
  onEvent(e: EngineMessage): void;
  onSubmitted(s: { runDir: string; runId: string; jobId: string; target: string; partition?: string; output: string }): void;
}

export interface TargetOutcome {
  runDir: string;
  status: RunStatus;
  summary: Record<string, number>;
  split?: string;
  backend?: BackendInfo;
  error?: { message: string };
  jobId: string;
}

export async function trainOnTarget(o: TargetRunOptions): Promise<TargetOutcome> {
  const { findWorkspaceRoot } = await import('../modelFile/paths');
  const { resolveTarget } = await import('../cluster/targets');
  const { submitRun } = await import('../cluster/submit');
  const workspaceRoot = path.resolve(o.workspaceRoot ?? findWorkspaceRoot(path.resolve(o.specPath)));
  const target = await resolveTarget(workspaceRoot, o.targetName);
  const submitted = await submitRun({
    specPath: path.resolve(o.specPath), workspaceRoot, runsDir: o.runsDir, target, epochs: o.epochs, backend: o.backend, overrides: o.overrides,
  });
  o.onSubmitted({
    runDir: submitted.runDir, runId: submitted.runId, jobId: submitted.jobId, target: target.name,
    ...(target.target.partition ? { partition: target.target.partition } : {}), output: path.join(submitted.runDir, `slurm-${submitted.jobId}.out`),
  });
  if (o.detach) return { runDir: submitted.runDir, status: 'queued', summary: {}, jobId: submitted.jobId };

  const { sharedMonitor } = await import('../cluster/monitor');
  const { SlurmRunWatch } = await import('../cluster/slurmRun');
  // shared by every run this process follows at this interval: one squeue call covers them all
  const monitor = sharedMonitor((target.target.pollSeconds ?? 5) * 1000);
  const watch = new SlurmRunWatch({ runDir: submitted.runDir, jobKey: submitted.jobId, target: target.name, monitor, id: o.id ?? 'train', onEvent: o.onEvent });
  const onAbort = () => {
    watch.stop().catch((err: unknown) => o.onEvent({ type: 'log', level: 'error', message: err instanceof Error ? err.message : String(err) }));
  };
  if (o.signal.aborted) onAbort();
  o.signal.addEventListener('abort', onAbort);
  try {
    const end = await watch.done;
    const record = end.record;
    let split: string | undefined;
    try {
      split = (JSON.parse(fs.readFileSync(path.join(submitted.runDir, RUN_FILES.spec), 'utf8')) as ModelSpecFile).evaluate?.split;
    } catch {
      split = undefined;
    }
    return {
      runDir: submitted.runDir, status: end.status, summary: record?.metrics ?? {}, jobId: submitted.jobId,
      ...(split && end.status !== 'failed' ? { split } : {}), ...(record?.backend ? { backend: record.backend } : {}),
      ...(end.status === 'failed' ? { error: { message: record?.error?.message ?? 'the job failed' } } : {}),
    };
  } finally {
    o.signal.removeEventListener('abort', onAbort);
  }
}
