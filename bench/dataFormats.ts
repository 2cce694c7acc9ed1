/**
 * `npm run bench -- --data --formats [--rows 2000000]` (also `node --import tsx bench/dataFormats.ts`)
 *
 * Issue 11's own scenario: a generated table of N rows (default 2,000,000) × 10 numeric features + a 0/1
 * label, written as CSV, Parquet (snappy, row groups of 100,000) and Arrow IPC (record batches of 65,536),
 * each trained for one epoch (batch 1024, one dense layer of 32) with `model-studio train` in its own process,
 * under `/usr/bin/time -v` where there is one (peak RSS of the whole CLI process), formats alternated so
 * a busy machine loads them alike. Reports per format: wall time, peak RSS, pass 1 / pass 2 rows/s, and the
 * test metrics (the same split must give the same accuracy in every format). Files are deleted afterwards.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRng } from '../src/engine/data/split';

const FEATURES = 10;
const ROOT = path.join(__dirname, '..');

interface Table { x: Float64Array[]; label: Int32Array; rows: number }

function makeTable(rows: number, seed = 1): Table {
  const rng = createRng(seed);
  const x = Array.from({ length: FEATURES }, () => new Float64Array(rows));
  const label = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let score = 0;
    for (let j = 0; j < FEATURES; j++) {
      // 5 decimals, as the CSV holds them, so every format stores the same numbers
      const v = Math.round(rng.normal() * 1e5) / 1e5;
      x[j][r] = v;
      score += (j % 2 === 0 ? 1 : -0.7) * v / (j + 1);
    }
    label[r] = score + 0.3 * rng.normal() > 0 ? 1 : 0;
  }
  return { x, label, rows };
}

async function writeCsv(file: string, t: Table): Promise<void> {
  const out = createWriteStream(file);
  const write = (s: string) => new Promise<void>((resolve) => (out.write(s) ? resolve() : out.once('drain', () => resolve())));
  await write(`${Array.from({ length: FEATURES }, (_, i) => `x${i}`).join(',')},label\n`);
  let buf: string[] = [];
  for (let r = 0; r < t.rows; r++) {
    let line = '';
    for (let j = 0; j < FEATURES; j++) line += `${t.x[j][r].toFixed(5)},`;
    buf.push(`${line}${t.label[r]}`);
    if (buf.length === 10_000) { await write(`${buf.join('\n')}\n`); buf = []; }
  }
  if (buf.length > 0) await write(`${buf.join('\n')}\n`);
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

async function writeParquet(file: string, t: Table): Promise<void> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const columnData = [
    ...t.x.map((data, j) => ({ name: `x${j}`, data: Array.from(data), type: 'DOUBLE' as const })),
    { name: 'label', data: Array.from(t.label), type: 'INT32' as const },
  ];
  writeFileSync(file, new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 100_000 })));
}

async function writeArrow(file: string, t: Table): Promise<void> {
  const arrow = await import('apache-arrow');
  const out = createWriteStream(file);
  const writer = arrow.RecordBatchFileWriter.throughNode();
  writer.pipe(out);
  const step = 65_536;
  for (let start = 0; start < t.rows; start += step) {
    const end = Math.min(t.rows, start + step);
    const cols: Record<string, Float64Array | Int32Array> = {};
    t.x.forEach((col, j) => { cols[`x${j}`] = col.slice(start, end); });
    cols.label = t.label.slice(start, end);
    const table = arrow.tableFromArrays(cols);
    for (const batch of table.batches) writer.write(batch);
  }
  writer.end();
  await new Promise<void>((resolve, reject) => { out.on('finish', () => resolve()); out.on('error', reject); });
}

interface Result { wallSec: number; peakRssMB?: number; code: number | null; accuracy?: number; pass1?: number; pass2?: number; tail: string }

/** `model-studio train SPEC --json` in its own process, timed; peak RSS from /usr/bin/time -v. */
function train(spec: string): Promise<Result> {
  const cli = [path.join(ROOT, 'bin', 'model-studio.js'), 'train', spec, '--json', '--no-cache'];
  const timeBin = '/usr/bin/time';
  const useTime = existsSync(timeBin);
  const [cmd, args] = useTime ? [timeBin, ['-v', process.execPath, ...cli]] : [process.execPath, cli];
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: path.dirname(spec), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let pending = '';
    let accuracy: number | undefined;
    const marks: Record<number, { t0?: number; t1?: number; rows?: number }> = {};
    const onLine = (line: string) => {
      if (!line.startsWith('{')) return;
      try {
        const e = JSON.parse(line) as { event?: string; pass?: number; rows?: number; metrics?: Record<string, number> };
        if (e.event === 'dataProgress' && e.pass) {
          const m = (marks[e.pass] ??= {});
          m.t0 ??= Date.now(); m.t1 = Date.now(); m.rows = e.rows;
        } else if (e.event === 'done' && typeof e.metrics?.accuracy === 'number') {
          accuracy = e.metrics.accuracy;
        }
      } catch { /* not an event */ }
    };
    child.stdout.on('data', (d: Buffer) => {
      const lines = (pending + d.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); if (err.length > 1_000_000) err = err.slice(-200_000); });
    child.on('close', (code) => {
      onLine(pending);
      const wallSec = (Date.now() - t0) / 1000;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      const rate = (p: number) => { const m = marks[p]; return m?.t0 !== undefined && m.t1 !== undefined && m.t1 > m.t0 && m.rows ? m.rows / ((m.t1 - m.t0) / 1000) : undefined; };
      resolve({ wallSec, peakRssMB: rss ? Number(rss[1]) / 1024 : undefined, code, accuracy, pass1: rate(1), pass2: rate(2), tail: err.slice(-1500) });
    });
  });
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  let rows = 2_000_000;
  let repeats = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rows') rows = Number(argv[++i]);
    else if (argv[i] === '--repeats') repeats = Number(argv[++i]);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ms-bench-formats-'));
  try {
    const t = makeTable(rows);
    const files = { csv: path.join(tmp, 't.csv'), parquet: path.join(tmp, 't.parquet'), arrow: path.join(tmp, 't.arrow') };
    await writeCsv(files.csv, t);
    await writeParquet(files.parquet, t);
    await writeArrow(files.arrow, t);
    const results: Record<string, Result[]> = { csv: [], parquet: [], arrow: [] };
    for (const [fmt, file] of Object.entries(files)) {
      writeFileSync(path.join(tmp, `${fmt}.model.yaml`), `name: scale-${fmt}\ntask: classification\ndata:\n  source: ${path.basename(file)}\n  label: label\n` +
        `  split: { validation: 0.1, test: 0.1, seed: 1 }\nmodel:\n  layers:\n    - { type: dense, units: 32, activation: relu }\ntrain:\n  epochs: 1\n  batchSize: 1024\n  seed: 1\n`);
    }
    for (let k = 0; k < repeats; k++) {
      for (const fmt of Object.keys(files)) {
        const r = await train(path.join(tmp, `${fmt}.model.yaml`));
        process.stderr.write(`${fmt} #${k + 1}: ${JSON.stringify({ ...r, tail: r.code === 0 ? undefined : r.tail })} load ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}\n`);
        results[fmt].push(r);
      }
    }
    const median = (a: Array<number | undefined>) => { const v = a.filter((x): x is number => x !== undefined).sort((p, q) => p - q); const h = v.length >> 1; return v.length === 0 ? undefined : v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2; };
    const f = (v: number | undefined, d = 0) => (v === undefined ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: d }));
    const lines = ['| format | file | train wall time | peak RSS | pass 1 rows/s | pass 2 rows/s | test accuracy |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
    for (const [fmt, file] of Object.entries(files)) {
      const rs = results[fmt];
      const ok = rs.every((r) => r.code === 0);
      lines.push(`| ${fmt} | ${(statSync(file).size / 1048576).toFixed(0)} MB | ${ok ? `${f(median(rs.map((r) => r.wallSec)), 1)} s` : 'failed'} | ${f(median(rs.map((r) => r.peakRssMB)))} MB | ` +
        `${f(median(rs.map((r) => r.pass1)))} | ${f(median(rs.map((r) => r.pass2)))} | ${f(median(rs.map((r) => r.accuracy)), 4)} |`);
    }
    process.stdout.write(`${rows.toLocaleString('en-US')} rows × ${FEATURES} numeric + 0/1 label; load average at the end ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}\n${lines.join('\n')}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) main().catch((err: unknown) => { console.error(err); process.exit(1); });
