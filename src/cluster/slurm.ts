/**
 * SLURM's command-line tools, called with their machine-readable options and parsed: sbatch (submit),
 * squeue (the queue, one call for many jobs), scontrol (a job while SLURM still holds it), sacct (a
 * job's record where accounting is on), scancel (stop). Every call has a timeout; a tool that is not on
 * PATH or that refuses is a SlurmError quoting SLURM's own words.
 */
import { spawn } from 'node:child_process';

export class SlurmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlurmError';
  }
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** the program is not on PATH */
  notFound?: boolean;
  timedOut?: boolean;
}

export type Exec = (cmd: string, args: string[], opts?: { timeoutMs?: number }) => Promise<ExecResult>;

/** Run a program without a shell; never throws (the result says what happened). */
export const exec: Exec = (cmd, args, opts = {}) => new Promise((resolve) => {
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? 30_000);
  child.stdout.on('data', (d: Buffer) => { if (stdout.length < 4_000_000) stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { if (stderr.length < 100_000) stderr += d.toString(); });
  child.once('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    resolve({ code: null, stdout, stderr: err.message, notFound: err.code === 'ENOENT' });
  });
  child.once('close', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr, ...(timedOut ? { timedOut: true } : {}) });
  });
});

/** SLURM's words from a failed call: its stderr (or stdout), one line. */
export function slurmWords(r: ExecResult): string {
  const text = (r.stderr.trim() || r.stdout.trim()).replace(/\s*\n\s*/g, '; ');
  return text || (r.timedOut ? 'no answer (timed out)' : `exit code ${r.code}`);
}

export function notOnPath(tool: string, target?: string): SlurmError {
  return new SlurmError(`${target ? `target '${target}': ` : ''}${tool} is not on PATH: this machine has no SLURM client tools. Run Model Studio where sbatch works (a login node of the cluster), or install SLURM's client (Debian: apt-get install slurm-client) and its configuration`);
}

// ---------------------------------------------------------------- sbatch

/** `sbatch --parsable …`: the job id it printed ("123" or "123;cluster" → "123"). */
export async function sbatch(args: string[], run: Exec = exec, target?: string): Promise<string> {
  const r = await run('sbatch', ['--parsable', ...args], { timeoutMs: 60_000 });
  if (r.notFound) throw notOnPath('sbatch', target);
  if (r.code !== 0) throw new SlurmError(`${target ? `target '${target}': ` : ''}sbatch refused the job: ${slurmWords(r)}`);
  const id = r.stdout.trim().split('\n').pop()?.split(';')[0]?.trim() ?? '';
  if (!/^\d+$/.test(id)) throw new SlurmError(`${target ? `target '${target}': ` : ''}sbatch printed no job id (it said: ${slurmWords(r)})`);
  return id;
}

// ---------------------------------------------------------------- squeue

export interface QueueEntry {
  /** `123`, or `123_4` for a task of array 123 */
  key: string;
  jobId: string;
  /** SLURM's state: PENDING, RUNNING, COMPLETING, … */
  state: string;
  /** why it is pending (Priority, Resources, JobArrayTaskLimit, BeginTime, …), `None` when running */
  reason: string;
}

/** The base job id of a key: `123_4` → `123`. */
export const baseJobId = (key: string): string => key.split('_')[0];

/**
 * One squeue call for every job and array of interest: a map from key (`123`, `123_4`) to its entry;
 * jobs that have left the queue are absent. Pending array tasks are listed one by one (-r).
 */
export async function squeue(jobIds: readonly string[], run: Exec = exec): Promise<Map<string, QueueEntry>> {
  const ids = [...new Set(jobIds.map(baseJobId))];
  const out = new Map<string, QueueEntry>();
  if (ids.length === 0) return out;
  const r = await run('squeue', ['-h', '-r', '-j', ids.join(','), '-o', '%F|%K|%A|%T|%r'], { timeoutMs: 30_000 });
  if (r.notFound) throw notOnPath('squeue');
  // A job id that left the queue long ago makes some versions fail the whole call ("Invalid job id"):
  // then none of those listed is in the queue, which is what an empty answer says too.
  if (r.code !== 0) {
    if (/invalid job id/i.test(r.stderr)) return out;
    throw new SlurmError(`squeue failed: ${slurmWords(r)}`);
  }
  for (const line of r.stdout.split('\n')) {
    const [array, task, job, state, reason] = line.trim().split('|');
    if (!array || !state) continue;
    const isTask = task !== undefined && /^\d+$/.test(task);
    const key = isTask ? `${array}_${task}` : array;
    out.set(key, { key, jobId: job ?? array, state, reason: reason ?? '' });
  }
  return out;
}

// ---------------------------------------------------------------- scontrol / sacct

export interface JobInfo {
  state: string;
  reason?: string;
  /** `130:0` (exit code : signal) */
  exitCode?: string;
  timeLimit?: string;
  runTime?: string;
  restarts?: number;
  stdout?: string;
}

/** `key=value key=value …` of `scontrol show job -o` (values may not contain spaces, except the last). */
export function parseScontrol(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(?:^|\s)([A-Za-z][A-Za-z0-9_:/]*)=(\S*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) out[m[1]] = m[2];
  return out;
}

