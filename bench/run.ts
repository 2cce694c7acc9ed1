/**
 * `npm run bench [-- --quick] [-- --backends wasm,cpu,webgpu] [-- --reps N]`; `npm run bench -- --data` runs bench/data.ts,
 * `npm run bench -- --sweep` bench/sweep.ts
 *
 * Times the three models of issue 8 on every TF.js backend that loads and on PyTorch at 1 and at 2
 * threads (the faster of the two, per model, is the reference: its best thread count changes by model
 * and by minute on a shared machine), alternating the contenders, several repetitions, medians; the
 * GEMM GFLOP/s of ours and of OpenBLAS at the models' real shapes; the train command's time to its
 * first batch and peak memory. Prints tables and writes bench/results.json. It reports; it never
 * fails on a number. PyTorch comes from Debian (bench/setup.sh, run here when it is missing).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MODEL_NAMES, type ModelName } from './models';
import { firstBatchLatency, type LatencyResult } from './latency';
import { GEMM_SHAPES } from './gemm_shapes';

interface Options { quick: boolean; reps: number; backends: string[]; torch: boolean; out: string }

interface Sample { samplesPerSec?: number; peakRssMB?: number; losses?: number[]; error?: string; [k: string]: unknown }

const BATCHES: Record<'quick' | 'full', Record<ModelName, number>> = {
  quick: { mlp: 10, cnn: 5, lstm: 3 },
  full: { mlp: 40, cnn: 16, lstm: 6 },
};

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, reps: 0, backends: [], torch: true, out: path.join(__dirname, 'results.json') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--reps') o.reps = Number(argv[++i]);
    else if (a === '--backends') o.backends = argv[++i].split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--webgpu') o.backends.push('webgpu');
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--out') o.out = path.resolve(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- [--quick] [--reps N] [--backends wasm,wasm-stock,cpu,webgpu,tensorflow] [--webgpu] [--no-torch] [--out FILE]\n' +
        '  wasm-stock: wasm without our fast kernels (only the two it lacks), for before/after numbers');
      process.exit(0);
    } else {
      console.error(`bench: unknown argument ${a} (try --help)`);
      process.exit(2);
    }
  }
  // At least 3 even in quick mode: one repetition of each makes a ratio of two noisy numbers.
  if (!o.reps || !Number.isFinite(o.reps)) o.reps = 3;
  if (o.backends.length === 0 || (o.backends.length === 1 && o.backends[0] === 'webgpu')) {
    // Default: the embedded default and the pure-JS fallback; cpu is slow, so quick mode skips it.
    o.backends = [...(o.quick ? ['wasm'] : ['wasm', 'cpu']), ...o.backends];
    if (hasModule('@tensorflow/tfjs-node')) o.backends.push('tensorflow');
  }
  return o;
}

function hasModule(name: string): boolean {
  try { require.resolve(name); return true; } catch { return false; }
}

/**
 * The environment for PyTorch: Debian's torch links the system libblas.so.3, which is OpenBLAS-pthread
 * whenever that is installed too (it wins the alternatives), and that oversubscribes the cores next to
 * torch's OpenMP threads. Put the OpenMP build first on the library path when it is there, without
 * touching the system default. MODEL_STUDIO_BENCH_BLAS_DIR picks another folder ('' = system default).
 */
function torchEnv(): NodeJS.ProcessEnv {
  const dir = process.env.MODEL_STUDIO_BENCH_BLAS_DIR ?? '/usr/lib/x86_64-linux-gnu/openblas-openmp';
  if (!dir || !existsSync(path.join(dir, 'libblas.so.3'))) return process.env;
  return { ...process.env, LD_LIBRARY_PATH: [dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
}

function runJson(cmd: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<Sample> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: path.join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').reverse().find((l) => l.trim().startsWith('{'));
      if (line) {
        try { resolve(JSON.parse(line) as Sample); return; } catch { /* fall through */ }
      }
      const why = err.trim().split('\n').filter((l) => !/^(=|Hi,|$)/.test(l)).slice(-2).join(' ');
      resolve({ error: `exit ${code ?? 'killed (timeout)'}${why ? ': ' + why.slice(0, 300) : ''}` });
    });
  });
}

