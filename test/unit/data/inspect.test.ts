import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { formatDataError, run } from '../../../src/cli/inspect';
import { DataError } from '../../../src/engine/data/types';

const ROOT = path.join(__dirname, '../../..');
const MODELS = path.join(ROOT, 'test/fixtures/data/models');

/** Run the command in-process, capturing what it writes. */
async function inspect(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

test('inspect iris: columns, class balance, splits and tensor shapes', async () => {
  const r = await inspect([path.join(ROOT, 'examples/iris/iris.model.yaml')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /150 rows, 5 columns/);
  assert.match(r.out, /sepal_length\s+feature\s+numeric\s+yes\s+0\s+35\s+min 4\.3\s+max 7\.9\s+mean 5\.843/);
  assert.match(r.out, /species\s+label\s+categorical\s+no \(declared\)/);
  assert.match(r.out, /setosa\s+50\s+33\.3%/);
  assert.match(r.out, /train 104 · validation 23 · test 23/);
  assert.match(r.out, /train\s+x: \[104, 4\] float32\s+y: \[104\] \(3 classes\)/);
});

test('inspect --json: the DatasetInfo plus tensor shapes, as JSON', async () => {
  const r = await inspect(['--json', path.join(MODELS, 'bank.model.yaml')]);
  assert.equal(r.code, 0, r.err);
  const info = JSON.parse(r.out) as { rows: number; format: string; features: string[]; inputShape: number[]; tensors: { train: { x: number[] } } };
  assert.equal(info.rows, 40);
  assert.equal(info.format, 'csv (delimiter ";")');
  assert.ok(!info.features.includes('Customer ID'));
  assert.deepEqual(info.tensors.train.x.slice(1), info.inputShape);
});

test('inspect: data errors print FILE:ROW: error: … and exit 1; spec errors print FILE:LINE:COL', async () => {
  const ragged = await inspect([path.join(MODELS, 'ragged.model.yaml')]);
  assert.equal(ragged.code, 1);
  assert.match(ragged.err, /ragged\.csv:3: error: column 'label': this row has 2 fields but the header has 3 columns/);
  const oneClass = await inspect([path.join(MODELS, 'one-class.model.yaml')]);
  assert.equal(oneClass.code, 1);
  assert.match(oneClass.err, /one-class\.csv: error: column 'label': the label column has only one class/);
  const typo = await inspect([path.join(MODELS, 'typo.model.yaml')]);
  assert.equal(typo.code, 1);
  assert.match(typo.err, /typo\.model\.yaml:7:3: error: .*epochs/);
});

test('inspect a data file on its own: columns, inferred types and a model-file hint', async () => {
  const r = await inspect([path.join(ROOT, 'test/fixtures/data/bank-semicolon.csv')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /40 rows, 7 columns/);
  assert.match(r.out, /Has loan\s+boolean\s+yes\s+0\s+2/);
  assert.match(r.out, /label: "Subscribed\?"/);
  const j = await inspect([path.join(ROOT, 'test/fixtures/data/pets.jsonl'), '--json']);
  assert.equal((JSON.parse(j.out) as { rows: number }).rows, 24);
  const bad = await inspect([path.join(ROOT, 'test/fixtures/data/malformed/binary.csv')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /binary\.csv: error: this is a ZIP archive \(or an Excel \.xlsx workbook\), not a text file/);
});

test('inspect: usage errors exit 2', async () => {
  assert.equal((await inspect([])).code, 2);
  assert.equal((await inspect(['--frobnicate', 'x.model.yaml'])).code, 2);
  assert.equal((await inspect(['a.model.yaml', 'b.model.yaml'])).code, 2);
  assert.equal((await inspect(['--help'])).code, 0);
});

test('formatDataError: location first, message once', () => {
  assert.equal(formatDataError(new DataError('x.csv:4: column \'a\': bad', 'x.csv', 4, 'a')), 'x.csv:4: error: column \'a\': bad');
  assert.equal(formatDataError(new DataError('feature \'a\' must be a number, got "q"', '', undefined, 'a')), 'error: feature \'a\' must be a number, got "q"');
});
