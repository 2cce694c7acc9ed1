import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { prepareData } from '../../../src/engine/data/index';
import { encodeRecords } from '../../../src/engine/data/preprocess';
import { DataError } from '../../../src/engine/data/types';
import { SpecError } from '../../../src/modelFile';
import type { ModelSpecFile } from '../../../src/modelFile/schema';

const ROOT = path.join(__dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/data');
const MALFORMED = path.join(FIXTURES, 'malformed');
const opts = { workspaceRoot: ROOT };

/** A model spec for a fixture; data.source is relative to this (imaginary) model file in the fixtures folder. */
function spec(task: 'classification' | 'regression', data: Record<string, unknown>): ModelSpecFile {
  return { name: 't', task, data: { format: 'auto', preprocess: { missing: 'mean', numeric: 'standardize', categorical: 'onehot' }, split: { validation: 0.15, test: 0.15, seed: 42, stratify: true, shuffle: true }, ...data } } as unknown as ModelSpecFile;
}
const specFile = path.join(FIXTURES, 'model.yaml');

async function rejectsData(p: Promise<unknown>, expect: { row?: number; column?: string; message: RegExp }) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.match(e.message, expect.message);
    assert.equal(e.row, expect.row, e.message);
    assert.equal(e.column, expect.column, e.message);
    return true;
  });
}

test('iris example: stratified 104/23/23 split, 4 standardised inputs, 3 classes, deterministic', async () => {
  const file = path.join(ROOT, 'examples/iris/iris.model.yaml');
  const s = parse(readFileSync(file, 'utf8')) as ModelSpecFile;
  const p = await prepareData(s, file, opts);
  assert.equal(p.info.rows, 150);
  assert.deepEqual(p.info.splits, { train: 104, validation: 23, test: 23 });
  assert.deepEqual(p.info.classBalance, [{ label: 'setosa', count: 50 }, { label: 'versicolor', count: 50 }, { label: 'virginica', count: 50 }]);
  assert.deepEqual(p.preprocessing.inputShape, [4]);
  assert.deepEqual(p.preprocessing.label.classes, ['setosa', 'versicolor', 'virginica']);
  assert.equal(p.train.n, 104);
  const all = Array.from({ length: p.train.n }, (_, i) => i);
  const { x, y } = await p.train.batch(all);
  assert.equal(x.length, 104 * 4);
  // standardised on train: each column has mean 0 and std 1 over the training rows
  for (let c = 0; c < 4; c++) {
    let m = 0;
    for (let r = 0; r < 104; r++) m += x[r * 4 + c];
    assert.ok(Math.abs(m / 104) < 1e-5, `column ${c} mean ${m / 104}`);
  }
  const perClass = [0, 0, 0];
  for (const k of y) perClass[k]++;
  assert.deepEqual(perClass.sort(), [34, 35, 35]);
  // raw records line up with the encoded rows, and encodeRecords on them gives the same numbers
  const raw = await p.test.raw!([0, 1, 2]);
  const tb = await p.test.batch([0, 1, 2]);
  assert.deepEqual(Array.from(encodeRecords(p.preprocessing, raw)), Array.from(tb.x));
  assert.deepEqual(Array.from(tb.y), raw.map((r) => p.preprocessing.label.classes!.indexOf(String(r.species))));
  // same seed → same rows
  const again = await prepareData(s, file, opts);
  assert.deepEqual(await again.test.raw!([0, 1, 2, 3]), await p.test.raw!([0, 1, 2, 3]));
  await assert.rejects(p.train.batch([104]), /out of range/);
});

test('fitting uses the training split only: a value only in test does not move the mean', async () => {
  const file = path.join(ROOT, 'examples/iris/iris.model.yaml');
  const s = parse(readFileSync(file, 'utf8')) as ModelSpecFile;
  const p = await prepareData(s, file, opts);
  const trainRaw = await p.train.raw!(Array.from({ length: p.train.n }, (_, i) => i));
  const mean = trainRaw.reduce((a, r) => a + Number(r.sepal_length), 0) / trainRaw.length;
  const t = p.preprocessing.features[0] as { center: number };
  assert.ok(Math.abs(t.center - mean) < 1e-9, `${t.center} vs train mean ${mean}`);
  const allMean = 5.843333;
  assert.ok(Math.abs(t.center - allMean) > 1e-4, 'differs from the mean over all 150 rows');
});

