import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { detectFormat } from '../../../src/engine/data/readers';
import { sniffDelimiter } from '../../../src/engine/data/readers/csv';
import { readFileRows, readRows } from './helpers';
import { execFileSync } from 'node:child_process';
import { prepareData } from '../../../src/engine/data';
import type { ModelSpecFile } from '../../../src/modelFile/schema';
import { DataError } from '../../../src/engine/data/types';

const FIXTURES = path.join(__dirname, '../../fixtures/data');

/** Assert that reading fails with a DataError at this row/column whose message matches. */
async function throwsData(p: Promise<unknown>, expect: { row?: number; column?: string; message: RegExp }): Promise<DataError> {
  let caught: unknown;
  try { await p; } catch (err) { caught = err; }
  assert.ok(caught instanceof DataError, `expected a DataError, got ${String(caught)}`);
  assert.equal(caught.row, expect.row, `row in: ${caught.message}`);
  assert.equal(caught.column, expect.column, `column in: ${caught.message}`);
  assert.match(caught.message, expect.message);
  return caught;
}

test('csv: quoted fields, embedded newlines and delimiters, escaped quotes', async () => {
  const t = await readRows('id,text,n\n1,"hello, world",3\n2,"two\nlines",4\n3,"say ""hi""",5\n', 'a.csv');
  assert.deepEqual(t.columns, ['id', 'text', 'n']);
  assert.equal(t.rows.length, 3);
  assert.equal(t.rows[0].text, 'hello, world');
  assert.equal(t.rows[1].text, 'two\nlines');
  assert.equal(t.rows[2].text, 'say "hi"');
  // a spreadsheet shows the quoted newline inside one cell: rows stay 2, 3, 4
  assert.deepEqual(t.lines, [2, 3, 4]);
});

test('csv: BOM and CRLF are handled; header names with spaces and punctuation are kept', async () => {
  const bytes = Buffer.from('\uFEFF"Age (years)",Balance €,"a,b"\r\n1,2,3\r\n4,5,6\r\n', 'utf8');
  const t = await readRows(bytes, 'x.csv');
  assert.deepEqual(t.columns, ['Age (years)', 'Balance €', 'a,b']);
  assert.deepEqual(t.rows[1], { 'Age (years)': '4', 'Balance €': '5', 'a,b': '6' });
});

test('csv: blank lines keep their spreadsheet row numbers', async () => {
  const t = await readRows('a,b\n1,2\n\n3,4\n', 'x.csv');
  assert.deepEqual(t.lines, [2, 4]);
});

test('csv: the delimiter is sniffed from the header, or taken from the option', async () => {
  assert.equal(sniffDelimiter('a;b;c\n1;2;3'), ';');
  assert.equal(sniffDelimiter('"a;x",b,c\n'), ',');
  assert.equal(sniffDelimiter('a|b|c'), '|');
  const t = await readRows('a;b\nx,5;2\n', 'x.csv');
  assert.deepEqual(t.rows[0], { a: 'x,5', b: '2' });
  // a ';' file keeps its cells as written; numbers with a decimal comma are read as numbers by the pipeline (see qa-findings.test.ts)
  const semi = await readRows('a;b\n1,5;2\n', 'x.csv');
  assert.deepEqual(semi.rows[0], { a: '1,5', b: '2' });
  assert.equal(semi.decimalComma, true);
  const custom = await readRows('a:b\n1:2\n', 'x.csv', { delimiter: ':' });
  assert.deepEqual(custom.rows[0], { a: '1', b: '2' });
  assert.equal(custom.delimiter, ':');
});

test('tsv: tab-separated with quotes', async () => {
  const t = await readRows('x\ty z\n1\t"a\tb"\n', 'f.tsv');
  assert.deepEqual(t.rows[0], { x: '1', 'y z': 'a\tb' });
  assert.equal(t.format, 'tsv');
});

