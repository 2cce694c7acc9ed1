import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { peekColumns, readModelFile, SpecError, validateModelText, type SpecProblem } from '../../../src/modelFile';
import { peekTable, textProblem } from '../../../src/modelFile/peek';
import { check, edit, FIXTURES, FLOWERS_CSV, only, VALID, workspace, type Workspace } from './helpers';

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

// ---- issue 12: bounded header scan, special files, file kinds

/** A CSV whose header names `n` columns (about 8 bytes each), then one row. */
const wideCsv = (n: number) => `${Array.from({ length: n }, (_, i) => `col_${i}`).join(',')},species\n${'1,'.repeat(n)}a\n`;

test('a wide header is read in one linear pass (50,000 columns, ~500 KB: was minutes)', { timeout: 30_000 }, async () => {
  const ws = workspace({ 'wide.csv': wideCsv(50_000) });
  try {
    const columns = await peekColumns(ws.file('wide.csv'), 'csv');
    assert.equal(columns.length, 50_001);
    assert.equal(columns[49_999], 'col_49999');
  } finally {
    ws.dispose();
  }
});

test('a header row longer than the limit is a clear error that says how to raise it', { timeout: 30_000 }, async () => {
  const ws = workspace({ 'wide.csv': wideCsv(200_000), 'quote.csv': `"a,b\n${'x,'.repeat(600_000)}\n` });
  try {
    await assert.rejects(peekColumns(ws.file('wide.csv'), 'csv'), /the header row is longer than 1 MB \([\d,]+ columns or more\).*MODEL_STUDIO_MAX_HEADER_BYTES/);
    await assert.rejects(peekColumns(ws.file('quote.csv'), 'csv'), /a quoted field in it is never closed/);
    process.env.MODEL_STUDIO_MAX_HEADER_BYTES = '4mb';
    try {
      assert.equal((await peekColumns(ws.file('wide.csv'), 'csv')).length, 200_001);
    } finally {
      delete process.env.MODEL_STUDIO_MAX_HEADER_BYTES;
    }
  } finally {
    ws.dispose();
  }
  const r = await check(edit('  source: flowers.csv', '  source: wide.csv'), { files: { 'wide.csv': wideCsv(200_000) } });
  assert.match(only(r.errors, 'data.source').message, /header row is longer than 1 MB/);
});

test('quotes in the header: a newline inside a quoted name does not end it; a stray quote inside a name does not open one', async () => {
  const ws = workspace({ 'q.csv': '"first\nname",b\n1,2\n', 'inch.csv': 'size 5" screen,price\n1,2\n' });
  try {
    assert.deepEqual(await peekColumns(ws.file('q.csv'), 'csv'), ['first\nname', 'b']);
    assert.deepEqual(await peekColumns(ws.file('inch.csv'), 'csv'), ['size 5" screen', 'price']);
  } finally {
    ws.dispose();
  }
});

test('a FIFO, a socket or a character device as data is refused at once, never read', { timeout: 30_000 }, async () => {
  const ws = workspace();
  const server = net.createServer();
  try {
    execFileSync('mkfifo', [ws.file('pipe.csv')]);
    await new Promise<void>((resolve) => server.listen(ws.file('sock.csv'), resolve));
    await assert.rejects(peekColumns(ws.file('pipe.csv'), 'csv'), /pipe\.csv is a named pipe \(FIFO\), not a regular file/);
    await assert.rejects(peekColumns(ws.file('sock.csv'), 'csv'), /sock\.csv is a socket, not a regular file/);
    await assert.rejects(peekColumns('/dev/zero', 'csv'), /zero is a character device, not a regular file/);
    await assert.rejects(peekColumns('/dev/zero', 'json'), /character device/);
    for (const name of ['pipe.csv', 'sock.csv']) {
      const { valid, errors } = await checkIn(ws, edit('  source: flowers.csv', `  source: ${name}`));
      assert.equal(valid, false);
      assert.match(only(errors, 'data.source').message, new RegExp(`^\`data.source\` ${name} is a (named pipe|socket).*may never end`));
      assert.ok(errors[0].line > 1, 'located at the field');
    }
  } finally {
    server.close();
    ws.dispose();
  }
});

