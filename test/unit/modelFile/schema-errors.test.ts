import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { validateModelText } from '../../../src/modelFile';
import { check, edit, FIXTURES, only, VALID } from './helpers';

test('the base file is valid and gets its defaults', async () => {
  const r = await check(VALID);
  assert.deepEqual(r.problems, []);
  assert.equal(r.valid, true);
});

test('misspelt `epoch:` points at the key and suggests `epochs`', async () => {
  const file = path.join(FIXTURES, 'misspelt.model.yaml');
  const { spec, problems } = await validateModelText(readFileSync(file, 'utf8'), file, { workspaceRoot: FIXTURES });
  assert.equal(spec, undefined);
  const p = only(problems, 'train.epoch');
  assert.equal(p.line, 7);
  assert.equal(p.column, 3);
  assert.equal(p.endLine, 7);
  assert.equal(p.endColumn, 8);
  assert.match(p.message, /did you mean `epochs`\?/);
  assert.ok(p.allowed?.includes('epochs'));
  assert.equal(p.severity, 'error');
});

test('unknown keys everywhere are errors, with suggestions for near misses only', async () => {
  const r = await check(`${VALID}learning_rate: 0.1\nzzzzzz: 1\n`);
  assert.match(only(r.errors, 'learning_rate').message, /unknown key `learning_rate` at the top level/);
  assert.doesNotMatch(only(r.errors, 'zzzzzz').message, /did you mean/);
  const snake = await check(edit('  epochs: 5', '  epochs: 5\n  batch_size: 4'));
  assert.match(only(snake.errors, 'train.batch_size').message, /did you mean `batchSize`\?/);
});

test('a misspelt required key is one problem (the typo), not also "missing"', async () => {
  const r = await check(edit('  label: species', '  lable: species'));
  assert.equal(r.errors.length, 1, r.errors.map((p) => p.message).join('\n'));
  assert.match(only(r.errors, 'data.lable').message, /did you mean `label`/);
});

test('missing required fields name the field and point at the parent', async () => {
  const r = await check(edit('  label: species\n', ''));
  const p = only(r.errors, 'data.label');
  assert.match(p.message, /`data.label` is required/);
  assert.equal(p.line, 3); // the `data:` key
  const noTask = await check(edit('task: classification\n', ''));
  const task = only(noTask.errors, 'task');
  assert.match(task.message, /`task` is required: one of `classification`, `regression`/);
  // the whole file is the parent: mark its start, do not underline all of it
  assert.deepEqual([task.line, task.column, task.endLine, task.endColumn], [1, 1, 1, 1]);
});

test('a value outside a list of choices lists them and suggests the closest', async () => {
  const r = await check(edit('  epochs: 5', '  epochs: 5\n  optimizer: { type: adamw }'));
  const p = only(r.errors, 'train.optimizer.type');
  assert.match(p.message, /`train.optimizer.type` cannot be `adamw`; did you mean `adam`\? Allowed: sgd, momentum, adam/);
  assert.equal(p.value, 'adamw');
  assert.ok(p.allowed?.includes('rmsprop'));
  assert.equal(p.line, 11);
  assert.equal(p.column, 22);
});

test('wrong types and out-of-range numbers quote the field, the value and the rule', async () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['  epochs: 5', '  epochs: "5"', 'train.epochs', /must be an integer ≥ 1; got the string `5`/],
    ['  epochs: 5', '  epochs: 0', 'train.epochs', /must be an integer ≥ 1; got the integer 0/],
    ['  epochs: 5', '  epochs: 2.5', 'train.epochs', /must be an integer ≥ 1; got the number `2.5`/],
    ['  label: species', '  label: species\n  split: { validation: 1.5 }', 'data.split.validation', /must be a number ≥ 0 and < 1/],
    ['  label: species', '  label: species\n  split: { stratify: "yes" }', 'data.split.stratify', /must be true or false/],
    ['name: flowers', 'name: "my model!"', 'name', /must be a name of letters, digits, .*; got the string `my model!`/],
    ['  metrics: [accuracy]', '  metrics: accuracy', 'train.metrics', /must be a list .* \(write a list, even of one item: \[accuracy\]\)/],
    ['  metrics: [accuracy]', '  metrics: [accuracy, accuracy]', 'train.metrics[1]', /lists `accuracy` twice \(items 0 and 1\)/],
    ['  label: species', '  label: species\n  features: []', 'data.features', /at least 1/],
    ['  label: species', '  label: species\n  image: { size: [28] }', 'data.image.size', /a list of 2 items/],
    ['  label: species', '  label: species\n  delimiter: ";;"', 'data.delimiter', /a string of 1 character/],
    ['train:', 'deploy: { port: 70000 }\ntrain:', 'deploy.port', /≤ 65535/],
    ['  epochs: 5', '  epochs: 5\n  earlyStopping: yes', 'train.earlyStopping', /must be a mapping/],
  ];
  for (const [find, replace, field, re] of cases) {
    const r = await check(edit(find, replace));
    const p = only(r.errors, field);
    assert.match(p.message, re, `${field}: ${p.message}`);
    assert.ok(p.message.includes(`\`${field.replace(/\[\d+\]$/, '')}`), p.message);
  }
});