test('csv: a ragged row names the row and the column that is missing', async () => {
  await throwsData(readRows('a,b,c\n1,2,3\n4,5\n', 'r.csv'), { row: 3, column: 'c', message: /r\.csv:3: column 'c': this row has 2 fields but the header has 3 columns/ });
  await throwsData(readRows('a,b\n1,2\n"multi\nline",2\n4,5,6\n', 'r.csv'), { row: 4, message: /3 fields but the header has 2 columns.*extra value "6"/ });
  // a trailing delimiter (an empty extra field) is tolerated, on data rows and on the header
  assert.equal((await readRows('a,b\n1,2,\n', 'r.csv')).rows.length, 1);
  const trailing = await readRows('a,b,\n1,2,\n3,4\n', 'r.csv');
  assert.deepEqual(trailing.columns, ['a', 'b']);
  assert.deepEqual(trailing.rows[1], { a: '3', b: '4' });
  await throwsData(readRows('a,b,\n1,2,x\n', 'r.csv'), { row: 2, message: /extra value "x"/ });
});

test('csv: empty file, whitespace only, header only, duplicate and empty header names', async () => {
  await throwsData(readRows(Buffer.alloc(0), 'e.csv'), { message: /empty \(0 bytes\)/ });
  await throwsData(readRows('\n \n', 'e.csv'), { message: /empty/ });
  await throwsData(readRows('a,b,c\n', 'h.csv'), { row: 1, message: /header row but no data rows/ });
  await throwsData(readRows('a,b,a\n1,2,3\n', 'd.csv'), { row: 1, column: 'a', message: /twice \(columns 1 and 3\)/ });
  await throwsData(readRows(',b\n1,2\n', 'n.csv'), { row: 1, message: /column 1 has no name/ });
});

test('csv: an unclosed quote is reported at its row', async () => {
  await throwsData(readRows('a,b\n1,2\n3,"open\n', 'q.csv'), { row: 3, message: /quoted field is not closed/ });
});

test('binary garbage and UTF-16 are refused with what the file looks like', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  await throwsData(readRows(png, 'img.csv'), { message: /this is a PNG image, not a text file/ });
  await throwsData(readRows(Buffer.from('a,b\n1,2\n3,\x004\n'), 'nul.csv'), { row: 3, message: /not a text file \(a NUL byte at offset 10\)/ });
  const noise = Buffer.from(Array.from({ length: 200 }, (_, i) => 0x80 + ((i * 37) % 0x7f)));
  await throwsData(readRows(noise, 'noise.csv'), { message: /does not look like a text file/ });
  await throwsData(readRows(Buffer.from('\uFEFFa,b\n', 'utf16le'), 'u.csv'), { message: /UTF-16/ });
  const latin1 = Buffer.concat([Buffer.from('name,city\nx,'), Buffer.from([0x4d, 0xfc, 0x6e, 0x63, 0x68, 0x65, 0x6e]), Buffer.from('\n'.repeat(1) + 'y,Rome\n'.repeat(20))]);
  await throwsData(readRows(latin1, 'l.csv'), { row: 2, column: 'city', message: /not valid UTF-8/ });
});

test('json: an array of records, with the line of each record; columns are the union of keys', async () => {
  const text = '[\n  {"a": 1, "b": "x"},\n  {"a": 2,\n   "c": true},\n  {"b": null}\n]\n';
  const t = await readRows(text, 'r.json');
  assert.deepEqual(t.columns, ['a', 'b', 'c']);
  assert.deepEqual(t.lines, [2, 3, 5]);
  assert.equal(t.rows[1].c, true);
});

test('json: invalid JSON names the line; wrong shapes are explained', async () => {
  await throwsData(readRows('[\n {"a": 1},\n {"a": 2,,}\n]', 'bad.json'), { row: 3, message: /invalid JSON/ });
  await throwsData(readRows('[\n {"a": 1},\n', 'cut.json'), { row: 3, message: /invalid JSON/ });
  await throwsData(readRows('{"a": [1,2]}', 'obj.json'), { row: 1, message: /expected a JSON array of records.*got an object/ });
  await throwsData(readRows('[{"a": 1}, 5]', 'mixed.json'), { row: 1, message: /record 2 is a number/ });
  await throwsData(readRows('[\n{"a": {"b": 1}}\n]', 'nested.json'), { row: 2, column: 'a', message: /flatten nested data/ });
  await throwsData(readRows('[]', 'none.json'), { row: 1, message: /no records/ });
});

