/**
 * Runs a model over a split and hands the numbers to the evaluation module (src/engine/evaluate),
 * which computes the metrics and writes report.json / report.md.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { Preprocessing, SplitData } from './data/types';
import { decodeLabel, unscaleTarget } from './data/preprocess';
import { createReport, evaluateClassification, evaluateRegression, type Report, type ReportExample } from './evaluate';
import type { ModelSummary } from './model';
import { classProbabilities, predictEncoded } from './predict';

export interface EvaluateInput {
  tf: typeof tfTypes;
  model: tfTypes.LayersModel;
  preprocessing: Preprocessing;
  split: SplitData;
  splitName: Report['split'];
  summary?: ModelSummary;
}

const CHUNK = 1024;

/** The model's outputs and the targets over a whole split, a batch at a time (the inputs are never all in memory). */
async function predictSplit(e: EvaluateInput): Promise<{ out: Float32Array; y: Float32Array; n: number }> {
  const { split } = e;
  const y = new Float32Array(split.n);
  let out: Float32Array | undefined;
  let n = 0;
  const reader = split.epoch({ batchSize: CHUNK, shuffle: false });
  try {
    for (let batch = await reader.next(); batch; batch = await reader.next()) {
      const o = await predictEncoded(e, batch.x, batch.n);
      const per = o.length / batch.n;
      out ??= new Float32Array(split.n * per);
      out.set(o, n * per);
      y.set(batch.y, n);
      n += batch.n;
    }
  } finally {
    await reader.close();
  }
  return { out: out ?? new Float32Array(0), y, n };
}

export async function evaluateOnSplit(e: EvaluateInput): Promise<Report> {
  const { preprocessing: prep, split } = e;
  if (split.n === 0) throw new Error(`the ${e.splitName} split is empty: nothing to evaluate (set data.split.${e.splitName === 'train' ? 'test' : e.splitName} above 0, or evaluate.split)`);
  const { out, y } = await predictSplit(e);
  const model = e.summary
    ? { layers: e.summary.layers.map((l) => ({ name: l.name, type: l.type, outputShape: JSON.stringify(l.outputShape), params: l.params })), totalParams: e.summary.totalParams }
    : undefined;
  const sample = await sampleRow(prep, split);
  if (prep.task === 'regression') {
    const actual = Float64Array.from(y, (v) => unscaleTarget(prep, v));
    const predicted = Float64Array.from(out.subarray(0, split.n), (v) => unscaleTarget(prep, v));
    return createReport({ split: e.splitName, regression: evaluateRegression(actual, predicted), model, sample });
  }
  const classes = prep.label.classes ?? [];
  const probs = classProbabilities(out, split.n, classes.length);
  const classification = evaluateClassification(y, probs, classes);
  let examples: ReportExample[] | undefined;
  if (split.raw && classification.misclassified.length > 0) {
    const records = await split.raw(classification.misclassified.map((m) => m.index));
    examples = classification.misclassified.map((m, i) => ({
      index: m.index, trueLabel: decodeLabel(prep, m.trueIndex), predictedLabel: decodeLabel(prep, m.predictedIndex),
      confidence: m.confidence, record: records[i],
    }));
  }
  return createReport({ split: e.splitName, classification, model, ...(examples ? { examples } : {}), sample });
}

/** The split's first row with only the model's input features (an image feature: the file's path), for examples a person can send. */
async function sampleRow(prep: Preprocessing, split: SplitData): Promise<Report['sample']> {
  if (!split.raw || split.n === 0) return undefined;
  const [raw] = await split.raw([0]);
  if (!raw) return undefined;
  const record: Record<string, unknown> = {};
  for (const f of prep.features) record[f.name] = f.kind === 'image' ? (raw._path ?? raw[f.name] ?? null) : (raw[f.name] ?? null);
  return { index: 0, record };
}
