/**
 * The start-up self-check: a healthy install reports no fallback; a broken kernel or patch (simulated
 * with MODEL_STUDIO_KERNEL_FAULT, or with TF.js internals that moved) falls back to the stock kernel,
 * says so, and computes the stock result; the Adam patch keeps getWeights()/setWeights() working.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installKernels, kernelReport, registerKernels, unregisterKernels } from '../../../src/engine/backends/kernels';
import { checkAdamPatch } from '../../../src/engine/backends/kernels/adam';
import { checkLstmPatch } from '../../../src/engine/backends/kernels/lstm';
import { LSTM_SEQUENCE_PATCH } from '../../../src/engine/backends/kernels/lstm_sequence';
import { checkLayerPatch, type LayerPatch } from '../../../src/engine/backends/kernels/layers';
import { DENSE_PATCH } from '../../../src/engine/backends/kernels/dense';
import { CONV_PATCH, MAX_POOL_PATCH } from '../../../src/engine/backends/kernels/conv_layer';
import { tf, initWasm, rng, randomArray, relError } from './helpers';

async function withFault<T>(kernels: string, f: () => Promise<T>): Promise<T> {
  process.env.MODEL_STUDIO_KERNEL_FAULT = kernels;
  try {
    return await f();
  } finally {
    delete process.env.MODEL_STUDIO_KERNEL_FAULT;
  }
}

async function adamUsesOurKernel(): Promise<boolean> {
  const w = tf.variable(tf.tensor1d([1, 2, 3]));
  const opt = tf.train.adam(0.1);
  const info = await tf.profile(() => { opt.applyGradients([{ name: w.name, tensor: tf.tensor1d([0.1, -0.2, 0.3]) }]); });
  w.dispose();
  opt.dispose();
  return info.kernelNames.includes('ModelStudioAdam');
}

/** Whether an LSTM layer (built here, which runs the deferred check the first time) runs our sequence kernel. */
async function lstmUsesOurKernel(): Promise<boolean> {
  const layer = tf.layers.lstm({ units: 2 });
  tf.tidy(() => layer.apply(tf.ones([1, 3, 2])) as tf.Tensor); // builds it (and runs the check) outside the profile
  const info = await tf.profile(() => layer.apply(tf.ones([1, 3, 2])) as tf.Tensor);
  layer.dispose();
  return info.kernelNames.includes('ModelStudioLstmSequence');
}

/** Whether a bare LSTM cell step runs our fused gates (the path of LSTM layers the sequence kernel does not take). */
async function cellUsesOurKernel(): Promise<boolean> {
  const cell = tf.layers.lstmCell({ units: 2 }) as unknown as { build(s: number[]): void; call(i: tf.Tensor[], k: object): tf.Tensor[] };
  cell.build([1, 2]);
  const info = await tf.profile(() => cell.call([tf.ones([1, 2]), tf.zeros([1, 2]), tf.zeros([1, 2])], {})[0]);
  return info.kernelNames.includes('ModelStudioLstmGates');
}

test('a healthy install on wasm and cpu: every kernel active, no fallback', async () => {
  await initWasm();
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    try {
      const report = await installKernels(tf, backend);
      assert.deepEqual(report.fallbacks, [], `${backend}: ${JSON.stringify(report.fallbacks)}`);
      assert.ok(report.active.includes('Conv2DBackpropFilter'), `${backend}: ${report.active.join(', ')}`);
      if (backend === 'wasm') {
        for (const k of ['BatchMatMul', 'Conv2D', 'ModelStudioAdam', 'ModelStudioLstmGates', 'ModelStudioLstmSequence']) assert.ok(report.active.includes(k), k);
        assert.deepEqual(report.deferred?.sort(), ['ModelStudioConv2D', 'ModelStudioDense', 'ModelStudioLstmGates', 'ModelStudioLstmSequence', 'ModelStudioMaxPool'],
          'the layer patches are checked when a layer of theirs is first built');
        assert.equal(await adamUsesOurKernel(), true);
        assert.equal(await lstmUsesOurKernel(), true, 'building an LSTM layer ran the deferred check, which passed');
        assert.equal(await cellUsesOurKernel(), true);
        assert.deepEqual(kernelReport(tf, 'wasm')?.deferred, ['ModelStudioDense', 'ModelStudioConv2D', 'ModelStudioMaxPool'], 'only the LSTM checks ran');
        assert.deepEqual(kernelReport(tf, 'wasm')?.fallbacks, []);
      }
    } finally {
      unregisterKernels(tf, backend);
    }
  }
});

