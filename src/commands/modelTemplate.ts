/**
 * The text of a new model file: commented, valid as written, and quick to train. Plain strings,
 * no `vscode`, so it is tested by validating what it writes.
 */
export type TemplateTask = 'classification' | 'regression' | 'image' | 'text';

export interface TemplateInput {
  task: TemplateTask;
  name: string;
  /** data path relative to the model file, with forward slashes */
  source: string;
  /** the label column (tabular and text), or the name of the class (images) */
  label: string;
  /** every column of the data file (tabular and text); the features are the rest */
  columns?: string[];
  /** the text column (task text) */
  textColumn?: string;
}

const q = (s: string) => (/^[A-Za-z_][\w.-]*$/.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s) ? s : JSON.stringify(s));

/** A model name the schema accepts, from a file or folder name. */
export function toModelName(raw: string): string {
  const n = raw.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/[-.]+$/, '').slice(0, 100);
  return n || 'model';
}

export function modelFileText(t: TemplateInput): string {
  const head = [
    `# ${t.name}: ${describe(t)}`,
    '# Train it with "Model Studio: Train Model" (or the ▶ Train link above), or from a terminal:',
    `#   npx model-studio train ${t.name}.model.yaml`,
    '# Hover a key to read what it does; Ctrl+Space lists the keys and values that fit.',
    `name: ${q(t.name)}                 # names the run folders (runs/${t.name}/…) and the served model`,
    `task: ${t.task === 'regression' ? 'regression' : 'classification'}`,
    '',
  ];
  if (t.task === 'image') return [...head, ...imageBody(t)].join('\n') + '\n';
  if (t.task === 'text') return [...head, ...textBody(t)].join('\n') + '\n';
  return [...head, ...tabularBody(t)].join('\n') + '\n';
}

function describe(t: TemplateInput): string {
  switch (t.task) {
    case 'classification': return `predict the class in column "${t.label}" from the other columns.`;
    case 'regression': return `predict the number in column "${t.label}" from the other columns.`;
    case 'image': return 'classify images (one subfolder per class).';
    case 'text': return `classify the text in column "${t.textColumn ?? ''}" into "${t.label}".`;
  }
}

function tabularBody(t: TemplateInput): string[] {
  const features = (t.columns ?? []).filter((c) => c !== t.label);
  const classification = t.task === 'classification';
  return [
    'data:',
    `  source: ${q(t.source)}            # relative to this file; csv, tsv, json or jsonl`,
    `  label: ${q(t.label)}              # the column to predict`,
    features.length ? `  features: [${features.map(q).join(', ')}]` : '  # features: [...]          # default: every other column',
    '  preprocess:                 # fitted on the training split only, saved with the model',
    '    missing: mean             # drop | mean | median | mode | zero | error',
    '    numeric: standardize      # standardize | minmax | none',
    '    categorical: onehot       # onehot | index',
    `  split: { validation: 0.15, test: 0.15, seed: 42${classification ? ', stratify: true' : ''} }`,
    '',
    'model:',
    '  layers:                     # Keras layers, camelCase arguments as in tf.layers',
    '    - { type: dense, units: 32, activation: relu }',
    '    - { type: dense, units: 16, activation: relu }',
    '    # the output layer is added from the task and the label',
    '',
    'train:',
    '  epochs: 50',
    '  batchSize: 32',
    '  optimizer: { type: adam, learningRate: 0.01 }',
    '  loss: auto                  # from the task',
    `  metrics: [${classification ? 'accuracy' : 'meanAbsoluteError'}]`,
    '  earlyStopping: { monitor: val_loss, patience: 10, restoreBestWeights: true }',
    '  seed: 42                    # same file + same seed + same backend = same numbers',
    '  backend: auto               # the fastest backend that loads',
    '',
    'evaluate:',
    '  split: test                 # the report is computed on held-out rows',
  ];
}

function imageBody(t: TemplateInput): string[] {
  return [
    'data:',
    `  source: ${q(t.source)}            # a folder with one subfolder per class`,
    '  format: images',
    `  label: ${q(t.label)}              # the name the class gets in reports and predictions`,
    '  image:',
    '    size: [28, 28]            # [height, width] every image is resized to',
    '    channels: 1               # 1 = greyscale, 3 = colour',
    '    scale: unit               # pixels scaled to [0, 1]',
    '  split: { validation: 0.15, test: 0.15, seed: 42, stratify: true }',
    '',
    'model:',
    '  layers:',
    '    - { type: conv2d, filters: 16, kernelSize: 3, activation: relu, padding: same }',
    '    - { type: maxPooling2d, poolSize: 2 }',
    '    - { type: conv2d, filters: 32, kernelSize: 3, activation: relu, padding: same }',
    '    - { type: globalMaxPooling2d }',
    '    - { type: dense, units: 32, activation: relu }',
    '',
    'train:',
    '  epochs: 20',
    '  batchSize: 32',
    '  optimizer: { type: adam, learningRate: 0.002 }',
    '  metrics: [accuracy]',
    '  earlyStopping: { monitor: val_loss, patience: 5, restoreBestWeights: true }',
    '  seed: 42',
    '',
    'evaluate:',
    '  split: test',
  ];
}

function textBody(t: TemplateInput): string[] {
  const text = t.textColumn ?? (t.columns ?? []).find((c) => c !== t.label) ?? 'text';
  return [
    'data:',
    `  source: ${q(t.source)}`,
    `  label: ${q(t.label)}`,
    `  features: [${q(text)}]`,
    '  columns:',
    `    ${q(text)}: { type: text }   # tokenised, mapped to a vocabulary, padded`,
    '  text:',
    '    maxTokens: 2000           # vocabulary size, fitted on the training split',
    '    sequenceLength: 32        # longer texts are cut, shorter ones padded',
    '  split: { validation: 0.15, test: 0.15, seed: 42, stratify: true }',
    '',
    'model:',
    '  layers:',
    '    - { type: embedding, outputDim: 32 }   # inputDim defaults to data.text.maxTokens',
    '    - { type: globalAveragePooling1d }',
    '    - { type: dense, units: 32, activation: relu }',
    '',
    'train:',
    '  epochs: 20',
    '  batchSize: 32',
    '  optimizer: { type: adam, learningRate: 0.005 }',
    '  metrics: [accuracy]',
    '  earlyStopping: { monitor: val_loss, patience: 4, restoreBestWeights: true }',
    '  seed: 42',
    '',
    'evaluate:',
    '  split: test',
  ];
}
