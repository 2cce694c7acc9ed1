/**
 * `npm run bench -- --data [--rows 1000000,4000000,12000000] [--quick]` (also `node --import tsx bench/data.ts`)
 *
 * The data pipeline at scale: generates CSVs (10 numeric columns, a 20-level categorical, a boolean,
 * 2% missing values, a 0/1 label) in the system temp folder, trains one epoch of a small MLP
 * (dense 32, batch 1024) on each in a child process, and reports per file: rows/s of pass 1 and pass 2
 * (wall clock, and per CPU-second of the process, which a busy machine does not distort), the child's
 * peak RSS, the time to the first training batch, and training samples/s with batches from the disk
 * store vs the same model with the rows in memory (wall clock, and per CPU-second of the process). Files are deleted afterwards. It reports; it never fails on a number.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRng } from '../src/engine/data/split';

interface Options { rows: number[]; epochs: number }

function parseArgs(argv: string[]): Options {
  const o: Options = { rows: [1_000_000, 4_000_000, 12_000_000], epochs: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data') continue;
    if (a === '--rows') o.rows = argv[++i].split(',').map(Number);
    else if (a === '--quick') o.rows = [200_000];
    else if (a === '--epochs') o.epochs = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- --data [--rows N,N,…] [--quick] [--epochs N]');
      process.exit(0);
    } else {
      console.error(`bench --data: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return o;
}

const LEVELS = Array.from({ length: 20 }, (_, i) => `level_${String.fromCharCode(97 + i)}`);

/** Write the table; returns its size in bytes. */
async function generate(file: string, rows: number, seed = 1): Promise<number> {
  const rng = createRng(seed);
  const out = createWriteStream(file);
  const write = (s: string) => new Promise<void>((resolve) => (out.write(s) ? resolve() : out.once('drain', () => resolve())));
  await write(`${Array.from({ length: 10 }, (_, i) => `x${i}`).join(',')},city,member,label\n`);
  const miss = () => rng.next() < 0.02;
  let buf: string[] = [];
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: 10 }, () => rng.normal());
    const c = rng.int(20);
    const member = rng.next() < 0.4;
    const score = x[0] - 0.8 * x[1] + 0.5 * x[2] * x[3] + (c % 4) * 0.3 - (member ? 0.5 : 0) + 0.5 * rng.normal();
    const cells = x.map((v) => (miss() ? '' : v.toFixed(5)));
    cells.push(miss() ? '' : LEVELS[c], miss() ? '' : member ? 'true' : 'false', score > 0 ? '1' : '0');
    buf.push(cells.join(','));
    if (buf.length === 10_000) { await write(`${buf.join('\n')}\n`); buf = []; }
  }
  if (buf.length > 0) await write(`${buf.join('\n')}\n`);
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return statSync(file).size;
}

interface RunResult {
  pass1RowsPerSec?: number; pass2RowsPerSec?: number; pass1RowsPerCpuSec?: number; pass2RowsPerCpuSec?: number;
  firstBatchSec?: number; samplesPerSec?: number; samplesPerCpuSec?: number; peakRssMB?: number; status?: string; error?: string; cacheReused?: boolean;
}

/** One training run in a child process (its RSS is the engine's). */
function runChild(spec: string, storage: 'disk' | 'memory'): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'dataRun.ts'), spec, storage], { cwd: path.join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', () => {
      const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      try { resolve(JSON.parse(line ?? '') as RunResult); } catch { resolve({ error: (err || out).slice(-500) }); }
    });
  });
}

const fmt = (v: number | undefined, digits = 0) => (v === undefined || !Number.isFinite(v) ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits }));

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const o = parseArgs(argv);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ms-bench-data-'));
  const rows: string[] = [];
  try {
    for (const n of o.rows) {
      const csv = path.join(tmp, `t${n}.csv`);
      const bytes = await generate(csv, n);
      const spec = path.join(tmp, `t${n}.model.yaml`);
      writeFileSync(spec, `name: t${n}\ntask: classification\ndata:\n  source: t${n}.csv\n  label: label\n  split: { validation: 0.1, test: 0.1, seed: 1 }\n` +
        `model:\n  layers:\n    - { type: dense, units: 32, activation: relu }\ntrain:\n  epochs: ${o.epochs}\n  batchSize: 1024\n  seed: 1\n`);
      const disk = await runChild(spec, 'disk');
      const reused = await runChild(spec, 'disk');
      const memory = n <= 4_000_000 ? await runChild(spec, 'memory') : undefined;
      process.stderr.write(`${n} rows (${(bytes / 1048576).toFixed(0)} MB): disk ${JSON.stringify(disk)}\n  cached ${JSON.stringify(reused)}\n  memory ${JSON.stringify(memory)}\n`);
      rows.push(`| ${fmt(n)} | ${(bytes / 1048576).toFixed(0)} MB | ${fmt(disk.pass1RowsPerSec)} (${fmt(disk.pass1RowsPerCpuSec)}) | ${fmt(disk.pass2RowsPerSec)} (${fmt(disk.pass2RowsPerCpuSec)}) | ` +
        `${fmt(disk.peakRssMB)} MB | ${fmt(disk.firstBatchSec, 1)} s / ${fmt(reused.firstBatchSec, 1)} s | ${fmt(disk.samplesPerSec)} (${fmt(disk.samplesPerCpuSec)}) | ${memory ? `${fmt(memory.samplesPerSec)} (${fmt(memory.samplesPerCpuSec)}; ${fmt(memory.peakRssMB)} MB)` : '—'} |`);
      rmSync(csv, { force: true });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  process.stdout.write(['| rows | CSV | pass 1 rows/s (per CPU-s) | pass 2 rows/s (per CPU-s) | engine peak RSS | first batch: first run / cached | samples/s from disk (per CPU-s) | samples/s in memory (per CPU-s; RSS) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n') + '\n');
}

if (require.main === module) main().catch((err: unknown) => { console.error(err); process.exit(1); });