test('a broken matmul kernel is caught at install: the stock wasm kernel runs, with the reason reported', async () => {
  await initWasm();
  await tf.setBackend('wasm');
  const r = rng(3);
  const a = randomArray(6 * 11, r), b = randomArray(11 * 7, r);
  const product = () => tf.tidy(() => tf.matMul(tf.tensor2d(a, [11, 6]), tf.tensor2d(b, [11, 7]), true, false).dataSync().slice());
  try {
    registerKernels(tf, 'wasm');
    const good = product();
    const report = await withFault('BatchMatMul', () => installKernels(tf, 'wasm'));
    const f = report.fallbacks.find((x) => x.kernel === 'BatchMatMul');
    assert.ok(f, JSON.stringify(report));
    assert.match(f.reason, /differs from stock \(relative error/);
    assert.match(f.instead, /TF\.js's wasm kernel/);
    assert.ok(!report.active.includes('BatchMatMul'));
    assert.ok(report.active.includes('_FusedMatMul'), 'the other kernels stay');
    assert.ok(relError(product(), good) < 1e-5, 'matmul still gives the right product');
  } finally {
    unregisterKernels(tf, 'wasm');
  }
});

test('a broken kernel that wasm lacks falls back to the plainer version of ours', async () => {
  await initWasm();
  await tf.setBackend('wasm');
  try {
    const report = await withFault('Conv2DBackpropFilter', () => installKernels(tf, 'wasm'));
    const f = report.fallbacks.find((x) => x.kernel === 'Conv2DBackpropFilter');
    assert.ok(f, JSON.stringify(report));
    assert.match(f.instead, /plainer Model Studio kernel/);
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'wasm still has the kernel (conv models still train)');
  } finally {
    unregisterKernels(tf, 'wasm');
  }
});

test('a broken fused Adam, LSTM step or LSTM sequence switches its patch off: stock Adam and stock LSTMs run', async () => {
  await initWasm();
  await tf.setBackend('wasm');
  try {
    const report = await withFault('ModelStudioAdam,ModelStudioLstmGates,ModelStudioLstmSequence', async () => {
      const r = await installKernels(tf, 'wasm');
      assert.deepEqual(r.fallbacks.map((x) => x.kernel), ['ModelStudioAdam'], 'Adam is checked at install');
      assert.equal(await lstmUsesOurKernel(), false, 'the first LSTM layer ran the deferred checks, which failed');
      return kernelReport(tf, 'wasm');
    });
    assert.deepEqual(report?.fallbacks.map((x) => x.kernel).sort(), ['ModelStudioAdam', 'ModelStudioLstmGates', 'ModelStudioLstmSequence'], JSON.stringify(report));
    assert.match(report?.fallbacks.find((x) => x.kernel === 'ModelStudioAdam')?.reason ?? '', /differs from stock Adam/);
    assert.match(report?.fallbacks.find((x) => x.kernel === 'ModelStudioLstmSequence')?.reason ?? '', /LSTM sequence patch: differs from the stock layer/);
    assert.ok(!report?.active.includes('ModelStudioLstmGatesGrad') && !report?.active.includes('ModelStudioLstmSequenceGrad'));
    assert.equal(await adamUsesOurKernel(), false);
    assert.equal(await cellUsesOurKernel(), false);
    // A clean install afterwards turns them back on (the LSTM ones at the next LSTM layer).
    const clean = await installKernels(tf, 'wasm');
    assert.deepEqual(clean.fallbacks, []);
    assert.equal(await adamUsesOurKernel(), true);
    assert.equal(await lstmUsesOurKernel(), true);
    assert.equal(await cellUsesOurKernel(), true);
  } finally {
    unregisterKernels(tf, 'wasm');
  }
});

type PatchedLayer = 'lstm' | 'dense' | 'conv2d' | 'maxPooling2d';

/** A tf namespace whose Adam, LSTM cell or a patched layer lacks a field, as a TF.js upgrade that renamed it would. */
function upgradedTf(change: { dropAdamField?: string; dropCellField?: string; dropLayerField?: { layer: PatchedLayer; field: string } }): typeof tf {
  const fake = Object.create(tf) as typeof tf;
  const train = { ...tf.train, adam: (...args: Parameters<typeof tf.train.adam>) => {
    const opt = tf.train.adam(...args) as unknown as Record<string, unknown>;
    if (change.dropAdamField) delete opt[change.dropAdamField];
    return opt as unknown as tf.AdamOptimizer;
  } };
  const layers = { ...tf.layers, lstmCell: (args: Parameters<typeof tf.layers.lstmCell>[0]) => {
    const cell = tf.layers.lstmCell(args) as unknown as Record<string, unknown> & { build(s: number[]): void };
    const build = cell.build.bind(cell);
    cell.build = (s: number[]) => { build(s); if (change.dropCellField) delete cell[change.dropCellField]; };
    return cell as unknown as ReturnType<typeof tf.layers.lstmCell>;
  } };
  if (change.dropLayerField) {
    const { layer: factory, field } = change.dropLayerField;
    const make = tf.layers[factory] as (args: unknown) => tf.layers.Layer;
    Object.assign(layers, { [factory]: (args: unknown) => {
      const layer = make(args) as unknown as Record<string, unknown>;
      Object.defineProperty(layer, field, { value: undefined, configurable: true });
      delete layer[field];
      return layer as unknown as tf.layers.Layer;
    } });
  }
  Object.defineProperty(fake, 'train', { value: train });
  Object.defineProperty(fake, 'layers', { value: layers });
  return fake;
}

test('TF.js internals that moved (a simulated upgrade) switch the Adam and LSTM patches off', async () => {
  await initWasm();
  await tf.setBackend('wasm');
  try {
    await installKernels(tf, 'wasm');
    // The first LSTM layer runs the deferred checks with this tf (they pass), so later builds do not re-check.
    assert.equal(await lstmUsesOurKernel(), true);
    assert.match((await checkAdamPatch(upgradedTf({ dropAdamField: 'accBeta1' }))) ?? '', /AdamOptimizer has no accBeta1/);
    assert.equal(await adamUsesOurKernel(), false);
    assert.match(checkLstmPatch(upgradedTf({ dropCellField: 'recurrentKernel' })) ?? '', /LSTMCell has no usable .*recurrentKernel/);
    assert.equal(await cellUsesOurKernel(), false);
    assert.match(checkLayerPatch(upgradedTf({ dropLayerField: { layer: 'lstm', field: 'goBackwards' } }), LSTM_SEQUENCE_PATCH, 'LSTM sequence patch') ?? '', /LSTM sequence patch: this TF.js's layer has no goBackwards/);
    assert.equal(await lstmUsesOurKernel(), false);
    assert.equal(await checkAdamPatch(tf), null);
    assert.equal(checkLstmPatch(tf), null);
    assert.equal(checkLayerPatch(tf, LSTM_SEQUENCE_PATCH, 'LSTM sequence patch'), null);
    assert.equal(await adamUsesOurKernel(), true);
    assert.equal(await cellUsesOurKernel(), true);
    assert.equal(await lstmUsesOurKernel(), true);
  } finally {
    unregisterKernels(tf, 'wasm');
  }
});

test('TF.js internals that moved (a simulated upgrade) switch the dense, conv2d and max-pooling patches off', async () => {
  await initWasm();
  await tf.setBackend('wasm');
  /** The kernels of one forward and backward pass of a small conv → pool → dense model built with the real tf. */
  const kernelsOfAStep = async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [5, 5, 1], filters: 2, kernelSize: 2, activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 2, activation: 'relu' }));
    const info = await tf.profile(() => tf.variableGrads(() => tf.sum(m.apply(tf.ones([1, 5, 5, 1])) as tf.Tensor) as tf.Scalar).value);
    m.dispose();
    return info.kernelNames;
  };
  const cases: Array<{ patch: LayerPatch<unknown>; layer: PatchedLayer; field: string; label: string }> = [
    { patch: DENSE_PATCH, layer: 'dense', field: 'bias', label: 'dense layer patch' },
    { patch: CONV_PATCH, layer: 'conv2d', field: 'dilationRate', label: 'conv2d layer patch' },
    { patch: MAX_POOL_PATCH, layer: 'maxPooling2d', field: 'poolSize', label: 'max pooling patch' },
  ];
  try {
    await installKernels(tf, 'wasm');
    const healthy = await kernelsOfAStep(); // the first build ran the deferred checks (with this tf: they pass)
    for (const c of cases) assert.ok(healthy.includes(c.patch.kernel), `${c.patch.kernel} is on after a clean install`);
    for (const c of cases) {
      const problem = checkLayerPatch(upgradedTf({ dropLayerField: { layer: c.layer, field: c.field } }), c.patch, c.label);
      assert.equal(problem, `${c.label}: this TF.js's layer has no ${c.field}`);
      assert.ok(!(await kernelsOfAStep()).includes(c.patch.kernel), `${c.patch.kernel} is off after its check failed`);
    }
    for (const c of cases) assert.equal(checkLayerPatch(tf, c.patch, c.label), null);
    const used = await kernelsOfAStep();
    for (const c of cases) assert.ok(used.includes(c.patch.kernel), `${c.patch.kernel} is on again after a passing check`);
  } finally {
    unregisterKernels(tf, 'wasm');
  }
});

