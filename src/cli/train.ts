/**
 * `model-studio train FILE [--epochs N] [--backend NAME] [--runs-dir DIR] [--json]`
 * `model-studio train --resume RUN_DIR [--epochs N] [--backend NAME] [--json]`
 *
 * A progress bar on a terminal, plain lines otherwise, the report summary at the end. With --json,
 * one JSON object per line per event and last a summary line:
 *   {"event":"done","run":"<run folder>","status":"completed","backend":"wasm","metrics":{…}}
 * Exit codes: 0 ok, 1 failed run, 2 usage or validation error, 130 stopped (Ctrl-C or SIGTERM: the run
 * finishes its batch, writes its resumable checkpoint and is marked stopped).
 * (This file also holds the argument and error helpers the evaluate and predict commands share.)
 */
import * as path from 'node:path';
import type { EngineMessage, ProgressInfo, Logs, RunStatus } from '../protocol/engine';
import { parse as parseYaml } from 'yaml';
import { BACKENDS, type BackendName } from '../modelFile/schema';
import type { FieldOverride } from '../modelFile';
import { readProgressText } from '../protocol/dataProgress';

// ---------------------------------------------------------------- shared helpers

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string>;
  /** options that may be given more than once (`--set a=1 --set b=2`), in order */
  lists: Map<string, string[]>;
}

/** Positionals, --flag, --key VALUE and --key=VALUE; unknown options are usage errors. */
export function parseArgs(args: string[], spec: { flags: string[]; values: string[]; lists?: string[] }): ParsedArgs {
  const out: ParsedArgs = { positionals: [], flags: new Set(), values: new Map(), lists: new Map() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      out.positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq === -1 ? undefined : eq);
    if (spec.flags.includes(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      out.flags.add(name);
    } else if (spec.values.includes(name) || spec.lists?.includes(name)) {
      const value = eq !== -1 ? a.slice(eq + 1) : args[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      if (spec.lists?.includes(name)) out.lists.set(name, [...(out.lists.get(name) ?? []), value]);
      else out.values.set(name, value);
    } else {
      const known = [...spec.flags, ...spec.values, ...(spec.lists ?? [])].map((k) => `--${k}`).join(', ');
      throw new UsageError(`unknown option '${a}' (known: ${known || 'none'})`);
    }
  }
  return out;
}

export function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer (got '${value}')`);
  return n;
}

export function backendArg(value: string | undefined): BackendName | undefined {
  if (value === undefined) return undefined;
  if (!(BACKENDS as readonly string[]).includes(value)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')} (got '${value}')`);
  return value as BackendName;
}

/**
 * Print an error before any run exists and return the exit code: 2 for usage, model-file, data and
 * backend problems (FILE:LINE:COL: error: MESSAGE for the file), 1 for anything else.
 */
export function reportStartError(command: string, err: unknown): number {
  const problems = (err as { problems?: unknown }).problems;
  if (Array.isArray(problems) && problems.length > 0) {
    for (const p of problems as Array<{ file: string; line: number; column: number; severity?: string; message: string }>) {
      process.stderr.write(`${p.file}:${p.line}:${p.column}: ${p.severity ?? 'error'}: ${p.message}\n`);
    }
    return 2;
  }
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'DataError') {
    // the data pipeline's messages already start with FILE:ROW
    process.stderr.write(`error: ${message}\n`);
    return 2;
  }
  process.stderr.write(`model-studio ${command}: ${message}\n`);
  if (name === 'UsageError') process.stderr.write(`run 'model-studio --help' for usage\n`);
  return name === 'UsageError' || name === 'BackendError' || name === 'SpecError' || name === 'SavedModelError' || name === 'ResumeRefused' || name === 'ResumeError' || name === 'SlurmError' ? 2 : 1;
}

/**
 * `--set PATH=VALUE` → a field override. VALUE is read as YAML (so `0.01` is a number, `sgd` a string,
 * `"16"` the string 16 and `{type: sgd}` a mapping); PATH is checked against the model file later.
 */
