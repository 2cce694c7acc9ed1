import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem, locateField } from '../../../src/modelFile';
import { formatPath, parsePath } from '../../../src/modelFile/fieldPath';
import { didYouMean } from '../../../src/modelFile/suggest';

const TEXT = `name: x
task: classification
data:
  source: a.csv
  label: species
  columns:
    "petal width": { type: numeric }
model:
  layers:
    - { type: dense, units: 4 }
    - type: dropout
      rate: 0.1
`;

test('locateField finds keys and list items, and falls back to the nearest ancestor', () => {
  assert.deepEqual(pick(locateField(TEXT, 'data.label')), { line: 5, column: 3, exact: true });
  assert.deepEqual(pick(locateField(TEXT, 'model.layers[1].rate')), { line: 12, column: 7, exact: true });
  assert.deepEqual(pick(locateField(TEXT, 'model.layers[0]')), { line: 10, column: 7, exact: true });
  assert.deepEqual(pick(locateField(TEXT, 'data.columns["petal width"].type')), { line: 7, column: 22, exact: true });
  assert.deepEqual(pick(locateField(TEXT, 'data.split.seed')), { line: 3, column: 1, exact: false });
  assert.equal(locateField(TEXT, 'train.epochs'), undefined);
  assert.equal(locateField('', 'data.label'), undefined);
  assert.equal(locateField('{ "data": { "label": "y" } }', 'data.label')?.column, 13);
});

function pick(l: ReturnType<typeof locateField>) {
  return l && { line: l.line, column: l.column, exact: l.exact };
}

test('field paths round-trip, including keys that are not identifiers', () => {
  for (const segs of [['train', 'optimizer', 'type'], ['model', 'layers', 2, 'units'], ['data', 'columns', 'a.b c', 'type'], []]) {
    assert.deepEqual(parsePath(formatPath(segs)), segs);
  }
  assert.equal(formatPath(['model', 'layers', 2, 'units']), 'model.layers[2].units');
  assert.deepEqual(parsePath('/train/optimizer/type'), ['train', 'optimizer', 'type']);
});

test('did-you-mean: typos, transpositions, case and separators; nothing for far-off names', () => {
  const keys = ['epochs', 'batchSize', 'learningRate', 'earlyStopping'];
  assert.equal(didYouMean('epoch', keys), 'epochs');
  assert.equal(didYouMean('epcohs', keys), 'epochs');
  assert.equal(didYouMean('batch_size', keys), 'batchSize');
  assert.equal(didYouMean('LearningRate', keys), 'learningRate');
  assert.equal(didYouMean('early_stoping', keys), 'earlyStopping');
  assert.equal(didYouMean('colour', keys), undefined);
  assert.equal(didYouMean('category', ['numeric', 'categorical', 'boolean', 'text', 'image']), 'categorical');
  assert.equal(didYouMean('learning', keys), 'learningRate');
  assert.equal(didYouMean('epo', keys), undefined);
  assert.equal(didYouMean('', keys), undefined);
});

test('formatProblem is FILE:LINE:COL: severity: MESSAGE', () => {
  assert.equal(formatProblem({ file: 'a.model.yaml', line: 3, column: 5, endLine: 3, endColumn: 9, path: 'x', message: 'bad', severity: 'error' }), 'a.model.yaml:3:5: error: bad');
  assert.equal(formatProblem({ file: 'a.model.yaml', line: 1, column: 1, endLine: 1, endColumn: 1, path: '', message: 'hm', severity: 'warning' }), 'a.model.yaml:1:1: warning: hm');
});
