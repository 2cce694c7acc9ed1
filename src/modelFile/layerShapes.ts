/**
 * Does each layer get input of the shape it needs? A walk over the layers tracking only the rank of
 * one sample (1: a flat vector or token ids, 2: a sequence [steps, features], 3: an image [h, w, c]),
 * which is enough to catch a conv2d on tabular rows or an lstm without an embedding, and to say which
 * fields disagree. Exact sizes are the model builder's job.
 */
import type { Layer } from './schema';

export type InputKind = 'image' | 'sequence' | 'tabular' | 'unknown';

export interface InputInfo {
  kind: InputKind;
  /** tabular input with no column declared text: the data pipeline may still infer one */
  textUndeclared: boolean;
  /** how the input came to be, for messages: "`data.source` data/iris.csv is a table with no image or text column" */
  why: string;
  /** one sample's shape, for the size estimate (modelSize.ts); absent when nothing is known */
  shape?: number[];
  /** whether `shape` is exact (images, token sequences) or a lower bound (a table's features before encoding) */
  exact?: boolean;
  /** label values seen (the first rows of a table, the class folders): a lower bound on the classes */
  labelsSeen?: string[];
}

export interface ShapeProblem {
  layer: number;
  /** argument the problem is about (e.g. `type`, `inputDim`) */
  field: string;
  message: string;
  severity: 'error' | 'warning';
}

const NEEDS: Record<string, { rank: number; out?: number }> = {
  conv1d: { rank: 2 }, maxPooling1d: { rank: 2 }, averagePooling1d: { rank: 2 },
  globalAveragePooling1d: { rank: 2, out: 1 }, globalMaxPooling1d: { rank: 2, out: 1 },
  conv2d: { rank: 3 }, maxPooling2d: { rank: 3 }, averagePooling2d: { rank: 3 },
  globalAveragePooling2d: { rank: 3, out: 1 }, globalMaxPooling2d: { rank: 3, out: 1 },
};
const RECURRENT = new Set(['lstm', 'gru', 'simpleRNN', 'bidirectional']);

const SHAPE_WORDS: Record<number, string> = {
  1: 'a flat vector',
  2: 'a sequence [steps, features]',
  3: 'an image [height, width, channels]',
};
const shapeWords = (rank: number) => SHAPE_WORDS[rank] ?? `a tensor of rank ${rank}`;

const HOW_TO: Record<number, string> = {
  3: 'Use a folder of images (one subfolder per class) or a column of image paths (`data.columns.<name>.type: image`), or add a `reshape` layer with `targetShape: [height, width, channels]` before it.',
  2: 'Use a text column (`data.columns.<name>.type: text`) with an `embedding` layer first, or add a `reshape` layer with `targetShape: [steps, features]` before it.',
};

export function checkLayerShapes(layers: readonly Layer[], input: InputInfo, maxTokens: number | undefined): ShapeProblem[] {
  const problems: ShapeProblem[] = [];
  let rank: number | undefined = input.kind === 'image' ? 3 : input.kind === 'unknown' ? undefined : 1;
  let ids = input.kind === 'sequence';
  let origin = `the model's input (${input.why})`;
  const L = (i: number) => `\`model.layers[${i}]\` (${layers[i].type})`;

  for (const [i, layer] of layers.entries()) {
    const t = layer.type;
    if (t === 'embedding') {
      if (i > 0 || input.kind === 'image') {
        problems.push({ layer: i, field: 'type', severity: 'error', message: `${L(i)} turns token ids into vectors, so it must read the text input directly, but it gets ${rank ? shapeWords(rank) : 'the output of another layer'} from ${origin}. Put it first, after a text column (\`data.columns.<name>.type: text\`).` });
      } else if (input.kind === 'tabular' && input.textUndeclared) {
        problems.push({ layer: i, field: 'type', severity: 'warning', message: `${L(i)} reads token ids from a text column, but no feature is declared as text (\`data.columns.<name>.type: text\`) and \`data.text\` is not set (${input.why}); unless a column is inferred as text this layer gets numbers, not tokens.` });
      }
      const inputDim = layer.inputDim;
      if (typeof inputDim === 'number' && maxTokens !== undefined && inputDim < maxTokens) {
        problems.push({ layer: i, field: 'inputDim', severity: 'error', message: `${L(i)} has \`inputDim\` ${inputDim}, but \`data.text.maxTokens\` is ${maxTokens}: token ids up to ${maxTokens - 1} would not fit. Remove \`inputDim\` (it defaults to maxTokens) or make it at least ${maxTokens}.` });
      }
      rank = 2;
      ids = false;
      origin = `the output of ${L(i)}`;
      continue;
    }
    const need = NEEDS[t] ?? (RECURRENT.has(t) ? { rank: 2 } : undefined);
    if (need && rank !== undefined && rank !== need.rank) {
      const idsHint = ids && need.rank === 2 ? ' The text column gives token ids: add an `embedding` layer first to turn them into a sequence of vectors.' : '';
      problems.push({ layer: i, field: 'type', severity: 'error', message: `${L(i)} needs ${shapeWords(need.rank)} as input, but gets ${shapeWords(rank)} from ${origin}.${idsHint || ` ${HOW_TO[need.rank] ?? ''}`}`.trimEnd() });
      rank = undefined; // one message per disagreement, not a cascade
    } else if (need) {
      rank = need.out ?? need.rank;
    }
    if (RECURRENT.has(t)) rank = returnsSequences(layer) ? 2 : 1;
    else if (t === 'flatten') rank = 1;
    else if (t === 'reshape' && Array.isArray(layer.targetShape)) rank = layer.targetShape.length;
    ids = false;
    origin = `the output of ${L(i)}`;
  }
  if (rank !== undefined && rank > 1 && layers.length > 0) {
    const last = layers.length - 1;
    problems.push({ layer: last, field: 'type', severity: 'warning', message: `the last layer, ${L(last)}, outputs ${shapeWords(rank)}, but the output layer added for the task expects a flat vector: end with \`flatten\` or a global pooling layer (or \`returnSequences: false\`).` });
  }
  return problems;
}

function returnsSequences(layer: Layer): boolean {
  if (layer.type === 'bidirectional') {
    const inner = layer.layer;
    return typeof inner === 'object' && inner !== null && (inner as Record<string, unknown>).returnSequences === true;
  }
  return layer.returnSequences === true;
}
