/**
 * Data-pipeline fixes for QA findings P1-1 (missing labels), P1-2 (non-feature columns at predict time),
 * P2-3 (mixed line endings), P2-4 (binary data), P2-5 (decimal commas), P2-1 (unseen categories), P3-8.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepareTable } from '../../../src/engine/data/index';
import { encodeRecords } from '../../../src/engine/data/preprocess';
import { fitColumns, readRows } from './helpers';
import { DataError } from '../../../src/engine/data/types';
import type { ModelSpecFile } from '../../../src/modelFile/schema';

const ROOT = path.join(__dirname, '../../..');
const opts = { workspaceRoot: ROOT };

function spec(task: 'classification' | 'regression', data: Record<string, unknown>): ModelSpecFile {
  return { name: 't', task, data: { format: 'auto', source: 'x', preprocess: { missing: 'mean', numeric: 'standardize', categorical: 'onehot' }, split: { validation: 0.2, test: 0.2, seed: 1, stratify: true, shuffle: true }, ...data } } as unknown as ModelSpecFile;
}

/** 40 penguin-like rows: id, date, x (number), island (category), sex (label: FEMALE/MALE). */
function records(): Array<Record<string, unknown>> {
  return Array.from({ length: 40 }, (_, i) => ({
    id: `p${i}`, date: `2020-01-${String((i % 28) + 1).padStart(2, '0')}`, x: i % 2 === 0 ? 10 + i : 50 + i,
    island: ['Biscoe', 'Dream', 'Torgersen'][i % 3], sex: i % 2 === 0 ? 'FEMALE' : 'MALE',
  }));
}

function csv(rows: Array<Record<string, unknown>>, eol = '\n', delimiter = ','): string {
  const cols = Object.keys(rows[0]);
  return [cols.join(delimiter), ...rows.map((r) => cols.map((c) => (r[c] === null ? '' : String(r[c]))).join(delimiter))].join(eol) + eol;
}

test('P1-1: null labels in JSON are dropped with one counted warning and never become a class "NaN"', async () => {
  const rows = records();
  rows[3].sex = null;
  rows[8].sex = null;
  rows[13].sex = null;
  const table = { text: JSON.stringify(rows), file: '/data/p.json' };
  const p = await prepareTable(spec('classification', { label: 'sex', exclude: ['id', 'date'] }), table.text, table.file, opts);
  assert.deepEqual(p.preprocessing.label.classes, ['FEMALE', 'MALE']);
  assert.deepEqual(p.info.classBalance?.map((c) => c.label), ['FEMALE', 'MALE']);
  assert.equal(p.info.splits.train + p.info.splits.validation + p.info.splits.test, 37);
  assert.deepEqual(p.info.warnings.filter((w) => /without a label/.test(w)), ['3 rows without a label (sex) left out']);
});

test('P1-1: empty label cells and a trailing all-empty CSV row add no class; the empty row is skipped like a blank line', async () => {
  const rows = records();
  rows[5].sex = null;
  const text = csv(rows) + ',,,,\n';
  const table = { text: text, file: '/data/p.csv' };
  assert.equal((await readRows(table.text, table.file)).rows.length, 40, 'the ",,,," row is not a data row');
  const p = await prepareTable(spec('classification', { label: 'sex', exclude: ['id', 'date'] }), table.text, table.file, opts);
  assert.deepEqual(p.preprocessing.label.classes, ['FEMALE', 'MALE']);
  assert.deepEqual(p.info.warnings.filter((w) => /without a label/.test(w)), ['1 row without a label (sex) left out']);
});

test('P1-1: with missing: error a missing label is refused with its row', async () => {
  const rows = records();
  rows[5].sex = null;
  const table = { text: csv(rows), file: '/data/p.csv' };
  const s = spec('classification', { label: 'sex', exclude: ['id', 'date'], preprocess: { missing: 'error' } });
  await assert.rejects(prepareTable(s, table.text, table.file, opts), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.equal(e.row, 7);
    assert.match(e.message, /p\.csv:7: column 'sex': the label is missing/);
    return true;
  });
});

