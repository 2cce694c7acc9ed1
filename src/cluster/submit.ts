/**
 * Submitting a run to a SLURM target: the model file is validated here (its problems are the same
 * FILE:LINE:COL errors as for a local run), the run folder is made on the shared filesystem with
 * status `queued`, and one batch job trains it with the ordinary CLI (`model-studio train --resume
 * RUN_DIR`, which on a fresh folder is a plain training run). The job is submitted held, its id written
 * into run.json, then released, so the job never races the submitter over run.json. Any failure
 * removes the folder it made: nothing half-created is left.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FieldOverride } from '../modelFile';
import type { BackendName, ModelSpecFile } from '../modelFile/schema';
import { Run, RUN_FILES, defaultRunsDir, type RunRecord, type SlurmJobRecord } from '../engine/run';
import { writeFileAtomic } from '../engine/fsutil';
import { exec as defaultExec, sbatch, scancel, SlurmError, slurmWords, type Exec } from './slurm';
import type { ResolvedTarget, SlurmTarget } from './targets';

export const JOB_SCRIPT = 'slurm-job.sh';

/** POSIX shell single quotes. */
export const shQuote = (s: string): string => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The CLI as the nodes start it: the target's `command`, else this Node and this install's dist/cli.js. */
export function cliCommand(target: SlurmTarget, defaultCli: () => string): string {
  return target.command ?? `${shQuote(process.execPath)} ${shQuote(defaultCli())}`;
}

/** The CLI bundle of this install (dist/cli.js): itself when running bundled, else next to the sources. */
export function installedCli(): string {
  const here = typeof __filename === 'string' ? __filename : '';
  // bundled (dist/cli.js, dist/engine.js of the extension): cli.js beside it; from the sources: the repository's dist/
  return path.basename(path.dirname(here)) === 'dist' ? path.join(path.dirname(here), 'cli.js') : path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
}

/** sbatch options from a target (everything but the script). */
export function sbatchOptions(t: SlurmTarget): string[] {
  const out: string[] = [];
  if (t.partition) out.push(`--partition=${t.partition}`);
  if (t.account) out.push(`--account=${t.account}`);
  if (t.qos) out.push(`--qos=${t.qos}`);
  if (t.gres) out.push(`--gres=${t.gres}`);
  if (t.cpusPerTask) out.push(`--cpus-per-task=${t.cpusPerTask}`);
  if (t.mem !== undefined) out.push(`--mem=${t.mem}`);
  if (t.time !== undefined) out.push(`--time=${t.time}`);
  if (t.constraint) out.push(`--constraint=${t.constraint}`);
  out.push(...(t.sbatchArgs ?? []));
  return out;
}

/** The batch script: into the workspace, the target's setup lines, then the CLI (exec: it gets SLURM's signals). */
export function jobScript(o: { target: ResolvedTarget; workspaceRoot: string; command: string; trainArgs: string[]; what: string }): string {
  const lines = [
    '#!/bin/bash',
    `# Model Studio: ${o.what}, on target '${o.target.name}' (${o.target.file}).`,
    `# Submitted ${new Date().toISOString()} by ${os.userInfo().username}@${os.hostname()}. SLURM requeues it after a`,
    '# preemption or a node failure; it then resumes from the run\'s checkpoint.',
    'set -e',
    `cd ${shQuote(o.workspaceRoot)}`,
  ];
  if (o.target.target.setup?.trim()) lines.push('# setup (from the target)', o.target.target.setup.trim());
  lines.push(`exec ${o.command} ${o.trainArgs.map(shQuote).join(' ')}`, '');
  return lines.join('\n');
}

export interface SubmitRunOptions {
  specPath: string;
  workspaceRoot: string;
  runsDir?: string;
  target: ResolvedTarget;
  epochs?: number;
  backend?: BackendName;
  overrides?: FieldOverride[];
  /** the CLI bundle the nodes run when the target names no command (default: this install's) */
  cli?: () => string;
  exec?: Exec;
}

export interface Submitted {
  runDir: string;
  runId: string;
  jobId: string;
  record: RunRecord;
}

/** Release a job submitted held; on failure cancel it (it must not start with a run.json that lacks its id). */
async function release(jobId: string, target: string, run: Exec): Promise<void> {
  const r = await run('scontrol', ['release', jobId], { timeoutMs: 30_000 });
  if (r.code === 0) return;
  await scancel(jobId, { target }, run).catch(() => undefined);
  throw new SlurmError(`target '${target}': job ${jobId} was submitted held but could not be released (scontrol release: ${r.notFound ? 'scontrol is not on PATH' : slurmWords(r)}); it was cancelled`);
}

/** Remove a run folder this submission made (only ours: spec.json, run.json, the script, checkpoints/). */
function removeMade(dir: string): void {
  const ours = new Set<string>([RUN_FILES.spec, RUN_FILES.run, RUN_FILES.checkpoints, JOB_SCRIPT]);
  try {
    if (fs.readdirSync(dir).every((f) => ours.has(f))) fs.rmSync(dir, { recursive: true, force: true });
    const parent = path.dirname(dir);
    if (fs.readdirSync(parent).length === 0) fs.rmdirSync(parent);
  } catch {
    // already gone
  }
}

/** Validate, make the queued run folder, submit. Throws SpecError (model file) or SlurmError (SLURM's words). */
export async function submitRun(o: SubmitRunOptions): Promise<Submitted> {
  const run = o.exec ?? defaultExec;
  const { loadModelFile } = await import('../modelFile');
  const { withOverrides } = await import('../engine/session');
  const loaded = await loadModelFile(o.specPath, { workspaceRoot: o.workspaceRoot, overrides: o.overrides });
  const spec: ModelSpecFile = withOverrides(loaded, { epochs: o.epochs, backend: o.backend });
  const runsDir = path.resolve(o.runsDir ?? defaultRunsDir(o.workspaceRoot));
  const overrides = o.overrides?.length ? { overrides: Object.fromEntries(o.overrides.map((x) => [x.path, x.value])) } : {};
  const made = Run.prepare(runsDir, spec, o.specPath, spec.train.epochs, { target: o.target.name, ...overrides });
  const runDir = made.dir;
  let jobId: string | undefined;
  try {
    const scriptFile = path.join(runDir, JOB_SCRIPT);
    const command = cliCommand(o.target.target, o.cli ?? installedCli);
    writeFileAtomic(scriptFile, jobScript({
      target: o.target, workspaceRoot: o.workspaceRoot, command,
      trainArgs: ['train', '--resume', runDir, '--workspace', o.workspaceRoot], what: `run ${made.id} of ${spec.name} (${o.specPath})`,
    }));
    fs.chmodSync(scriptFile, 0o755);
    jobId = await sbatch([
      '--hold', '--requeue', `--job-name=ms-${spec.name}`, `--output=${path.join(runDir, 'slurm-%j.out')}`, '--open-mode=append',
      `--chdir=${o.workspaceRoot}`, ...sbatchOptions(o.target.target), scriptFile,
    ], run, o.target.name);
    const slurm: SlurmJobRecord = {
      jobId, ...(o.target.target.partition ? { partition: o.target.target.partition } : {}), submittedAt: new Date().toISOString(),
      output: `slurm-${jobId}.out`, script: JOB_SCRIPT, state: 'PENDING',
    };
    made.update({ slurm });
    await release(jobId, o.target.name, run);
    return { runDir, runId: made.id, jobId, record: { ...made.data } };
  } catch (err) {
    if (jobId) await scancel(jobId, { target: o.target.name }, run).catch(() => undefined);
    removeMade(runDir);
    throw err;
  }
}
