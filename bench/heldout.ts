/**
 * Do Model Studio's kernels change what a model learns? Trains each example model on the wasm backend
 * with the fast kernels on and off (MODEL_STUDIO_FAST_KERNELS=0), same seed, alternated, and compares
 * the test-split metrics of the two runs:
 *   node --import tsx bench/heldout.ts [--epochs N] [--only NAME,…]
 * Prints a table; writes nothing outside the system temp folder.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
const EXAMPLES = [
  ['iris', 'examples/iris/iris.model.yaml'],
  ['cars', 'examples/cars/cars.model.yaml'],
  ['seed-mlp', 'examples/seed-mlp/seed-mlp.model.yaml'],
  ['shapes', 'examples/shapes/shapes.model.yaml'],
  ['text', 'examples/text/headlines.model.yaml'],
  ['text-lstm', 'examples/text/headlines-lstm.model.yaml'],
] as const;

interface Outcome { status?: string; summary?: Record<string, number>; seconds: number; error?: string }

function train(file: string, fast: boolean, runsDir: string, epochs: number | undefined): Promise<Outcome> {
  const built = path.join(ROOT, 'dist', 'cli.js');
  const args = existsSync(built) ? [path.join(ROOT, 'bin', 'model-studio.js')] : ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts')];
  args.push('train', path.join(ROOT, file), '--backend', 'wasm', '--runs-dir', runsDir, '--json', ...(epochs ? ['--epochs', String(epochs)] : []));
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MODEL_STUDIO_FAST_KERNELS: fast ? '1' : '0' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const done = out.split('\n').map((l) => { try { return JSON.parse(l) as { type?: string; status?: string; summary?: Record<string, number> }; } catch { return undefined; } })
        .find((m) => m?.type === 'done');
      resolve(done ? { status: done.status, summary: done.summary, seconds } : { seconds, error: `exit ${code}: ${err.trim().split('\n').slice(-1)[0] ?? ''}` });
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const epochs = argv.includes('--epochs') ? Number(argv[argv.indexOf('--epochs') + 1]) : undefined;
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ms-heldout-'));
  console.log('| example | metric | fast kernels | stock kernels | difference | seconds (fast / stock) |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  try {
    for (const [i, [name, file]] of EXAMPLES.entries()) {
      if (only && !only.includes(name)) continue;
      // Alternate which goes first, so neither always has the warmer machine.
      const order = i % 2 ? [false, true] : [true, false];
      const res: Record<string, Outcome> = {};
      for (const fast of order) res[String(fast)] = await train(file, fast, path.join(dir, `${name}-${fast}`), epochs);
      const [f, s] = [res.true, res.false];
      if (!f.summary || !s.summary) {
        console.log(`| ${name} | failed: ${f.error ?? s.error ?? f.status ?? s.status} | | | | |`);
        continue;
      }
      for (const metric of ['accuracy', 'macroF1', 'logLoss', 'r2', 'rmse', 'mae'].filter((m) => m in f.summary! && m in s.summary!)) {
        const a = f.summary[metric], b = s.summary[metric];
        console.log(`| ${name} | ${metric} | ${a.toFixed(4)} | ${b.toFixed(4)} | ${(a - b).toExponential(1)} | ${f.seconds.toFixed(0)} / ${s.seconds.toFixed(0)} |`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