test('with the Adam patch, optimizer state saved by getWeights() and restored by setWeights() resumes exactly as stock', async () => {
  await initWasm();
  const r = rng(8);
  const x = randomArray(24 * 6, r), y = Array.from({ length: 24 }, (_, i) => i % 3);
  /** 3 epochs, then a fresh model and optimizer restored from weights + optimizer state, 2 more epochs. */
  async function resumed(ours: boolean): Promise<{ losses: number[]; weights: Float32Array }> {
    await tf.setBackend('wasm');
    if (ours) registerKernels(tf, 'wasm'); else unregisterKernels(tf, 'wasm');
    registerKernels(tf, 'cpu');
    const build = () => {
      const m = tf.sequential();
      m.add(tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
      m.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
      m.compile({ optimizer: tf.train.adam(0.03), loss: 'categoricalCrossentropy' });
      return m;
    };
    const xs = tf.tensor2d(x, [24, 6]);
    const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 3);
    try {
      const first = build();
      const h1 = await first.fit(xs, ys, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
      const weights = first.getWeights().map((w) => w.clone());
      const state = (await first.optimizer.getWeights()).map((s) => ({ name: s.name, tensor: s.tensor.clone() }));
      assert.equal(state.length, 1 + 2 * 4, 'iterations + m and v for 4 variables');
      const second = build();
      second.setWeights(weights);
      await second.optimizer.setWeights(state);
      const h2 = await second.fit(xs, ys, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      const out = Float32Array.from(second.getWeights()[0].dataSync());
      for (const m of [first, second]) { m.optimizer.dispose(); m.dispose(); }
      tf.dispose([...weights, ...state.map((s) => s.tensor)]);
      return { losses: [...h1.history.loss, ...h2.history.loss].map(Number), weights: out };
    } finally {
      tf.dispose([xs, ys]);
      unregisterKernels(tf, 'wasm');
      unregisterKernels(tf, 'cpu');
    }
  }
  const stock = await resumed(false);
  const ours = await resumed(true);
  assert.ok(ours.losses[4] < ours.losses[0], `it learns: ${ours.losses.join(', ')}`);
  ours.losses.forEach((l, i) => assert.ok(Math.abs(l - stock.losses[i]) <= 1e-4 * Math.abs(stock.losses[i]), `epoch ${i + 1}: ${l} vs ${stock.losses[i]}`));
  assert.ok(relError(ours.weights, stock.weights) < 1e-4, `weights after resuming: ${relError(ours.weights, stock.weights)}`);
});

test('broken fused dense, conv2d and max-pooling kernels are caught when a model with those layers is built: the stock layers run', async () => {
  await initWasm();
  await tf.setBackend('wasm');
  const build = () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
    return m;
  };
  const kernelsOfAStep = async (m: tf.LayersModel) =>
    (await tf.profile(() => tf.variableGrads(() => tf.sum(m.apply(tf.ones([2, 6, 6, 1])) as tf.Tensor) as tf.Scalar).value)).kernelNames;
  try {
    const report = await withFault('ModelStudioDense,ModelStudioConv2D,ModelStudioMaxPool', async () => {
      await installKernels(tf, 'wasm');
      const m = build(); // building runs the three deferred checks, which fail
      const used = await kernelsOfAStep(m);
      for (const k of ['ModelStudioDense', 'ModelStudioConv2D', 'ModelStudioMaxPool']) assert.ok(!used.includes(k), `${k} is off: ${used.join(', ')}`);
      m.dispose();
      return kernelReport(tf, 'wasm');
    });
    assert.deepEqual(report?.fallbacks.map((f) => f.kernel).sort(), ['ModelStudioConv2D', 'ModelStudioDense', 'ModelStudioMaxPool']);
    assert.ok(report?.fallbacks.every((f) => /differs from the stock layer/.test(f.reason)), JSON.stringify(report?.fallbacks));
    await installKernels(tf, 'wasm');
    const m = build();
    const used = await kernelsOfAStep(m);
    for (const k of ['ModelStudioDense', 'ModelStudioConv2D', 'ModelStudioMaxPool']) assert.ok(used.includes(k), `${k} runs after a clean install`);
    m.dispose();
  } finally {
    unregisterKernels(tf, 'wasm');
  }
});
