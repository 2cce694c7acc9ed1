import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateClassification, binaryCurves } from '../../../src/engine/evaluate';

const close = (a: number | null, b: number, eps = 1e-9) => {
  assert.ok(a !== null && Math.abs(a - b) <= eps, `expected ${b}, got ${a}`);
};

/** n×k probabilities: `hit` on the predicted class, the rest shared equally. */
function probsFor(pred: number[], k: number, hit = 0.8): Float32Array {
  const out = new Float32Array(pred.length * k).fill((1 - hit) / (k - 1));
  pred.forEach((c, i) => (out[i * k + c] = hit));
  return out;
}

test('three classes: confusion matrix, per-class metrics, macro differs from weighted', () => {
  const yTrue = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
  const pred = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0];
  const r = evaluateClassification(yTrue, probsFor(pred, 3), ['a', 'b', 'c']);
  assert.deepEqual(r.confusionMatrix, [[3, 1, 0], [0, 1, 1], [1, 0, 3]]);
  close(r.accuracy, 0.7);
  close(r.perClass[0].precision, 0.75);
  close(r.perClass[1].precision, 0.5);
  close(r.perClass[2].recall, 0.75);
  assert.deepEqual(r.perClass.map((m) => m.support), [4, 2, 4]);
  close(r.macro.f1, (0.75 + 0.5 + 0.75) / 3);
  close(r.weighted.f1, 0.7);
  assert.notEqual(r.macro.f1.toFixed(4), r.weighted.f1.toFixed(4));
  close(r.logLoss, -(7 * Math.log(0.8) + 3 * Math.log(0.1)) / 10, 1e-6);
  assert.equal(r.curves.kind, 'ovr');
  assert.equal(r.curves.perClass.length, 3);
  // the three mistakes, most confident first, ties by index
  assert.deepEqual(r.misclassified.map((m) => [m.index, m.trueLabel, m.predictedLabel]), [[3, 'a', 'b'], [5, 'b', 'c'], [9, 'c', 'a']]);
});

test('a class that is never predicted has precision 0 (not NaN)', () => {
  const r = evaluateClassification([0, 1, 1], probsFor([0, 0, 0], 2), ['x', 'y']);
  assert.equal(r.perClass[1].precision, 0);
  assert.equal(r.perClass[1].f1, 0);
  assert.equal(r.perClass[0].precision, 1 / 3);
});

test('perfect and worst binary classifiers', () => {
  const y = [0, 1, 0, 1, 1];
  const perfect = evaluateClassification(y, probsFor(y, 2, 1), ['neg', 'pos']);
  assert.equal(perfect.accuracy, 1);
  assert.equal(perfect.macro.f1, 1);
  close(perfect.curves.auc, 1);
  close(perfect.curves.ap, 1);
  assert.ok(perfect.logLoss < 1e-12);
  assert.equal(perfect.misclassified.length, 0);

  const worst = evaluateClassification(y, probsFor(y.map((c) => 1 - c), 2, 1), ['neg', 'pos']);
  assert.equal(worst.accuracy, 0);
  assert.equal(worst.macro.f1, 0);
  close(worst.curves.auc, 0);
  close(worst.logLoss, -Math.log(1e-15), 1e-9); // clipped, not Infinity
  assert.deepEqual(worst.confusionMatrix, [[0, 2], [3, 0]]);
});

test('AUC and AP of a known ranking (scikit-learn documentation example)', () => {
  const c = binaryCurves([false, false, true, true], [0.1, 0.4, 0.35, 0.8]);
  close(c.auc, 0.75);
  close(c.ap, 0.5 + 0.5 * (2 / 3));
  assert.deepEqual(c.roc.fpr, [0, 0, 0.5, 0.5, 1]);
  assert.deepEqual(c.roc.tpr, [0, 0.5, 0.5, 1, 1]);
});

test('tied scores form one point and get half credit', () => {
  const c = binaryCurves([false, true, false, true], [0.5, 0.5, 0.2, 0.8]);
  close(c.auc, 0.875);
  close(c.ap, 0.5 + 0.5 * (2 / 3));
  assert.equal(c.roc.fpr.length, 4); // (0,0) + three distinct scores
  const allTied = binaryCurves([true, false, true, false], [0.3, 0.3, 0.3, 0.3]);
  close(allTied.auc, 0.5);
  close(allTied.ap, 0.5);
});

test('binary report through the classifier: n×1 probabilities accepted, positive class is classes[1]', () => {
  const y = [0, 0, 1, 1];
  const r = evaluateClassification(y, new Float32Array([0.1, 0.4, 0.35, 0.8]), ['no', 'yes']);
  assert.equal(r.curves.kind, 'binary');
  assert.equal(r.curves.perClass[0].label, 'yes');
  close(r.curves.auc, 0.75, 1e-6);
  assert.deepEqual(r.confusionMatrix, [[2, 0], [1, 1]]);
});

test('AUC on many tied scores equals the Mann-Whitney statistic; curves thinned to 200 points', () => {
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const n = 3000;
  const positive: boolean[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const pos = rand() < 0.3;
    positive.push(pos);
    scores.push(Math.round((rand() + (pos ? 0.3 : 0)) * 500) / 500); // rounding makes many ties
  }
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    if (!positive[i]) continue;
    for (let j = 0; j < n; j++) {
      if (positive[j]) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  const yTrue = positive.map((p) => (p ? 1 : 0));
  const r = evaluateClassification(yTrue, Float64Array.from(scores), ['n', 'p']);
  close(r.curves.auc, wins / pairs, 1e-9);
  const curve = r.curves.perClass[0];
  assert.ok(curve.roc.fpr.length <= 200 && curve.roc.fpr.length > 10);
  assert.ok(curve.pr.recall.length <= 200);
  assert.equal(curve.pr.thresholds.length, curve.pr.recall.length - 1);
  assert.deepEqual([curve.roc.fpr[0], curve.roc.tpr[0]], [0, 0]);
  assert.deepEqual([curve.roc.fpr.at(-1), curve.roc.tpr.at(-1)], [1, 1]);
});

test('one-vs-rest macro AUC averages the classes; a class absent from the split is left out', () => {
  const yTrue = [0, 1, 2, 0, 1, 2];
  const probs = new Float32Array([
    0.7, 0.2, 0.1,
    0.3, 0.4, 0.3,
    0.2, 0.5, 0.3,
    0.4, 0.4, 0.2,
    0.1, 0.8, 0.1,
    0.2, 0.2, 0.6,
  ]);
  const r = evaluateClassification(yTrue, probs, ['a', 'b', 'c']);
  const aucs = r.curves.perClass.map((c) => c.auc as number);
  close(r.curves.auc, (aucs[0] + aucs[1] + aucs[2]) / 3);
  close(aucs[0], 1); // class a's scores 0.7, 0.4 beat all others (0.3, 0.2, 0.1, 0.2)

  const missing = evaluateClassification([0, 1, 0, 1], new Float32Array([0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.6, 0.3, 0.1, 0.3, 0.6, 0.1]), ['a', 'b', 'c']);
  assert.equal(missing.curves.perClass[2].auc, null);
  assert.equal(missing.curves.perClass[2].ap, null);
  close(missing.curves.auc, 1);
  assert.equal(missing.perClass[2].support, 0);
});

test('bad input is a clear error', () => {
  assert.throws(() => evaluateClassification([0, 3], new Float32Array(4), ['a', 'b']), /class index 3/);
  assert.throws(() => evaluateClassification([0, 1], new Float32Array(3), ['a', 'b']), /3 probabilities for 2 samples/);
});
