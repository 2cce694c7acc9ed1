import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Layer } from '../../../src/modelFile/schema';
import { selectBackend } from '../../../src/engine/backends';
import { buildModel, summarizeModel, formatSummary, ModelBuildError } from '../../../src/engine/model';
import { compileModel, makeOptimizer, getLearningRate, setLearningRate } from '../../../src/engine/compile';
import { blobs, linear, makeSpec, shaped } from './helpers';

const cpu = () => selectBackend('cpu');

/** Build [layers] on inputShape; return the summary without the added output layer. */
async function build(layers: Layer[], inputShape: number[], opts: { intMax?: number } = {}) {
  const { tf } = await cpu();
  const data = shaped(inputShape, 8, 2, 1, opts.intMax);
  const built = buildModel(tf, makeSpec({ layers }), data.preprocessing);
  const s = summarizeModel(built.model);
  return { built, s, body: s.layers.slice(1, -1) };
}

test('every layer type builds with Keras shapes and parameter counts', async () => {
  const cases: Array<{ layers: Layer[]; input: number[]; shape: Array<number | null>; params: number; intMax?: number }> = [
    { layers: [{ type: 'dense', units: 8, activation: 'relu' }], input: [4], shape: [null, 8], params: 40 },
    { layers: [{ type: 'dropout', rate: 0.5 }], input: [4], shape: [null, 4], params: 0 },
    { layers: [{ type: 'batchNormalization' }], input: [4], shape: [null, 4], params: 16 },
    { layers: [{ type: 'layerNormalization' }], input: [4], shape: [null, 4], params: 8 },
    { layers: [{ type: 'activation', activation: 'tanh' }], input: [4], shape: [null, 4], params: 0 },
    { layers: [{ type: 'reshape', targetShape: [2, 2] }, { type: 'flatten' }], input: [4], shape: [null, 4], params: 0 },
    { layers: [{ type: 'conv1d', filters: 4, kernelSize: 3 }], input: [10, 2], shape: [null, 8, 4], params: 28 },
    { layers: [{ type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same' }], input: [8, 8, 1], shape: [null, 8, 8, 3], params: 30 },
    { layers: [{ type: 'maxPooling1d', poolSize: 2 }], input: [10, 2], shape: [null, 5, 2], params: 0 },
    { layers: [{ type: 'averagePooling1d', poolSize: 2 }], input: [10, 2], shape: [null, 5, 2], params: 0 },
    { layers: [{ type: 'maxPooling2d', poolSize: [2, 2] }], input: [8, 8, 1], shape: [null, 4, 4, 1], params: 0 },
    { layers: [{ type: 'averagePooling2d', poolSize: 2 }], input: [8, 8, 1], shape: [null, 4, 4, 1], params: 0 },
    { layers: [{ type: 'globalAveragePooling1d' }], input: [6, 3], shape: [null, 3], params: 0 },
    { layers: [{ type: 'globalMaxPooling1d' }], input: [6, 3], shape: [null, 3], params: 0 },
    { layers: [{ type: 'globalAveragePooling2d' }], input: [8, 8, 2], shape: [null, 2], params: 0 },
    { layers: [{ type: 'globalMaxPooling2d' }], input: [8, 8, 2], shape: [null, 2], params: 0 },
    { layers: [{ type: 'embedding', outputDim: 4, inputDim: 20 }], input: [7], shape: [null, 7, 4], params: 80, intMax: 20 },
    { layers: [{ type: 'lstm', units: 5 }], input: [6, 3], shape: [null, 5], params: 180 },
    { layers: [{ type: 'gru', units: 5, returnSequences: true }], input: [6, 3], shape: [null, 6, 5], params: 135 },
    { layers: [{ type: 'simpleRNN', units: 5 }], input: [6, 3], shape: [null, 5], params: 45 },
    { layers: [{ type: 'bidirectional', layer: { type: 'lstm', units: 5 } }], input: [6, 3], shape: [null, 10], params: 360 },
    { layers: [{ type: 'bidirectional', layer: { type: 'gru', units: 4 }, mergeMode: 'sum' }], input: [6, 3], shape: [null, 4], params: 2 * 3 * (4 * 7 + 4) },
  ];
  for (const c of cases) {
    const { body } = await build(c.layers, c.input, { intMax: c.intMax });
    const last = body[body.length - 1];
    assert.deepEqual(last.outputShape, c.shape, `${c.layers.map((l) => l.type).join('+')}: output shape`);
    assert.equal(body.reduce((s, l) => s + l.params, 0), c.params, `${c.layers.map((l) => l.type).join('+')}: params`);
  }
});

test('the output layer is added from the task unless the list ends with one', async () => {
  const { tf } = await cpu();
  const cls = buildModel(tf, makeSpec({ layers: [{ type: 'dense', units: 8, activation: 'relu' }] }), blobs().preprocessing);
  assert.equal(cls.outputAdded, true);
  assert.equal(cls.outputKind, 'softmax');
  const out = cls.model.layers[cls.model.layers.length - 1];
  assert.deepEqual(out.outputShape, [null, 3]);
  assert.equal((out.getConfig() as { activation: string }).activation, 'softmax');

  const reg = buildModel(tf, makeSpec({ task: 'regression', layers: [{ type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 1 }] }), linear().preprocessing);
  assert.equal(reg.outputAdded, false);
  assert.equal(reg.outputKind, 'linear');
  assert.deepEqual(reg.model.outputs[0].shape, [null, 1]);

  const own = buildModel(tf, makeSpec({ layers: [{ type: 'dense', units: 3, activation: 'softmax' }] }), blobs().preprocessing);
  assert.equal(own.outputAdded, false);
  assert.equal(own.model.layers.length, 2); // input + the listed layer

  const sig = buildModel(tf, makeSpec({ train: { loss: 'binaryCrossentropy' } }), shaped([4], 8, 2).preprocessing);
  assert.equal(sig.outputKind, 'sigmoid');
  assert.deepEqual(sig.model.outputs[0].shape, [null, 1]);
});

test('summary totals and the printed table', async () => {
  const { s } = await build([{ type: 'dense', units: 8 }, { type: 'batchNormalization' }], [4]);
  // dense 40 + batchnorm 32 (16 trainable) + output dense 8*2+2 = 18
  assert.equal(s.totalParams, 40 + 32 + 18);
  assert.equal(s.trainableParams, 40 + 16 + 18);
  assert.equal(s.nonTrainableParams, 16);
  assert.match(formatSummary(s), /Total params: 90 \(trainable 74, non-trainable 16\)/);
});

test('layer names read like Keras (dense_1, dense_2, …), the same in every build; given names are kept', async () => {
  const layers: Layer[] = [{ type: 'dense', units: 8 }, { type: 'dropout', rate: 0.1 }, { type: 'dense', units: 8, name: 'dense_1' } as Layer, { type: 'dense', units: 4 }];
  for (let k = 0; k < 2; k += 1) {
    const { s } = await build(layers, [4]);
    assert.deepEqual(s.layers.map((l) => l.name), ['input', 'dense_2', 'dropout_1', 'dense_1', 'dense_3', 'output']);
  }
  const seq = await build([{ type: 'conv1d', filters: 4, kernelSize: 3 }, { type: 'globalMaxPooling1d' }], [10, 2]);
  assert.deepEqual(seq.body.map((l) => l.name), ['conv1d_1', 'global_max_pooling1d_1']);
  const rnn = await build([{ type: 'bidirectional', layer: { type: 'simpleRNN', units: 3 } } as Layer], [6, 3]);
  assert.deepEqual(rnn.body.map((l) => l.name), ['bidirectional_1']);
});

test('building a large LSTM prints no "Orthogonal initializer … Slowness may result" warning; other warnings pass', async () => {
  const seen: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => { seen.push(a.map(String).join(' ')); };
  try {
    await build([{ type: 'lstm', units: 32 } as Layer], [6, 3]);
    console.warn('another warning');
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(seen, ['another warning']);
});

test('bad layers name the layer path', async () => {
  const { tf } = await cpu();
  assert.throws(
    () => buildModel(tf, makeSpec({ layers: [{ type: 'dense', units: 4 }, { type: 'conv2d', filters: 2, kernelSize: 3 }] }), blobs().preprocessing),
    (err: unknown) => err instanceof ModelBuildError && err.path === 'model.layers[1]' && /conv2d/.test(err.message),
  );
  assert.throws(
    () => buildModel(tf, makeSpec({ layers: [{ type: 'dense', units: 4, kernelInitializer: 'bogus' }] }), blobs().preprocessing),
    (err: unknown) => err instanceof ModelBuildError && err.path === 'model.layers[0].kernelInitializer' && /glorotUniform/.test(err.message),
  );
});

test('same seed builds the same initial weights; another seed does not', async () => {
  const { tf } = await cpu();
  const layers: Layer[] = [{ type: 'dense', units: 6 }, { type: 'lstm', units: 3 } as Layer];
  const data = shaped([5, 2], 8, 2);
  const weights = (seed: number) => buildModel(tf, makeSpec({ layers, train: { seed } }), data.preprocessing).model.getWeights().map((w) => Array.from(w.dataSync()));
  assert.deepEqual(weights(7), weights(7));
  assert.notDeepEqual(weights(7), weights(8));
});

test('all seven optimisers with their parameters, and the learning rate can be changed', async () => {
  const { tf } = await cpu();
  const types = ['sgd', 'momentum', 'adam', 'adamax', 'adagrad', 'adadelta', 'rmsprop'] as const;
  const expectedClass = { sgd: 'SGD', momentum: 'Momentum', adam: 'Adam', adamax: 'Adamax', adagrad: 'Adagrad', adadelta: 'Adadelta', rmsprop: 'RMSProp' };
  for (const type of types) {
    const opt = makeOptimizer(tf, { type, learningRate: 0.05, momentum: 0.8, rho: 0.9, beta1: 0.85, centered: true } as never);
    assert.match(opt.getClassName(), new RegExp(expectedClass[type], 'i'), type);
    assert.equal(getLearningRate(opt), 0.05);
    setLearningRate(opt, 0.01);
    assert.equal(getLearningRate(opt), 0.01, `${type}: lr set`);
  }
  const m = makeOptimizer(tf, { type: 'momentum', learningRate: 0.1, momentum: 0.7, useNesterov: true } as never);
  const cfg = m.getConfig() as { momentum: number; useNesterov: boolean };
  assert.equal(cfg.momentum, 0.7);
  assert.equal(cfg.useNesterov, true);
});

test('losses: auto picks from the task; each loss compiles and trains one batch', async () => {
  const { tf } = await cpu();
  const cases: Array<{ task: 'classification' | 'regression'; loss: string; expect: string }> = [
    { task: 'classification', loss: 'auto', expect: 'categoricalCrossentropy' },
    { task: 'classification', loss: 'sparseCategoricalCrossentropy', expect: 'sparseCategoricalCrossentropy' },
    { task: 'classification', loss: 'categoricalCrossentropy', expect: 'categoricalCrossentropy' },
    { task: 'classification', loss: 'binaryCrossentropy', expect: 'binaryCrossentropy' },
    { task: 'regression', loss: 'auto', expect: 'meanSquaredError' },
    { task: 'regression', loss: 'meanAbsoluteError', expect: 'meanAbsoluteError' },
    { task: 'regression', loss: 'huber', expect: 'huber' },
  ];
  for (const c of cases) {
    const data = c.task === 'regression' ? linear(40) : c.loss === 'binaryCrossentropy' ? shaped([4], 40, 2) : blobs(40);
    const spec = makeSpec({ task: c.task, train: { loss: c.loss as never, metrics: c.task === 'regression' ? ['meanAbsoluteError', 'rootMeanSquaredError'] : ['precision', 'recall'] } });
    const built = buildModel(tf, spec, data.preprocessing);
    const compiled = compileModel(tf, built.model, spec, data.preprocessing, built.outputKind);
    assert.equal(compiled.lossName, c.expect);
    const { x, y } = await data.train.batch([0, 1, 2, 3, 4, 5, 6, 7]);
    const out = await built.model.trainOnBatch(tf.tensor(x, [8, ...data.train.xShape]), compiled.encodeY(y, 8));
    const values = Array.isArray(out) ? out : [out];
    assert.equal(values.length, 1 + compiled.metricNames.length);
    for (const v of values) assert.ok(Number.isFinite(v), `${c.task}/${c.loss}: finite ${values}`);
  }
  const reg = makeSpec({ task: 'regression', train: { loss: 'categoricalCrossentropy' } });
  const built = buildModel(tf, reg, linear(20).preprocessing);
  assert.throws(() => compileModel(tf, built.model, reg, linear(20).preprocessing, built.outputKind), /classification loss/);
});

test('a last softmax/sigmoid layer is the output: a wrong size is an error naming model.layers[i].units, never a second output', async () => {
  const { tf } = await cpu();
  const five = blobs(50, 5, 1, 5).preprocessing;
  assert.throws(
    () => buildModel(tf, makeSpec({ layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 2, activation: 'softmax' }] }), five),
    (e: unknown) => e instanceof ModelBuildError && e.path === 'model.layers[1].units' && /`model\.layers\[1\]\.units` is 2, but 'y' has 5 classes.*set `model\.layers\[1\]\.units: 5`/.test(e.message),
  );
  assert.throws(
    () => buildModel(tf, makeSpec({ task: 'regression', layers: [{ type: 'dense', units: 3, activation: 'softmax' }] }), linear().preprocessing),
    (e: unknown) => e instanceof ModelBuildError && e.path === 'model.layers[0].activation' && /regression .* needs one linear unit/.test(e.message),
  );
  assert.throws(
    () => buildModel(tf, makeSpec({ layers: [{ type: 'dense', units: 3, activation: 'sigmoid' }] }), blobs().preprocessing),
    (e: unknown) => e instanceof ModelBuildError && /use activation softmax with `model\.layers\[0\]\.units: 3`/.test(e.message),
  );
  // a hidden-looking last layer (relu, or linear with another size) still gets the output appended
  const hidden = buildModel(tf, makeSpec({ layers: [{ type: 'dense', units: 4 }] }), five);
  assert.equal(hidden.outputAdded, true);
  assert.deepEqual(hidden.model.outputs[0].shape, [null, 5]);
  const binary = buildModel(tf, makeSpec({ layers: [{ type: 'dense', units: 1, activation: 'sigmoid' }] }), shaped([4], 8, 2).preprocessing);
  assert.equal(binary.outputKind, 'sigmoid');
  assert.equal(binary.outputAdded, false);
});
