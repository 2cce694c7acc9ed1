/**
 * Checks that need more than one field (or the data's header): each message names every field
 * involved and why they disagree. Runs only on a spec that passed the schema stage.
 */
import * as path from 'node:path';
import type { ModelSpecFile } from './schema';
import { checkLayerShapes, type InputInfo } from './layerShapes';
import { problemAt, type ParsedText } from './parse';
import { resolveInWorkspaceAsync } from './paths';
import { formatFromExtension, guessKind, NotDataFileError, peekFolder, peekTable, statData } from './peek';
import { SpecError, type SpecProblem } from './problems';
import type { Segment } from './fieldPath';
import { didYouMean } from './suggest';

export interface CrossFieldOptions {
  workspaceRoot: string;
  /** read the data source's header to check column names (default true) */
  checkData: boolean;
}

/** Loss names a log line or callback will carry besides the metrics' own names (Keras/TF.js spellings). */
const METRIC_ALIASES: Record<string, string[]> = {
  accuracy: ['acc'],
  meanSquaredError: ['mse'],
  meanAbsoluteError: ['mae'],
  rootMeanSquaredError: ['rmse'],
};
const CLASSIFICATION_LOSSES = new Set(['binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy']);
const REGRESSION_LOSSES = new Set(['meanSquaredError', 'meanAbsoluteError', 'huber']);
const CLASSIFICATION_METRICS = new Set(['accuracy', 'precision', 'recall']);

