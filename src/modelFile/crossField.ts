/**
 * Checks that need more than one field (or the data's header): each message names every field
 * involved and why they disagree. Runs only on a spec that passed the schema stage.
 */
import * as path from 'node:path';
import type { Layer, ModelSpecFile } from './schema';
import { limit } from '../limits';
import { checkLayerShapes, type InputInfo } from './layerShapes';
import { estimateModel, modelTooBig, type SizeInput } from './modelSize';
import { problemAt, type ParsedText } from './parse';
import { resolveInWorkspaceAsync } from './paths';
import { formatFromExtension, guessKind, isMissingValue, NotDataFileError, peekFolder, peekTable, statData } from './peek';
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
  // --- learning rate: a value no optimiser survives is an error; an unusual one a warning
  const lr = train.optimizer.learningRate;
  const lrPath = ['train', 'optimizer', 'learningRate'];
  if (lr > 100) {
    err(lrPath, `\`train.optimizer.learningRate\` is ${lr}; above 100 every optimiser diverges (the weights become NaN within a step). Usual values are 0.0001 to 0.1.`, { value: lr });
  } else if (lr > 1) {
    warn(lrPath, `\`train.optimizer.learningRate\` is ${lr}, far above the usual 0.0001–0.1; training will likely diverge (the run then fails when the weights stop being numbers).`, { value: lr });
  } else if (lr < 1e-8) {
    warn(lrPath, `\`train.optimizer.learningRate\` is ${lr}, too small for the weights to move; usual values are 0.0001–0.1.`, { value: lr });
  }

  const input = await checkSource(parsed, spec, opts, out);
  if (task === 'classification' && train.loss === 'binaryCrossentropy' && (input.labelsSeen?.length ?? 0) > 2) {
    const seen = input.labelsSeen ?? [];
    err(['train', 'loss'], `\`train.loss\` is binaryCrossentropy, a loss for 2 classes, but \`data.label\` ${data.label} has at least ${seen.length} (${seen.slice(0, 5).join(', ')}${seen.length > 5 ? ', …' : ''}); use categoricalCrossentropy (or auto).`, { value: train.loss });
  }
  const layers = spec.model.layers;
  const rankProblems = checkLayerShapes(layers, input, data.text?.maxTokens);
  for (const p of rankProblems) {
    out.push(problemAt(parsed, ['model', 'layers', p.layer, p.field], p.message, { severity: p.severity, value: layers[p.layer].type }));
  }
  checkLayerNames(parsed, layers, out);
  const { estimate, problems: sizeProblems } = estimateModel(layers, sizeInput(spec, input), train);
  // Sizes are only meaningful where the ranks agree; a rank problem already says what is wrong.
  if (!rankProblems.some((p) => p.severity === 'error')) {
    for (const p of sizeProblems) out.push(problemAt(parsed, ['model', 'layers', p.layer, p.field], p.message, { value: (layers[p.layer] as Record<string, unknown>)[p.field] }));
  }
  const tooBig = modelTooBig(estimate, limit('modelMemoryBytes'), layers, train.optimizer.type);
  if (tooBig) out.push(problemAt(parsed, ['model', 'layers', tooBig.layer, tooBig.field], tooBig.message, { value: (layers[tooBig.layer] as Record<string, unknown> | undefined)?.[tooBig.field] }));
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

/** The input the size estimate starts from: the shape found for the data, the classes a lower bound. */
export function sizeInput(spec: ModelSpecFile, input: InputInfo): SizeInput {
  return {
    shape: input.shape,
    exact: input.exact ?? false,
    outputUnits: spec.task === 'regression' ? 1 : 2,
    vocabulary: spec.data.text?.maxTokens ?? 10000,
  };
}

