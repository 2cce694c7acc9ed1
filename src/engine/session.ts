/**
 * The engine's API, used by the CLI and the worker: train a model file end to end (validate,
 * prepare data, pick a backend, build, train, save, evaluate) into a run folder, and evaluate a run
 * or a saved model again. Everything it has to say goes out as protocol messages (onEvent).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendInfo, EngineMessage, ProblemLocation, RunStatus } from '../protocol/engine';
import type { BackendName, ModelSpecFile, SPLITS } from '../modelFile/schema';
import type { FieldOverride } from '../modelFile';

type SplitName = (typeof SPLITS)[number];
type Mode = 'auto' | 'min' | 'max';
import { findWorkspaceRoot } from '../modelFile/paths';
import { describeEstimate } from '../modelFile/modelSize';
import { limit } from '../limits';
import type { PreparedData, SplitData } from './data/types';
import { prepareData } from './data';
import { fileSplit } from './data/records';
import { StoppedError } from './data/errors';
import { selectBackend, type Tf } from './backends';
import { kernelReport } from './backends/kernels';
import { buildModel, formatSummary, modelSize, summarizeModel, ModelBuildError } from './model';
import { compileModel } from './compile';
import { trainLoop } from './train/loop';
import { progressCallback } from './train/progress';
import { metricsLogCallback } from './train/metricsLog';
import { firstNonFiniteWeight, nanGuardCallback } from './train/nanGuard';
import { earlyStoppingCallback } from './train/earlyStopping';
import { lrScheduleCallback } from './train/lrSchedule';
import { bestCheckpointCallback } from './train/checkpoint';
import type { Callback } from './train/callbacks';
import { Run, RUN_FILES, defaultRunsDir, observedStatus, readRunRecord } from './run';
import { hasResumeCheckpoint, readResumeCheckpoint, writeResumeCheckpoint, type ResumeCheckpoint } from './train/resume';
import { saveModelDir, loadSavedModel } from './saved';
import { evaluateOnSplit } from './evaluation';
import { writeReport, reportMarkdown, REPORT_JSON, type Report } from './evaluate';
import { writeFileAtomic } from './evaluate/atomicWrite';

export interface TrainModelOptions {
  specPath: string;
  workspaceRoot?: string;
  runsDir?: string;
  epochs?: number;
  backend?: BackendName;
  signal?: AbortSignal;
  onEvent: (e: EngineMessage) => void;
  /** the request id carried by every message (default: 'train') */
  id?: string;
  /** folder with optional native packages (tfjs-node, tfjs-node-gpu) */
  nativeDir?: string;
  /** make exactly this run folder (a sweep's trial) instead of a new one under runsDir/<model name>/ */
  runDir?: string;
  /** fields set on the model file before it is validated (`--set PATH=VALUE`) */
  overrides?: FieldOverride[];
  /** read and write the disk cache of large tables (default true) */
  cache?: boolean;
  /** where the rows live while training: 'auto' (default), or forced (the data benchmark compares both) */
  storage?: 'auto' | 'memory' | 'disk';
}

export interface ResumeRunOptions extends Omit<TrainModelOptions, 'specPath' | 'runsDir' | 'runDir' | 'overrides'> {
  /** the run folder to continue: from its resumable checkpoint, or from the start when it has none yet */
  runDir: string;
}

export interface TrainOutcome {
  runDir: string;
  status: RunStatus;
  /** metrics on the evaluate.split (accuracy, macroF1, … or mse, mae, r2, …) */
  summary: Record<string, number>;
  /** the split the summary is on (evaluate.split of the model file) */
  split?: SplitName;
  backend?: BackendInfo;
  error?: { message: string; location?: ProblemLocation };
}

