import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classificationSummary, regressionSummary } from '../../../src/engine/evaluate/report';
import { formatProblem, REPORT_METRICS, validateModelText } from '../../../src/modelFile';
import { check, only, workspace, FLOWERS_CSV } from './helpers';

/** A model file with the sweep section, exactly as written there. */
const BASE = `name: flowers
task: classification
data:
  source: flowers.csv
  label: species
model:
  layers:
    - { type: dense, units: 8, activation: relu }
    - { type: dropout, rate: 0.1 }
train:
  epochs: 20
  metrics: [accuracy]
`;
const SWEEP = `sweep:
  method: random          # grid | random | bayes (a seeded TPE-style sampler)
  trials: 12              # grid: optional cap
  parallel: 2             # trials at once (also capped by modelStudio.maxConcurrentRuns)
  metric: val_loss        # any metric the runs log
  goal: minimize          # minimize | maximize
  earlyTermination: { type: asha, minEpochs: 5, reductionFactor: 3 }   # optional; also: median
  seed: 7
  parameters:
    train.optimizer.learningRate: { min: 0.0001, max: 0.1, scale: log }
    train.batchSize: [16, 32, 64]
    model.layers.0.units: [16, 32, 64, 128]
    model.layers.1.rate: { min: 0.0, max: 0.5 }
`;

async function plan(text: string) {
  const ws = workspace({ 'flowers.csv': FLOWERS_CSV });
  try {
    return await validateModelText(text, ws.file('m.model.yaml'), { workspaceRoot: ws.root });
  } finally {
    ws.dispose();
  }
}

test("the issue's sweep section is valid and becomes a plan with each parameter normalised", async () => {
  const r = await plan(BASE + SWEEP);
  assert.deepEqual(r.problems, []);
  const p = r.sweep;
  assert.ok(p);
  assert.equal(p.method, 'random');
  assert.equal(p.trials, 12);
  assert.equal(p.parallel, 2);
  assert.equal(p.metric, 'val_loss');
  assert.equal(p.goal, 'minimize');
  assert.equal(p.seed, 7);
  assert.equal(p.epochs, 20);
  assert.deepEqual(p.earlyTermination, { type: 'asha', minEpochs: 5, reductionFactor: 3 });
  assert.deepEqual(p.parameters.map((x) => x.path), ['train.optimizer.learningRate', 'train.batchSize', 'model.layers.0.units', 'model.layers.1.rate']);
  assert.deepEqual(p.parameters[0], { path: 'train.optimizer.learningRate', segments: ['train', 'optimizer', 'learningRate'], kind: 'range', min: 0.0001, max: 0.1, log: true, integer: false });
  assert.deepEqual(p.parameters[1], { path: 'train.batchSize', segments: ['train', 'batchSize'], kind: 'choice', values: [16, 32, 64] });
  assert.deepEqual(p.parameters[2].segments, ['model', 'layers', 0, 'units']);
  assert.equal(p.parameters[3].kind === 'range' && p.parameters[3].integer, false);
  // a file without a sweep has no plan, and the sweep does not change what a plain run trains
  assert.equal((await plan(BASE)).sweep, undefined);
});

test('defaults: random, 10 trials, one at a time, val_loss minimised, seed 0; goal from the metric name', async () => {
  const r = await plan(`${BASE}sweep:\n  parameters:\n    train.batchSize: [8, 16]\n`);
  assert.deepEqual(r.problems, []);
  assert.equal(r.sweep?.method, 'random');
  assert.equal(r.sweep?.trials, 10);
  assert.equal(r.sweep?.parallel, 1);
  assert.equal(r.sweep?.metric, 'val_loss');
  assert.equal(r.sweep?.goal, 'minimize');
  assert.equal(r.sweep?.seed, 0);
  const acc = await plan(`${BASE}sweep:\n  metric: val_accuracy\n  parameters:\n    train.batchSize: [8, 16]\n`);
  assert.equal(acc.sweep?.goal, 'maximize');
  const f1 = await plan(`${BASE}sweep:\n  metric: test_macroF1\n  parameters:\n    train.batchSize: [8, 16]\n`);
  assert.equal(f1.sweep?.goal, 'maximize');
});