test('semicolon csv with spaces in headers, yes/no booleans, missing values and an id column', async () => {
  const p = await prepareData(spec('classification', { source: 'bank-semicolon.csv', label: 'Subscribed?' }), specFile, opts);
  const types = Object.fromEntries(p.info.columns.map((c) => [c.name, c.type]));
  assert.deepEqual(types, {
    'Customer ID': 'categorical', 'Age (years)': 'numeric', 'Balance, EUR': 'numeric', 'Has loan': 'boolean',
    'Job type': 'categorical', Notes: 'categorical', 'Subscribed?': 'boolean',
  });
  assert.equal(p.info.format, 'csv (delimiter ";")');
  assert.equal(p.info.columns[1].missing, 5);
  assert.match(p.info.warnings.join('\n'), /'Customer ID' has a different value in every row: it looks like an identifier/);
  assert.deepEqual(p.preprocessing.label.classes, ['no', 'yes']);
  const excluded = await prepareData(spec('classification', { source: 'bank-semicolon.csv', label: 'Subscribed?', exclude: ['Customer ID'] }), specFile, opts);
  assert.deepEqual(excluded.info.features, ['Age (years)', 'Balance, EUR', 'Has loan', 'Job type', 'Notes']);
  const shape = excluded.preprocessing.inputShape[0];
  const { x } = await excluded.train.batch([0]);
  assert.equal(x.length, shape);
  assert.ok(x.every((v) => Number.isFinite(v)), 'missing values imputed');
});

test('BOM + CRLF tsv regression: drop removes rows with missing values; the target is standardised', async () => {
  const s = spec('regression', { source: 'sensors-bom-crlf.tsv', label: 'power kW', exclude: ['timestamp'], preprocess: { missing: 'drop', numeric: 'minmax', categorical: 'index' } });
  const p = await prepareData(s, specFile, opts);
  assert.equal(p.info.droppedRows, 2);
  assert.equal(p.train.n + p.validation.n + p.test.n, 28);
  assert.deepEqual(p.info.features, ['Temp °C', 'Humidity %', 'door open', 'zone']);
  assert.deepEqual(p.preprocessing.inputShape, [4]);
  assert.equal(p.info.classBalance, undefined);
  assert.match(p.info.warnings.join('\n'), /target 'power kW' is standardised/);
  const { y } = await p.train.batch(Array.from({ length: p.train.n }, (_, i) => i));
  const m = y.reduce((a, b) => a + b, 0) / y.length;
  assert.ok(Math.abs(m) < 1e-5, `scaled target mean ${m}`);
  const { x } = await p.train.batch(Array.from({ length: p.train.n }, (_, i) => i));
  for (let i = 0; i < p.train.n; i++) assert.ok(x[i * 4] >= -1e-6 && x[i * 4] <= 1 + 1e-6, 'minmax in [0, 1] on train');
});

test('jsonl with JSON booleans, nulls, numbers as strings and a blank line', async () => {
  const p = await prepareData(spec('classification', { source: 'pets.jsonl', label: 'adopted', exclude: ['pet id'], split: { validation: 0.25, test: 0.25, seed: 1, stratify: true, shuffle: true } }), specFile, opts);
  const types = Object.fromEntries(p.info.columns.map((c) => [c.name, c.type]));
  assert.equal(types.vaccinated, 'boolean');
  assert.equal(types['weight kg'], 'numeric');
  assert.equal(p.info.columns.find((c) => c.name === 'vaccinated')?.missing, 1);
  assert.deepEqual(p.info.splits, { train: 12, validation: 6, test: 6 });
  assert.deepEqual(p.info.classBalance, [{ label: 'adopted', count: 12 }, { label: 'waiting', count: 12 }]);
});

