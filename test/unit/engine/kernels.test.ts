/**
 * A conv2d model and an embedding model train on the embedded default (wasm). Stock TF.js wasm
 * lacks Conv2DBackpropFilter and UnsortedSegmentSum; src/engine/backends/kernels registers them.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trainSpec } from '../../../src/engine/session';
import type { Layer } from '../../../src/modelFile/schema';
import { makeSpec, shaped } from './helpers';

async function trainOnWasm(layers: Layer[], data: ReturnType<typeof shaped>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-kern-'));
  const outcome = await trainSpec({ spec: makeSpec({ layers, train: { epochs: 2, batchSize: 8, backend: 'wasm' } }), data, specPath: path.join(dir, 'm.model.yaml'), workspaceRoot: dir, onEvent: () => undefined });
  assert.equal(outcome.status, 'completed', outcome.error?.message);
  assert.ok(Number.isFinite(outcome.summary.logLoss));
}

test('a conv2d model trains on wasm', async () => {
  await trainOnWasm([
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' }, { type: 'maxPooling2d', poolSize: 2 }, { type: 'flatten' },
  ], shaped([8, 8, 1], 48));
});

test('an embedding model trains on wasm', async () => {
  await trainOnWasm([
    { type: 'embedding', inputDim: 30, outputDim: 8 }, { type: 'globalAveragePooling1d' },
  ], shaped([10], 48, 2, 3, 30));
});

test('an LSTM over embeddings trains on wasm', async () => {
  await trainOnWasm([
    { type: 'embedding', inputDim: 30, outputDim: 8 }, { type: 'bidirectional', layer: { type: 'lstm', units: 4, dropout: 0.1 } },
  ], shaped([6], 32, 2, 3, 30));
});

test('the WebGPU code path trains the MLP with the losses cpu gives (named explicitly: a software adapter such as Mesa llvmpipe is allowed)', async (t) => {
  const { selectBackend } = await import('../../../src/engine/backends');
  let device: string;
  try {
    device = (await selectBackend('webgpu')).info.device;
  } catch (err) {
    t.skip(`no WebGPU here: ${(err as Error).message}`);
    return;
  }
  assert.match(device, /^WebGPU — /);
  const { blobs } = await import('./helpers');
  const layers: Layer[] = [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 8, activation: 'relu' }];
  const epochLosses = async (backend: 'webgpu' | 'cpu') => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-webgpu-'));
    const losses: number[] = [];
    const outcome = await trainSpec({
      spec: makeSpec({ layers, train: { epochs: 2, batchSize: 16, backend } }), data: blobs(60), specPath: path.join(dir, 'm.model.yaml'), workspaceRoot: dir,
      onEvent: (e) => { if (e.type === 'epochEnded') losses.push(e.logs.loss); },
    });
    assert.equal(outcome.status, 'completed', outcome.error?.message);
    assert.equal(outcome.backend?.name, backend);
    return losses;
  };
  const gpu = await epochLosses('webgpu');
  const cpu = await epochLosses('cpu');
  assert.equal(gpu.length, 2);
  gpu.forEach((loss, i) => {
    const rel = Math.abs(loss - cpu[i]) / Math.abs(cpu[i]);
    assert.ok(rel < 1e-4, `epoch ${i + 1}: webgpu loss ${loss} vs cpu ${cpu[i]} (relative difference ${rel.toExponential(2)})`);
  });
  // back to the embedded default for whatever runs next in this process
  await selectBackend('wasm');
});

test('auto falls back to cpu when the chosen backend lacks a kernel this model needs (one-step probe)', async (t) => {
  const { selectBackend } = await import('../../../src/engine/backends');
  const { tf, info } = await selectBackend('auto');
  if (info.name === 'cpu') {
    t.skip('auto already picks cpu here');
    return;
  }
  const kernel = tf.getKernel('Conv2DBackpropFilter', info.name);
  assert.ok(kernel, `${info.name} has Conv2DBackpropFilter registered`);
  tf.unregisterKernel('Conv2DBackpropFilter', info.name);
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-probe-'));
    const warnings: string[] = [];
    const outcome = await trainSpec({
      spec: makeSpec({ layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'flatten' }], train: { epochs: 1, batchSize: 8, backend: 'auto' } }),
      data: shaped([6, 6, 1], 24), specPath: path.join(dir, 'm.model.yaml'), workspaceRoot: dir,
      onEvent: (e) => { if (e.type === 'log' && e.level === 'warn') warnings.push(e.message); },
    });
    assert.equal(outcome.status, 'completed', outcome.error?.message);
    assert.equal(outcome.backend?.name, 'cpu');
    assert.match(outcome.backend?.reason ?? '', new RegExp(`${info.name} failed a one-step probe.*Conv2DBackpropFilter`));
    assert.ok(warnings.some((w) => /using cpu instead/.test(w)));
  } finally {
    tf.registerKernel(kernel);
    await selectBackend('wasm');
    // The conv layer patch was checked while wasm lacked the kernel (and fell back): check it afresh.
    const { installKernels } = await import('../../../src/engine/backends/kernels');
    await installKernels(tf, 'wasm');
  }
});

test('a kernel broken in this TF.js (simulated) makes training fall back to the stock kernel, say so in the log and run.json, and train as stock', async () => {
  const { blobs } = await import('./helpers');
  const layers: Layer[] = [{ type: 'dense', units: 12, activation: 'relu' }];
  const train = async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-fault-'));
    const warnings: string[] = [];
    const losses: number[] = [];
    const outcome = await trainSpec({
      spec: makeSpec({ layers, train: { epochs: 2, batchSize: 16, backend: 'wasm' } }), data: blobs(90), specPath: path.join(dir, 'm.model.yaml'), workspaceRoot: dir,
      onEvent: (e) => {
        if (e.type === 'log' && e.level === 'warn') warnings.push(e.message);
        if (e.type === 'epochEnded') losses.push(e.logs.loss);
      },
    });
    assert.equal(outcome.status, 'completed', outcome.error?.message);
    const run = JSON.parse(fs.readFileSync(path.join(outcome.runDir, 'run.json'), 'utf8')) as { backend: { kernels?: { active: string[]; fallbacks: Array<{ kernel: string; reason: string }> } } };
    return { warnings, losses, kernels: run.backend.kernels };
  };
  const healthy = await train();
  assert.deepEqual(healthy.kernels?.fallbacks, []);
  assert.ok(healthy.kernels?.active.includes('_FusedMatMul'));
  process.env.MODEL_STUDIO_KERNEL_FAULT = '_FusedMatMul,BatchMatMul';
  let broken: Awaited<ReturnType<typeof train>>;
  try {
    broken = await train();
  } finally {
    delete process.env.MODEL_STUDIO_KERNEL_FAULT;
  }
  assert.deepEqual(broken.kernels?.fallbacks.map((f) => f.kernel).sort(), ['BatchMatMul', '_FusedMatMul']);
  assert.ok(!broken.kernels?.active.includes('_FusedMatMul'));
  assert.ok(broken.warnings.some((w) => /kernel self-check: Model Studio's _FusedMatMul failed \(output 0 differs from stock/.test(w)), broken.warnings.join('\n'));
  broken.losses.forEach((l, i) => assert.ok(Math.abs(l - healthy.losses[i]) <= 1e-4 * Math.abs(healthy.losses[i]), `epoch ${i + 1}: ${l} vs ${healthy.losses[i]}`));
  const { selectBackend } = await import('../../../src/engine/backends');
  await selectBackend('wasm'); // the healthy kernels again for whatever runs next in this process
});
