/**
 * The evaluation report of a run: report.json (for the dashboard and scripts) and report.md
 * (for people), both written atomically into the run folder.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Task } from '../../modelFile/schema';
import type { ClassificationReport } from './classification';
import type { RegressionReport } from './regression';
import { writeFileAtomic } from './atomicWrite';
import { reportMarkdown } from './markdown';

export interface ReportModelSummary {
  layers: Array<{ name: string; type: string; outputShape: string; params: number }>;
  totalParams: number;
}

export interface ReportExample {
  index: number;
  trueLabel: string;
  predictedLabel: string;
  confidence: number;
  record?: Record<string, unknown>;
}

export interface Report {
  format: 'model-studio-report';
  version: 1;
  task: Task;
  split: 'train' | 'validation' | 'test';
  n: number;
  createdAt: string;
  /** classification: accuracy, macroF1, weightedF1, macroPrecision, macroRecall, logLoss, auc, ap; regression: mse, rmse, mae, r2, medianAbsoluteError, maxError */
  summary: Record<string, number>;
  classification?: ClassificationReport;
  regression?: RegressionReport;
  model?: ReportModelSummary;
  examples?: ReportExample[];
  /**
   * One real row of the evaluated split as a served model takes it: the raw value of each input feature
   * (an image feature holds the image file's path). Deploy's curl example sends it.
   */
  sample?: { index: number; record: Record<string, unknown> };
}

export const REPORT_JSON = 'report.json';
export const REPORT_MD = 'report.md';

/** The headline numbers of a classification report (undefined areas are left out). */
export function classificationSummary(c: ClassificationReport): Record<string, number> {
  const s: Record<string, number> = {
    accuracy: c.accuracy,
    macroPrecision: c.macro.precision,
    macroRecall: c.macro.recall,
    macroF1: c.macro.f1,
    weightedF1: c.weighted.f1,
    logLoss: c.logLoss,
  };
  if (c.curves.auc !== null) s.auc = c.curves.auc;
  if (c.curves.ap !== null) s.ap = c.curves.ap;
  return s;
}

export function regressionSummary(r: RegressionReport): Record<string, number> {
  return { mse: r.mse, rmse: r.rmse, mae: r.mae, r2: r.r2, medianAbsoluteError: r.medianAbsoluteError, maxError: r.maxError };
}

/** Assemble a report, filling n, summary and createdAt from the parts. */
export function createReport(parts: {
  split: Report['split'];
  classification?: ClassificationReport;
  regression?: RegressionReport;
  model?: ReportModelSummary;
  examples?: ReportExample[];
  sample?: Report['sample'];
  createdAt?: Date;
}): Report {
  const { classification, regression } = parts;
  if (!classification === !regression) throw new Error('createReport: give exactly one of classification or regression');
  return {
    format: 'model-studio-report',
    version: 1,
    task: classification ? 'classification' : 'regression',
    split: parts.split,
    n: classification ? classification.n : (regression as RegressionReport).n,
    createdAt: (parts.createdAt ?? new Date()).toISOString(),
    summary: classification ? classificationSummary(classification) : regressionSummary(regression as RegressionReport),
    ...(classification ? { classification } : {}),
    ...(regression ? { regression } : {}),
    ...(parts.model ? { model: parts.model } : {}),
    ...(parts.examples ? { examples: parts.examples } : {}),
    ...(parts.sample ? { sample: parts.sample } : {}),
  };
}

/** Write report.json and report.md into the run folder (each atomically). */
export async function writeReport(runDir: string, report: Report): Promise<void> {
  await writeFileAtomic(path.join(runDir, REPORT_JSON), JSON.stringify(report, finiteOrNull, 2) + '\n');
  await writeFileAtomic(path.join(runDir, REPORT_MD), reportMarkdown(report));
}

/** Read a run's report.json; a clear error when it is missing or is not a report. */
export async function readReport(runDir: string): Promise<Report> {
  const file = path.join(runDir, REPORT_JSON);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${file}: no report yet (the run has not been evaluated; run \`model-studio evaluate ${runDir}\`)`);
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(parsed) || parsed.format !== 'model-studio-report') throw new Error(`${file}: not a Model Studio report (format is not 'model-studio-report')`);
  if (parsed.version !== 1) throw new Error(`${file}: report version ${String(parsed.version)} is not supported (expected 1)`);
  if (parsed.task !== 'classification' && parsed.task !== 'regression') throw new Error(`${file}: unknown task ${JSON.stringify(parsed.task)}`);
  if (!isRecord(parsed.summary)) throw new Error(`${file}: 'summary' is missing`);
  return parsed as unknown as Report;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON has no NaN or Infinity: write null so the file always parses. */
function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
