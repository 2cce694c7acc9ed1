import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import {
  booleanColumn, describeColumn, inferColumns, inferType, isMissing, numericColumn, parseBoolean, parseNumber,
} from '../../../src/engine/data/infer';
import { parseTable } from '../../../src/engine/data/read';
import { DataError } from '../../../src/engine/data/types';

test('missing tokens, numbers and booleans parse the same everywhere', () => {
  for (const v of [undefined, null, NaN, '', '  ', 'NA', 'n/a', 'NaN', 'null', 'None', '?']) assert.ok(isMissing(v), String(v));
  for (const v of ['0', 0, 'x', false]) assert.ok(!isMissing(v), String(v));
  assert.equal(parseNumber(' 3.5 '), 3.5);
  assert.equal(parseNumber('-1e3'), -1000);
  assert.equal(parseNumber('.5'), 0.5);
  for (const v of ['0x10', '1,5', 'Infinity', '', '1 2', true]) assert.equal(parseNumber(v), undefined, String(v));
  assert.equal(parseBoolean('Yes'), 1);
  assert.equal(parseBoolean('F'), 0);
  assert.equal(parseBoolean('1'), undefined);
  assert.equal(parseBoolean('1', true), 1);
  assert.equal(parseBoolean(false), 0);
});

test('inferType: numeric, boolean, categorical, text, image', () => {
  assert.equal(inferType(['1', '2.5', '', '-3']), 'numeric');
  assert.equal(inferType([1, 2, null]), 'numeric');
  assert.equal(inferType(['yes', 'no', 'Yes', '']), 'boolean');
  assert.equal(inferType([true, false]), 'boolean');
  assert.equal(inferType(['0', '1', '1']), 'numeric');
  assert.equal(inferType(['red', 'green', 'red', 'blue']), 'categorical');
  assert.equal(inferType(['a.png', 'b/c.JPG', 'd.jpeg']), 'image');
  const sentences = Array.from({ length: 12 }, (_, i) => `this is review number ${i} and it says something`);
  assert.equal(inferType(sentences), 'text');
  // short names with spaces are categories, not text
  assert.equal(inferType(Array.from({ length: 12 }, (_, i) => `New York ${i % 3}`)), 'categorical');
  assert.equal(inferType([null, '']), 'categorical');
  // mostly numbers with one typo: numeric (the typo is reported later with its row)
  assert.equal(inferType([...Array.from({ length: 40 }, (_, i) => String(i)), 'abc']), 'numeric');
});

test('declared types override inference', () => {
  const t = parseTable('zip,score\n01234,1\n99999,2\n', 'z.csv');
  const typed = inferColumns(t, { zip: { type: 'categorical' } });
  assert.deepEqual(typed, [
    { name: 'zip', type: 'categorical', inferred: false },
    { name: 'score', type: 'numeric', inferred: true },
  ]);
});

test('a non-numeric value in a numeric column names the row and the column', () => {
  const rows = ['x,y', ...Array.from({ length: 30 }, (_, i) => `${i},${i}`)];
  rows[8] = '7,seven';
  const t = parseTable(rows.join('\n'), 'n.csv');
  assert.equal(inferType(t.rows.map((r) => r.y)), 'numeric');
  assert.throws(() => numericColumn(t, 'y', true), (e: unknown) =>
    e instanceof DataError && e.row === 9 && e.column === 'y' && /n\.csv:9: column 'y': expected a number, got "seven"/.test(e.message));
  const declared = parseTable('a\n1\nred\n', 'd.csv');
  assert.throws(() => numericColumn(declared, 'a', false), (e: unknown) =>
    e instanceof DataError && e.row === 3 && /data\.columns declares it numeric/.test(e.message));
});

test('boolean column: 1/0 and words; other values are errors with the row', () => {
  const t = parseTable('b\nyes\n0\n\nTRUE\nmaybe\n', 'b.csv');
  assert.throws(() => booleanColumn(t, 'b'), (e: unknown) => e instanceof DataError && e.row === 6 && /got "maybe"/.test(e.message));
  const ok = parseTable('b\nyes\n0\n\nTRUE\nNA\n', 'b.csv');
  assert.deepEqual(Array.from(booleanColumn(ok, 'b')), [1, 0, 1, NaN]);
});

test('describeColumn: missing, distinct, min/max/mean, top values', () => {
  const t = parseTable('n,c\n1,a\n3,b\n,a\n5,\n', 'x.csv');
  const [n, c] = inferColumns(t);
  assert.deepEqual(describeColumn(t, n), { name: 'n', type: 'numeric', inferred: true, missing: 1, distinct: 3, min: 1, max: 5, mean: 3 });
  assert.deepEqual(describeColumn(t, c).top, [{ value: 'a', count: 2 }, { value: 'b', count: 1 }]);
  assert.equal(describeColumn(t, c).missing, 1);
});
