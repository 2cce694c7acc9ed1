/**
 * Labels of image and text samples (classes sorted as the tabular pipeline sorts them, or a
 * standardised regression target), the seeded split, and the warnings collected on the way.
 */
import type { ModelSpecFile, Task } from '../../modelFile/schema';
import { dataError } from './errors';
import { meanStd, sortClasses } from './preprocess';
import { splitIndices } from './split';
import type { Preprocessing } from './types';

// ---------------------------------------------------------------- collecting warnings

export class Warnings {
  readonly list: string[] = [];
  constructor(private readonly sink?: (message: string) => void) {}
  add(message: string): void {
    this.list.push(message);
    this.sink?.(message);
  }
}

export interface LabelPlan {
  label: Preprocessing['label'];
  /** per sample: class index (classification) or standardised target (regression) */
  y: Float32Array;
  split: { train: number[]; validation: number[]; test: number[] };
  classBalance?: Array<{ label: string; count: number }>;
}

/**
 * Classes (sorted as the tabular pipeline sorts them), or the regression target standardised with
 * the training mean/std; and the seeded split (stratified for classification when asked).
 */
export function planLabels(spec: ModelSpecFile, task: Task, labels: ReadonlyArray<string | number>, where: string): LabelPlan {
  const n = labels.length;
  const s = (spec.data.split ?? {}) as Partial<{ validation: number; test: number; seed: number; stratify: boolean; shuffle: boolean }>;
  const split = splitIndices(n, {
    validation: s.validation ?? 0.15,
    test: s.test ?? 0.15,
    seed: s.seed ?? 42,
    stratify: task === 'classification' && (s.stratify ?? true),
    shuffle: s.shuffle ?? true,
    labels: labels.map(String),
  });
  const y = new Float32Array(n);
  if (task === 'classification') {
    const classes = sortClasses(new Set(labels.map(String)));
    if (classes.length < 2) throw dataError(where, `only one class (${JSON.stringify(classes[0] ?? '')}); classification needs at least two`);
    const index = new Map(classes.map((c, k) => [c, k]));
    const counts = new Array<number>(classes.length).fill(0);
    labels.forEach((l, i) => {
      y[i] = index.get(String(l)) as number;
      counts[y[i]]++;
    });
    return { label: { name: spec.data.label, classes }, y, split, classBalance: classes.map((label, k) => ({ label, count: counts[k] })) };
  }
  const { mean, std } = meanStd(split.train.map((i) => Number(labels[i])));
  const divisor = std > 1e-12 ? std : 1;
  labels.forEach((l, i) => (y[i] = (Number(l) - mean) / divisor));
  return { label: { name: spec.data.label, center: mean, divisor }, y, split };
}

