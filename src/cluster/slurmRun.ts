/**
 * A run on a SLURM target, watched from the machine that submitted it: queued (with SLURM's pending
 * reason), then the engine messages its run folder yields (RunFolderFollower), then the end. The end is
 * the job leaving the queue: run.json is then settled with SLURM's word — a job SLURM ended (time
 * limit, preemption, node failure, out of memory) is `failed` with that reason and keeps its best and
 * resumable checkpoints; a job that ended before the engine could say anything is failed with its exit
 * code and the end of its log; a cancelled one is `stopped`. Only then is run.json written from here, so
 * the watcher never races the job over it. A requeued job is simply followed again: it resumes itself.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { EngineMessage, RunStatus } from '../protocol/engine';
import { readRunRecord, RUN_FILES, type RunRecord } from '../engine/run';
import { writeJsonAtomic } from '../engine/fsutil';
import { RunFolderFollower } from './follow';
import type { JobUpdate, SlurmMonitor } from './monitor';
import { exec as defaultExec, slurmEndReason, stopJob, type Exec, type JobInfo } from './slurm';

export interface SlurmRunOptions {
  runDir: string;
  /** `123`, or `123_4` for a sweep trial's array task */
  jobKey: string;
  target: string;
  monitor: SlurmMonitor;
  /** the id carried by the messages (a run key in VS Code, 'train' in the CLI) */
  id: string;
  onEvent(m: EngineMessage): void;
  /** how often the run folder is read (default 1 s; files, not SLURM) */
  filePollMs?: number;
  exec?: Exec;
}

export interface SlurmRunEnd {
  status: RunStatus;
  record: RunRecord | undefined;
  /** SLURM's last word on the job */
  job?: JobInfo;
}