test('P1-1: a class that only occurs in rows dropped for a missing feature (missing: drop) is not a class', async () => {
  const rows = records();
  rows[39].sex = 'UNKNOWN';
  rows[39].x = null;
  const table = { text: JSON.stringify(rows), file: '/data/p.json' };
  const p = await prepareTable(spec('classification', { label: 'sex', exclude: ['id', 'date'], preprocess: { missing: 'drop' } }), table.text, table.file, opts);
  assert.deepEqual(p.preprocessing.label.classes, ['FEMALE', 'MALE']);
});

test('P1-1: the fit itself never makes a class of a missing label', async () => {
  const { preprocessing } = await fitColumns('classification', [{ name: 'x', values: [1, 2, 3], type: 'numeric', scale: 'none' }], { name: 'y', values: ['a', null, 'b'] }, 3);
  assert.deepEqual(preprocessing.label.classes, ['a', 'b']);
});

test('P1-2: the training file\'s own rows (excluded columns, columns left out by features:) encode; unknown names are still refused', async () => {
  const rows = records();
  const table = { text: JSON.stringify(rows), file: '/data/p.json' };
  const excluded = await prepareTable(spec('classification', { label: 'sex', exclude: ['id', 'date'] }), table.text, table.file, opts);
  assert.deepEqual(excluded.preprocessing.ignoredColumns, ['id', 'date']);
  const direct = encodeRecords(excluded.preprocessing, [{ x: rows[0].x, island: rows[0].island }]);
  assert.deepEqual(encodeRecords(excluded.preprocessing, [rows[0]]), direct);
  const picked = await prepareTable(spec('classification', { label: 'sex', features: ['x'] }), JSON.stringify(rows), '/data/p.json', opts);
  assert.deepEqual(picked.preprocessing.ignoredColumns, ['id', 'date', 'island']);
  assert.equal(encodeRecords(picked.preprocessing, rows.slice(0, 4)).length, 4);
  assert.throws(() => encodeRecords(excluded.preprocessing, [{ x: 1, island: 'Dream', colour: 'red' }]),
    (e: unknown) => e instanceof DataError && e.message === "unknown feature 'colour'; the model takes 'x', 'island'" && e.column === 'colour');
  assert.throws(() => encodeRecords(excluded.preprocessing, [{ x: 1, Island: 'Dream' }]), /unknown feature 'Island' \(did you mean 'island'\?\)/);
  // a model saved before ignoredColumns existed keeps the strict check
  const old = { ...excluded.preprocessing };
  delete old.ignoredColumns;
  assert.throws(() => encodeRecords(old, [rows[0]]), /unknown feature 'id'/);
});

test('P2-3: a CRLF file with LF-only rows appended reads every row with its own line number', async () => {
  const rows = records().slice(0, 6);
  const text = csv(rows.slice(0, 4), '\r\n') + csv(rows.slice(4), '\n').split('\n').slice(1).join('\n');
  const table = await readRows(text, '/data/mixed.csv');
  assert.equal(table.rows.length, 6);
  assert.deepEqual(table.lines, [2, 3, 4, 5, 6, 7]);
  assert.equal(table.rows[5].sex, 'MALE');
  assert.equal(table.rows[3].sex, 'MALE', 'no \\r left at the end of a CRLF row');
  const cr = await readRows('a,b\r1,2\r3,4\r', '/data/mac.csv');
  assert.deepEqual(cr.rows, [{ a: '1', b: '2' }, { a: '3', b: '4' }]);
  // a genuinely short row in a CRLF file is reported with its real field count
  await assert.rejects(readRows('a,b,c\r\n1,2,3\r\n4,5\r\n', '/data/short.csv'), /short\.csv:3: column 'c': this row has 2 fields but the header has 3 columns/);
});

test('P2-4: a binary data file without NUL bytes is a DataError that does not echo its bytes', async () => {
  const bytes = Buffer.alloc(2000);
  let s = 7;
  for (let i = 0; i < bytes.length; i++) { s = (s * 1103515245 + 12345) % 2147483648; bytes[i] = 1 + (s % 255); }
  await assert.rejects(readRows(bytes, '/data/garbage.csv'), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.equal(e.message, '/data/garbage.csv: this does not look like a text file (mostly bytes that are not UTF-8 text); expected UTF-8 text');
    return true;
  });
});