test('every problem has a 1-based position inside the file', async () => {
  const text = readFileSync(path.join(FIXTURES, 'malformed/wrong-types.model.yaml'), 'utf8');
  const r = await check(text);
  const lines = text.split('\n').length;
  assert.ok(r.errors.length >= 15, `${r.errors.length} errors`);
  for (const p of r.errors) {
    assert.ok(p.line >= 1 && p.line <= lines && p.column >= 1, `${p.path} at ${p.line}:${p.column}`);
    assert.ok(p.endLine > p.line || (p.endLine === p.line && p.endColumn >= p.column), `${p.path} range`);
  }
  // one per field: no cascades of "expected object" below a wrong value
  const paths = r.errors.map((p) => p.path);
  assert.equal(new Set(paths).size, paths.length);
  assert.equal(only(r.errors, 'data.source').line, 4);
});

test('unknown layer type: did-you-mean over the layer types, at the type value', async () => {
  const r = await check(edit('type: dense, units: 8', 'type: Conv2D, filters: 8, kernelSize: 3'));
  const p = only(r.errors, 'model.layers[0].type');
  assert.match(p.message, /unknown layer type `Conv2D`.*did you mean `conv2d`\?/);
  assert.ok(p.allowed?.includes('lstm'));
  assert.equal(p.line, 8);
  assert.equal(p.column, 15);
  const far = await check(edit('type: dense', 'type: transformerBlock'));
  assert.doesNotMatch(only(far.errors, 'model.layers[0].type').message, /did you mean/);
});

test('layer arguments are checked against that layer type', async () => {
  const r = await check(edit('{ type: dense, units: 8, activation: relu }', '{ type: dense, unit: 8, activation: rleu }'));
  assert.match(only(r.errors, 'model.layers[0].unit').message, /unknown argument `unit` for a `dense` layer .*did you mean `units`\?/);
  assert.match(only(r.errors, 'model.layers[0].activation').message, /cannot be `rleu`; did you mean `relu`\?/);
  // units is required for dense, but the typo already explains it
  assert.equal(r.errors.filter((p) => p.path === 'model.layers[0].units').length, 0);
  const conv = await check(edit('{ type: dense, units: 8, activation: relu }', '{ type: conv2d, filters: 4, kernel_size: 3 }'), { files: {} });
  assert.match(only(conv.errors, 'model.layers[0].kernel_size').message, /did you mean `kernelSize`/);
  const rate = await check(edit('{ type: dense, units: 8, activation: relu }', '{ type: dropout, rate: 1.5 }'));
  assert.match(only(rate.errors, 'model.layers[0].rate').message, /< 1/);
  const noType = await check(edit('{ type: dense, units: 8, activation: relu }', '{ units: 8 }'));
  assert.match(only(noType.errors, 'model.layers[0].type').message, /has no `type`/);
  const nested = await check(edit('{ type: dense, units: 8, activation: relu }', '{ type: bidirectional, layer: { type: lstm, unit: 4 } }'));
  assert.ok(nested.errors.some((p) => p.path === 'model.layers[0].layer.unit' && /did you mean `units`/.test(p.message)), nested.errors.map((p) => p.message).join('\n'));
});

test('valid JSON model files validate too, with positions', async () => {
  const file = path.join(FIXTURES, 'valid.model.json');
  const { spec, problems } = await validateModelText(readFileSync(file, 'utf8'), file, { workspaceRoot: FIXTURES });
  assert.deepEqual(problems, []);
  assert.equal(spec?.task, 'regression');
  const bad = await check('{\n  "name": "x",\n  "task": "regresion",\n  "data": { "source": "flowers.csv", "label": "species" }\n}\n', { file: 'm.model.json' });
  const p = only(bad.errors, 'task');
  assert.equal(p.line, 3);
  assert.equal(p.column, 11);
  assert.match(p.message, /did you mean `regression`/);
});

test('defaults are filled into the resolved spec', async () => {
  const file = path.join(FIXTURES, 'valid.model.yaml');
  const { spec } = await validateModelText(readFileSync(file, 'utf8'), file, { workspaceRoot: FIXTURES });
  assert.ok(spec);
  assert.equal(spec.train.optimizer.type, 'adam');
  assert.equal(spec.train.loss, 'auto');
  assert.equal(spec.data.preprocess.missing, 'mean');
  assert.equal(spec.data.split.seed, 7);
  assert.equal(spec.data.split.shuffle, true);
  assert.equal(spec.deploy.port, 8501);
  assert.equal(spec.evaluate.split, 'test');
});