/** Layer names become weight names in the saved model: two layers may not share one (TF.js fails late, without the field). */
function checkLayerNames(parsed: ParsedText, layers: readonly Layer[], out: SpecProblem[]): void {
  const seen = new Map<string, number>();
  layers.forEach((layer, i) => {
    const names = [layer.name, layer.type === 'bidirectional' ? (layer.layer as Record<string, unknown> | undefined)?.name : undefined];
    for (const name of names) {
      if (typeof name !== 'string') continue;
      const first = seen.get(name);
      if (first !== undefined) {
        out.push(problemAt(parsed, ['model', 'layers', i, 'name'], `\`model.layers[${i}].name\` is \`${name}\`, the name of \`model.layers[${first}]\` too; layer names must be unique (or leave \`name\` out for a generated one).`, { value: name }));
      } else {
        seen.set(name, i);
      }
    }
  });
  const reserved = layers.findIndex((l, i) => l.name === 'input' || (l.name === 'output' && i < layers.length - 1));
  if (reserved >= 0) {
    out.push(problemAt(parsed, ['model', 'layers', reserved, 'name'], `\`model.layers[${reserved}].name\` is \`${String(layers[reserved].name)}\`, a name the model keeps for its own input and output layers; choose another.`, { value: layers[reserved].name }));
  }
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
  // One sample's shape as the pipeline makes it (media.ts, text.ts defaults): exact for images and token sequences.
  const imageShape = [...(data.image?.size ?? [28, 28]), data.image?.channels ?? 3];
  const sequenceShape = [data.text?.sequenceLength ?? 100];
  const folderInput = (texts = Boolean(data.text && !data.image)): InputInfo => texts
    ? { kind: 'sequence', textUndeclared: false, why: `\`data.source\` ${data.source} is a folder of texts`, shape: sequenceShape, exact: true }
    : { kind: 'image', textUndeclared: false, why: `\`data.source\` ${data.source} is a folder of images`, shape: imageShape, exact: true };
  const tableInput = (columns: string[] | undefined, sample: Record<string, unknown>[] = []): InputInfo => {
    const features = data.features ?? (columns ?? Object.keys(data.columns ?? {})).filter((c) => c !== data.label && !(data.exclude ?? []).includes(c));
    const images = declared('image').filter((c) => features.includes(c));
    const texts = declared('text').filter((c) => features.includes(c));
    if (images.length > 0) return { kind: 'image', textUndeclared: false, why: `image column \`${images[0]}\``, shape: imageShape, exact: true };
    if (texts.length > 0) return { kind: 'sequence', textUndeclared: false, why: `text column \`${texts[0]}\``, shape: sequenceShape, exact: true };
    // Undeclared columns get their type from the values: guess from the first rows as the pipeline would.
    const undeclared = features.filter((c) => data.columns?.[c]?.type === undefined);
    const guessed = undeclared.map((c) => [c, guessKind(sample.map((r) => r[c]))] as const);
    const image = guessed.find(([, k]) => k === 'image');
    if (image) return { kind: 'image', textUndeclared: false, why: `column \`${image[0]}\` holds image paths`, shape: imageShape, exact: true };
    const text = guessed.find(([, k]) => k === 'text');
    if (text) return { kind: 'sequence', textUndeclared: false, why: `column \`${text[0]}\` looks like free text`, shape: sequenceShape, exact: true };
    if (data.text) return { kind: 'sequence', textUndeclared: false, why: '`data.text` is set', shape: sequenceShape, exact: true };
    // Each feature encodes to at least one number (a one-hot category to more): a lower bound on the width.
    const width = columns || data.features ? features.length : undefined;
    return { kind: 'tabular', textUndeclared: true, why: `\`data.source\` ${data.source} is a table with no column declared image or text`, shape: width ? [width] : undefined, exact: false };
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
    return { ...folderInput(folder.images + folder.texts > 0 ? folder.texts > folder.images : undefined), labelsSeen: folder.classes };
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
  const labels = new Set<string>();
  for (const r of sample) {
    const v = r[data.label];
    if (!isMissingValue(v)) labels.add(String(v).trim());
  }
  return { ...tableInput(columns, sample), labelsSeen: [...labels] };
}
