import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { peekColumns } from '../../../src/modelFile';
import { peekTable } from '../../../src/modelFile/peek';
import { check, edit, FIXTURES, FLOWERS_CSV, only, workspace } from './helpers';

const data = (f: string) => path.join(FIXTURES, 'data', f);

test('csv header, with BOM, CRLF, quoted names holding commas and spaces', async () => {
  assert.deepEqual(await peekColumns(data('flowers.csv'), 'auto'), ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
  assert.deepEqual(await peekColumns(data('houses.csv'), 'csv'), ['size (m2)', 'rooms, total', 'price']);
});

test('tsv, json array and jsonl', async () => {
  assert.deepEqual(await peekColumns(data('reviews.tsv'), 'auto'), ['review', 'stars', 'sentiment']);
  assert.deepEqual(await peekColumns(data('records.json'), 'auto'), ['x', 'y', 'z']);
  assert.deepEqual(await peekColumns(data('records.jsonl'), 'jsonl'), ['a', 'label', 'b']);
});

test('an explicit delimiter wins', async () => {
  const ws = workspace({ 'semi.csv': 'a;b;c\n1;2;3\n' });
  try {
    assert.deepEqual(await peekColumns(ws.file('semi.csv'), 'csv', ';'), ['a', 'b', 'c']);
  } finally {
    ws.dispose();
  }
});

test('reads only the beginning of a big file', async () => {
  // 8 MB of rows after the header, the last one broken: only the header is read.
  const ws = workspace({ 'big.csv': `a,b\n${'1,2\n'.repeat(2_000_000)}"broken` });
  const json = `[${Array.from({ length: 50 }, (_, i) => `{"k${i % 3}": ${i}}`).join(',')}, {"late": `;
  ws.write('big.json', `${json}${' '.repeat(200_000)}`);
  try {
    assert.deepEqual(await peekColumns(ws.file('big.csv'), 'csv'), ['a', 'b']);
    assert.deepEqual(await peekColumns(ws.file('big.json'), 'json'), ['k0', 'k1', 'k2']);
  } finally {
    ws.dispose();
  }
});

test('unreadable data says why', async () => {
  await assert.rejects(peekColumns(data('empty.csv'), 'csv'), /empty/);
  const ws = workspace({ 'obj.json': '{"a": 1}', 'nums.json': '[1, 2, 3]', 'bad.jsonl': '{"a": 1}\nnot json\n{"b": 2}\n' });
  try {
    await assert.rejects(peekColumns(ws.file('obj.json'), 'json'), /JSON array of records/);
    await assert.rejects(peekColumns(ws.file('nums.json'), 'json'), /no records/);
    await assert.rejects(peekColumns(ws.file('bad.jsonl'), 'jsonl'), /line 2 of the data file is not valid JSON/);
    await assert.rejects(peekColumns(ws.file('missing.csv'), 'csv'), /ENOENT/);
  } finally {
    ws.dispose();
  }
});

test('columns are read as the data pipeline reads them: delimiter sniffed, names trimmed, blank lines skipped', async () => {
  const ws = workspace({ 'semi.csv': '\n\n a ; b;"c;d"\n1;2;3\n', 'pipe.txt': 'x|y\n1|2\n' });
  try {
    assert.deepEqual(await peekColumns(ws.file('semi.csv'), 'auto'), ['a', 'b', 'c;d']);
    assert.deepEqual(await peekColumns(ws.file('pipe.txt'), 'auto'), ['x', 'y']);
  } finally {
    ws.dispose();
  }
});

test('a json file longer than what is read is marked incomplete; a key seen only later is then a warning', async () => {
  const records = Array.from({ length: 80_000 }, (_, i) => `{"a": ${i}, "y": "p"}`);
  records.push('{"a": 1, "late": 2, "y": "q"}');
  const ws = workspace({ 'long.json': `[${records.join(',\n')}]`, 'short.json': '[{"a": 1, "y": "p"}, {"late": 2, "y": "q"}]' });
  try {
    const long = await peekTable(ws.file('long.json'), 'json');
    assert.equal(long.complete, false);
    assert.deepEqual(long.columns, ['a', 'y']);
    const short = await peekTable(ws.file('short.json'), 'json');
    assert.equal(short.complete, true);
    assert.deepEqual(short.columns, ['a', 'y', 'late']);
  } finally {
    ws.dispose();
  }
  const r = await check(edit('  source: flowers.csv\n  label: species', '  source: long.json\n  label: y\n  features: [late]'), { files: { 'long.json': `[${records.join(',\n')}]` } });
  assert.equal(r.valid, true);
  assert.match(only(r.warnings, 'data.features[0]').message, /is `late`, which is not a key of the first records of long.json/);
});

test('a data file whose extension says nothing needs data.format', async () => {
  const r = await check(edit('  source: flowers.csv', '  source: flowers.dat'), { files: { 'flowers.dat': FLOWERS_CSV } });
  assert.match(only(r.errors, 'data.source').message, /cannot tell the format .* '.dat'.*set `data.format`/);
  const ok = await check(edit('  source: flowers.csv', '  source: flowers.dat\n  format: csv'), { files: { 'flowers.dat': FLOWERS_CSV } });
  assert.equal(ok.valid, true);
});
