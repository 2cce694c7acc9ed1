/**
 * Parquet and Arrow IPC/Feather: the documented type mapping (README "Parquet and Arrow"), and the same
 * data as CSV, Parquet and Arrow giving the same split, preprocessing and batches.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepareData } from '../../../src/engine/data';
import { openTable } from '../../../src/engine/data/readers';
import { DataError } from '../../../src/engine/data/types';
import { validateModelText } from '../../../src/modelFile';
import { peekTable } from '../../../src/modelFile/peek';
import type { ModelSpecFile } from '../../../src/modelFile/schema';
import { readFileRows } from './helpers';

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'ms-formats-'));
}

async function writeParquet(file: string, columns: Array<{ name: string; data: unknown[]; type?: string }>, rowGroupSize?: number): Promise<void> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const buf = parquetWriteBuffer({ columnData: columns as never, ...(rowGroupSize ? { rowGroupSize } : {}) });
  await fs.writeFile(file, new Uint8Array(buf));
}

async function writeArrow(file: string, build: (arrow: typeof import('apache-arrow')) => import('apache-arrow').Table): Promise<void> {
  const arrow = await import('apache-arrow');
  await fs.writeFile(file, arrow.tableToIPC(build(arrow), 'file'));
}

test('parquet: ints, floats, strings, booleans, nulls, dictionary strings, 64-bit ints and timestamps', async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 't.parquet');
    await writeParquet(file, [
      { name: 'i32', data: [1, 2, null, 4], type: 'INT32' },
      { name: 'f64', data: [0.5, null, 2.25, -1], type: 'DOUBLE' },
      { name: 's', data: ['a', 'b', null, 'a'], type: 'STRING' },
      { name: 'b', data: [true, false, null, true], type: 'BOOLEAN' },
      { name: 'i64', data: [1n, 2n, 3n, 2n ** 40n], type: 'INT64' },
      { name: 'ts', data: [new Date(0), new Date(86400000), null, new Date(1e12)], type: 'TIMESTAMP' },
    ]);
    const t = await readFileRows(file);
    assert.equal(t.format, 'parquet');
    assert.deepEqual(t.columns, ['i32', 'f64', 's', 'b', 'i64', 'ts']);
    assert.deepEqual(t.rows.map((r) => r.i32), [1, 2, null, 4]);
    assert.deepEqual(t.rows.map((r) => r.f64), [0.5, null, 2.25, -1]);
    assert.deepEqual(t.rows.map((r) => r.s), ['a', 'b', null, 'a']);
    assert.deepEqual(t.rows.map((r) => r.b), [true, false, null, true]);
    assert.deepEqual(t.rows.map((r) => r.i64), [1, 2, 3, 2 ** 40]);
    assert.deepEqual(t.rows.map((r) => r.ts), ['1970-01-01T00:00:00.000Z', '1970-01-02T00:00:00.000Z', null, '2001-09-09T01:46:40.000Z']);
    assert.deepEqual(t.lines, [1, 2, 3, 4]);
    const reader = await openTable(file);
    assert.equal(reader.columnKinds?.get('ts')?.kind, 'timestamp');
    await reader.close();

    // a 64-bit integer beyond 2^53 cannot become a number without losing digits: an error naming row and column
    const big = path.join(dir, 'big.parquet');
    await writeParquet(big, [{ name: 'id', data: [1n, 2n ** 60n], type: 'INT64' }]);
    await assert.rejects(readFileRows(big), (e: unknown) => e instanceof DataError && e.row === 2 && e.column === 'id' && /beyond ±2\^53/.test(e.message));

    // a timestamp as a feature is an error that says what to do; excluded, it is fine
    const spec = (extra: Record<string, unknown>) => ({ name: 't', task: 'classification', data: { source: 'ts.parquet', label: 'y', split: { validation: 0, test: 0.25, seed: 1 }, ...extra } }) as unknown as ModelSpecFile;
    const tsFile = path.join(dir, 'ts.parquet');
    await writeParquet(tsFile, [
      { name: 'x', data: [1, 2, 3, 4, 5, 6, 7, 8], type: 'DOUBLE' },
      { name: 'when', data: Array.from({ length: 8 }, (_, i) => new Date(i * 1000)), type: 'TIMESTAMP' },
      { name: 'y', data: ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'], type: 'STRING' },
    ]);
    await assert.rejects(prepareData(spec({}), path.join(dir, 'm.model.yaml'), { workspaceRoot: dir }),
      (e: unknown) => e instanceof DataError && e.column === 'when' && /holds timestamps or dates \(parquet type TIMESTAMP[A-Z_]*\).*data\.exclude/.test(e.message));
    const ok = await prepareData(spec({ exclude: ['when'] }), path.join(dir, 'm.model.yaml'), { workspaceRoot: dir });
    assert.deepEqual(ok.info.features, ['x']);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('arrow / feather: numbers, 64-bit ints, strings, dictionary strings, booleans, nulls, timestamps', async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 't.arrow');
    await writeArrow(file, (arrow) => {
      const dict = arrow.vectorFromArray(['red', 'blue', 'red', null], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
      return new arrow.Table({
        i8: arrow.vectorFromArray([1, 2, null, 4], new arrow.Int8()),
        f32: arrow.vectorFromArray([0.5, 1.5, 2.5, null], new arrow.Float32()),
        i64: arrow.vectorFromArray([1n, 2n, null, 3n], new arrow.Int64()),
        s: arrow.vectorFromArray(['x', null, 'z', 'x'], new arrow.Utf8()),
        color: dict,
        b: arrow.vectorFromArray([true, false, true, null], new arrow.Bool()),
        ts: arrow.vectorFromArray([0, 1000, null, 86400000], new arrow.TimestampMillisecond()),
      });
    });
    const t = await readFileRows(file);
    assert.equal(t.format, 'arrow');
    assert.deepEqual(t.columns, ['i8', 'f32', 'i64', 's', 'color', 'b', 'ts']);
    assert.deepEqual(t.rows.map((r) => r.i8), [1, 2, null, 4]);
    assert.deepEqual(t.rows.map((r) => r.f32), [0.5, 1.5, 2.5, null]);
    assert.deepEqual(t.rows.map((r) => r.i64), [1, 2, null, 3]);
    assert.deepEqual(t.rows.map((r) => r.s), ['x', null, 'z', 'x']);
    assert.deepEqual(t.rows.map((r) => r.color), ['red', 'blue', 'red', null]);
    assert.deepEqual(t.rows.map((r) => r.b), [true, false, true, null]);
    assert.deepEqual(t.rows.map((r) => r.ts), ['1970-01-01T00:00:00.000Z', '1970-01-01T00:00:01.000Z', null, '1970-01-02T00:00:00.000Z']);
    // the IPC stream format (.arrows) reads the same
    const stream = path.join(dir, 't.arrows');
    const arrow = await import('apache-arrow');
    await fs.writeFile(stream, arrow.tableToIPC(new arrow.Table({ a: arrow.vectorFromArray([1, 2, 3]) }), 'stream'));
    assert.deepEqual((await readFileRows(stream)).rows.map((r) => r.a), [1, 2, 3]);
    // not an Arrow file: a clear error
    const junk = path.join(dir, 'junk.feather');
    await fs.writeFile(junk, 'just text\n');
    await assert.rejects(readFileRows(junk), /not a readable Arrow IPC \/ Feather file/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the same table as CSV, Parquet (several row groups) and Arrow: same split, preprocessing and batches', async () => {
  const dir = await tempDir();
  try {
    const n = 300;
    const x = Array.from({ length: n }, (_, i) => (i % 17 === 0 ? null : Math.round(((i * 7919) % 1000) - 500) / 8));
    const city = Array.from({ length: n }, (_, i) => (i % 23 === 0 ? null : `c${(i * 31) % 7}`));
    const label = Array.from({ length: n }, (_, i) => ['lo', 'mid', 'hi'][(i * 13) % 3]);
    const k = Array.from({ length: n }, (_, i) => i * 3 - 100);
    const csv = ['x,city,label,k', ...x.map((v, i) => `${v ?? ''},${city[i] ?? ''},${label[i]},${k[i]}`)].join('\n');
    await fs.writeFile(path.join(dir, 'd.csv'), `${csv}\n`);
    await writeParquet(path.join(dir, 'd.parquet'), [
      { name: 'x', data: x, type: 'DOUBLE' }, { name: 'city', data: city, type: 'STRING' }, { name: 'label', data: label, type: 'STRING' }, { name: 'k', data: k, type: 'INT32' },
    ], 64);
    // Arrow: record batches of 100 rows
    await writeArrow(path.join(dir, 'd.arrow'), (arrow) => new arrow.Table([0, 100, 200].flatMap((from) => new arrow.Table({
      x: arrow.vectorFromArray(x.slice(from, from + 100), new arrow.Float64()),
      city: arrow.vectorFromArray(city.slice(from, from + 100), new arrow.Utf8()),
      label: arrow.vectorFromArray(label.slice(from, from + 100), new arrow.Utf8()),
      k: arrow.vectorFromArray(k.slice(from, from + 100), new arrow.Int32()),
    }).batches)));
    // read in batches that cut row groups and record batches: every value and row number as written
    for (const f of ['d.parquet', 'd.arrow']) {
      const t = await readFileRows(path.join(dir, f), { batchRows: 10 });
      assert.deepEqual(t.rows.map((r) => r.x), x, f);
      assert.deepEqual(t.rows.map((r) => r.k), k, f);
      assert.deepEqual(t.rows.map((r) => r.city), city, f);
      assert.deepEqual(t.lines, Array.from({ length: n }, (_, i) => i + 1), f);
    }
    const prepared = [];
    for (const source of ['d.csv', 'd.parquet', 'd.arrow']) {
      const spec = { name: 'd', task: 'classification', data: { source, label: 'label', preprocess: { missing: 'median' }, split: { validation: 0.2, test: 0.2, seed: 5 } } } as unknown as ModelSpecFile;
      prepared.push(await prepareData(spec, path.join(dir, 'm.model.yaml'), { workspaceRoot: dir }));
    }
    const [c, p, a] = prepared;
    // the model file names them as it names a CSV: validation reads their columns (and a sample) from the file
    for (const source of ['d.parquet', 'd.arrow']) {
      const text = `name: d\ntask: classification\ndata:\n  source: ${source}\n  label: label\nmodel:\n  layers:\n    - { type: dense, units: 4 }\n`;
      const ok = await validateModelText(text, path.join(dir, 'm.model.yaml'), { workspaceRoot: dir });
      assert.deepEqual(ok.problems.filter((q) => q.severity === 'error'), [], source);
      assert.ok(ok.spec, source);
      const typo = await validateModelText(text.replace('label: label', 'label: labl'), path.join(dir, 'm.model.yaml'), { workspaceRoot: dir });
      assert.match(typo.problems.map((q) => q.message).join('\n'), new RegExp(`\`data.label\` is \`labl\`, which is not a column of ${source.replace('.', '\\.')}; did you mean \`label\`\\? Columns: x, city, label, k`), source);
      const declared = await validateModelText(text.replace(`source: ${source}`, `source: ${source}.bin\n  format: ${source.endsWith('.arrow') ? 'arrow' : 'parquet'}`), path.join(dir, 'm.model.yaml'), { workspaceRoot: dir });
      assert.match(declared.problems.map((q) => q.message).join('\n'), /does not exist/, 'data.format parquet/arrow is accepted; the file is looked for');
      assert.doesNotMatch(declared.problems.map((q) => q.message).join('\n'), /data\.format/);
    }
    const peeked = await peekTable(path.join(dir, 'd.parquet'), 'auto');
    assert.deepEqual(peeked.columns, ['x', 'city', 'label', 'k']);
    assert.deepEqual({ ...peeked.sample[1] }, { x: x[1], city: city[1], label: label[1], k: k[1] });
    assert.deepEqual((await peekTable(path.join(dir, 'd.arrow'), 'auto')).sample.length, 100);
    for (const other of [p, a]) {
      assert.deepEqual(other.preprocessing, c.preprocessing);
      assert.deepEqual(other.info.splits, c.info.splits);
      for (const s of ['train', 'validation', 'test'] as const) {
        const idx = Array.from({ length: c[s].n }, (_, i) => i);
        assert.deepEqual(await other[s].batch(idx), await c[s].batch(idx), s);
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