/** The first python that imports torch: `python3` on PATH, else Debian's (a pyenv shim may hide it). */
function findTorch(): { ok: boolean; python?: string; reason?: string } {
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return { ok: true, python };
  }
  return { ok: false, reason: 'no python3 can import torch (bash bench/setup.sh installs python3-torch and libopenblas0-openmp)' };
}

/** PyTorch, installed by bench/setup.sh first when it is missing (Debian packages; needs root or sudo). */
function torchInfo(): { ok: boolean; python?: string; reason?: string } {
  const found = findTorch();
  const openmp = existsSync('/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3') || process.arch !== 'x64';
  if (found.ok && openmp) return found;
  console.log('bench: PyTorch or OpenBLAS-OpenMP is missing; running bench/setup.sh');
  const r = spawnSync('bash', [path.join(__dirname, 'setup.sh')], { stdio: 'inherit' });
  if (r.status !== 0) return found.ok ? found : { ok: false, reason: `${found.reason}; bench/setup.sh failed (exit ${r.status})` };
  return findTorch();
}

/** PyTorch's thread counts to time: 1 and 2 (the machine this is tuned on has 2 cores), and all cores. */
const TORCH_THREADS = [...new Set([1, 2, os.availableParallelism()])];
const torchName = (threads: number) => `pytorch-${threads}t`;

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(x: number | undefined, digits = 0): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, file);
}

