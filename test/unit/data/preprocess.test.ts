import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import {
  decodeLabel, encodeLabel, encodeRecords, fitPreprocessing, median, mode, sortClasses, unscaleTarget,
  type FeatureColumn, type MissingStrategy, type NumericScaling,
} from '../../../src/engine/data/preprocess';
import { DataError, type FeatureTransform, type Preprocessing } from '../../../src/engine/data/types';

const close = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-6, `${msg} ${a} ≈ ${b}`);

/** Fit one numeric feature: values over all rows, rows 0..3 train. */
function fitNumeric(values: number[], missing: MissingStrategy, scale: NumericScaling, train = [0, 1, 2, 3]) {
  const f: FeatureColumn = { name: 'x', kind: 'numeric', values: Float64Array.from(values), missing, scale };
  return fitPreprocessing({ task: 'classification', features: [f], label: { name: 'y', values: values.map((_, i) => (i % 2 ? 'a' : 'b')) }, trainIndices: train, missing });
}
const transform = (p: Preprocessing, k = 0) => p.features[k] as Extract<FeatureTransform, { kind: 'numeric' }>;

test('numeric standardize: mean and population std of the observed training values', () => {
  // train rows 0..3 = 1, 2, 3, (missing); row 4 = 10 is test only and must not move the statistics
  const { preprocessing: p } = fitNumeric([1, 2, 3, NaN, 10], 'mean', 'standardize');
  const t = transform(p);
  close(t.center, 2, 'mean');
  close(t.divisor, Math.sqrt(2 / 3), 'std');
  close(t.impute as number, 2, 'impute mean');
  const x = encodeRecords(p, [{ x: 3 }, { x: '1' }, { x: null }, {}]);
  close(x[0], 1 / Math.sqrt(2 / 3));
  close(x[1], -1 / Math.sqrt(2 / 3));
  close(x[2], 0);
  close(x[3], 0);
});

test('numeric minmax and none', () => {
  const mm = transform(fitNumeric([4, 8, 6, 5, 100], 'mean', 'minmax').preprocessing);
  assert.deepEqual([mm.center, mm.divisor], [4, 4]);
  const none = fitNumeric([4, 8, 6, 5], 'mean', 'none').preprocessing;
  assert.deepEqual([transform(none).center, transform(none).divisor], [0, 1]);
  assert.equal(encodeRecords(none, [{ x: 7.5 }])[0], 7.5);
});

test('missing strategies: median, mode, zero, drop (imputes the mean at predict time), error', () => {
  close(transform(fitNumeric([1, 2, 10, NaN], 'median', 'none').preprocessing).impute as number, 2);
  close(transform(fitNumeric([1, 2, 4, 10], 'median', 'none').preprocessing).impute as number, 3);
  close(transform(fitNumeric([5, 2, 5, 2, 7], 'mode', 'none', [0, 1, 2, 3, 4]).preprocessing).impute as number, 2);
  close(transform(fitNumeric([1, 2, 3, 4], 'zero', 'standardize').preprocessing).impute as number, 0);
  close(transform(fitNumeric([1, 2, 3, 6], 'drop', 'none').preprocessing).impute as number, 3);
  const strict = fitNumeric([1, 2, 3, 4], 'error', 'none').preprocessing;
  assert.equal(transform(strict).impute, null);
  assert.throws(() => encodeRecords(strict, [{ x: '' }]), (e: unknown) => e instanceof DataError && /feature 'x' is missing.*missing: error/.test(e.message));
  assert.equal(median([]), 0);
  assert.equal(mode([3, 1, 3, 1]), 1);
});

test('a constant column gets divisor 1 and a warning', () => {
  const { preprocessing, warnings } = fitNumeric([5, 5, 5, 5, 9], 'mean', 'standardize');
  assert.equal(transform(preprocessing).divisor, 1);
  assert.match(warnings.join('\n'), /'x' has the same value \(5\) in every training row/);
  assert.equal(encodeRecords(preprocessing, [{ x: 9 }])[0], 4);
});