/** Validate the model file (throws SpecError with .problems) and train it. */
export async function trainModelFile(opts: TrainModelOptions): Promise<TrainOutcome> {
  const specPath = path.resolve(opts.specPath);
  const workspaceRoot = opts.workspaceRoot ? path.resolve(opts.workspaceRoot) : findWorkspaceRoot(specPath);
  // the spec module is loaded when a model file is, not before (tests train specs directly)
  const { loadModelFile } = await import('../modelFile');
  const spec = (await loadModelFile(specPath, { workspaceRoot, overrides: opts.overrides })) as ModelSpecFile;
  return trainSpec({ ...opts, specPath, workspaceRoot, spec });
}

/** A run that cannot be resumed as asked (already completed, still training, not a run folder). */
export class ResumeRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeRefused';
  }
}

/**
 * Continue a run in its own folder (`model-studio train --resume RUN_DIR`, "Resume Run", a requeued
 * cluster job): the model file as the run recorded it (spec.json), its data, its resumable checkpoint.
 * metrics.jsonl is appended to (after a `resume` line); model, report and run.json are rewritten at the end.
 */
export async function resumeRun(opts: ResumeRunOptions): Promise<TrainOutcome> {
  const runDir = path.resolve(opts.runDir);
  let record: ReturnType<typeof readRunRecord>;
  let spec: ModelSpecFile;
  try {
    record = readRunRecord(runDir);
    spec = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILES.spec), 'utf8')) as ModelSpecFile;
  } catch (err) {
    throw new ResumeRefused(`${runDir} is not a run folder that can be resumed (${errorMessage(err)})`);
  }
  const status = observedStatus(record);
  // a cluster job started again by SLURM (requeued) takes over its own run, whatever run.json says
  const { isThisJob } = await import('../cluster/inJob');
  const ownJob = isThisJob(record.slurm);
  if (status === 'completed') throw new ResumeRefused(`${runDir} has completed: there is nothing to resume (train again for a new run)`);
  if (status === 'running' && !ownJob) {
    throw new ResumeRefused(`${runDir} is still training (process ${record.pid}${record.host ? ` on ${record.host}` : ''}); stop it first`);
  }
  const workspaceRoot = opts.workspaceRoot ? path.resolve(opts.workspaceRoot) : findWorkspaceRoot(record.specPath);
  return trainSpec({ ...opts, specPath: record.specPath, workspaceRoot, spec, resumeDir: runDir });
}

/** Where a field of the model file is, for an error message. */
export async function locate(specPath: string, fieldPath: string): Promise<ProblemLocation> {
  try {
    const { locateField } = await import('../modelFile');
    const found = locateField(fs.readFileSync(specPath, 'utf8'), fieldPath) as unknown;
    if (found && typeof found === 'object') {
      const f = found as { line?: unknown; column?: unknown };
      return { file: specPath, path: fieldPath, ...(typeof f.line === 'number' ? { line: f.line } : {}), ...(typeof f.column === 'number' ? { column: f.column } : {}) };
    }
  } catch {
    // no position: the path alone still says where
  }
  return { file: specPath, path: fieldPath };
}

