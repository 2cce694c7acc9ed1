/**
 * `npm run bench -- --sweep [--reps N] [--trials N]` (also `node --import tsx bench/sweep.ts`)
 *
 * A sweep's own overhead (issue 15): trials per minute of a sweep of tiny trials with `parallel: 2`
 * (`model-studio sweep FILE --json`), of the same sweep with `parallel: 1`, and of the same trials
 * (the parameters the sweep sampled) started one after another by `model-studio train FILE --set …`,
 * the reference. The sides alternate, several repetitions, medians. Everything is written under a
 * folder of the system temp directory, deleted afterwards; the numbers go to bench/sweep-results.json.
 * It reports; it never fails on a number.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeTinyTable } from './latency';

interface Options { reps: number; trials: number; epochs: number }

function parseArgs(argv: string[]): Options {
  const o: Options = { reps: 3, trials: 8, epochs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--sweep') continue;
    else if (a === '--reps') o.reps = Number(argv[++i]);
    else if (a === '--trials') o.trials = Number(argv[++i]);
    else if (a === '--epochs') o.epochs = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- --sweep [--reps N] [--trials N] [--epochs N]');
      process.exit(0);
    } else {
      console.error(`bench --sweep: unknown argument ${a} (try --help)`);
      process.exit(2);
    }
  }
  for (const k of ['reps', 'trials', 'epochs'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) {
      console.error(`bench --sweep: --${k} needs a whole number of at least 1`);
      process.exit(2);
    }
  }
  return o;
}

/** A 300-row table and a tiny model file with a random sweep of `trials` trials, `parallel` at once. */
function writeModel(dir: string, o: Options): string {
  writeTinyTable(dir, 11);
  const file = path.join(dir, 'tiny.model.yaml');
  writeFileSync(file, [
    'name: tiny', 'task: classification',
    'data:', '  source: data.csv', '  label: label', '  split: { validation: 0.2, test: 0.2, seed: 1 }',
    'model:', '  layers:', '    - { type: dense, units: 16, activation: relu }',
    'train:', `  epochs: ${o.epochs}`, '  batchSize: 16', '  optimizer: { type: adam, learningRate: 0.01 }', '  seed: 1',
    'sweep:', '  method: random', `  trials: ${o.trials}`, '  parallel: 2', '  metric: val_loss', '  seed: 3',
    '  parameters:',
    '    train.optimizer.learningRate: { min: 0.001, max: 0.1, scale: log }',
    '    model.layers.0.units: [8, 16, 32]', '',
  ].join('\n'));
  return file;
}

const root = path.join(__dirname, '..');

/** How to run the CLI: the built bundle when there is one, else the sources through tsx. */
function cliArgs(): string[] {
  return existsSync(path.join(root, 'dist', 'cli.js'))
    ? [path.join(root, 'bin', 'model-studio.js')]
    : ['--import', 'tsx', path.join(root, 'src', 'cli.ts')];
}

interface Timed { ms: number; code: number | null; stdout: string; stderr: string }

/** One CLI command, timed by the wall clock. */
function run(args: string[]): Promise<Timed> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...cliArgs(), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, stdout, stderr }));
  });
}

interface SideResult { trialsPerMin: number; sec: number; error?: string }

interface DoneLine { event: 'done'; sweep: string; trials: Array<{ params: Record<string, unknown>; status: string }> }

async function sweepSide(file: string, runsDir: string, parallel: number): Promise<SideResult & { params?: Array<Record<string, unknown>> }> {
  const r = await run(['sweep', file, '--json', '--parallel', String(parallel), '--runs-dir', runsDir]);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let done: DoneLine | undefined;
  try { done = JSON.parse(last) as DoneLine; } catch { /* reported below */ }
  if (r.code !== 0 || done?.event !== 'done') return { trialsPerMin: NaN, sec: r.ms / 1000, error: `exit ${r.code}: ${(r.stderr || last).slice(-400)}` };
  const completed = done.trials.filter((t) => t.status === 'completed').length;
  if (completed !== done.trials.length) return { trialsPerMin: NaN, sec: r.ms / 1000, error: `${done.trials.length - completed} trials did not complete` };
  return { trialsPerMin: done.trials.length / (r.ms / 60_000), sec: r.ms / 1000, params: done.trials.map((t) => t.params) };
}

async function sequentialSide(file: string, runsDir: string, params: Array<Record<string, unknown>>): Promise<SideResult> {
  const t0 = performance.now();
  for (const p of params) {
    const sets = Object.entries(p).flatMap(([k, v]) => ['--set', `${k}=${JSON.stringify(v)}`]);
    const r = await run(['train', file, '--json', '--runs-dir', runsDir, ...sets]);
    if (r.code !== 0) return { trialsPerMin: NaN, sec: (performance.now() - t0) / 1000, error: `train exit ${r.code}: ${r.stderr.slice(-400)}` };
  }
  const ms = performance.now() - t0;
  return { trialsPerMin: params.length / (ms / 60_000), sec: ms / 1000 };
}

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '—');

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const o = parseArgs(argv);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ms-bench-sweep-'));
  const sides = { p2: [] as SideResult[], p1: [] as SideResult[], seq: [] as SideResult[] };
  try {
    const file = writeModel(tmp, o);
    for (let rep = 0; rep < o.reps; rep++) {
      // alternate the order each repetition so a change in the machine's load falls on every side
      const p2 = await sweepSide(file, path.join(tmp, `r${rep}-p2`), 2);
      const params = p2.params;
      const order: Array<'p1' | 'seq'> = rep % 2 ? ['seq', 'p1'] : ['p1', 'seq'];
      sides.p2.push(p2);
      for (const side of order) {
        const res = side === 'p1'
          ? await sweepSide(file, path.join(tmp, `r${rep}-p1`), 1)
          : params ? await sequentialSide(file, path.join(tmp, `r${rep}-seq`), params) : { trialsPerMin: NaN, sec: NaN, error: 'the sweep failed, so there are no parameters' };
        sides[side].push(res);
      }
      process.stderr.write(`rep ${rep + 1}/${o.reps}: ${(['p2', 'p1', 'seq'] as const).map((k) => `${k} ${fmt(sides[k][rep].trialsPerMin)}/min (${fmt(sides[k][rep].sec)} s)${sides[k][rep].error ? ` ERROR ${sides[k][rep].error}` : ''}`).join(', ')}\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const seq = median(sides.seq.map((s) => s.trialsPerMin));
  const line = (name: string, xs: SideResult[]) => {
    const m = median(xs.map((s) => s.trialsPerMin));
    return `| ${name} | ${fmt(m)} | ${fmt(median(xs.map((s) => s.sec)))} | ${fmt(m / seq, 2)}× |`;
  };
  console.log(`\nSweep overhead: ${o.trials} tiny trials (300 rows, dense-16, ${o.epochs} epochs), medians of ${o.reps}, ${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(1)}\n`);
  console.log('| how the trials run | trials/min | seconds | vs one after another |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(line('`model-studio sweep`, parallel: 2', sides.p2));
  console.log(line('`model-studio sweep`, parallel: 1', sides.p1));
  console.log(line('`model-studio train --set …`, one after another (reference)', sides.seq));
  const out = path.join(__dirname, 'sweep-results.json');
  writeFileSync(out, JSON.stringify({ options: o, cores: os.availableParallelism(), sides }, null, 2) + '\n');
  console.log(`\nresults: ${path.relative(root, out)}`);
}

if (require.main === module) main().catch((err: unknown) => { console.error(err); process.exit(1); });
