import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRegression, quantile, histogram } from '../../../src/engine/evaluate';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `expected ${b}, got ${a}`);

test('hand-computed errors', () => {
  const r = evaluateRegression([1, 2, 3, 4], [1.5, 2, 2, 5]);
  close(r.mse, 0.5625);
  close(r.rmse, 0.75);
  close(r.mae, 0.625);
  close(r.r2, 1 - 2.25 / 5);
  close(r.medianAbsoluteError, 0.75);
  close(r.maxError, 1);
  close(r.residuals.mean, -0.125); // actual − predicted: -0.5, 0, 1, -1
  close(r.residuals.min, -1);
  close(r.residuals.max, 1);
  close(r.residuals.quantiles.p50, -0.25);
  assert.equal(r.histogram.counts.reduce((a, b) => a + b, 0), 4);
  assert.deepEqual(r.pairs, [
    { index: 0, actual: 1, predicted: 1.5 }, { index: 1, actual: 2, predicted: 2 },
    { index: 2, actual: 3, predicted: 2 }, { index: 3, actual: 4, predicted: 5 },
  ]);
});

test('R² of a constant predictor of the mean is 0; perfect is 1; worse than the mean is negative', () => {
  close(evaluateRegression([1, 2, 3, 6], [3, 3, 3, 3]).r2, 0);
  close(evaluateRegression([1, 2, 3], [1, 2, 3]).r2, 1);
  assert.ok(evaluateRegression([1, 2, 3], [3, 2, 1]).r2 < 0);
  // constant actual values, as scikit-learn: 1 when exact, else 0
  close(evaluateRegression([5, 5], [5, 5]).r2, 1);
  close(evaluateRegression([5, 5], [4, 5]).r2, 0);
});

test('pairs are bounded, evenly spaced and deterministic', () => {
  const n = 5000;
  const y = Float32Array.from({ length: n }, (_, i) => i);
  const p = Float32Array.from({ length: n }, (_, i) => i + (i % 3) - 1);
  const a = evaluateRegression(y, p);
  const b = evaluateRegression(y, p);
  assert.equal(a.pairs.length, 1000);
  assert.deepEqual(a.pairs, b.pairs);
  assert.equal(a.pairs[0].index, 0);
  assert.equal(a.pairs.at(-1)?.index, n - 1);
  assert.equal(a.histogram.counts.reduce((s, c) => s + c, 0), n);
  assert.ok(a.histogram.counts.length <= 50);
  assert.equal(a.histogram.edges.length, a.histogram.counts.length + 1);
});

test('quantiles interpolate linearly (numpy default); histogram edges include the max', () => {
  close(quantile([1, 2, 3, 4], 0.25), 1.75);
  close(quantile([10], 0.95), 10);
  const h = histogram([0, 1, 2, 3, 4], 2);
  assert.deepEqual(h.edges, [0, 2, 4]);
  assert.deepEqual(h.counts, [2, 3]);
  assert.deepEqual(histogram([7, 7, 7]), { edges: [6.5, 7.5], counts: [3] });
});

test('mismatched lengths are a clear error', () => {
  assert.throws(() => evaluateRegression([1, 2], [1]), /2 actual values but 1 predictions/);
});
