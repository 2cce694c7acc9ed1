/** The size estimate (src/modelFile/modelSize.ts) agrees with what TF.js builds, and refuses what cannot fit. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../../src/engine/backends';
import { buildModel, modelSize, summarizeModel } from '../../../src/engine/model';
import { trainModelFile } from '../../../src/engine/session';
import { SpecError } from '../../../src/modelFile';
import type { Layer } from '../../../src/modelFile/schema';
import { blobs, makeSpec, shaped } from './helpers';

test('parameters and output shapes match the model TF.js builds, output layer included', async () => {
  const { tf } = await selectBackend('cpu');
  const cases: Array<{ layers: Layer[]; input: number[]; intMax?: number }> = [
    { layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 5, useBias: false }], input: [4] },
    { layers: [{ type: 'batchNormalization' }, { type: 'layerNormalization' }, { type: 'activation', activation: 'tanh' }], input: [6] },
    { layers: [{ type: 'dense', units: 12 }, { type: 'reshape', targetShape: [3, 4] }, { type: 'lstm', units: 4 }], input: [4] },
    { layers: [{ type: 'conv2d', filters: 6, kernelSize: [3, 5], strides: 2 }, { type: 'maxPooling2d' }, { type: 'flatten' }], input: [17, 23, 3] },
    { layers: [{ type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', dilationRate: 2 }, { type: 'averagePooling2d', poolSize: 3, strides: 2, padding: 'same' }, { type: 'globalMaxPooling2d' }], input: [15, 15, 1] },
    { layers: [{ type: 'conv1d', filters: 4, kernelSize: 3, strides: 2 }, { type: 'maxPooling1d', poolSize: 2 }, { type: 'globalAveragePooling1d' }], input: [20, 3] },
    { layers: [{ type: 'embedding', outputDim: 6, inputDim: 30 }, { type: 'gru', units: 5, returnSequences: true }, { type: 'simpleRNN', units: 3 }], input: [9], intMax: 30 },
    { layers: [{ type: 'embedding', outputDim: 4, inputDim: 20 }, { type: 'bidirectional', layer: { type: 'lstm', units: 5, returnSequences: true } }, { type: 'flatten' }], input: [7], intMax: 20 },
    { layers: [{ type: 'bidirectional', layer: { type: 'gru', units: 4 }, mergeMode: 'sum' }], input: [6, 3] },
    { layers: [{ type: 'dense', units: 3, activation: 'softmax' }], input: [4] },
  ];
  for (const c of cases) {
    const data = shaped(c.input, 8, 3, 1, c.intMax);
    const spec = makeSpec({ layers: c.layers });
    const built = buildModel(tf, spec, data.preprocessing);
    const summary = summarizeModel(built.model);
    const { estimate } = modelSize(spec, data.preprocessing, 100);
    const what = c.layers.map((l) => l.type).join('+');
    assert.equal(estimate.parameters, summary.totalParams, `${what}: parameters`);
    const tfShapes = summary.layers.slice(1).map((l) => l.outputShape.slice(1));
    assert.deepEqual(estimate.layers.map((l) => l.outputShape), tfShapes, `${what}: output shapes`);
    assert.equal(estimate.exact, true);
    built.model.dispose();
  }
});

test('a model beyond the memory limit is refused at the layer that holds most of it, with the estimate and the limit', () => {
  const data = blobs(30, 4);
  const big = modelSize(makeSpec({ layers: [{ type: 'dense', units: 8 }, { type: 'dense', units: 1_000_000_000 }] }), data.preprocessing, 20);
  assert.equal(big.tooBig?.path, 'model.layers[1].units');
  assert.match(big.tooBig?.message ?? '', /too big to train: about 12,000,000,043 parameters.*training needs about [\d.]+ GB.*more than the limit of 4 GB.*MODEL_STUDIO_MAX_MODEL_MEMORY/);
  // The batch's activations count too: a wide image batch is refused at its largest layer.
  const images = shaped([512, 512, 3], 8, 2);
  const wide = modelSize(makeSpec({ layers: [{ type: 'conv2d', filters: 256, kernelSize: 3, padding: 'same' }, { type: 'flatten' }], train: { batchSize: 64 } }), images.preprocessing, 1000);
  assert.equal(wide.tooBig?.path, 'model.layers[0].filters');
  assert.match(wide.tooBig?.message ?? '', /a smaller `train.batchSize` \(now 64\)/);
  // The same within a raised limit.
  process.env.MODEL_STUDIO_MAX_MODEL_MEMORY = '1tb';
  try {
    assert.equal(modelSize(makeSpec({ layers: [{ type: 'conv2d', filters: 256, kernelSize: 3, padding: 'same' }, { type: 'flatten' }], train: { batchSize: 64 } }), images.preprocessing, 1000).tooBig, undefined);
  } finally {
    delete process.env.MODEL_STUDIO_MAX_MODEL_MEMORY;
  }
  assert.equal(modelSize(makeSpec(), data.preprocessing, 20).tooBig, undefined);
});

test('training re-checks with the exact shape: a one-hot column wider than its header promised is refused before any backend allocates', async () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ms-size-')));
  try {
    const rows = Array.from({ length: 4000 }, (_, i) => `id${i},${i % 2 ? 'a' : 'b'}`);
    fs.writeFileSync(path.join(dir, 'wide.csv'), `code,y\n${rows.join('\n')}\n`);
    const file = path.join(dir, 'wide.model.yaml');
    fs.writeFileSync(file, 'name: wide\ntask: classification\ndata:\n  source: wide.csv\n  label: y\n  columns: { code: { type: categorical } }\nmodel:\n  layers:\n    - { type: dense, units: 200000 }\ntrain: { epochs: 1, backend: cpu }\n');
    const { validateModelText } = await import('../../../src/modelFile');
    assert.ok((await validateModelText(fs.readFileSync(file, 'utf8'), file, { workspaceRoot: dir })).spec, 'the header alone cannot tell');
    await assert.rejects(trainModelFile({ specPath: file, workspaceRoot: dir, onEvent: () => undefined }), (e: unknown) => {
      assert.ok(e instanceof SpecError);
      assert.equal(e.problems[0].path, 'model.layers[0].units');
      assert.equal(e.problems[0].line, 9);
      assert.match(e.problems[0].message, /too big to train/);
      return true;
    });
    assert.equal(fs.existsSync(path.join(dir, 'runs')), false, 'no run folder for a model that never started');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