export function overrideArg(arg: string): FieldOverride {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set takes PATH=VALUE, e.g. --set train.optimizer.learningRate=0.001 (got '${arg}')`);
  const text = arg.slice(eq + 1);
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new UsageError(`--set ${arg.slice(0, eq)}: cannot read the value '${text}' (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); quote strings with special characters`);
  }
  if (value === null && text.trim() === '') throw new UsageError(`--set ${arg.slice(0, eq)}: give a value after '='`);
  return { path: arg.slice(0, eq).trim(), value };
}

export const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? v.toExponential(3) : String(Number(v.toPrecision(4))));

/** A path as the person typed it would look: relative to the cwd when inside it. */
export const shown = (p: string) => {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
};
const formatLogs = (logs: Logs) => Object.entries(logs).map(([k, v]) => `${k} ${fmt(v)}`).join('  ');
const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
};

export function printSummary(out: NodeJS.WritableStream, title: string, summary: Record<string, number>): void {
  out.write(`${title}\n`);
  const w = Math.max(...Object.keys(summary).map((k) => k.length), 8);
  for (const [k, v] of Object.entries(summary)) out.write(`  ${k.padEnd(w)}  ${fmt(v)}\n`);
}

// ---------------------------------------------------------------- train

function progressBar(p: ProgressInfo): string {
  const width = 20;
  const done = Math.round((p.batch / Math.max(1, p.batches)) * width);
  const logs = Object.entries(p.logs).filter(([k]) => !k.startsWith('val_') && k !== 'lr');
  const eta = p.etaMs === null ? '' : ` · ETA ${clock(p.etaMs)}`;
  return `epoch ${p.epoch}/${p.epochs} [${'█'.repeat(done)}${'░'.repeat(width - done)}] ${p.batch}/${p.batches}  ${formatLogs(Object.fromEntries(logs))} · ${Math.round(p.samplesPerSec).toLocaleString('en-US')} samples/s${eta}`;
}

export async function run(args: string[]): Promise<number> {
  let parsed: ParsedArgs;
  let epochs: number | undefined;
  let backend: BackendName | undefined;
  let overrides: FieldOverride[] = [];
  try {
    parsed = parseArgs(args, { flags: ['json', 'detach', 'no-cache'], values: ['epochs', 'backend', 'runs-dir', 'run-dir', 'workspace', 'resume', 'target'], lists: ['set'] });
    const target = parsed.values.get('target');
    if (target !== undefined && target !== 'local' && (parsed.values.has('resume') || parsed.values.has('run-dir'))) {
      throw new UsageError('--target submits a new run; --resume and --run-dir work on a run folder where it is (a cluster job resumes itself when SLURM requeues it)');
    }
    if (parsed.flags.has('detach') && (target === undefined || target === 'local')) throw new UsageError('--detach goes with --target NAME (a cluster target): a local run trains in this process');
    if (parsed.values.has('resume')) {
      if (parsed.positionals.length > 0 || parsed.values.has('runs-dir') || parsed.values.has('run-dir') || parsed.lists.has('set')) {
        throw new UsageError('--resume continues a run folder with the model file it recorded: give no model file, --runs-dir, --run-dir or --set with it');
      }
    } else if (parsed.positionals.length !== 1) {
      throw new UsageError('give exactly one model file: model-studio train FILE [--epochs N] [--backend NAME] [--runs-dir DIR] [--set PATH=VALUE]… [--json], or continue a run: model-studio train --resume RUN_DIR');
    }
    epochs = positiveInt('epochs', parsed.values.get('epochs'));
    backend = backendArg(parsed.values.get('backend'));
    overrides = (parsed.lists.get('set') ?? []).map(overrideArg);
  } catch (err) {
    return reportStartError('train', err);
  }
  const json = parsed.flags.has('json');
  const resumeDir = parsed.values.get('resume');
  const targetName = parsed.values.get('target');
  const onTarget = targetName !== undefined && targetName !== 'local';
  const specPath = resumeDir ? '' : path.resolve(parsed.positionals[0]);
  const runsDir = parsed.values.get('runs-dir');
  const workspace = parsed.values.get('workspace');
  const tty = !json && process.stdout.isTTY === true;
  const out = process.stdout;
  const err = process.stderr;

  const controller = new AbortController();
  let interrupted = false;
  // inside a SLURM job, SIGTERM may be SLURM ending the job (time limit, preemption): asked at once, while SLURM says why
  let endedBySlurm: Promise<string | undefined> | undefined;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort();
    if (!json) err.write(onTarget ? '\nstopping the job (scancel)… (Ctrl-C again to stop following it; the job still stops)\n' : '\nstopping at the next batch… (Ctrl-C again to quit at once)\n');
  };
  // SIGTERM (kill, a cluster scheduler's stop or time limit) stops the same way: finish the batch, save
  const onSigterm = () => {
    if (interrupted) return;
    interrupted = true;
    if (process.env.SLURM_JOB_ID && !onTarget) endedBySlurm = import('../cluster/inJob').then((m) => m.endingBySlurm());
    controller.abort();
    if (!json) err.write('\nSIGTERM: stopping at the next batch and saving…\n');
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);

  let backendName = '';
  let lastPass = 0;
  let lineOpen = false;
  const clearLine = () => {
    if (lineOpen) out.write('\r\x1b[2K');
    lineOpen = false;
  };
  const onEvent = (e: EngineMessage) => {
    if (json) {
      if (e.type === 'done') return; // the summary line below is the one done line
      const { type, ...rest } = e;
      out.write(`${JSON.stringify({ event: type, ...rest })}\n`);
      if (e.type === 'runStarted') backendName = e.backend.name;
      return;
    }
    switch (e.type) {
      case 'runStarted':
        backendName = e.backend.name;
        out.write(`training ${e.modelName} on ${e.backend.device}: ${e.samples.train} train / ${e.samples.validation} validation / ${e.samples.test} test samples, ${e.epochs} epochs × ${e.batchesPerEpoch} batches\nrun folder: ${shown(e.runDir)}\n`);
        break;
      case 'dataProgress': {
        const line = `reading data ${readProgressText(e)}`;
        if (tty) {
          out.write(`\r\x1b[2K${line.slice(0, Math.max(20, (out as NodeJS.WriteStream).columns ?? 120) - 1)}`);
          lineOpen = true;
        } else if (e.totalBytes >= 64 * 1024 * 1024 && e.pass !== lastPass) {
          out.write(`${line}\n`);
        }
        lastPass = e.pass;
        break;
      }
      case 'progress':
        if (tty) {
          out.write(`\r\x1b[2K${progressBar(e.progress).slice(0, Math.max(20, (out as NodeJS.WriteStream).columns ?? 120) - 1)}`);
          lineOpen = true;
        }
        break;
      case 'epochEnded':
        clearLine();
        out.write(`epoch ${String(e.epoch).padStart(String(e.epochs).length)}/${e.epochs}  ${formatLogs(e.logs)}  (${clock(e.elapsedMs)})\n`);
        break;
      case 'log':
        clearLine();
        if (e.level !== 'debug' && e.level !== 'trace') (e.level === 'info' ? out : err).write(`${e.level === 'info' ? '' : `${e.level}: `}${e.message}\n`);
        break;
      case 'error': {
        clearLine();
        const loc = e.location;
        const where = loc ? `${loc.file}${loc.line ? `:${loc.line}:${loc.column ?? 1}` : ''}: ` : '';
        err.write(`${where}error: ${e.message}${loc?.path && !loc.line ? ` (at ${loc.path})` : ''}\n`);
        break;
      }
      case 'queued':
        clearLine();
        out.write(`queued: job ${e.jobId} is ${e.state.toLowerCase()}${e.reason && e.reason !== 'None' ? ` (${e.reason})` : ''}\n`);
        break;
      default:
        break;
    }
  };

  try {
    const { trainModelFile, resumeRun } = await import('../engine/session');
    const common = { workspaceRoot: workspace, epochs, backend, signal: controller.signal, onEvent, cache: !parsed.flags.has('no-cache') };
    const runDir = parsed.values.get('run-dir');
    let job: { target: string; jobId: string } | undefined;
    const outcome: { runDir: string; status: RunStatus; summary: Record<string, number>; split?: string; backend?: { name: string; device: string }; error?: { message: string } } = onTarget
      ? await (await import('./trainOnTarget')).trainOnTarget({
        ...common, specPath, runsDir, overrides, targetName, detach: parsed.flags.has('detach'),
        onSubmitted: (s) => {
          job = { target: s.target, jobId: s.jobId };
          if (json) out.write(`${JSON.stringify({ event: 'submitted', ...s })}\n`);
          else out.write(`submitted to target ${s.target}${s.partition ? ` (partition ${s.partition})` : ''} as SLURM job ${s.jobId}\nrun folder: ${shown(s.runDir)}\njob log:    ${shown(s.output)}\n`);
        },
      })
      : resumeDir
        ? await resumeRun({ ...common, runDir: resumeDir })
        : await trainModelFile({ ...common, specPath, runsDir, overrides, ...(runDir ? { runDir: path.resolve(runDir) } : {}) });
    const slurmWhy = endedBySlurm ? await endedBySlurm : undefined;
    if (slurmWhy && outcome.status === 'stopped') {
      // SLURM ended the job, not a person: a failure with SLURM's reason (the checkpoints stay for a resume)
      const { markEndedBySlurm } = await import('../cluster/inJob');
      outcome.error = { message: markEndedBySlurm(outcome.runDir, slurmWhy) };
      outcome.status = 'failed';
      onEvent({ type: 'error', id: 'train', message: outcome.error.message });
    }
    clearLine();
    if (json) {
      out.write(`${JSON.stringify({ event: 'done', run: outcome.runDir, status: outcome.status, backend: outcome.backend?.name ?? backendName, device: outcome.backend?.device, ...(outcome.split ? { split: outcome.split } : {}), metrics: outcome.summary, ...(job ? job : {}), ...(outcome.error ? { error: outcome.error.message } : {}) })}\n`);
    } else if (outcome.status === 'queued') {
      out.write(`\nthe job trains on its own; follow its run folder (the dashboard does), or stop it with scancel ${job?.jobId ?? ''}\n`);
    } else {
      if (Object.keys(outcome.summary).length > 0) printSummary(out, `\n${outcome.status === 'stopped' ? 'stopped; ' : ''}report on the ${outcome.split ?? 'test'} split:`, outcome.summary);
      const rel = shown(outcome.runDir);
      out.write(`\n${outcome.status}: ${rel}\n`);
      if (outcome.status !== 'failed') out.write(`  report  ${path.join(rel, 'report.md')}\n  model   ${path.join(rel, 'model')}\n`);
    }
    if (outcome.status === 'failed') return 1;
    if (interrupted || (onTarget && outcome.status === 'stopped')) return 130;
    return 0;
  } catch (e) {
    clearLine();
    if (json) {
      out.write(`${JSON.stringify({ event: 'error', message: e instanceof Error ? e.message : String(e), ...(Array.isArray((e as { problems?: unknown }).problems) ? { problems: (e as { problems: unknown[] }).problems } : {}) })}\n`);
    }
    return reportStartError('train', e);
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
  }
}