test('jsonl: one record per line, blank lines skipped, errors name the line', async () => {
  const t = await readRows('{"a":1}\r\n\r\n{"a":2,"b":"x"}\r\n', 'r.jsonl');
  assert.deepEqual(t.lines, [1, 3]);
  assert.deepEqual(t.columns, ['a', 'b']);
  await throwsData(readRows('{"a":1}\n{"a":2\n{"a":3}\n', 'bad.jsonl'), { row: 2, message: /bad\.jsonl:2: invalid JSON on this line/ });
  await throwsData(readRows('{"a":1}\n[1,2]\n', 'arr.jsonl'), { row: 2, message: /record 2 is an array/ });
});

test('format from the extension, or declared; unknown extensions explain what to do', async () => {
  assert.equal(detectFormat('a/b.CSV'), 'csv');
  assert.equal(detectFormat('a/b.ndjson'), 'jsonl');
  assert.equal(detectFormat('a/b.dat', 'tsv'), 'tsv');
  assert.throws(() => detectFormat('a/b.xlsx'), /cannot tell the format from the extension '\.xlsx'.*data\.format/);
});

test('openTable: a missing file and a folder are DataErrors naming the path', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ms-read-'));
  await assert.rejects(readFileRows(path.join(dir, 'nope.csv')), (e: unknown) => e instanceof DataError && /nope\.csv: file not found/.test(e.message));
  await fs.mkdir(path.join(dir, 'sub.csv'));
  await assert.rejects(readFileRows(path.join(dir, 'sub.csv')), /is a folder/);
  await fs.rm(dir, { recursive: true, force: true });
});

test('fixtures nobody designed for: semicolons, BOM + CRLF tsv, jsonl with nulls', async () => {
  const bank = await readFileRows(path.join(FIXTURES, 'bank-semicolon.csv'));
  assert.equal(bank.delimiter, ';');
  assert.deepEqual(bank.columns, ['Customer ID', 'Age (years)', 'Balance, EUR', 'Has loan', 'Job type', 'Notes', 'Subscribed?']);
  assert.equal(bank.rows.length, 40);
  assert.ok(bank.rows.some((r) => r.Notes === 'line one\nline two'));
  assert.ok(bank.rows.some((r) => r.Notes === 'prefers; email'));
  const sensors = await readFileRows(path.join(FIXTURES, 'sensors-bom-crlf.tsv'));
  assert.equal(sensors.columns[0], 'timestamp');
  assert.equal(sensors.columns[5], 'power kW');
  assert.equal(sensors.rows.length, 30);
  assert.ok(!String(sensors.rows[0]['power kW']).includes('\r'));
  const pets = await readFileRows(path.join(FIXTURES, 'pets.jsonl'));
  assert.equal(pets.rows.length, 24);
  assert.equal(pets.lines[12], 14);
});

test('a FIFO or a character device is refused at once (never read), by the table reader and the pipeline', { timeout: 30_000 }, async () => {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ms-read-')));
  try {
    const fifo = path.join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(readFileRows(fifo), (e: unknown) => e instanceof DataError && /pipe\.csv: is a named pipe \(FIFO\), not a regular file/.test(e.message));
    await assert.rejects(readFileRows('/dev/zero', { format: 'csv' }), (e: unknown) => e instanceof DataError && /is a character device, not a regular file/.test(e.message));
    const spec = { name: 't', task: 'classification', data: { source: 'pipe.csv', label: 'y', format: 'auto' } } as unknown as ModelSpecFile;
    await assert.rejects(prepareData(spec, path.join(dir, 'm.model.yaml'), { workspaceRoot: dir }), (e: unknown) => e instanceof DataError && /data\.source 'pipe\.csv' is a named pipe/.test(e.message));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
