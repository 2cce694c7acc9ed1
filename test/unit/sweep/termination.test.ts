import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EarlyTermination } from '../../../src/sweep/termination';

test('asha: rungs at minEpochs·η^k below the planned epochs; the best 1/η of each rung go on', () => {
  const asha = new EarlyTermination({ type: 'asha', minEpochs: 2, reductionFactor: 3 }, 'minimize', 20);
  assert.deepEqual(asha.rungEpochs, [2, 6, 18]);
  // trial 0 is the first at rung 1: goes on
  assert.equal(asha.report(0, 1, 1.0).stop, false);
  assert.equal(asha.report(0, 2, 0.5).stop, false);
  // trial 1 reaches rung 1 worse: with 2 values the best 1 goes on → stop
  asha.report(1, 1, 1.2);
  const d = asha.report(1, 2, 0.9);
  assert.equal(d.stop, true);
  assert.match(d.reason ?? '', /asha: at epoch 2 \(rung 1\) its value 0\.9 is not in the best 1 of 2 \(cut-off 0\.5\)/);
  // trial 2 better than both: goes on
  asha.report(2, 1, 0.8);
  assert.equal(asha.report(2, 2, 0.4).stop, false);
  // between rungs nothing is decided
  assert.equal(asha.report(2, 3, 5).stop, false);
  // the value at a rung is the best so far, not the last epoch's (a noisy epoch does not decide)
  assert.equal(asha.valueAt(2, 3), 0.4);
});

test('asha with maximize keeps the highest values; NaN keeps the best so far', () => {
  const asha = new EarlyTermination({ type: 'asha', minEpochs: 1, reductionFactor: 2 }, 'maximize', 10);
  assert.equal(asha.report(0, 1, 0.9).stop, false);
  assert.equal(asha.report(1, 1, 0.95).stop, false);
  assert.equal(asha.report(2, 1, 0.5).stop, true);
  assert.equal(asha.report(3, 1, 0.7).stop, true, 'not in the best 2 of 4');
  // trial 0 at rung 2 (epoch 2) with a NaN: its best so far (0.9) counts, and it is the first there
  assert.equal(asha.report(0, 2, Number.NaN).stop, false);
  assert.equal(asha.valueAt(0, 2), 0.9);
});

test('median: from minEpochs on, worse than the median of at least minTrials others at the same epoch stops', () => {
  const median = new EarlyTermination({ type: 'median', minEpochs: 2, minTrials: 2 }, 'minimize', 10);
  for (const [t, vs] of [[0, [1.0, 0.8, 0.6]], [1, [1.0, 0.7, 0.5]]] as const) vs.forEach((v, i) => assert.equal(median.report(t, i + 1, v).stop, false));
  // trial 2: epoch 1 is before minEpochs
  assert.equal(median.report(2, 1, 3).stop, false);
  const d = median.report(2, 2, 0.9);
  assert.equal(d.stop, true);
  assert.match(d.reason ?? '', /median: at epoch 2 its value 0\.9 is worse than the median 0\.75 of 2 other trials/);
  // trial 3 at epoch 2 better than the median goes on
  median.report(3, 1, 1);
  assert.equal(median.report(3, 2, 0.7).stop, false);
  // at epoch 3 only trials 0 and 1 have a value (median 0.55): 0.65 is worse
  assert.equal(median.report(3, 3, 0.65).stop, true);
  // nobody else reached epoch 4: no decision
  assert.equal(median.report(3, 4, 5).stop, false);
});