/** The last lines of the job's output file, for a failure that left no other explanation. */
async function logTail(runDir: string, record: RunRecord | undefined, lines = 8): Promise<string> {
  const file = record?.slurm?.output ? path.join(runDir, record.slurm.output) : undefined;
  if (!file) return '';
  try {
    const text = await fsp.readFile(file, 'utf8');
    return text.trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const RESUME_HINT = (runDir: string) => `its best checkpoint and resume checkpoint are kept: continue it with Resume Run or \`model-studio train --resume ${runDir}\``;

/**
 * Settle run.json once the job is over. Returns the status the run ends with. Exported for the sidebar,
 * which settles runs whose watcher was not there (the editor was closed while the job ran).
 */
export async function settleRun(runDir: string, jobKey: string, job: JobInfo | undefined, how: { stopRequested?: boolean } = {}): Promise<RunRecord> {
  const record = readRunRecord(runDir);
  const slurm = record.slurm ? { ...record.slurm, state: job?.state ?? 'UNKNOWN', ...(job?.reason ? { reason: job.reason } : {}), ...(job?.exitCode ? { exitCode: job.exitCode } : {}) } : undefined;
  const why = job ? slurmEndReason(job, jobKey) : undefined;
  const now = new Date().toISOString();
  let next: RunRecord = { ...record, ...(slurm ? { slurm } : {}) };
  const fail = (message: string) => { next = { ...next, status: 'failed', error: { message }, endedAt: record.endedAt ?? now, updatedAt: now }; };
  switch (record.status) {
    case 'completed':
    case 'failed':
      break;
    case 'stopped':
      // the engine stopped on SIGTERM; when SLURM sent it (time limit, preemption), that is a failure to say so
      if (why) fail(`${why}; ${RESUME_HINT(runDir)}`);
      break;
    case 'queued':
    case 'running': {
      const cancelled = how.stopRequested || job?.state === 'CANCELLED';
      if (cancelled && !why) {
        next = {
          ...next, status: 'stopped', endedAt: now, updatedAt: now,
          stopReason: record.status === 'queued' ? 'cancelled before it started' : `the job was cancelled before the run could save (${job?.state ?? 'scancel'})`,
        };
        break;
      }
      const tail = await logTail(runDir, record);
      const exit = job?.exitCode ? `, exit code ${job.exitCode}` : '';
      const base = why ?? (job
        ? `job ${jobKey} ended (${job.state}${job.reason && job.reason !== 'None' ? `, ${job.reason}` : ''}${exit}) without the run finishing`
        : `job ${jobKey} left the queue and SLURM no longer describes it, and the run did not finish`);
      fail(`${base}${record.status === 'running' ? `; ${RESUME_HINT(runDir)}` : ''}${tail ? `. The job log ends:\n${tail}` : ''}`);
      break;
    }
  }
  writeJsonAtomic(path.join(runDir, RUN_FILES.run), next);
  return next;
}

export class SlurmRunWatch {
  readonly done: Promise<SlurmRunEnd>;
  private readonly follower: RunFolderFollower;
  private stopRequested = false;
  private lastQueued = '';
  private fileTimer: NodeJS.Timeout | undefined;
  private state: string | undefined;

  constructor(private readonly o: SlurmRunOptions) {
    this.follower = new RunFolderFollower(o.runDir, o.id, o.onEvent);
    this.done = new Promise<SlurmRunEnd>((resolve) => {
      const sub = o.monitor.watch(o.jobKey, (u) => {
        void this.onUpdate(u).then((end) => {
          if (!end) return;
          sub.dispose();
          resolve(end);
        });
      });
    });
    this.readFiles();
  }

  /** SLURM's state of the job as last seen (PENDING, RUNNING, …; undefined before the first look). */
  get jobState(): string | undefined {
    return this.state;
  }

  /**
   * Stop: a job waiting in the queue is cancelled; a running one gets SIGTERM (`scancel --full
   * --signal=TERM`), finishes its batch, saves and ends `stopped`.
   */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await stopJob(this.o.jobKey, this.state, this.o.target, this.o.exec ?? defaultExec);
    this.o.monitor.nudge();
  }

  private readFiles(): void {
    this.fileTimer = setTimeout(() => {
      void this.follower.poll().finally(() => this.readFiles());
    }, this.o.filePollMs ?? 1000);
  }

  private async onUpdate(u: JobUpdate): Promise<SlurmRunEnd | undefined> {
    this.state = u.state;
    if (u.inQueue) {
      if (u.state === 'PENDING' || u.state === 'REQUEUED') {
        const key = `${u.state}|${u.reason}`;
        if (key !== this.lastQueued) {
          this.lastQueued = key;
          this.o.onEvent({ type: 'queued', id: this.o.id, runDir: this.o.runDir, jobId: this.o.jobKey, target: this.o.target, state: u.state, reason: u.reason });
        }
      } else {
        this.lastQueued = '';
      }
      return undefined;
    }
    // the job is over: read the folder to its end, settle run.json, then say how it ended
    if (this.fileTimer) clearTimeout(this.fileTimer);
    await this.follower.poll();
    let record: RunRecord | undefined;
    try {
      record = await settleRun(this.o.runDir, this.o.jobKey, u.final, { stopRequested: this.stopRequested });
    } catch {
      record = this.follower.record;
    }
    await this.follower.poll();
    const status: RunStatus = record?.status === 'queued' || record?.status === 'running' || !record ? 'failed' : record.status;
    const id = this.o.id;
    const summary = record?.metrics ?? {};
    if ((status === 'completed' || status === 'stopped') && Object.keys(summary).length > 0) {
      this.o.onEvent({ type: 'reportReady', id, runDir: this.o.runDir, summary });
    }
    if (status === 'failed') this.o.onEvent({ type: 'error', id, message: record?.error?.message ?? `job ${this.o.jobKey} failed`, ...(record?.error?.location ? { location: record.error.location } : {}) });
    this.o.onEvent({ type: 'done', id, status, runDir: this.o.runDir, summary });
    return { status, record, ...(u.final ? { job: u.final } : {}) };
  }
}
