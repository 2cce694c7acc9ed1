/**
 * The hardening suite's harness: throwaway workspaces in the system temp folder, the CLI run as a child
 * process (the bundled dist/cli.js through launch.cjs) with a time limit and its peak memory measured, and
 * adversarial inputs made in code. A case is a row in a table (cases.ts); adding one is adding a row.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
/** node LAUNCH ARGS runs the bundled CLI and reports its peak memory as it exits. */
export const LAUNCH = path.join(__dirname, 'launch.cjs');

export interface Workspace {
  root: string;
  /** absolute path of a file in the workspace */
  file(rel: string): string;
  write(rel: string, content: string | Uint8Array): string;
  dispose(): void;
}

/** A workspace folder (it holds package.json, so the CLI takes it as the workspace root), under the temp dir. */
export function workspace(prefix = 'ms-hardening-'): Workspace {
  const top = realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
  const root = path.join(top, 'ws');
  mkdirSync(root);
  writeFileSync(path.join(root, 'package.json'), '{"private": true}\n');
  const ws: Workspace = {
    root,
    file: (rel) => path.join(root, rel),
    write: (rel, content) => {
      const p = path.join(root, rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, content);
      return p;
    },
    dispose: () => rmSync(top, { recursive: true, force: true }),
  };
  return ws;
}

export interface CliResult {
  code: number | null;
  /** stdout and stderr together, without the memory marker */
  output: string;
  ms: number;
  /** peak resident memory of the process, MB (undefined when it did not exit by itself) */
  maxRssMb?: number;
  timedOut: boolean;
}

/** `model-studio ARGS` in `cwd`, killed after `timeoutMs` (a hang is a failure, never a stuck suite). */
export function runCli(args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [LAUNCH, ...args], { cwd, env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const m = /\n@@maxrss-kb (\d+)\n/.exec(out);
      resolve({ code, output: out.replace(/\n@@maxrss-kb \d+\n/, '').trim(), ms: Date.now() - started, maxRssMb: m ? Number(m[1]) / 1024 : undefined, timedOut });
    });
  });
}

/** Resident memory of a running process, MB (Linux /proc; undefined elsewhere). */
export async function rssMb(pid: number): Promise<number | undefined> {
  try {
    const { readFile } = await import('node:fs/promises');
    const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
