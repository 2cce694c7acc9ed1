/**
 * The training side of a SLURM job: which job this process is, and — when SIGTERM arrives — whether it is
 * SLURM ending the job (time limit: scontrol then says Reason=TimeLimit; preemption) or a person stopping
 * the run (`scancel --signal=TERM`: the job is still RUNNING). A run SLURM ended is marked failed with the
 * reason right here, so run.json says so even when nobody is watching the job.
 */
import * as path from 'node:path';
import { readRunRecord, RUN_FILES } from '../engine/run';
import { writeJsonAtomic } from '../engine/fsutil';
import { exec as defaultExec, scontrolJob, slurmEndReason, type Exec } from './slurm';

export interface ThisJob {
  /** as scontrol takes it: `123`, or `123_4` for an array task */
  key: string;
  jobId: string;
  arrayJobId?: string;
  arrayTaskId?: number;
}

export function thisSlurmJob(env: NodeJS.ProcessEnv = process.env): ThisJob | undefined {
  const jobId = env.SLURM_JOB_ID;
  if (!jobId) return undefined;
  const arrayJobId = env.SLURM_ARRAY_JOB_ID;
  const task = env.SLURM_ARRAY_TASK_ID;
  if (arrayJobId && task !== undefined && /^\d+$/.test(task)) return { key: `${arrayJobId}_${task}`, jobId, arrayJobId, arrayTaskId: Number(task) };
  return { key: jobId, jobId };
}

/** Whether a run folder's recorded job is this process's job (a requeued job taking its run over again). */
export function isThisJob(slurm: { jobId: string; arrayTaskId?: number } | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  const me = thisSlurmJob(env);
  if (!me || !slurm) return false;
  if (slurm.arrayTaskId !== undefined) return me.arrayJobId === slurm.jobId && me.arrayTaskId === slurm.arrayTaskId;
  return me.jobId === slurm.jobId;
}

/**
 * Asked at SIGTERM: SLURM's reason when it is SLURM that ends the job, in words; undefined when the job is
 * still running (a stop request) or SLURM cannot be asked.
 */
export async function endingBySlurm(run: Exec = defaultExec): Promise<string | undefined> {
  const me = thisSlurmJob();
  if (!me) return undefined;
  try {
    const info = await scontrolJob(me.key, run);
    if (!info || info.state === 'RUNNING') return undefined;
    return slurmEndReason(info, me.key);
  } catch {
    return undefined;
  }
}

/** Mark a run SLURM ended as failed with the reason; returns the message recorded. */
export function markEndedBySlurm(runDir: string, why: string): string {
  const message = `${why}; its best checkpoint and resume checkpoint are kept: continue it with Resume Run or \`model-studio train --resume ${runDir}\``;
  const record = readRunRecord(runDir);
  const me = thisSlurmJob();
  writeJsonAtomic(path.join(runDir, RUN_FILES.run), {
    ...record, status: 'failed', error: { message }, updatedAt: new Date().toISOString(),
    ...(record.slurm && me ? { slurm: { ...record.slurm, reason: why } } : {}),
  });
  return message;
}