test('model-file mistakes about columns name the field and list the columns', async () => {
  await rejectsData(prepareData(spec('classification', { source: 'pets.jsonl', label: 'adoption' }), specFile, opts),
    { row: 1, column: 'adoption', message: /data\.label names 'adoption', which is not a column of this file; the columns are 'pet id', 'kind'/ });
  await rejectsData(prepareData(spec('classification', { source: 'pets.jsonl', label: 'adopted', features: ['kind', 'colour'] }), specFile, opts),
    { row: 1, column: 'colour', message: /data\.features names 'colour'/ });
  await rejectsData(prepareData(spec('classification', { source: 'pets.jsonl', label: 'adopted', features: ['kind', 'adopted'] }), specFile, opts),
    { row: 1, column: 'adopted', message: /includes the label/ });
  await rejectsData(prepareData(spec('classification', { source: 'nope.csv', label: 'a' }), specFile, opts),
    { message: /nope\.csv: file not found \(data\.source 'nope\.csv'/ });
  await assert.rejects(prepareData(spec('classification', { source: '../../../../etc/passwd', label: 'a' }), specFile, opts),
    (e: unknown) => e instanceof SpecError && /points outside the workspace/.test(e.message + JSON.stringify(e.problems)));
});

test('a declared numeric column with a word in it names the row and the column', async () => {
  await rejectsData(prepareData(spec('classification', { source: 'bank-semicolon.csv', label: 'Subscribed?', columns: { 'Job type': { type: 'numeric' } } }), specFile, opts),
    { row: 2, column: 'Job type', message: /bank-semicolon\.csv:2: column 'Job type': expected a number, got "admin\."/ });
});

test('missing: error refuses a missing value with its row and column', async () => {
  await rejectsData(prepareData(spec('classification', { source: 'bank-semicolon.csv', label: 'Subscribed?', exclude: ['Customer ID'], columns: { 'Age (years)': { missing: 'error' } } }), specFile, opts),
    { row: 5, column: 'Age (years)', message: /missing values are not allowed/ });
});

test('malformed corpus: every file is a DataError with the right row and column, never a crash', async () => {
  const cases: Array<[string, 'classification' | 'regression', { row?: number; column?: string; message: RegExp }]> = [
    ['ragged.csv', 'classification', { row: 3, column: 'label', message: /2 fields but the header has 3 columns/ }],
    ['empty.csv', 'classification', { message: /empty \(0 bytes\)/ }],
    ['header-only.csv', 'classification', { row: 1, message: /header row but no data rows/ }],
    ['binary.csv', 'classification', { message: /this is a ZIP archive \(or an Excel \.xlsx workbook\), not a text file/ }],
    ['bom-crlf-quoted-ragged.csv', 'classification', { row: 5, message: /4 fields but the header has 3 columns/ }],
    ['one-class.csv', 'classification', { column: 'label', message: /only one class \("only"\)/ }],
    ['truncated.json', 'classification', { row: 4, message: /invalid JSON/ }],
  ];
  for (const [file, task, expect] of cases) {
    const label = file === 'regression-text-label.csv' ? 'y' : 'label';
    await rejectsData(prepareData(spec(task, { source: path.join('malformed', file), label }), specFile, opts), expect);
  }
  await rejectsData(prepareData(spec('regression', { source: 'malformed/regression-text-label.csv', label: 'y' }), path.join(FIXTURES, 'm.yaml'), opts),
    { row: 4, column: 'y', message: /expected a number, got "abc"|regression needs a numeric label/ });
  assert.ok(existsSync(MALFORMED));
});

test('a text column goes to the media pipeline, which reads the same table', async () => {
  const s = spec('classification', { source: 'bank-semicolon.csv', label: 'Subscribed?', columns: { Notes: { type: 'text' } } });
  const p = await prepareData(s, specFile, opts);
  assert.equal(p.preprocessing.inputKind, 'sequence');
  assert.deepEqual(p.info.features, ['Notes']);
  assert.equal(p.train.n + p.validation.n + p.test.n, 40);
});

test('inferred free text among other columns is left out of the features, with a warning', async () => {
  const p = await prepareData(spec('regression', { source: 'cars-small.json', label: 'mpg' }), specFile, opts);
  assert.deepEqual(p.info.features, ['name', 'cylinders', 'weight', 'origin']);
  assert.match(p.info.warnings.join('\n'), /column 'comment' looks like free text and is left out[^]*'name' has a different value in every row/);
});

test('training rows and served records encode identically (categorical, boolean, imputed values)', async () => {
  const cases = [
    spec('classification', { source: 'bank-semicolon.csv', label: 'Subscribed?', exclude: ['Customer ID'] }),
    spec('regression', { source: 'sensors-bom-crlf.tsv', label: 'power kW', exclude: ['timestamp'], preprocess: { missing: 'median', numeric: 'minmax', categorical: 'index' } }),
    spec('classification', { source: 'pets.jsonl', label: 'adopted', exclude: ['pet id'] }),
  ];
  for (const s of cases) {
    const p = await prepareData(s, specFile, opts);
    for (const split of [p.train, p.validation, p.test]) {
      const idx = Array.from({ length: split.n }, (_, i) => i);
      const raw = await split.raw!(idx);
      const features = raw.map((r) => Object.fromEntries(p.info.features.map((f) => [f, r[f]])));
      const served = encodeRecords(JSON.parse(JSON.stringify(p.preprocessing)), features);
      assert.deepEqual(Array.from(served), Array.from((await split.batch(idx)).x), p.info.source);
    }
  }
});
