/** Workspaces, the CLI and SLURM's tools for the cluster tests (test/slurm/run.ts starts the cluster). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';

export const REPO = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO, 'dist', 'cli.js');

export const TARGETS = `# targets of the cluster tests (partition debug of test/slurm/setup.sh's cluster)
targets:
  debug: { type: slurm, partition: debug, cpusPerTask: 1, mem: 600M, time: "00:10:00", pollSeconds: 2 }
  short: { type: slurm, partition: debug, cpusPerTask: 1, mem: 600M, time: 1, pollSeconds: 2 }
  later: { type: slurm, partition: debug, mem: 600M, sbatchArgs: ["--begin=now+1hour"], pollSeconds: 2 }
  nopart: { type: slurm, partition: nosuchpartition }
`;

/** The iris example in a fresh workspace under the temp folder: cpu backend, no early stopping, `epochs` epochs. */
export function workspace(epochs: number, name = 'iris'): { dir: string; model: string; runs: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-slurm-'));
  fs.mkdirSync(path.join(dir, '.git'));
  fs.mkdirSync(path.join(dir, '.model-studio'));
  fs.writeFileSync(path.join(dir, '.model-studio', 'targets.yaml'), TARGETS);
  fs.copyFileSync(path.join(REPO, 'examples', 'iris', 'iris.csv'), path.join(dir, 'iris.csv'));
  const yaml = fs.readFileSync(path.join(REPO, 'examples', 'iris', 'iris.model.yaml'), 'utf8')
    .replace(/^sweep:[\s\S]*$/m, '') // the example's own sweep (its last section): a test that sweeps brings its own
    .replace(/^name: \S+/m, `name: ${name}`)
    .replace(/epochs: \d+/, `epochs: ${epochs}`)
    .replace(/^\s*earlyStopping:.*$/m, '')
    .replace(/backend: \w+/, 'backend: cpu');
  const model = path.join(dir, `${name}.model.yaml`);
  fs.writeFileSync(model, yaml);
  return { dir, model, runs: path.join(dir, 'runs') };
}

export interface Cli {
  child: ChildProcess;
  lines: string[];
  stderr(): string;
  exited: Promise<number | null>;
  /** JSON lines of stdout that parse */
  events(): Array<Record<string, unknown>>;
}

const started: Cli[] = [];
// A test that failed half-way must not leave its CLI following a job, or the job in the queue.
after(() => {
  for (const c of started) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    const job = c.events().find((e) => e.event === 'submitted')?.jobId;
    if (typeof job === 'string') spawnSync('scancel', [job], { timeout: 10_000 });
  }
});

export function cli(args: string[], cwd: string): Cli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let err = '';
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ? null : code)));
  const events = () => lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  const c = { child, lines, stderr: () => err, exited, events };
  started.push(c);
  return c;
}

/** Poll until `probe` gives something truthy. */
export async function until<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 120_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A SLURM tool's stdout (throws with its stderr when it fails). */
export function slurm(tool: string, args: string[]): string {
  const r = spawnSync(tool, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** The epoch lines of a run's metrics.jsonl without their timings (the numbers two runs must share). */
export function epochLines(runDir: string): Array<Record<string, unknown>> {
  const text = fs.existsSync(path.join(runDir, 'metrics.jsonl')) ? fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8') : '';
  return text.split('\n').filter((l) => l.includes('"event":"epoch"')).map((l) => {
    const { elapsedMs: _e, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  });
}

/** Every file under a folder, relative, sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

export const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
export const last = (c: Cli) => c.events()[c.events().length - 1] ?? {};