function fitCategorical(encoding: 'onehot' | 'index', missing: MissingStrategy = 'mode') {
  // train rows 0..4; 'green' appears only in row 5 (test)
  const values = ['red', 'blue', 'red', null, 'red', 'green'];
  const f: FeatureColumn = { name: 'color', kind: 'categorical', values, missing, encoding };
  return fitPreprocessing({ task: 'classification', features: [f], label: { name: 'y', values: ['a', 'b', 'a', 'b', 'a', 'b'] }, trainIndices: [0, 1, 2, 3, 4], missing }).preprocessing;
}

test('categorical onehot: sorted training categories; unseen → all zeros; missing → training mode', () => {
  const p = fitCategorical('onehot');
  const t = p.features[0] as Extract<FeatureTransform, { kind: 'categorical' }>;
  assert.deepEqual(t.categories, ['blue', 'red']);
  assert.equal(t.impute, 'red');
  assert.deepEqual(p.inputShape, [2]);
  assert.deepEqual(p.encodedNames, ['color=blue', 'color=red']);
  assert.deepEqual(Array.from(encodeRecords(p, [{ color: 'blue' }, { color: ' red ' }, { color: 'green' }, { color: null }])), [1, 0, 0, 1, 0, 0, 0, 1]);
  const zero = fitCategorical('onehot', 'zero');
  assert.deepEqual(Array.from(encodeRecords(zero, [{ color: '' }])), [0, 0]);
});

test('categorical index: position in the sorted categories; unseen → the reserved index categories.length', () => {
  const p = fitCategorical('index');
  assert.deepEqual(p.inputShape, [1]);
  assert.deepEqual(Array.from(encodeRecords(p, [{ color: 'blue' }, { color: 'red' }, { color: 'purple' }])), [0, 1, 2]);
});

test('boolean: 1/0 from words, booleans and digits; missing → training mean', () => {
  const f: FeatureColumn = { name: 'owns', kind: 'boolean', values: Float64Array.from([1, 0, 1, 1, NaN]), missing: 'mean' };
  const p = fitPreprocessing({ task: 'classification', features: [f], label: { name: 'y', values: ['a', 'b', 'a', 'b', 'a'] }, trainIndices: [0, 1, 2, 3, 4], missing: 'mean' }).preprocessing;
  close((p.features[0] as { impute: number }).impute, 0.75);
  assert.deepEqual(Array.from(encodeRecords(p, [{ owns: true }, { owns: 'no' }, { owns: 1 }, { owns: '0' }, {}])), [1, 0, 1, 0, 0.75]);
});

test('labels: classification classes sorted (numerically when numbers); regression standardised', () => {
  assert.deepEqual(sortClasses(new Set(['10', '2', '1'])), ['1', '2', '10']);
  assert.deepEqual(sortClasses(new Set(['b', 'B', 'a'])), ['B', 'a', 'b']);
  const f: FeatureColumn = { name: 'x', kind: 'numeric', values: Float64Array.from([1, 2, 3, 4]), missing: 'mean', scale: 'none' };
  const cls = fitPreprocessing({ task: 'classification', features: [f], label: { name: 'kind', values: ['dog', 'cat', 'dog', 'bird'] }, trainIndices: [0, 1, 2], missing: 'mean' }).preprocessing;
  // classes come from every kept row (a class seen only in test still has an index)
  assert.deepEqual(cls.label.classes, ['bird', 'cat', 'dog']);
  assert.equal(encodeLabel(cls, 'dog'), 2);
  assert.equal(decodeLabel(cls, 0), 'bird');
  assert.throws(() => encodeLabel(cls, 'fish'), /label 'kind' must be one of "bird", "cat", "dog", got "fish"/);
  assert.throws(() => decodeLabel(cls, 3), /out of range/);
  const reg = fitPreprocessing({ task: 'regression', features: [f], label: { name: 'price', values: [10, 20, 30, 1000] }, trainIndices: [0, 1, 2], missing: 'mean' }).preprocessing;
  close(reg.label.center as number, 20);
  close(reg.label.divisor as number, Math.sqrt(200 / 3));
  close(encodeLabel(reg, '30'), 10 / Math.sqrt(200 / 3));
  close(unscaleTarget(reg, encodeLabel(reg, 42.5)), 42.5);
});

