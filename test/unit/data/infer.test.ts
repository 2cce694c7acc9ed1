import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import * as path from 'node:path';
import { prepareTable } from '../../../src/engine/data';
import { openTableBytes } from '../../../src/engine/data/readers';
import { describeTable } from '../../../src/engine/data/tabular';
import { inferValues as inferType } from '../../../src/engine/data/columnStats';
import { DataError } from '../../../src/engine/data/types';
import { isMissing, parseBoolean, parseNumber } from '../../../src/engine/data/values';
import type { ModelSpecFile } from '../../../src/modelFile/schema';
import { ROOT } from './helpers';

const specOf = (label: string, columns: Record<string, unknown> = {}) => ({
  name: 't', task: 'classification',
  data: { source: 'x.csv', format: 'auto', label, columns, split: { validation: 0, test: 0.2, seed: 1, shuffle: false } },
}) as unknown as ModelSpecFile;
const prepare = (text: string, file: string, label: string, columns: Record<string, unknown> = {}) =>
  prepareTable(specOf(label, columns), text, path.join(ROOT, file), { workspaceRoot: ROOT });

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

test('declared types override inference', async () => {
  const p = await prepare('zip,score,y\n01234,1,a\n99999,2,b\n12345,3,a\n', 'z.csv', 'y', { zip: { type: 'categorical' } });
  assert.deepEqual(p.info.columns.map((c) => [c.name, c.type, c.inferred]), [['zip', 'categorical', false], ['score', 'numeric', true], ['y', 'categorical', true]]);
});

test('a non-numeric value in a numeric column names the row and the column', async () => {
  const rows = ['x,y,label', ...Array.from({ length: 30 }, (_, i) => `${i},${i},${i % 2 ? 'a' : 'b'}`)];
  rows[8] = '7,seven,b';
  await assert.rejects(prepare(rows.join('\n'), 'n.csv', 'label'), (e: unknown) =>
    e instanceof DataError && e.row === 9 && e.column === 'y' && /n\.csv:9: column 'y': expected a number, got "seven"/.test(e.message));
  await assert.rejects(prepare('a,l\n1,x\nred,y\n3,x\n', 'd.csv', 'l', { a: { type: 'numeric' } }), (e: unknown) =>
    e instanceof DataError && e.row === 3 && /data\.columns declares it numeric/.test(e.message));
});

test('boolean column: 1/0 and words; other values are errors with the row', async () => {
  await assert.rejects(prepare('b,l\nyes,x\n0,y\n,x\nTRUE,y\nmaybe,x\n', 'b.csv', 'l', { b: { type: 'boolean' } }),
    (e: unknown) => e instanceof DataError && e.row === 6 && /got "maybe"/.test(e.message));
  const ok = await prepare('b,l\nyes,x\n0,y\n,x\nTRUE,y\nNA,x\n', 'b.csv', 'l', { b: { type: 'boolean', missing: 'zero' } });
  const { x } = await ok.train.batch([0, 1, 2, 3]);
  assert.deepEqual(Array.from(x), [1, 0, 0, 1]);
});

test('describeTable: missing, distinct, min/max/mean, top values', async () => {
  const reader = await openTableBytes('n,c\n1,a\n3,b\n,a\n5,\n', 'x.csv');
  const { rows, columns: [n, c] } = await describeTable(reader);
  assert.equal(rows, 4);
  assert.deepEqual(n, { name: 'n', type: 'numeric', inferred: true, missing: 1, distinct: 3, min: 1, max: 5, mean: 3 });
  assert.deepEqual(c.top, [{ value: 'a', count: 2 }, { value: 'b', count: 1 }]);
  assert.equal(c.missing, 1);
});