test('a parameter path that is not in the file is FILE:LINE:COL with "did you mean"', async () => {
  const text = BASE + SWEEP.replace('train.optimizer.learningRate:', 'train.optimizer.learningRat:');
  const r = await check(text);
  const p = only(r.errors, 'sweep.parameters["train.optimizer.learningRat"]');
  assert.equal(p.line, 22);
  assert.equal(p.column, 5);
  assert.match(p.message, /not a field of this model file/);
  assert.match(p.message, /did you mean `train\.optimizer\.learningRate`\?/);
  assert.match(formatProblem(p), /^.*m\.model\.yaml:22:5: error: sweep parameter `train\.optimizer\.learningRat`/);

  const layer = await check(BASE + SWEEP.replace('model.layers.0.units:', 'model.layers.0.unit:'));
  assert.match(only(layer.errors, 'sweep.parameters["model.layers.0.unit"]').message, /a `dense` layer \(`model\.layers\[0\]`\) has no argument `unit`; did you mean `model\.layers\.0\.units`\?/);
  const list = await check(BASE + SWEEP.replace('model.layers.1.rate:', 'model.layer.1.rate:'));
  assert.match(only(list.errors, 'sweep.parameters["model.layer.1.rate"]').message, /did you mean `model\.layers\.1\.rate`\?/);
  const index = await check(BASE + SWEEP.replace('model.layers.1.rate:', 'model.layers.5.rate:'));
  assert.match(only(index.errors, 'sweep.parameters["model.layers.5.rate"]').message, /`model\.layers` has 2 layers \(indexes 0 … 1\)/);
  const name = await check(BASE + SWEEP.replace('train.batchSize: [16, 32, 64]', 'name: [a, b]'));
  assert.match(only(name.errors, 'sweep.parameters.name').message, /cannot be changed per trial/);
});

test('values are checked against the field they set: type and range, pointing at the value', async () => {
  const zero = await check(BASE + SWEEP.replace('[16, 32, 64]', '[16, 0, 64]'));
  const p = only(zero.errors, 'sweep.parameters["train.batchSize"][1]');
  assert.match(p.message, /`0` does not fit `train\.batchSize`: it must be an integer ≥ 1/);
  assert.equal(p.line, 23);
  const word = await check(BASE + SWEEP.replace('[16, 32, 64]', '[16, big]'));
  assert.match(only(word.errors, 'sweep.parameters["train.batchSize"][1]').message, /must be an integer ≥ 1; got the string `big`/);
  const rate = await check(BASE + SWEEP.replace('{ min: 0.0, max: 0.5 }', '{ min: 0.0, max: 1 }'));
  assert.match(only(rate.errors, 'sweep.parameters["model.layers.1.rate"].max').message, /`max` 1 does not fit `model\.layers\[1\]\.rate`: it must be a number ≥ 0 and < 1/);
  const lr = await check(BASE + SWEEP.replace('{ min: 0.0001, max: 0.1, scale: log }', '{ min: 0, max: 0.1 }'));
  assert.match(only(lr.errors, 'sweep.parameters["train.optimizer.learningRate"].min').message, /must be a number > 0/);
  const log = await check(BASE + SWEEP.replace('{ min: 0.0, max: 0.5 }', '{ min: 0.0, max: 0.5, scale: log }'));
  assert.match(only(log.errors, 'sweep.parameters["model.layers.1.rate"].min').message, /`scale: log` needs `min` above 0/);
  const backwards = await check(BASE + SWEEP.replace('{ min: 0.0, max: 0.5 }', '{ min: 0.5, max: 0.1 }'));
  assert.match(only(backwards.errors, 'sweep.parameters["model.layers.1.rate"].max').message, /`max` \(0\.1\) must be above `min` \(0\.5\)/);
  const ints = await check(BASE + SWEEP.replace('[16, 32, 64, 128]', '{ min: 8.5, max: 64 }'));
  assert.match(only(ints.errors, 'sweep.parameters["model.layers.0.units"].min').message, /takes integers/);
  const text = await check(BASE + SWEEP.replace('[16, 32, 64, 128]', '{ min: 1, max: 2 }').replace('model.layers.0.units', 'train.optimizer.type'));
  assert.match(only(text.errors, 'sweep.parameters["train.optimizer.type"]').message, /a range \{ min, max \} needs a numeric field, but `train\.optimizer\.type` is one of `sgd`/);
  // a value that makes the layer incomplete is caught in the layer
  const layerType = await check(BASE + SWEEP.replace('model.layers.1.rate: { min: 0.0, max: 0.5 }', 'model.layers.1.type: [dropout, dense]'));
  assert.match(only(layerType.errors, 'sweep.parameters["model.layers.1.type"][1]').message, /a `dense` layer (needs `units`|has no argument `rate`)/);
});

test('the shape of a parameter: one value, unknown keys, a range without max', async () => {
  const one = await check(BASE + SWEEP.replace('[16, 32, 64]', '32'));
  assert.match(only(one.errors, 'sweep.parameters["train.batchSize"]').message, /is the integer 32, one value; give a list of values to try/);
  const typo = await check(BASE + SWEEP.replace('{ min: 0.0, max: 0.5 }', '{ min: 0.0, mx: 0.5 }'));
  assert.match(only(typo.errors, 'sweep.parameters["model.layers.1.rate"]').message, /unknown key `mx`; did you mean `max`\?/);
  const half = await check(BASE + SWEEP.replace('{ min: 0.0, max: 0.5 }', '{ min: 0.0 }'));
  assert.match(only(half.errors, 'sweep.parameters["model.layers.1.rate"]').message, /a range without `max`/);
  const method = await check(BASE + SWEEP.replace('method: random', 'method: hyperband'));
  assert.match(only(method.errors, 'sweep.method').message, /cannot be `hyperband`.*Allowed: grid, random, bayes/);
  const key = await check(BASE + SWEEP.replace('seed: 7', 'sead: 7'));
  assert.match(only(key.errors, 'sweep.sead').message, /did you mean `seed`\?/);
});