test('encodeRecords: round trip of a two-feature model, arrays in feature order, the label key is ignored', () => {
  const features: FeatureColumn[] = [
    { name: 'size', kind: 'numeric', values: Float64Array.from([1, 3]), missing: 'mean', scale: 'standardize' },
    { name: 'shape', kind: 'categorical', values: ['round', 'square'], missing: 'mode', encoding: 'onehot' },
  ];
  const p = fitPreprocessing({ task: 'classification', features, label: { name: 'kind', values: ['a', 'b'] }, trainIndices: [0, 1], missing: 'mean' }).preprocessing;
  const json = JSON.parse(JSON.stringify(p)) as Preprocessing; // what preprocessing.json holds
  const x = encodeRecords(json, [{ size: 3, shape: 'square', kind: 'b' }, [1, 'round']]);
  assert.deepEqual(Array.from(x), [1, 0, 1, -1, 1, 0]);
});

test('encodeRecords: errors name the feature, the value and what is allowed', () => {
  const features: FeatureColumn[] = [
    { name: 'sepal_length', kind: 'numeric', values: Float64Array.from([1, 3]), missing: 'mean', scale: 'none' },
    { name: 'color', kind: 'categorical', values: ['red', 'blue'], missing: 'error', encoding: 'onehot' },
    { name: 'flag', kind: 'boolean', values: Float64Array.from([1, 0]), missing: 'zero' },
  ];
  const p = fitPreprocessing({ task: 'classification', features, label: { name: 'y', values: ['a', 'b'] }, trainIndices: [0, 1], missing: 'mean' }).preprocessing;
  const fails = (records: unknown[], re: RegExp, column?: string) => assert.throws(() => encodeRecords(p, records), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, re);
    if (column) assert.equal(e.column, column);
    return true;
  });
  fails([{ sepal_length: 'abc', color: 'red' }], /^feature 'sepal_length' must be a number, got "abc"$/, 'sepal_length');
  fails([{ sepal_length: true, color: 'red' }], /feature 'sepal_length' must be a number, got true/);
  fails([{ sepal_length: 1, color: 'red', petal: 2 }], /unknown feature 'petal'; the model takes 'sepal_length', 'color', 'flag'/, 'petal');
  fails([{ sepal_length: 1 }], /feature 'color' is missing.*send one of "blue", "red"/, 'color');
  fails([{ sepal_length: 1, color: { a: 1 } }], /feature 'color' must be one of "blue", "red", got \{"a":1\}/);
  fails([{ sepal_length: 1, color: 'red', flag: 'maybe' }], /feature 'flag' must be true or false.*got "maybe"/);
  fails([{ sepal_length: 1, color: 'red' }, 'nope'], /^instance 1: a record must be an object/);
  fails([[1, 'red']], /must hold 3 values, in this order: sepal_length, color, flag; got 2/);
  // an unseen category is not an error: it encodes as all zeros (documented)
  assert.deepEqual(Array.from(encodeRecords(p, [{ sepal_length: '2', color: 'green', flag: 'yes' }])), [2, 0, 0, 1]);
});

test('encodeRecords refuses non-tabular preprocessing with a clear message', () => {
  const p: Preprocessing = {
    format: 'model-studio-preprocessing', version: 1, task: 'classification', inputKind: 'sequence', inputShape: [10],
    features: [{ name: 'review', kind: 'text', vocabulary: ['', '?'], sequenceLength: 10, lowercase: true, stripPunctuation: true }],
    label: { name: 'y', classes: ['a', 'b'] }, missing: 'mean',
  };
  assert.throws(() => encodeRecords(p, [{ review: 'hi' }]), /takes sequence input/);
});