test('P2-5: a semicolon CSV with decimal commas reads those columns as numbers and says so', async () => {
  const text = 'date;rain mm;temp;code;weather\n' + Array.from({ length: 30 }, (_, i) =>
    `2020-01-${String(i + 1).padStart(2, '0')};${i % 3},${i % 10};${i % 2 ? '-' : ''}${i},5;${100 + i};${i % 2 ? 'sun' : 'rain'}`).join('\n') + '\n2020-02-01;NA;3;131;sun\n';
  const note = "columns 'rain mm', 'temp' hold numbers written with a decimal comma (e.g. 0,5); they are read as numbers (0.5)";
  const p = await prepareTable(spec('classification', { label: 'weather', exclude: ['date'], split: { validation: 0, test: 0.2, seed: 1, shuffle: false } }), text, '/data/w.csv', opts);
  assert.deepEqual(p.info.columns.filter((c) => c.name !== 'date' && c.name !== 'weather').map((c) => c.type), ['numeric', 'numeric', 'numeric']);
  assert.deepEqual(p.preprocessing.inputShape, [3]);
  assert.ok(p.info.warnings.includes(note), p.info.warnings.join('\n'));
  assert.equal(p.preprocessing.decimalComma, true);
  // row 2 (the second data row): rain 1,1 → 1.1 and temp -1,5 → -1.5, as the served model reads them too
  const [raw] = await p.train.raw!([1]);
  assert.equal(raw['rain mm'], '1,1');
  assert.deepEqual(Array.from(encodeRecords(p.preprocessing, [raw])), Array.from((await p.train.batch([1])).x));
  const rain = p.preprocessing.features[0] as { center: number; divisor: number };
  assert.ok(Math.abs((await p.train.batch([1])).x[0] - (1.1 - rain.center) / rain.divisor) < 1e-6);
  // a comma file is not touched: "1,5" there is two fields
  assert.equal((await readRows('a,b\n"1,5",2\n', '/data/c.csv')).rows[0].a, '1,5');
});

test('P2-1: unseen categories are encoded as zeros and reported through onUnseenCategory', async () => {
  const table = { text: JSON.stringify(records()), file: '/data/p.json' };
  const p = await prepareTable(spec('classification', { label: 'sex', exclude: ['id', 'date'] }), table.text, table.file, opts);
  const seen: string[] = [];
  const x = encodeRecords(p.preprocessing, [{ x: 1, island: 'Dream' }, { x: 1, island: 'Atlantis' }, { x: 1, island: true }],
    { onUnseenCategory: (i, feature, value, categories) => seen.push(`${i}:${feature}=${value} not in ${categories.join('/')}`) });
  assert.deepEqual(seen, ['1:island=Atlantis not in Biscoe/Dream/Torgersen', '2:island=true not in Biscoe/Dream/Torgersen']);
  assert.deepEqual(Array.from(x.subarray(5, 8)), [0, 0, 0]);
  assert.doesNotThrow(() => encodeRecords(p.preprocessing, [{ x: 1, island: 'Atlantis' }]), 'without the option nothing changes');
});

test('P3-8: a text label declared numeric for classification is an error naming the row and the value', async () => {
  const table = { text: JSON.stringify(records()), file: '/data/p.json' };
  const s = spec('classification', { label: 'sex', exclude: ['id', 'date'], columns: { sex: { type: 'numeric' } } });
  await assert.rejects(prepareTable(s, table.text, table.file, opts), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.equal(e.column, 'sex');
    assert.equal(e.message, `/data/p.json:1: column 'sex': data.columns declares the label numeric, but this row holds "FEMALE"; ` +
      'remove `type: numeric` from data.columns.sex (or declare it categorical) to use its values as classes');
    return true;
  });
  // numeric classes declared numeric still train as classes
  const numeric = records().map((r, i) => ({ ...r, sex: i % 2 }));
  const p = await prepareTable(s, JSON.stringify(numeric), '/data/p.json', opts);
  assert.deepEqual(p.preprocessing.label.classes, ['0', '1']);
});
