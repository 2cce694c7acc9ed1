/**
 * Every kernel we register in place of (or beside) a stock one agrees with TF.js's stock cpu kernel on
 * many random cases: odd sizes, batch 1, strides, both paddings, dilation, transposed operands.
 * Gradients: the gradient kernels (Conv2DBackpropInput/Filter, MaxPoolGrad, UnsortedSegmentSum) are
 * compared directly, and gradients through tf.grads / tf.variableGrads are compared in the other files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KERNEL_CASES } from '../../../src/engine/backends/kernels/cases';
import { registerKernels, unregisterKernels, kernelTable } from '../../../src/engine/backends/kernels';
import { runKernelFunc, compareOutputs } from '../../../src/engine/backends/kernels/selfcheck';
import { asBackend } from '../../../src/engine/backends/kernels/io';
import { tf, initWasm, rng } from './helpers';

const CASES_PER_KERNEL = 40;

/** Our kernel on `backend` against the stock cpu kernel, case by case. */
async function agree(kernelName: string, backend: 'wasm' | 'cpu', seed: number): Promise<number> {
  await initWasm();
  unregisterKernels(tf, 'cpu');
  const stock = tf.getKernel(kernelName, 'cpu');
  assert.ok(stock, `cpu has a stock ${kernelName}`);
  await tf.setBackend(backend);
  registerKernels(tf, backend);
  const ours = tf.getKernel(kernelName, backend);
  try {
    assert.ok(ours && ours.kernelFunc !== stock.kernelFunc, `our ${kernelName} is registered on ${backend}`);
    const r = rng(seed);
    for (let i = 0; i < CASES_PER_KERNEL; i++) {
      const c = KERNEL_CASES[kernelName](r, false);
      const got = runKernelFunc(ours.kernelFunc, asBackend(tf.findBackend(backend)), c);
      const want = runKernelFunc(stock.kernelFunc, asBackend(tf.findBackend('cpu')), c);
      const problem = compareOutputs(got, want);
      assert.equal(problem, null, `${kernelName} case ${i}: ${c.label}: ${problem}`);
    }
  } finally {
    unregisterKernels(tf, backend);
  }
  return CASES_PER_KERNEL;
}

for (const [i, kernelName] of Object.keys(KERNEL_CASES).entries()) {
  test(`${kernelName} on wasm agrees with the stock cpu kernel on ${CASES_PER_KERNEL} random cases`, async () => {
    assert.equal(await agree(kernelName, 'wasm', 100 + i), CASES_PER_KERNEL);
  });
}

for (const kernelName of Object.keys(kernelTable('cpu'))) {
  test(`${kernelName} on cpu agrees with the stock cpu kernel on ${CASES_PER_KERNEL} random cases`, async () => {
    assert.equal(await agree(kernelName, 'cpu', 200), CASES_PER_KERNEL);
  });
}

test('every kernel we register that TF.js also has comes with random cases (so it is tested and self-checked)', async () => {
  await initWasm();
  for (const backend of ['wasm', 'cpu']) {
    for (const kernelName of Object.keys(kernelTable(backend))) {
      if (kernelName.startsWith('ModelStudio')) continue; // ours alone: checked through the Adam / LSTM patches
      assert.ok(KERNEL_CASES[kernelName], `${backend}/${kernelName} has no case in cases.ts`);
    }
  }
});