/** A job as scontrol describes it while SLURM holds it (MinJobAge after its end); undefined when it has gone. */
export async function scontrolJob(key: string, run: Exec = exec): Promise<JobInfo | undefined> {
  const r = await run('scontrol', ['show', 'job', '-o', key], { timeoutMs: 15_000 });
  if (r.notFound) throw notOnPath('scontrol');
  if (r.code !== 0) return undefined; // "Invalid job id specified": it has gone
  const first = r.stdout.split('\n').find((l) => l.includes('JobState='));
  if (!first) return undefined;
  const f = parseScontrol(first);
  return {
    state: f.JobState ?? 'UNKNOWN', reason: f.Reason, exitCode: f.ExitCode, timeLimit: f.TimeLimit, runTime: f.RunTime,
    ...(f.Restarts !== undefined ? { restarts: Number(f.Restarts) } : {}), ...(f.StdOut ? { stdout: f.StdOut } : {}),
  };
}

/** A finished job from accounting; 'disabled' when the cluster keeps none, undefined when it has no record. */
export async function sacctJob(key: string, run: Exec = exec): Promise<JobInfo | undefined | 'disabled'> {
  const r = await run('sacct', ['-n', '-P', '-X', '-j', key, '-o', 'JobID,State,ExitCode,Reason,Timelimit,Elapsed'], { timeoutMs: 30_000 });
  if (r.notFound) return 'disabled';
  if (r.code !== 0 || /accounting storage is disabled/i.test(r.stderr + r.stdout)) return 'disabled';
  const lines = r.stdout.split('\n').map((l) => l.trim().split('|')).filter((f) => f.length >= 3 && f[0] === key);
  const last = lines[lines.length - 1];
  if (!last) return undefined;
  // "CANCELLED by 0" → CANCELLED
  const [, state, exitCode, reason, timeLimit, runTime] = last;
  return { state: state.split(' ')[0], exitCode, ...(reason ? { reason } : {}), ...(timeLimit ? { timeLimit } : {}), ...(runTime ? { runTime } : {}) };
}

/** What SLURM knows of a job that left the queue: sacct where accounting is on, else scontrol while it lasts. */
export async function finalJobInfo(key: string, run: Exec = exec): Promise<JobInfo | undefined> {
  const acct = await sacctJob(key, run);
  if (acct && acct !== 'disabled') return acct;
  return scontrolJob(key, run);
}

// ---------------------------------------------------------------- scancel

/**
 * Stop a job: a running one gets SIGTERM in every process (the batch step included: `--full`), so
 * training finishes its batch, saves and ends `stopped`; a pending one is simply cancelled.
 */
export async function scancel(key: string, how: { signal?: 'TERM'; target?: string } = {}, run: Exec = exec): Promise<void> {
  const args = how.signal ? ['--full', `--signal=${how.signal}`, key] : [key];
  const r = await run('scancel', args, { timeoutMs: 30_000 });
  if (r.notFound) throw notOnPath('scancel', how.target);
  if (r.code !== 0) throw new SlurmError(`${how.target ? `target '${how.target}': ` : ''}scancel ${args.join(' ')} failed: ${slurmWords(r)}`);
}

/**
 * Stop a job the way Stop means it: SIGTERM to a running one (it saves and ends `stopped`), cancel one
 * still waiting. When the state is not known yet, the signal is tried first (SLURM refuses to signal a
 * pending job) and the job is cancelled if it is refused.
 */
export async function stopJob(key: string, state: string | undefined, target: string | undefined, run: Exec = exec): Promise<void> {
  const waiting = state === 'PENDING' || state === 'REQUEUED' || state === 'SUSPENDED' || state === 'REQUEUE_HOLD';
  if (waiting) return scancel(key, { target }, run);
  try {
    await scancel(key, { signal: 'TERM', target }, run);
  } catch (err) {
    if (state === 'RUNNING') throw err;
    await scancel(key, { target }, run);
  }
}

// ---------------------------------------------------------------- what an ended job means

/** States after which SLURM does nothing more with a job (it may still be requeued from some of them). */
export const ENDED_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'PREEMPTED', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'SPECIAL_EXIT']);

/** Why SLURM ended a job, in words, when it was SLURM (not the run) that ended it; undefined otherwise. */
export function slurmEndReason(info: Pick<JobInfo, 'state' | 'reason' | 'timeLimit' | 'exitCode'>, jobKey: string): string | undefined {
  const limit = info.timeLimit ? ` (${info.timeLimit})` : '';
  switch (info.state) {
    case 'TIMEOUT': return `SLURM ended job ${jobKey} at its time limit${limit}`;
    case 'PREEMPTED': return `SLURM preempted job ${jobKey} for a higher-priority job (and did not requeue it)`;
    case 'NODE_FAIL': return `job ${jobKey} ended because its node failed (NODE_FAIL)`;
    case 'OUT_OF_MEMORY': return `job ${jobKey} ran out of memory (OUT_OF_MEMORY): raise the target's \`mem\``;
    case 'BOOT_FAIL': return `job ${jobKey} could not start: its node failed to boot (BOOT_FAIL)`;
    case 'DEADLINE': return `job ${jobKey} missed its deadline (DEADLINE)`;
    default:
      if (info.reason === 'TimeLimit') return `SLURM ended job ${jobKey} at its time limit${limit}`;
      return undefined;
  }
}
