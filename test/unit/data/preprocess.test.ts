import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import {
  decodeLabel, encodeLabel, encodeRecords, sortClasses, unscaleTarget,
  type MissingStrategy, type NumericScaling,
} from '../../../src/engine/data/preprocess';
import { NumberFit } from '../../../src/engine/data/fit';
import { fitColumns } from './helpers';
import { DataError, type FeatureTransform, type Preprocessing } from '../../../src/engine/data/types';

const close = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-6, `${msg} ${a} ≈ ${b}`);

/** Fit one numeric feature: values over all rows, rows 0..3 train. */
async function fitNumeric(values: number[], missing: MissingStrategy, scale: NumericScaling, train = 4) {
  const p = await fitColumns('classification', [{ name: 'x', values, type: 'numeric', scale }], { name: 'y', values: values.map((_, i) => (i % 2 ? 'a' : 'b')) }, train, missing);
  return { preprocessing: p.preprocessing, warnings: p.info.warnings };
}
const transform = (p: Preprocessing, k = 0) => p.features[k] as Extract<FeatureTransform, { kind: 'numeric' }>;

test('numeric standardize: mean and population std of the observed training values', async () => {
  // train rows 0..3 = 1, 2, 3, (missing); row 4 = 10 is test only and must not move the statistics
  const { preprocessing: p } = (await fitNumeric([1, 2, 3, NaN, 10], 'mean', 'standardize'));
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

test('numeric minmax and none', async () => {
  const mm = transform((await fitNumeric([4, 8, 6, 5, 100], 'mean', 'minmax')).preprocessing);
  assert.deepEqual([mm.center, mm.divisor], [4, 4]);
  const none = (await fitNumeric([4, 8, 6, 5], 'mean', 'none')).preprocessing;
  assert.deepEqual([transform(none).center, transform(none).divisor], [0, 1]);
  assert.equal(encodeRecords(none, [{ x: 7.5 }])[0], 7.5);
});

test('missing strategies: median, mode, zero, drop (imputes the mean at predict time), error', async () => {
  close(transform((await fitNumeric([1, 2, 10, NaN], 'median', 'none')).preprocessing).impute as number, 2);
  close(transform((await fitNumeric([1, 2, 4, 10], 'median', 'none')).preprocessing).impute as number, 3);
  close(transform((await fitNumeric([5, 2, 5, 2, 7], 'mode', 'none', 5)).preprocessing).impute as number, 2);
  close(transform((await fitNumeric([1, 2, 3, 4], 'zero', 'standardize')).preprocessing).impute as number, 0);
  close(transform((await fitNumeric([1, 2, 3, 6], 'drop', 'none')).preprocessing).impute as number, 3);
  const strict = (await fitNumeric([1, 2, 3, 4], 'error', 'none')).preprocessing;
  assert.equal(transform(strict).impute, null);
  assert.throws(() => encodeRecords(strict, [{ x: '' }]), (e: unknown) => e instanceof DataError && /feature 'x' is missing.*missing: error/.test(e.message));
  const modes = new NumberFit(true, false);
  for (const x of [3, 1, 3, 1]) modes.add(x);
  assert.equal(modes.mode(), 1, 'ties go to the smallest');
  assert.equal(new NumberFit(false, true).median(), 0);
});

test('a constant column gets divisor 1 and a warning', async () => {
  const { preprocessing, warnings } = (await fitNumeric([5, 5, 5, 5, 9], 'mean', 'standardize'));
  assert.equal(transform(preprocessing).divisor, 1);
  assert.match(warnings.join('\n'), /'x' has the same value \(5\) in every training row/);
  assert.equal(encodeRecords(preprocessing, [{ x: 9 }])[0], 4);
});

async function fitCategorical(encoding: 'onehot' | 'index', missing: MissingStrategy = 'mode') {
  // train rows 0..4; 'green' appears only in row 5 (test)
  const values = ['red', 'blue', 'red', null, 'red', 'green'];
  return (await fitColumns('classification', [{ name: 'color', values, type: 'categorical', encoding }], { name: 'y', values: ['a', 'b', 'a', 'b', 'a', 'b'] }, 5, missing)).preprocessing;
}

test('categorical onehot: sorted training categories; unseen → all zeros; missing → training mode', async () => {
  const p = await fitCategorical('onehot');
  const t = p.features[0] as Extract<FeatureTransform, { kind: 'categorical' }>;
  assert.deepEqual(t.categories, ['blue', 'red']);
  assert.equal(t.impute, 'red');
  assert.deepEqual(p.inputShape, [2]);
  assert.deepEqual(p.encodedNames, ['color=blue', 'color=red']);
  assert.deepEqual(Array.from(encodeRecords(p, [{ color: 'blue' }, { color: ' red ' }, { color: 'green' }, { color: null }])), [1, 0, 0, 1, 0, 0, 0, 1]);
  const zero = await fitCategorical('onehot', 'zero');
  assert.deepEqual(Array.from(encodeRecords(zero, [{ color: '' }])), [0, 0]);
});

test('categorical index: position in the sorted categories; unseen → the reserved index categories.length', async () => {
  const p = await fitCategorical('index');
  assert.deepEqual(p.inputShape, [1]);
  assert.deepEqual(Array.from(encodeRecords(p, [{ color: 'blue' }, { color: 'red' }, { color: 'purple' }])), [0, 1, 2]);
});

test('boolean: 1/0 from words, booleans and digits; missing → training mean', async () => {
  const p = (await fitColumns('classification', [{ name: 'owns', values: [1, 0, 1, 1, NaN], type: 'boolean' }], { name: 'y', values: ['a', 'b', 'a', 'b', 'a'] }, 5)).preprocessing;
  close((p.features[0] as { impute: number }).impute, 0.75);
  assert.deepEqual(Array.from(encodeRecords(p, [{ owns: true }, { owns: 'no' }, { owns: 1 }, { owns: '0' }, {}])), [1, 0, 1, 0, 0.75]);
});

test('labels: classification classes sorted (numerically when numbers); regression standardised', async () => {
  assert.deepEqual(sortClasses(new Set(['10', '2', '1'])), ['1', '2', '10']);
  assert.deepEqual(sortClasses(new Set(['b', 'B', 'a'])), ['B', 'a', 'b']);
  const x = { name: 'x', values: [1, 2, 3, 4], type: 'numeric' as const, scale: 'none' };
  const cls = (await fitColumns('classification', [x], { name: 'kind', values: ['dog', 'cat', 'dog', 'bird'] }, 3)).preprocessing;
  // classes come from every kept row (a class seen only in test still has an index)
  assert.deepEqual(cls.label.classes, ['bird', 'cat', 'dog']);
  assert.equal(encodeLabel(cls, 'dog'), 2);
  assert.equal(decodeLabel(cls, 0), 'bird');
  assert.throws(() => encodeLabel(cls, 'fish'), /label 'kind' must be one of "bird", "cat", "dog", got "fish"/);
  assert.throws(() => decodeLabel(cls, 3), /out of range/);
  const reg = (await fitColumns('regression', [x], { name: 'price', values: [10, 20, 30, 1000] }, 3)).preprocessing;
  close(reg.label.center as number, 20);
  close(reg.label.divisor as number, Math.sqrt(200 / 3));
  close(encodeLabel(reg, '30'), 10 / Math.sqrt(200 / 3));
  close(unscaleTarget(reg, encodeLabel(reg, 42.5)), 42.5);
});

test('encodeRecords: round trip of a two-feature model, arrays in feature order, the label key is ignored', async () => {
  const p = (await fitColumns('classification', [
    { name: 'size', values: [1, 3], type: 'numeric' },
    { name: 'shape', values: ['round', 'square'], type: 'categorical', missing: 'mode' },
  ], { name: 'kind', values: ['a', 'b'] }, 2)).preprocessing;
  const json = JSON.parse(JSON.stringify(p)) as Preprocessing; // what preprocessing.json holds
  const x = encodeRecords(json, [{ size: 3, shape: 'square', kind: 'b' }, [1, 'round']]);
  assert.deepEqual(Array.from(x), [1, 0, 1, -1, 1, 0]);
});

test('encodeRecords: errors name the feature, the value and what is allowed', async () => {
  const p = (await fitColumns('classification', [
    { name: 'sepal_length', values: [1, 3], type: 'numeric', scale: 'none' },
    { name: 'color', values: ['red', 'blue'], type: 'categorical', missing: 'error' },
    { name: 'flag', values: [1, 0], type: 'boolean', missing: 'zero' },
  ], { name: 'y', values: ['a', 'b'] }, 2)).preprocessing;
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

test('encodeRecords refuses non-tabular preprocessing with a clear message', async () => {
  const p: Preprocessing = {
    format: 'model-studio-preprocessing', version: 1, task: 'classification', inputKind: 'sequence', inputShape: [10],
    features: [{ name: 'review', kind: 'text', vocabulary: ['', '?'], sequenceLength: 10, lowercase: true, stripPunctuation: true }],
    label: { name: 'y', classes: ['a', 'b'] }, missing: 'mean',
  };
  assert.throws(() => encodeRecords(p, [{ review: 'hi' }]), /takes sequence input/);
});
