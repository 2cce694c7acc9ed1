/**
 * Train-command-to-first-batch latency: spawns `model-studio train FILE --json` on a small model and
 * times the first progress event; also the command's peak memory. Skips with a reason until the CLI works.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rng } from './models';

export interface LatencyResult {
  ok: boolean; reason?: string; medianMs?: number; runsMs?: number[]; peakRssMB?: number; event?: string; command?: string;
}

/** A 300-row table of 4 numbers and a yes/no label (data.csv in `dir`), for tiny benchmark models. */
export function writeTinyTable(dir: string, seed = 5): void {
  const r = rng(seed);
  const rows = ['a,b,c,d,label'];
  for (let i = 0; i < 300; i++) {
    const v = [r(), r(), r(), r()];
    rows.push(`${v.map((x) => x.toFixed(4)).join(',')},${v[0] + v[1] > 1 ? 'yes' : 'no'}`);
  }
  writeFileSync(path.join(dir, 'data.csv'), rows.join('\n') + '\n');
}

function writeExample(dir: string): string {
  writeTinyTable(dir);
  const file = path.join(dir, 'latency.model.yaml');
  writeFileSync(file, [
    'name: latency', 'task: classification',
    'data:', '  source: data.csv', '  label: label',
    'model:', '  layers:', '    - { type: dense, units: 16, activation: relu }',
    'train:', '  epochs: 1', '  batchSize: 16', '  seed: 1', '',
  ].join('\n'));
  return file;
}

function vmHwmMB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch { return undefined; }
}

function once(root: string, file: string, runsDir: string): Promise<{ ms?: number; peak?: number; event?: string; error?: string; command: string }> {
  const built = path.join(root, 'dist', 'cli.js');
  const args = existsSync(built)
    ? [path.join(root, 'bin', 'model-studio.js')]
    : ['--import', 'tsx', path.join(root, 'src', 'cli.ts')];
  args.push('train', file, '--json', '--epochs', '1', '--runs-dir', runsDir);
  const command = `node ${args.map((a) => path.relative(root, a) || a).join(' ')}`;
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let ms: number | undefined;
    let event: string | undefined;
    let peak: number | undefined;
    let buf = '';
    let err = '';
    const poll = setInterval(() => { peak = Math.max(peak ?? 0, vmHwmMB(child.pid ?? -1) ?? 0) || peak; }, 20);
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (ms !== undefined) continue;
        try {
          const ev = JSON.parse(line) as { event?: unknown; type?: unknown };
          const name = String(ev.event ?? ev.type ?? '');
          if (/batch|progress/i.test(name)) { ms = performance.now() - t0; event = name; }
        } catch { /* not JSON: ignore */ }
      }
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      if (ms !== undefined) resolve({ ms, peak, event, command });
      else resolve({ error: `no batch/progress event (exit ${code ?? 'killed'}): ${err.trim().split('\n').slice(-1)[0]?.slice(0, 200) ?? ''}`, command });
    });
  });
}

export async function firstBatchLatency(root: string, reps: number): Promise<LatencyResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ms-bench-'));
  try {
    const file = writeExample(dir);
    const runs: number[] = [];
    const peaks: number[] = [];
    let last: Awaited<ReturnType<typeof once>> | undefined;
    for (let i = 0; i < reps; i++) {
      last = await once(root, file, path.join(dir, 'runs'));
      if (last.ms === undefined) return { ok: false, reason: last.error, command: last.command };
      runs.push(Math.round(last.ms));
      if (last.peak) peaks.push(last.peak);
    }
    const sorted = [...runs].sort((a, b) => a - b);
    return {
      ok: true, medianMs: sorted[sorted.length >> 1], runsMs: runs,
      peakRssMB: peaks.length ? Math.max(...peaks) : undefined, event: last?.event, command: last?.command,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
