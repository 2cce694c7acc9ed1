/**
 * The data of the experiment views (src/protocol/experiments.ts), built from run folders and sweep.json
 * with async file I/O only. No `vscode`: the panels call these, and the tests do too.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { CompareData, CompareReport, CompareRun, EpochPoint, RunsData, SweepView } from '../protocol/experiments';
import { readSweepRecord } from '../sweep/record';
import { buildRunTable, changedParams, listModelRuns, readEpochLines, readRunSummary, runLabels, sortRuns, type RunSummary } from './runTable';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nums = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');

/** The parts of report.json the compare view shows (confusion matrix, per-class F1), or undefined. */
export async function readCompareReport(runDir: string): Promise<CompareReport | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fsp.readFile(path.join(runDir, 'report.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(raw) || (raw.task !== 'classification' && raw.task !== 'regression')) return undefined;
  const c = raw.classification;
  if (raw.task !== 'classification' || !isRecord(c)) return { task: raw.task };
  const classes = Array.isArray(c.classes) ? c.classes.map(String) : undefined;
  const confusion = Array.isArray(c.confusionMatrix) && c.confusionMatrix.every(nums) ? (c.confusionMatrix as number[][]) : undefined;
  const perClass = Array.isArray(c.perClass)
    ? c.perClass.filter(isRecord).map((p) => ({ label: String(p.label), precision: Number(p.precision), recall: Number(p.recall), f1: Number(p.f1), support: Number(p.support) }))
    : undefined;
  return { task: 'classification', ...(classes ? { classes } : {}), ...(confusion ? { confusion } : {}), ...(perClass ? { perClass } : {}) };
}

/** Runs side by side: the table, the changed settings, each run's epochs and report, one colour each. */
export async function compareData(runDirs: readonly string[]): Promise<CompareData> {
  const summaries = await Promise.all(runDirs.map((d) => readRunSummary(d)));
  const labels = runLabels(summaries);
  const runs: CompareRun[] = await Promise.all(summaries.map(async (s, i) => {
    const [epochs, report] = await Promise.all([readEpochLines(s.runDir), readCompareReport(s.runDir)]);
    return {
      runDir: s.runDir, label: labels[i], colour: i, status: s.status, params: s.params,
      epochs: epochs.filter((e): e is EpochPoint => typeof e.epoch === 'number'),
      ...(report ? { report } : {}), note: s.notes.note, tags: s.notes.tags,
    };
  }));
  return { runs, table: buildRunTable(summaries), changed: changedParams(summaries) };
}

/** The runs table of one model: every run and sweep trial under runs/<model>/, newest first. */
export async function runsData(modelRunsDir: string): Promise<RunsData> {
  const dirs = await listModelRuns(modelRunsDir);
  const summaries = (await Promise.all(dirs.map((d) => readRunSummary(d).catch(() => undefined)))).filter((s): s is RunSummary => s !== undefined);
  sortRuns(summaries);
  return {
    model: summaries[0]?.modelName ?? path.basename(modelRunsDir),
    dir: path.resolve(modelRunsDir),
    table: buildRunTable(summaries),
    rows: summaries.map((s) => ({
      runDir: s.runDir, ...(s.startedAt ? { startedAt: s.startedAt } : {}),
      ...(s.sweep ? { sweep: path.basename(s.sweep.dir), ...(s.sweep.trial !== undefined ? { trial: s.sweep.trial } : {}) } : {}),
    })),
  };
}

/** The sweep dashboard's data, from sweep.json and each trial's metrics.jsonl. */
export async function sweepViewData(sweepDir: string, live: boolean): Promise<SweepView> {
  const rec = await readSweepRecord(sweepDir);
  const trials = await Promise.all(rec.trials.map(async (t) => {
    const runDir = path.join(sweepDir, t.run);
    const epochs = await readEpochLines(runDir);
    const curve: Array<[number, number]> = [];
    for (const e of epochs) if (typeof e[rec.metric] === 'number') curve.push([e.epoch, e[rec.metric]]);
    return {
      index: t.index, runDir, status: t.status, params: t.params, objective: t.objective ?? null,
      ...(t.epochsCompleted !== undefined ? { epochsCompleted: t.epochsCompleted } : { epochsCompleted: epochs.length }),
      ...(t.stopReason ? { stopReason: t.stopReason } : {}), ...(t.error ? { error: t.error } : {}), curve,
    };
  }));
  const et = rec.earlyTermination;
  return {
    sweepDir: path.resolve(sweepDir), sweepId: rec.sweepId, model: rec.modelName, specPath: rec.specPath, method: rec.method, metric: rec.metric, goal: rec.goal,
    status: rec.status, trialCount: rec.trialCount, parallel: rec.parallel, live,
    parameters: rec.parameters.map((p) => (p.kind === 'choice'
      ? { path: p.path, kind: 'choice' as const, values: p.values }
      : { path: p.path, kind: 'range' as const, min: p.min, max: p.max, log: p.log, integer: p.integer })),
    trials,
    ...(rec.best ? { best: { trial: rec.best.trial, objective: rec.best.objective } } : {}),
    ...(et ? { earlyTermination: et.type === 'asha' ? `asha (min ${et.minEpochs} epochs, reduction ${et.reductionFactor ?? 3})` : `median (min ${et.minEpochs} epochs, ${et.minTrials ?? 3} trials)` } : {}),
    ...(rec.error ? { error: rec.error } : {}),
  };
}