export function withOverrides(spec: ModelSpecFile, o: { epochs?: number; backend?: BackendName }): ModelSpecFile {
  return { ...spec, train: { ...spec.train, ...(o.epochs ? { epochs: o.epochs } : {}), ...(o.backend ? { backend: o.backend } : {}) } };
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Train an already-validated spec (data may be given, as tests do). */
export async function trainSpec(opts: TrainModelOptions & { spec: ModelSpecFile; workspaceRoot: string; data?: PreparedData; resumeDir?: string }): Promise<TrainOutcome> {
  const id = opts.id ?? 'train';
  const emit = opts.onEvent;
  const log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => emit({ type: 'log', level, message, id });
  const spec = withOverrides(opts.spec, opts);
  const specPath = path.resolve(opts.specPath);

  let data: PreparedData;
  try {
    data = opts.data ?? (await prepareData(spec, specPath, {
      workspaceRoot: opts.workspaceRoot,
      signal: opts.signal,
      cache: opts.cache,
      storage: opts.storage,
      onProgress: (p) => emit({ type: 'dataProgress', id, ...p }),
    }));
  } catch (err) {
    if (!(err instanceof StoppedError)) throw err;
    // stopped while reading: no run folder was made yet
    log('info', err.message);
    emit({ type: 'done', id, status: 'stopped', summary: {} });
    return { runDir: '', status: 'stopped', summary: {} };
  }
  try {
    return await trainPrepared(opts, spec, specPath, data);
  } finally {
    if (!opts.data) await data.dispose?.();
  }
}

async function trainPrepared(opts: TrainModelOptions & { workspaceRoot: string; resumeDir?: string }, spec: ModelSpecFile, specPath: string, data: PreparedData): Promise<TrainOutcome> {
  const id = opts.id ?? 'train';
  const emit = opts.onEvent;
  const log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => emit({ type: 'log', level, message, id });
  const resumeDir = opts.resumeDir ? path.resolve(opts.resumeDir) : undefined;
  const resumeFolder = resumeDir ? path.join(resumeDir, RUN_FILES.resumeCheckpoint) : undefined;
  const checkpointToResume: ResumeCheckpoint | undefined = resumeFolder && hasResumeCheckpoint(resumeFolder) ? readResumeCheckpoint(resumeFolder) : undefined;
  for (const w of data.info.warnings) log('warn', w);
  if (data.cache) log('info', data.cache.reused ? `data: reusing the rows stored in the cache on ${data.cache.createdAt} (${data.cache.dir}; model-studio cache clear deletes it)` : `data: rows stored in the cache for later runs (${data.cache.dir})`);
  for (const f of data.preprocessing.features) {
    // a vocabulary smaller than maxTokens is not a problem (the embedding is sized to it): say its size, once
    if (f.kind === 'text') log('info', `vocabulary of '${f.name}': ${f.vocabulary.length} entries (${f.vocabulary.length - 2} tokens of the training texts, plus padding and unknown)`);
  }
  // Before any backend allocates it: with the data's exact shape, will the model fit in memory?
  const size = modelSize(spec, data.preprocessing, data.train.n);
  if (size.tooBig) {
    const { problemAtField, SpecError } = await import('../modelFile');
    throw new SpecError([problemAtField(specPath, size.tooBig.path, size.tooBig.message)]);
  }
  log('info', `model size: ${describeEstimate(size.estimate, limit('modelMemoryBytes'))}`);
  const selected = await selectWorkingBackend(spec, data, opts.nativeDir, log);
  const tf = selected.tf;
  let backend = selected.info;
  log('info', `backend: ${backend.device} — ${backend.reason}`);
  const warned = new Set<string>();
  const warnFallbacks = () => {
    for (const f of backend.kernels?.fallbacks ?? []) {
      if (warned.has(f.kernel)) continue;
      warned.add(f.kernel);
      log('warn', `kernel self-check: Model Studio's ${f.kernel} failed (${f.reason}); using ${f.instead}. Training stays correct but may be slower; please report this with your TF.js version.`);
    }
  };
  warnFallbacks();

  const runsDir = path.resolve(opts.runsDir ?? defaultRunsDir(opts.workspaceRoot));
  const overrides = opts.overrides?.length ? { overrides: Object.fromEntries(opts.overrides.map((o) => [o.path, o.value])) } : {};
  const before = resumeDir ? readRunRecord(resumeDir) : undefined;
  const run = resumeDir
    ? Run.open(resumeDir)
    : opts.runDir
      ? Run.createAt(path.resolve(opts.runDir), spec, specPath, spec.train.epochs, overrides)
      : Run.create(runsDir, spec, specPath, spec.train.epochs, overrides);
  const samples = { train: data.train.n, validation: data.validation.n, test: data.test.n };
  const from = checkpointToResume?.loop;
  if (before?.backend && from && before.backend.name !== backend.name) {
    log('warn', `the run trained on ${before.backend.device} and continues on ${backend.device}: its numbers will differ slightly from an uninterrupted run (set train.backend or --backend to keep one)`);
  }
  run.update({
    backend, device: backend.device, samples,
    epochs: { planned: spec.train.epochs, completed: from?.epochsCompleted ?? 0 },
    ...(from ? { resumes: [...(before?.resumes ?? []), { at: new Date().toISOString(), epoch: from.epoch, batch: from.batch, step: from.step }] } : {}),
  });
  if (resumeDir && !from && fs.existsSync(run.file('metrics')) && fs.statSync(run.file('metrics')).size > 0) {
    // an attempt that stopped before its first checkpoint: it starts over, and its lines are superseded
    fs.appendFileSync(run.file('metrics'), `\n${JSON.stringify({ event: 'resume', epoch: 1, batch: 0, step: 0 })}\n`);
  }
  if (from) log('info', `resuming at epoch ${from.epoch}${from.batch > 0 ? `, batch ${from.batch + 1}` : ''} (step ${from.step}) from ${path.relative(run.dir, resumeFolder as string)}`);
  let best: { epoch: number; monitor: string; value: number } | undefined = from ? before?.best : undefined;

  try {
    const built = buildModel(tf, spec, data.preprocessing);
    // Building may have run deferred kernel self-checks (LSTM layers): record what they found.
    const kernels = kernelReport(tf, backend.name);
    if (kernels && backend.kernels && JSON.stringify(kernels) !== JSON.stringify(backend.kernels)) {
      backend = { ...backend, kernels };
      run.update({ backend });
      warnFallbacks();
    }
    const compiled = compileModel(tf, built.model, spec, data.preprocessing, built.outputKind);
    for (const w of compiled.warnings) log('warn', w);
    const modelSummary = summarizeModel(built.model);
    log('info', `model${built.outputAdded ? ' (output layer added from the task)' : ''}:\n${formatSummary(modelSummary)}`);
    const batchSize = Math.max(1, Math.min(spec.train.batchSize, data.train.n));
    emit({
      type: 'runStarted', id, runDir: run.dir, runId: run.id, modelName: spec.name, backend,
      epochs: spec.train.epochs, batchesPerEpoch: Math.ceil(data.train.n / batchSize), samples,
      ...(from ? { resumed: { epoch: from.epoch, batch: from.batch, step: from.step } } : {}),
    });

    const hasValidation = data.validation.n > 0;
    const monitor = spec.train.earlyStopping?.monitor ?? (hasValidation ? 'val_loss' : 'loss');
    const checkpoint = bestCheckpointCallback({
      monitor,
      mode: spec.train.earlyStopping?.mode as Mode | undefined,
      save: async (model) => { await saveModelDir(model, data.preprocessing, run.file('bestCheckpoint')); },
      onSaved: (b) => {
        best = b;
        emit({ type: 'checkpointSaved', id, epoch: b.epoch, path: run.file('bestCheckpoint'), monitor: b.monitor, value: b.value });
      },
    });
    const callbacks: Callback[] = [
      nanGuardCallback(),
      metricsLogCallback(run.file('metrics')),
      progressCallback({
        onProgress: (progress) => emit({ type: 'progress', id, progress }),
        onEpochEnd: (e) => emit({ type: 'epochEnded', id, ...e }),
      }),
      ...(spec.train.lrSchedule ? [lrScheduleCallback(spec.train.lrSchedule, (e) => log('info', `epoch ${e.epoch}: learning rate reduced to ${e.lr} (${e.why})`))] : []),
      checkpoint,
      ...(spec.train.earlyStopping ? [earlyStoppingCallback({ ...spec.train.earlyStopping, mode: spec.train.earlyStopping.mode as Mode })] : []),
      { onEpochEnd: (_ctx, epoch) => run.update({ epochs: { planned: spec.train.epochs, completed: epoch }, ...(best ? { best } : {}) }) },
    ];

    const result = await trainLoop({
      tf, model: built.model, compiled, train: data.train, validation: hasValidation ? data.validation : undefined,
      epochs: spec.train.epochs, batchSize, shuffle: spec.train.shuffle, seed: spec.train.seed, seeds: built.seeds,
      callbacks, signal: opts.signal,
      resume: checkpointToResume,
      checkpoint: (c) => writeResumeCheckpoint(run.file('resumeCheckpoint'), c),
    });
    const epochs = { planned: spec.train.epochs, completed: result.epochsRun };
    if (result.reason === 'failed') {
      const error = { message: result.message ?? 'training failed', location: await locate(specPath, 'train.optimizer.learningRate') };
      run.finish('failed', { error, epochs, ...(best ? { best } : {}) });
      emit({ type: 'error', id, message: error.message, location: error.location });
      emit({ type: 'done', id, status: 'failed', runDir: run.dir });
      disposeModel(built.model);
      return { runDir: run.dir, status: 'failed', summary: {}, backend, error };
    }
    if (result.message) log('info', result.message);
    const status: RunStatus = result.reason === 'stopped' ? 'stopped' : 'completed';
    if (status === 'stopped' && result.epochsRun === 0) {
      // stopped before one epoch finished: nothing worth saving or evaluating
      disposeModel(built.model);
      run.finish('stopped', { epochs, stopReason: result.message ?? 'stopped on request' });
      emit({ type: 'done', id, status: 'stopped', runDir: run.dir, summary: {} });
      return { runDir: run.dir, status: 'stopped', summary: {}, backend };
    }

    // The last guard before a model is saved and reported: never a completed run with NaN weights.
    const nonFinite = await firstNonFiniteWeight(tf, built.model);
    if (nonFinite !== undefined) {
      const message = `the weights are NaN or infinite at the end of training (first: ${nonFinite}); nothing was saved — try a lower learningRate (now ${spec.train.optimizer.learningRate})`;
      const error = { message, location: await locate(specPath, 'train.optimizer.learningRate') };
      run.finish('failed', { error, epochs, ...(best ? { best } : {}) });
      emit({ type: 'error', id, message, location: error.location });
      emit({ type: 'done', id, status: 'failed', runDir: run.dir });
      disposeModel(built.model);
      return { runDir: run.dir, status: 'failed', summary: {}, backend, error };
    }
    await saveModelDir(built.model, data.preprocessing, run.file('model'));
    const splitName = spec.evaluate.split as SplitName;
    const split = pickSplit(data, splitName);
    let summary: Record<string, number> = {};
    if (split.n > 0) {
      const report = await evaluateOnSplit({ tf, model: built.model, preprocessing: data.preprocessing, split, splitName, summary: modelSummary });
      await writeReport(run.dir, report);
      summary = report.summary;
      emit({ type: 'reportReady', id, runDir: run.dir, summary });
    } else {
      log('warn', `the ${splitName} split is empty: no report (set data.split.${splitName} above 0)`);
    }
    disposeModel(built.model);
    // Keras's BackupAndRestore: a run that completed has nothing to resume
    if (status === 'completed') fs.rmSync(run.file('resumeCheckpoint'), { recursive: true, force: true });
    run.finish(status, { epochs, metrics: summary, ...(best ? { best } : {}), ...(result.message ? { stopReason: result.message } : {}) });
    emit({ type: 'done', id, status, runDir: run.dir, summary });
    return { runDir: run.dir, status, summary, backend, split: splitName };
  } catch (err) {
    const fieldPath = err instanceof ModelBuildError ? err.path : typeof (err as { path?: unknown }).path === 'string' ? (err as { path: string }).path : undefined;
    const location = fieldPath ? await locate(specPath, fieldPath) : undefined;
    const error = { message: errorMessage(err), ...(location ? { location } : {}) };
    run.finish('failed', { error, ...(best ? { best } : {}) });
    emit({ type: 'error', id, message: error.message, ...(location ? { location } : {}), ...(err instanceof Error && err.stack ? { stack: err.stack } : {}) });
    emit({ type: 'done', id, status: 'failed', runDir: run.dir });
    return { runDir: run.dir, status: 'failed', summary: {}, backend, error };
  }
}

/**
 * The backend to train on. With `auto`, the chosen backend first runs one training step of this very
 * model on two samples (probeBackend): a kernel it lacks or a NaN shows now, and training falls back
 * to cpu (which has every kernel) instead of failing later. A backend named explicitly is not second-guessed.
 */
async function selectWorkingBackend(spec: ModelSpecFile, data: PreparedData, nativeDir: string | undefined, log: (level: 'warn', m: string) => void) {
  const requested = spec.train.backend as BackendName;
  const selected = await selectBackend(requested, { nativeDir });
  if (requested !== 'auto' || selected.info.name === 'cpu' || data.train.n === 0) return selected;
  const n = Math.min(2, data.train.n);
  const { x, y } = await data.train.batch(Array.from({ length: n }, (_, i) => i));
  let yShape: number[] = [n, 1];
  let yValues: Float32Array = new Float32Array(0);
  const builder = (tf: Tf) => () => {
    const built = buildModel(tf, spec, data.preprocessing);
    const compiled = compileModel(tf, built.model, spec, data.preprocessing, built.outputKind);
    const ys = compiled.encodeY(y, n);
    yShape = ys.shape;
    yValues = ys.dataSync() as Float32Array;
    ys.dispose();
    return built.model;
  };
  const { probeBackend } = await import('./backends/probe');
  let probe: Awaited<ReturnType<typeof probeBackend>>;
  try {
    builder(selected.tf)().dispose(); // learn the shape of y as the loss wants it
    probe = await probeBackend(selected.tf, builder(selected.tf), { x, y: yValues, xShape: [n, ...data.train.xShape], yShape });
  } catch {
    // a model that does not build fails the same way on every backend: let training report it
    return selected;
  }
  if (probe.ok) return selected;
  const reason = (probe.reason ?? 'the probe failed').replace(/\ba infinite\b/g, 'an infinite');
  const cpu = await selectBackend('cpu');
  if (probe.loss !== undefined && !Number.isFinite(probe.loss)) {
    // A NaN/infinite loss is a backend defect only if cpu, the reference, gives a finite loss on the
    // same step. When cpu diverges too, it is the model or its learning rate: keep the backend chosen,
    // and the NaN guard stops training with "try a lower learningRate" at the batch it happens.
    let reference: Awaited<ReturnType<typeof probeBackend>> | undefined;
    try {
      reference = await probeBackend(cpu.tf, builder(cpu.tf), { x, y: yValues, xShape: [n, ...data.train.xShape], yShape });
    } catch {
      reference = undefined;
    }
    if (reference && reference.loss !== undefined && !Number.isFinite(reference.loss)) {
      await selected.tf.setBackend(selected.info.name);
      await selected.tf.ready();
      return selected;
    }
  }
  log('warn', `${selected.info.device} cannot train this model (${reason}${probe.loss !== undefined && !Number.isFinite(probe.loss) ? '; cpu gives a finite loss on the same step' : ''}); using cpu instead`);
  return { ...cpu, info: { ...cpu.info, reason: `auto: cpu, because ${selected.info.name} failed a one-step probe with this model: ${reason}` } };
}

/** The model and its optimiser's slots (Adam moments etc.), which model.dispose() leaves behind. */
function disposeModel(model: import('@tensorflow/tfjs').LayersModel): void {
  const optimizer = model.optimizer;
  model.dispose();
  optimizer?.dispose();
}

function pickSplit(data: PreparedData, name: Report['split']): SplitData {
  return name === 'train' ? data.train : name === 'validation' ? data.validation : data.test;
}

// ---------------------------------------------------------------- evaluate again

export interface EvaluateOutcome {
  report: Report;
  /** the run folder evaluated (only for run folders) */
  runDir?: string;
  /** the data file evaluated on, when one was given (not the run's own split) */
  data?: string;
  /** where the report was written: `<run>/report.json`, or `<run>/reports/<file>-<time>.json` for other data */
  reportFile?: string;
  /**
   * the run's status as a person should see it (run folders only): `crashed` when run.json still says
   * running but its process is gone (the model evaluated is then its best checkpoint)
   */
  runStatus?: RunStatus | 'crashed';
}

/**
 * Evaluate a run folder (on its evaluate.split, or on `dataPath`) or a saved model folder (needs
 * `dataPath`). A run folder evaluated on its own split gets a fresh report.json / report.md; on another
 * data file the run's own report (what run.json and the dashboard agree with) is left alone and the
 * report goes to `reports/<file name>-<time>.json/.md` in the run folder, labelled with the data file.
 */
export async function evaluateRun(dir: string, dataPath?: string, opts: { backend?: BackendName; workspaceRoot?: string } = {}): Promise<EvaluateOutcome> {
  const abs = path.resolve(dir);
  const isRun = fs.existsSync(path.join(abs, RUN_FILES.run));
  const runStatus = isRun ? observedStatus(readRunRecord(abs)) : undefined;
  const loaded = await loadSavedModel(abs, { backend: opts.backend });
  const summary = summarizeModel(loaded.model);
  let split: SplitData;
  let prepared: PreparedData | undefined;
  let splitName: Report['split'] = 'test';
  const file = dataPath ? path.resolve(dataPath) : undefined;
  if (file) {
    split = await fileSplit(loaded.preprocessing, file);
  } else {
    if (!isRun) throw new Error(`${dir} is a saved model, not a run folder: give the data to evaluate on with --data FILE`);
    const record = readRunRecord(abs);
    const spec = JSON.parse(fs.readFileSync(path.join(abs, RUN_FILES.spec), 'utf8')) as ModelSpecFile;
    const workspaceRoot = opts.workspaceRoot ?? findWorkspaceRoot(record.specPath);
    prepared = await prepareData(spec, record.specPath, { workspaceRoot });
    splitName = spec.evaluate.split as SplitName;
    split = pickSplit(prepared, splitName);
  }
  let report: Report;
  try {
    report = await evaluateOnSplit({ tf: loaded.tf, model: loaded.model, preprocessing: loaded.preprocessing, split, splitName, summary });
  } finally {
    loaded.model.dispose();
    await prepared?.dispose?.();
  }
  if (!isRun) return { report, ...(file ? { data: file } : {}) };
  if (!file) {
    await writeReport(abs, report);
    return { report, runDir: abs, reportFile: path.join(abs, REPORT_JSON), runStatus };
  }
  const reportFile = await writeDataReport(abs, report, file);
  return { report, runDir: abs, data: file, reportFile, runStatus };
}

/**
 * A report on another data file, written beside (never over) the run's own report:
 * `<run>/reports/<data file name>-<time>.json` with `"data": "<file>"`, and the .md with "Data: <file>"
 * where the split would be.
 */
async function writeDataReport(runDir: string, report: Report, dataFile: string): Promise<string> {
  const dir = path.join(runDir, 'reports');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = report.createdAt.replace(/[:.]/g, '-');
  const base = path.join(dir, `${path.basename(dataFile).replace(/[^A-Za-z0-9._-]/g, '_')}-${stamp}`);
  const { split: _split, ...rest } = report;
  const json = { ...rest, split: null, data: dataFile };
  const finite = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);
  await writeFileAtomic(`${base}.json`, `${JSON.stringify(json, finite, 2)}\n`);
  const md = reportMarkdown(report).replace(/^Split: \*\*[a-z]+\*\*/m, `Data: **${path.basename(dataFile)}** (${dataFile}, not the run's own split)`);
  await writeFileAtomic(`${base}.md`, md);
  return `${base}.json`;
}