test('a model file that is a FIFO or too big is refused before reading it', { timeout: 30_000 }, async () => {
  const ws = workspace();
  try {
    execFileSync('mkfifo', [ws.file('m.model.yaml')]);
    await assert.rejects(readModelFile(ws.file('m.model.yaml')), (e: unknown) => e instanceof SpecError && /named pipe \(FIFO\), not a model file/.test(e.message));
    ws.write('big.model.yaml', `${VALID}# ${'x'.repeat(2 ** 20)}\n`);
    await assert.rejects(readModelFile(ws.file('big.model.yaml')), /the model file is 1,048,[\d]+ bytes, larger than a model file can be \(the limit is 1 MB; set MODEL_STUDIO_MAX_MODEL_FILE_BYTES/);
    const { problems } = await validateModelText(`${VALID}# ${'x'.repeat(2 ** 20)}\n`, ws.file('big.model.yaml'), { workspaceRoot: ws.root });
    assert.match(problems[0].message, /larger than a model file can be/);
  } finally {
    ws.dispose();
  }
});

test('a data file that is not text is named for what it is before its columns are checked', async () => {
  const gzip = gzipSync(Buffer.from(FLOWERS_CSV));
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008060000001ff3ff61', 'hex');
  const cases: Array<[string, Buffer, RegExp]> = [
    ['gz.csv', gzip, /this is a gzip-compressed file, not a text file; decompress it first/],
    ['png.csv', png, /this is a PNG image, not a text file/],
    ['u16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(FLOWERS_CSV, 'utf16le')]), /UTF-16 encoded; save it as UTF-8/],
    ['u16nobom.csv', Buffer.from(FLOWERS_CSV, 'utf16le'), /looks UTF-16 encoded/],
    ['zip.csv', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64, 1)]), /ZIP archive \(or an Excel \.xlsx workbook\)/],
    ['bin.csv', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)), /not a text file/],
    ['latin1.csv', Buffer.from('name,species\ncaf\xe9,a\n', 'latin1'), /line 2: the file is not valid UTF-8 \(perhaps Latin-1/],
    ['nul.jsonl', Buffer.from('{"species": "a"}\n{"species": "se\0to"}\n'), /line 2: this is not a text file \(a NUL byte at offset 32\)/],
  ];
  const ws = workspace();
  try {
    for (const [name, bytes, message] of cases) {
      writeFileSync(ws.file(name), bytes);
      await assert.rejects(peekColumns(ws.file(name), 'auto'), message, name);
      const r = await checkIn(ws, edit('  source: flowers.csv', `  source: ${name}`));
      const p = only(r.errors, 'data.source');
      assert.match(p.message, message, name);
      assert.doesNotMatch(p.message, /not a column/, name);
      assert.ok(p.message.length < 400, `short: ${p.message}`);
    }
    // Printable look-alikes of a signature are text: a column may be called PAR1 or BZh.
    writeFileSync(ws.file('par.csv'), 'PAR1,BZh9,species\n1,2,a\n');
    assert.deepEqual(await peekColumns(ws.file('par.csv'), 'csv'), ['PAR1', 'BZh9', 'species']);
  } finally {
    ws.dispose();
  }
});

test('textProblem: a multi-byte character cut at the end of a chunk is not an error; inside one it is', () => {
  const text = Buffer.from('a,é\n');
  assert.equal(textProblem(text.subarray(0, 3), { complete: false }), undefined);
  assert.match(textProblem(text.subarray(0, 3), { complete: true })?.message ?? '', /not valid UTF-8/);
  assert.equal(textProblem(Buffer.from('a,b\n1,2\n')), undefined);
});

async function checkIn(ws: Workspace, text: string): Promise<{ valid: boolean; errors: SpecProblem[] }> {
  const { spec, problems } = await validateModelText(text, ws.file('m.model.yaml'), { workspaceRoot: ws.root });
  return { valid: spec !== undefined, errors: problems.filter((p) => p.severity === 'error') };
}