export async function checkCrossField(parsed: ParsedText, spec: ModelSpecFile, opts: CrossFieldOptions): Promise<SpecProblem[]> {
  const out: SpecProblem[] = [];
  const err = (segs: Segment[], message: string, extra: Partial<SpecProblem> = {}, where: 'key' | 'value' = 'value') =>
    out.push(problemAt(parsed, segs, message, extra, where));
  const warn = (segs: Segment[], message: string, extra: Partial<SpecProblem> = {}, where: 'key' | 'value' = 'value') =>
    out.push(problemAt(parsed, segs, message, { severity: 'warning', ...extra }, where));
  const { data, train, task } = spec;

  // --- split
  const { validation, test } = data.split;
  if (validation + test >= 1) {
    err(['data', 'split', 'test'], `\`data.split.validation\` (${validation}) and \`data.split.test\` (${test}) add up to ${round(validation + test)}, which leaves no rows for training: their sum must be below 1.`, { value: test });
  }

  // --- monitored metrics
  const monitorable = epochMetricNames(spec);
  const checkMonitor = (segs: Segment[], monitor: string) => {
    if (!monitorable.includes(monitor)) {
      const guess = didYouMean(monitor, monitorable);
      err(segs, `\`${segs.join('.')}\` watches \`${monitor}\`, which training does not report${guess ? `; did you mean \`${guess}\`?` : '.'} Reported: ${monitorable.join(', ')} (add a metric to \`train.metrics\` to watch it).`,
        { value: monitor, allowed: monitorable });
    } else if (monitor.startsWith('val_') && validation === 0) {
      err(segs, `\`${segs.join('.')}\` watches \`${monitor}\`, but \`data.split.validation\` is 0, so there is no validation split to compute it on. Watch \`${monitor.slice(4)}\` or set a validation fraction.`, { value: monitor });
    }
  };
  if (train.earlyStopping) checkMonitor(['train', 'earlyStopping', 'monitor'], train.earlyStopping.monitor);
  if (train.lrSchedule?.monitor !== undefined) checkMonitor(['train', 'lrSchedule', 'monitor'], train.lrSchedule.monitor);

  if (train.lrSchedule?.type === 'reduceOnPlateau' && train.lrSchedule.monitor === undefined && validation === 0) {
    err(['train', 'lrSchedule'], '`train.lrSchedule` (reduceOnPlateau) watches `val_loss` by default, but `data.split.validation` is 0, so there is no validation split. Set `train.lrSchedule.monitor: loss` or a validation fraction.');
  }
  const es = train.earlyStopping;
  if (es && es.mode !== 'auto') {
    const goesUp = /acc|precision|recall/i.test(es.monitor);
    if ((es.mode === 'min' && goesUp) || (es.mode === 'max' && !goesUp)) {
      warn(['train', 'earlyStopping', 'mode'], `\`train.earlyStopping.mode\` is \`${es.mode}\`, but \`${es.monitor}\` improves as it goes ${goesUp ? 'up' : 'down'}: training would stop when it improves. Use \`${goesUp ? 'max' : 'min'}\` or \`auto\`.`, { value: es.mode });
    }
  }

  // --- parameters that the chosen optimiser or schedule ignores
  unusedParams(train.optimizer as unknown as Record<string, unknown>, OPTIMIZER_PARAMS, ['train', 'optimizer'], warn);
  if (train.lrSchedule) unusedParams(train.lrSchedule as unknown as Record<string, unknown>, SCHEDULE_PARAMS, ['train', 'lrSchedule'], warn);

  // --- loss and metrics against the task
  if (task === 'regression' && CLASSIFICATION_LOSSES.has(train.loss)) {
    err(['train', 'loss'], `\`train.loss\` is \`${train.loss}\`, a classification loss, but \`task\` is \`regression\`. Use meanSquaredError, meanAbsoluteError or huber (or auto).`,
      { value: train.loss, allowed: ['auto', ...REGRESSION_LOSSES] });
  } else if (task === 'classification' && REGRESSION_LOSSES.has(train.loss)) {
    warn(['train', 'loss'], `\`train.loss\` is \`${train.loss}\`, a regression loss, but \`task\` is \`classification\`; categoricalCrossentropy (auto) usually trains better.`, { value: train.loss });
  }
  if (task === 'regression') {
    train.metrics.forEach((m, i) => {
      if (CLASSIFICATION_METRICS.has(m)) {
        err(['train', 'metrics', i], `\`train.metrics[${i}]\` is \`${m}\`, a classification metric, but \`task\` is \`regression\`. Use meanSquaredError, meanAbsoluteError or rootMeanSquaredError.`, { value: m });
      }
    });
  }

  // --- label and features
  const featureIndex = data.features?.indexOf(data.label) ?? -1;
  if (featureIndex >= 0) {
    err(['data', 'features', featureIndex], `\`data.features\` lists the label \`${data.label}\` (\`data.label\`): the model would see the answer. Remove it from the features.`, { value: data.label });
  }
  const excludeIndex = data.exclude?.indexOf(data.label) ?? -1;
  if (excludeIndex >= 0) {
    err(['data', 'exclude', excludeIndex], `\`data.exclude\` lists the label \`${data.label}\` (\`data.label\`); the label is never a feature, and it cannot be left out.`, { value: data.label });
  }
  if (data.features && data.exclude && data.exclude.length > 0) {
    warn(['data', 'exclude'], '`data.exclude` is ignored because `data.features` lists the features explicitly.');
  }

  // --- the data source
  const input = await checkSource(parsed, spec, opts, out);
  const layers = spec.model.layers;
  for (const p of checkLayerShapes(layers, input, data.text?.maxTokens)) {
    out.push(problemAt(parsed, ['model', 'layers', p.layer, p.field], p.message, { severity: p.severity, value: layers[p.layer].type }));
  }
  return out;
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;

/** The names training logs each epoch (loss, the metrics and their Keras aliases, each also with val_). */
export function epochMetricNames(spec: Pick<ModelSpecFile, 'task' | 'train'>): string[] {
  const metrics = new Set<string>(spec.train.metrics);
  if (spec.task === 'classification') metrics.add('accuracy');
  const names = ['loss', ...[...metrics].flatMap((m) => [m, ...(METRIC_ALIASES[m] ?? [])])];
  return [...names, ...names.map((n) => `val_${n}`)];
}

/** Which parameters each optimiser / schedule reads (as src/engine builds them); the others do nothing. */
const OPTIMIZER_PARAMS: Record<string, string[]> = {
  sgd: [], momentum: ['momentum', 'useNesterov'], adam: ['beta1', 'beta2', 'epsilon'], adamax: ['beta1', 'beta2', 'epsilon', 'decay'],
  adagrad: ['initialAccumulatorValue'], adadelta: ['rho', 'epsilon'], rmsprop: ['rho', 'momentum', 'epsilon', 'centered'],
};
const SCHEDULE_PARAMS: Record<string, string[]> = {
  reduceOnPlateau: ['factor', 'patience', 'monitor', 'minLearningRate'], exponentialDecay: ['decayRate', 'decaySteps', 'minLearningRate'],
  stepDecay: ['factor', 'stepSize', 'minLearningRate'], cosine: ['warmupEpochs', 'minLearningRate'],
};
const ALWAYS = new Set(['type', 'learningRate']);

function unusedParams(section: Record<string, unknown>, table: Record<string, string[]>, segs: string[], warn: (segs: Segment[], message: string, extra: Partial<SpecProblem>, where: 'key') => void): void {
  const type = String(section.type);
  const used = table[type];
  if (!used) return;
  for (const key of Object.keys(section)) {
    if (ALWAYS.has(key) || used.includes(key)) continue;
    const users = Object.entries(table).filter(([, params]) => params.includes(key)).map(([t]) => t);
    warn([...segs, key], `\`${segs.join('.')}.${key}\` has no effect with \`${type}\`${users.length ? `; it applies to ${users.join(', ')}` : ''}.`, { value: section[key] }, 'key');
  }
}

/** Confine and look at data.source; check column names against its header. Returns what the model's input will be. */
async function checkSource(parsed: ParsedText, spec: ModelSpecFile, opts: CrossFieldOptions, out: SpecProblem[]): Promise<InputInfo> {
  const { data } = spec;
  const src = ['data', 'source'];
  const declared = (type: string) => Object.entries(data.columns ?? {}).filter(([, c]) => c.type === type).map(([name]) => name);
  let absolute: string;
  try {
    absolute = await resolveInWorkspaceAsync(path.dirname(path.resolve(parsed.file)), data.source, opts.workspaceRoot);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    out.push(problemAt(parsed, src, e.problems[0].message, { value: data.source }));
    return { kind: 'unknown', textUndeclared: false, why: '' };
  }
  const folderInput = (texts = Boolean(data.text && !data.image)): InputInfo => texts
    ? { kind: 'sequence', textUndeclared: false, why: `\`data.source\` ${data.source} is a folder of texts` }
    : { kind: 'image', textUndeclared: false, why: `\`data.source\` ${data.source} is a folder of images` };
  const tableInput = (columns: string[] | undefined, sample: Record<string, unknown>[] = []): InputInfo => {
    const features = data.features ?? (columns ?? Object.keys(data.columns ?? {})).filter((c) => c !== data.label && !(data.exclude ?? []).includes(c));
    const images = declared('image').filter((c) => features.includes(c));
    const texts = declared('text').filter((c) => features.includes(c));
    if (images.length > 0) return { kind: 'image', textUndeclared: false, why: `image column \`${images[0]}\`` };
    if (texts.length > 0) return { kind: 'sequence', textUndeclared: false, why: `text column \`${texts[0]}\`` };
    // Undeclared columns get their type from the values: guess from the first rows as the pipeline would.
    const undeclared = features.filter((c) => data.columns?.[c]?.type === undefined);
    const guessed = undeclared.map((c) => [c, guessKind(sample.map((r) => r[c]))] as const);
    const image = guessed.find(([, k]) => k === 'image');
    if (image) return { kind: 'image', textUndeclared: false, why: `column \`${image[0]}\` holds image paths` };
    const text = guessed.find(([, k]) => k === 'text');
    if (text) return { kind: 'sequence', textUndeclared: false, why: `column \`${text[0]}\` looks like free text` };
    if (data.text) return { kind: 'sequence', textUndeclared: false, why: '`data.text` is set' };
    return { kind: 'tabular', textUndeclared: true, why: `\`data.source\` ${data.source} is a table with no column declared image or text` };
  };

  if (!opts.checkData) {
    if (data.format === 'images') return folderInput();
    return data.format !== 'auto' || formatFromExtension(data.source) ? tableInput(undefined) : { kind: 'unknown', textUndeclared: false, why: '' };
  }
  let isFolder: boolean;
  try {
    isFolder = (await statData(absolute)).isDirectory();
  } catch (e) {
    if (e instanceof NotDataFileError) {
      out.push(problemAt(parsed, src, `\`data.source\` ${data.source} ${e.reason}.`, { value: data.source }));
      return { kind: 'unknown', textUndeclared: false, why: '' };
    }
    out.push(problemAt(parsed, src, `\`data.source\` ${data.source} does not exist (looked for ${absolute}); paths are relative to the model file's folder.`, { value: data.source }));
    return data.format === 'images' ? folderInput() : tableInput(undefined);
  }
  if (isFolder) {
    if (data.format !== 'auto' && data.format !== 'images') {
      out.push(problemAt(parsed, ['data', 'format'], `\`data.format\` is \`${data.format}\`, but \`data.source\` ${data.source} is a folder; use \`images\` (one subfolder per class) or \`auto\`, or point \`data.source\` at a file.`, { value: data.format }));
    }
    if (spec.task !== 'classification') {
      out.push(problemAt(parsed, ['task'], `\`task\` is \`${spec.task}\`, but \`data.source\` ${data.source} is a folder with one subfolder per class, which is classification data. Use \`task: classification\`, or a table with a numeric label for regression.`, { value: spec.task }));
    }
    let folder;
    try {
      folder = await peekFolder(absolute);
    } catch (e) {
      out.push(problemAt(parsed, src, `cannot list the folder \`data.source\` ${data.source}: ${e instanceof Error ? e.message : String(e)}`, { value: data.source }));
      return folderInput();
    }
    if (folder.classes.length === 0) {
      out.push(problemAt(parsed, src, `\`data.source\` ${data.source} is a folder without class subfolders: put each class's images (or .txt files) in a subfolder named after the class, e.g. cats/001.png, dogs/002.png.`, { value: data.source }));
    } else if (folder.images + folder.texts > 0 && folder.classes.length < 2) {
      out.push(problemAt(parsed, src, `\`data.source\` ${data.source} has one class subfolder (${folder.classes[0]}); classification needs at least two.`, { value: data.source, severity: 'warning' }));
    }
    return folderInput(folder.images + folder.texts > 0 ? folder.texts > folder.images : undefined);
  }
  if (data.format === 'images') {
    out.push(problemAt(parsed, ['data', 'format'], `\`data.format\` is \`images\`, but \`data.source\` ${data.source} is a file; \`images\` reads a folder with one subfolder per class.`, { value: data.format }));
    return tableInput(undefined);
  }
  if (data.format === 'auto' && !formatFromExtension(absolute)) {
    out.push(problemAt(parsed, src, `cannot tell the format of \`data.source\` ${data.source} from its extension '${path.extname(absolute) || '(none)'}'; use .csv, .tsv, .json or .jsonl, or set \`data.format\` (csv, tsv, json, jsonl).`, { value: data.source }));
    return tableInput(undefined);
  }
  let columns: string[];
  let complete: boolean;
  let sample: Record<string, unknown>[];
  try {
    ({ columns, complete, sample } = await peekTable(absolute, data.format, data.delimiter));
  } catch (e) {
    out.push(problemAt(parsed, src, `cannot read the columns of \`data.source\` ${data.source}: ${e instanceof Error ? e.message : String(e)}`, { value: data.source }));
    return tableInput(undefined);
  }
  const checkColumn = (segs: Segment[], name: string, role: string, where: 'key' | 'value' = 'value') => {
    if (columns.includes(name)) return;
    const guess = columns.find((c) => c.trim() === name.trim()) ?? didYouMean(name, columns);
    const listed = columns.length > 30 ? `${columns.slice(0, 30).join(', ')}, … (${columns.length} in all)` : columns.join(', ');
    // json/jsonl longer than what was read: a later record may still add the column.
    const found = complete ? 'which is not a column of' : 'which is not a key of the first records of';
    out.push(problemAt(parsed, segs, `${role} \`${name}\`, ${found} ${data.source}${guess !== undefined ? `; did you mean \`${guess}\`?` : '.'} Columns: ${listed}.`,
      { value: name, allowed: columns, severity: complete ? 'error' : 'warning' }, where));
  };
  checkColumn(['data', 'label'], data.label, '`data.label` is');
  data.features?.forEach((f, i) => checkColumn(['data', 'features', i], f, `\`data.features[${i}]\` is`));
  data.exclude?.forEach((f, i) => checkColumn(['data', 'exclude', i], f, `\`data.exclude[${i}]\` is`));
  for (const name of Object.keys(data.columns ?? {})) checkColumn(['data', 'columns', name], name, '`data.columns` has settings for', 'key');
  if (columns.length === 1 && columns[0] === data.label) {
    out.push(problemAt(parsed, src, `${data.source} has only the label column \`${data.label}\`: there is nothing to learn from. Add feature columns.`, { value: data.source }));
  }
  return tableInput(columns, sample);
}