test('the metric must be one the runs log; early termination needs an epoch metric', async () => {
  const typo = await check(BASE + SWEEP.replace('metric: val_loss', 'metric: val_los'));
  const p = only(typo.errors, 'sweep.metric');
  assert.match(p.message, /did you mean `val_loss`\?/);
  assert.match(p.message, /test_accuracy/);
  const report = await check(BASE + SWEEP.replace('metric: val_loss', 'metric: test_accuracy').replace('goal: minimize', 'goal: maximize'));
  assert.match(only(report.errors, 'sweep.metric').message, /only known when a trial ends/);
  const noValidation = await check(BASE.replace('  label: species', '  label: species\n  split: { validation: 0, test: 0.2 }') + SWEEP);
  assert.match(only(noValidation.errors, 'sweep.metric').message, /`data\.split\.validation` is 0/);
  const backwards = await check(BASE + SWEEP.replace('goal: minimize', 'goal: maximize'));
  assert.equal(backwards.valid, true);
  assert.match(only(backwards.warnings, 'sweep.goal').message, /would look for the worst trial/);
  const wrongRule = await check(BASE + SWEEP.replace('{ type: asha, minEpochs: 5, reductionFactor: 3 }', '{ type: median, minEpochs: 5, reductionFactor: 3 }'));
  assert.match(only(wrongRule.errors, 'sweep.earlyTermination.reductionFactor').message, /belongs to `type: asha`/);
});

test('grid: needs listable values, counts the combinations, caps with trials', async () => {
  const noStep = await check(BASE + SWEEP.replace('method: random', 'method: grid'));
  assert.match(only(noStep.errors, 'sweep.parameters["train.optimizer.learningRate"]').message, /needs a `step`/);
  const grid = `${BASE}sweep:\n  method: grid\n  parameters:\n    train.batchSize: [8, 16, 32]\n    model.layers.1.rate: { min: 0.1, max: 0.3, step: 0.1 }\n`;
  const r = await plan(grid);
  assert.deepEqual(r.problems, []);
  assert.equal(r.sweep?.trials, 9);
  const capped = await check(grid.replace('method: grid', 'method: grid\n  trials: 4'));
  assert.match(only(capped.warnings, 'sweep.trials').message, /9 combinations; `trials: 4` runs only the first 4/);
});

test('two parameters that overlap are one error', async () => {
  const r = await check(BASE + SWEEP.replace('train.batchSize: [16, 32, 64]', 'train.optimizer: [{ type: sgd }, { type: adam }]'));
  assert.match(only(r.errors, 'sweep.parameters["train.optimizer"]').message, /overlap/);
});

test('REPORT_METRICS lists exactly the keys of the report summary', () => {
  const c = classificationSummary({ accuracy: 1, macro: { precision: 1, recall: 1, f1: 1 }, weighted: { f1: 1 }, logLoss: 0, curves: { auc: 1, ap: 1 } } as never);
  assert.deepEqual([...REPORT_METRICS.classification].sort(), Object.keys(c).sort());
  const r = regressionSummary({ mse: 1, rmse: 1, mae: 1, r2: 1, medianAbsoluteError: 1, maxError: 1 } as never);
  assert.deepEqual([...REPORT_METRICS.regression].sort(), Object.keys(r).sort());
});

test('--set overrides: applied before checking, paths checked with "did you mean", values checked', async () => {
  const ws = workspace({ 'flowers.csv': FLOWERS_CSV });
  try {
    const file = ws.file('m.model.yaml');
    const ok = await validateModelText(BASE, file, { workspaceRoot: ws.root, overrides: [{ path: 'model.layers.0.units', value: 32 }, { path: 'train.optimizer.learningRate', value: 0.001 }] });
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.spec?.model.layers[0].units, 32);
    assert.equal(ok.spec?.train.optimizer.learningRate, 0.001);
    const typo = await validateModelText(BASE, file, { workspaceRoot: ws.root, overrides: [{ path: 'train.optimiser.learningRate', value: 0.1 }] });
    assert.equal(typo.spec, undefined);
    assert.match(typo.problems[0].message, /--set train\.optimiser\.learningRate: `train` has no key `optimiser`; did you mean `train\.optimizer\.learningRate`\?/);
    const bad = await validateModelText(BASE, file, { workspaceRoot: ws.root, overrides: [{ path: 'train.batchSize', value: -1 }] });
    assert.match(bad.problems[0].message, /`train\.batchSize` must be an integer ≥ 1.*with --set train\.batchSize=-1/);
  } finally {
    ws.dispose();
  }
});