async function main(): Promise<void> {
  // `npm run bench -- --data`: the data pipeline at scale (bench/data.ts) instead of the model benchmark
  if (process.argv.includes('--data')) return process.argv.includes('--formats') ? (await import('./dataFormats')).main(process.argv.slice(2)) : (await import('./data')).main(process.argv.slice(2));
  // `npm run bench -- --sweep`: a sweep's own overhead (bench/sweep.ts)
  if (process.argv.includes('--sweep')) return (await import('./sweep')).main(process.argv.slice(2));
  const o = parseArgs(process.argv.slice(2));
  const mode = o.quick ? 'quick' : 'full';
  const torch: { ok: boolean; python?: string; reason?: string } = o.torch ? torchInfo() : { ok: false, reason: 'skipped (--no-torch)' };
  const torchContenders = torch.ok ? TORCH_THREADS.map(torchName) : [];
  const contenders = [...o.backends, ...torchContenders];
  const samples: Record<string, Record<string, Sample[]>> = {};
  const started = Date.now();
  console.log(`Model Studio bench (${mode}): ${o.reps} repetition(s), contenders ${contenders.join(', ')}` +
    (torch.ok ? '' : ` — PyTorch: ${torch.reason}`));

  for (let rep = 0; rep < o.reps; rep++) {
    for (const model of MODEL_NAMES) {
      // Rotate the order each repetition so no contender always runs first (or right after another).
      const order = contenders.map((_, i) => contenders[(i + rep) % contenders.length]);
      for (const c of order) {
        const batches = String(BATCHES[mode][model]);
        const torchThreads = TORCH_THREADS.find((t) => torchName(t) === c);
        const s = torchThreads !== undefined
          ? await runJson(torch.python ?? 'python3', [path.join(__dirname, 'torch_models.py'), model, batches, '1'], 600_000,
            { ...torchEnv(), MODEL_STUDIO_BENCH_TORCH_THREADS: String(torchThreads) })
          : await runJson(process.execPath, ['--import', 'tsx', path.join(__dirname, 'contender.ts'), c, model, batches, '1'], 600_000);
        ((samples[model] ??= {})[c] ??= []).push(s);
        const v = s.samplesPerSec;
        console.log(`  rep ${rep + 1} ${model.padEnd(4)} ${c.padEnd(10)} ${v ? fmt(v) + ' samples/s' : s.error}`);
      }
    }
  }

  const gemm = await gemmTable(o, torch);

  let latency: LatencyResult;
  try {
    latency = await firstBatchLatency(path.join(__dirname, '..'), 3);
  } catch (e) {
    latency = { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }

  const results = { ...summarise(samples, contenders, torchContenders, o, torch, latency, mode, (Date.now() - started) / 1000), gemm };
  printTable(results);
  printGemm(gemm);
  writeAtomic(o.out, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), o.out)}`);
}

interface Contender { backend?: string; samplesPerSec?: number; samplesPerCpuSec?: number; runs: number[]; peakRssMB?: number; error?: string; [k: string]: unknown }

function summarise(samples: Record<string, Record<string, Sample[]>>, contenders: string[], torchContenders: string[], o: Options,
  torch: { ok: boolean; reason?: string }, latency: LatencyResult, mode: string, seconds: number) {
  const models: Record<string, ModelSummary> = {};
  const round = (x: number | undefined) => (x === undefined ? null : Math.round(x * 1000) / 1000);
  for (const model of MODEL_NAMES) {
    const byC: Record<string, Contender> = {};
    for (const c of contenders) {
      const ss = samples[model]?.[c] ?? [];
      const ok = ss.filter((s) => typeof s.samplesPerSec === 'number');
      const rec: Contender = {
        runs: ok.map((s) => Math.round((s.samplesPerSec as number) * 10) / 10),
        samplesPerSec: median(ok.map((s) => s.samplesPerSec as number)),
        samplesPerCpuSec: median(ok.map((s) => Number(s.samplesPerCpuSec)).filter(Number.isFinite)),
        peakRssMB: median(ok.map((s) => s.peakRssMB ?? NaN).filter(Number.isFinite)),
      };
      if (ok.length === 0) rec.error = ss.find((s) => s.error)?.error ?? 'no result';
      const first = ok[0];
      if (torchContenders.includes(c) && first) Object.assign(rec, { threads: first.threads, blas: first.blas, torch: first.torch });
      else if (first) Object.assign(rec, { backend: first.backend, device: first.device, threads: first.threads, kernels: first.kernels, fallbacks: first.fallbacks });
      else rec.backend = c;
      if (first?.losses) rec.losses = first.losses;
      byC[c] = rec;
    }
    const tfjs = o.backends.map((b) => byC[b]).filter((r) => r?.samplesPerSec !== undefined);
    // "ours" is the embedded default (wasm) when it ran; otherwise the fastest backend that did.
    const ours = byC.wasm?.samplesPerSec !== undefined ? byC.wasm
      : tfjs.sort((a, b) => (b.samplesPerSec ?? 0) - (a.samplesPerSec ?? 0))[0];
    // The reference: PyTorch at its fastest thread count for this model (medians), every count reported.
    const timed = torchContenders.filter((c) => byC[c]?.samplesPerSec !== undefined);
    const bestName = timed.sort((a, b) => (byC[b].samplesPerSec ?? 0) - (byC[a].samplesPerSec ?? 0))[0];
    const best = bestName ? byC[bestName] : undefined;
    const ratio = ours?.samplesPerSec && best?.samplesPerSec ? ours.samplesPerSec / best.samplesPerSec : undefined;
    const perCpu = ours?.samplesPerCpuSec && best?.samplesPerCpuSec ? ours.samplesPerCpuSec / best.samplesPerCpuSec : undefined;
    const ratios: Record<string, Record<string, number | null>> = {};
    for (const b of o.backends) {
      const v = byC[b]?.samplesPerSec;
      if (v === undefined) continue;
      ratios[b] = Object.fromEntries(torchContenders.map((c) => [c, byC[c]?.samplesPerSec ? round(v / (byC[c].samplesPerSec as number)) : null]));
    }
    models[model] = {
      ours: ours ? { backend: ours.backend, threads: ours.threads, samplesPerSec: ours.samplesPerSec, samplesPerCpuSec: ours.samplesPerCpuSec, peakRssMB: ours.peakRssMB } : null,
      pytorch: best
        ? {
          best: { contender: bestName, threads: best.threads, blas: best.blas, torch: best.torch, samplesPerSec: best.samplesPerSec, samplesPerCpuSec: best.samplesPerCpuSec, peakRssMB: best.peakRssMB },
          byThreads: Object.fromEntries(torchContenders.map((c) => [String(byC[c]?.threads ?? c), { samplesPerSec: byC[c]?.samplesPerSec ?? null, samplesPerCpuSec: byC[c]?.samplesPerCpuSec ?? null, runs: byC[c]?.runs ?? [] }])),
        }
        : { missing: torch.ok ? 'no result' : torch.reason },
      /** ours / best PyTorch, wall clock (medians) */
      ratio: round(ratio),
      /** ours / best PyTorch in samples per CPU-second of each process (steadier on a shared machine) */
      ratioPerCpuSecond: round(perCpu),
      ratios,
      contenders: byC,
    };
  }
  return {
    date: new Date().toISOString(), mode, repetitions: o.reps, batchesPerEpoch: BATCHES[mode as 'quick' | 'full'],
    machine: { cpus: os.cpus().length, availableParallelism: os.availableParallelism(), cpu: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
    models, trainFirstBatch: latency, seconds: Math.round(seconds),
  };
}

interface ModelSummary {
  ours: Record<string, unknown> | null;
  pytorch: { best?: Record<string, unknown>; byThreads?: Record<string, unknown>; missing?: string };
  ratio: number | null;
  ratioPerCpuSecond: number | null;
  ratios: Record<string, Record<string, number | null>>;
  contenders: Record<string, Contender>;
}

function printTable(r: ReturnType<typeof summarise>): void {
  const models = r.models;
  const cs = Object.keys(models.mlp?.contenders ?? {});
  const head = ['model', ...cs.map((c) => `${c} (samples/s)`), 'ours/best PyTorch', 'per CPU-second'];
  const rows = MODEL_NAMES.map((m) => {
    const byC = models[m].contenders;
    const { ratio, ratioPerCpuSecond } = models[m];
    const best = models[m].pytorch.best?.contender;
    return [m, ...cs.map((c) => (byC[c]?.samplesPerSec !== undefined ? fmt(byC[c].samplesPerSec) + (c === best ? ' *' : '') : 'failed')),
      ratio === null ? (best ? '—' : 'no PyTorch') : `${fmt(ratio, 3)}×`,
      ratioPerCpuSecond === null ? '—' : `${fmt(ratioPerCpuSecond, 3)}×`];
  });
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
  console.log('\n' + line(head));
  console.log('| ' + w.map((n) => '-'.repeat(n)).join(' | ') + ' |');
  for (const row of rows) console.log(line(row));
  const pt = Object.values(models).map((m) => m.pytorch.best).find(Boolean);
  if (pt) console.log(`* the reference: PyTorch ${String(pt.torch)} (BLAS ${String(pt.blas)}) at its fastest thread count for that model`);
  else console.log(`PyTorch: ${String(models.mlp.pytorch.missing)}`);
  for (const m of MODEL_NAMES) {
    const byC = models[m].contenders;
    const mem = Object.entries(byC).map(([c, v]) => `${c} ${fmt(v.peakRssMB)} MB`).join(', ');
    console.log(`peak memory ${m}: ${mem}`);
  }
  console.log('CPU-time rates (samples per CPU-second of the contender\'s process; steadier when others share the cores):');
  for (const m of MODEL_NAMES) {
    const byC = models[m].contenders;
    console.log(`  ${m}: ` + Object.entries(byC).map(([c, v]) => `${c} ${fmt(v.samplesPerCpuSec as number | undefined)}`).join(', '));
  }
  const l = r.trainFirstBatch;
  console.log(l.ok ? `train command → first batch: ${fmt(l.medianMs)} ms (median of ${l.runsMs?.length}), peak ${fmt(l.peakRssMB)} MB`
    : `train command → first batch: skipped (${l.reason})`);
  console.log(`medians of ${r.repetitions} repetition(s); samples/s of the 2nd epoch; ${r.seconds} s in all`);
}

interface GemmRow {
  name: string; M: number; N: number; K: number; transA: boolean; transB: boolean;
  /** wall-clock GFLOP/s (medians of 3 runs) and GFLOP per CPU-second of the process, per contender */
  gflops: Record<string, number | null>; gflopsPerCpuSecond: Record<string, number | null>;
}
interface GemmTable { contenders: string[]; rows: GemmRow[]; errors: Record<string, string> }

/**
 * GFLOP/s at the models' GEMM shapes: ours (bench/gemm.ts) at 1 thread and at the engine's thread count,
 * OpenBLAS through PyTorch (bench/torch_gemm.py) at PyTorch's thread counts; alternated, medians of 3.
 */
async function gemmTable(o: Options, torch: { ok: boolean; python?: string }): Promise<GemmTable> {
  const ours = [...new Set([1, os.availableParallelism()])].map((t) => ({ name: `ours-${t}t`, cmd: process.execPath, args: ['--import', 'tsx', path.join(__dirname, 'gemm.ts'), String(t)], env: process.env }));
  const blas = (torch.ok ? TORCH_THREADS : []).map((t) => ({
    name: `openblas-${t}t`, cmd: torch.python ?? 'python3', args: [path.join(__dirname, 'torch_gemm.py'), String(t), JSON.stringify(GEMM_SHAPES)], env: torchEnv(),
  }));
  const all = [...ours, ...blas];
  const got: Record<string, Record<string, number[]>> = {};
  const perCpu: Record<string, Record<string, number[]>> = {};
  const errors: Record<string, string> = {};
  for (let rep = 0; rep < 3; rep++) {
    for (let i = 0; i < all.length; i++) {
      const c = all[(i + rep) % all.length];
      const s = await runJson(c.cmd, c.args, 300_000, c.env);
      if (s.error || !Array.isArray(s.shapes)) { errors[c.name] = s.error ?? 'no shapes'; continue; }
      for (const row of s.shapes as Array<{ name: string; gflops: number; gflopsPerCpuSecond: number }>) {
        (((got[c.name] ??= {})[row.name]) ??= []).push(row.gflops);
        (((perCpu[c.name] ??= {})[row.name]) ??= []).push(row.gflopsPerCpuSecond);
      }
    }
  }
  const med = (table: Record<string, Record<string, number[]>>, c: string, name: string) =>
    ((v) => (v === undefined ? null : Math.round(v * 10) / 10))(median(table[c]?.[name] ?? []));
  const rows = GEMM_SHAPES.map((shape) => ({
    ...shape,
    gflops: Object.fromEntries(all.map((c) => [c.name, med(got, c.name, shape.name)])),
    gflopsPerCpuSecond: Object.fromEntries(all.map((c) => [c.name, med(perCpu, c.name, shape.name)])),
  }));
  return { contenders: all.map((c) => c.name), rows, errors };
}

function printGemm(g: GemmTable): void {
  if (g.rows.length === 0) return;
  const head = ['GEMM (M×N×K)', ...g.contenders.map((c) => `${c} GFLOP/s (per CPU-s)`)];
  const rows = g.rows.map((r) => [`${r.name} (${r.M}×${r.N}×${r.K}${r.transA ? ' Aᵀ' : ''}${r.transB ? ' Bᵀ' : ''})`,
    ...g.contenders.map((c) => `${fmt(r.gflops[c] ?? undefined, 1)} (${fmt(r.gflopsPerCpuSecond[c] ?? undefined, 1)})`)]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
  console.log('\n' + line(head));
  console.log('| ' + w.map((n) => '-'.repeat(n)).join(' | ') + ' |');
  for (const row of rows) console.log(line(row));
  for (const [c, e] of Object.entries(g.errors)) console.log(`GEMM ${c}: ${e}`);
}

main().catch((e: unknown) => {
  console.error('bench:', e instanceof Error ? e.stack : e);
  process.exit(0); // reports, never fails
});
