/**
 * What every end-to-end scenario gets, whichever suite runs it (code-server + Chromium, or desktop VS
 * Code through @vscode/test-electron): the throwaway workspace, the checkout under test, a log, and
 * helpers that poll the run folders on disk. No `vscode` and no playwright here, so both suites load it.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { RunRecord } from '../../src/engine/run';

export interface World {
  /** the workspace the editor has open: a copy of test/e2e/fixtures/ws under the system temp directory */
  ws: string;
  /** the checkout (its dist/cli.js is the CLI scenarios use to check what the extension wrote) */
  root: string;
  /** the folder of the extension under test: the installed VSIX, or the checkout with `--checkout` */
  extension: string;
  log(...parts: unknown[]): void;
}

type Falsy = false | 0 | '' | null | undefined;

/** Polls `probe` until it gives something truthy (which it returns); a probe that throws counts as not yet. */
export async function until<T>(what: string, probe: () => T | Falsy | Promise<T | Falsy>, timeoutMs = 30_000, everyMs = 100): Promise<Exclude<T, Falsy>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as Exclude<T, Falsy>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, everyMs)); // the poll interval, not a wait for a result
  }
}

export const exists = (p: string): Promise<boolean> => fsp.access(p).then(() => true, () => false);

/** The run folders of a model in the workspace's runs folder, oldest first. */
export async function runDirs(w: World, model: string): Promise<string[]> {
  const dir = path.join(w.ws, 'runs', model);
  try {
    return (await fsp.readdir(dir)).sort().map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

/** The run folder of a model that was not there `before`. */
export async function newRunOf(w: World, model: string, before: string[]): Promise<string> {
  return until(`a new run folder of ${model}`, async () => (await runDirs(w, model)).find((d) => !before.includes(d)), 60_000);
}

/** run.json of a run folder; undefined while it is missing or half written. */
export async function readRun(runDir: string): Promise<Partial<RunRecord> | undefined> {
  try {
    return JSON.parse(await fsp.readFile(path.join(runDir, 'run.json'), 'utf8')) as Partial<RunRecord>;
  } catch {
    return undefined;
  }
}

/** Lines of a run's metrics.jsonl written so far. */
export async function metricsLines(runDir: string): Promise<number> {
  const text = await fsp.readFile(path.join(runDir, 'metrics.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).length;
}

/** The headless CLI of the checkout under test (`dist/cli.js`). */
export function cli(w: World, args: string[]): SpawnSyncReturns<string> {
  // inside desktop VS Code this process is Electron, not Node: run the CLI with the `node` on the PATH
  const node = process.versions.electron ? 'node' : process.execPath;
  return spawnSync(node, [path.join(w.root, 'dist', 'cli.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
}
