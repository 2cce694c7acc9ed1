/**
 * What a folder given to `serve` means: a model folder (model.json), a run folder (its model/,
 * or checkpoints/best/ of a run that stopped before saving one, as `predict` takes it), or the
 * runs folder of one model (runs/<model>/), where each completed run is a version, numbered 1… in
 * run order (run ids sort by time), the newest being the default. A runs folder with no completed
 * run serves the best checkpoints of the runs that stopped early (crashed, killed, stopped), and
 * says so in `note`.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { isRecord } from '../protocol/engine';
import type { ServedVersionInfo } from '../protocol/serve';
import { ModelFolderError } from './loader';

export interface ResolvedModel {
  name: string;
  versions: ServedVersionInfo[];
  defaultVersion: number;
  /** something the server should tell the user at start (e.g. that it serves checkpoints of unfinished runs) */
  note?: string;
}

const isModelDir = (dir: string): boolean => existsSync(path.join(dir, 'model.json'));

async function readJsonSafe(file: string): Promise<Record<string, unknown> | null> {
  try {
    const v = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return isRecord(v) ? v : null;
  } catch {
    return null;
  }
}

/** The model's name from spec.json (or run.json) of a run folder. */
async function nameFromRun(runDir: string): Promise<string | null> {
  for (const file of ['spec.json', 'run.json']) {
    const json = await readJsonSafe(path.join(runDir, file));
    if (!json) continue;
    for (const key of ['name', 'modelName', 'model']) if (typeof json[key] === 'string' && json[key]) return json[key] as string;
  }
  return null;
}

/** URL-safe: TF Serving model names go in the path. */
export function safeName(name: string): string {
  const s = name.trim().replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return s || 'model';
}

export async function resolveModel(input: string, name?: string): Promise<ResolvedModel> {
  const dir = path.resolve(input);
  if (!existsSync(dir)) throw new ModelFolderError(`${input}: no such folder. Give a model folder (with model.json), a run folder or a runs folder of one model.`);

  if (isModelDir(dir)) {
    const runDir = path.basename(dir) === 'model' ? path.dirname(dir) : null;
    // serve.json: written by export, so an exported folder keeps the model's name.
    const baked = await readJsonSafe(path.join(dir, 'serve.json'));
    const bakedName = baked && typeof baked.name === 'string' && baked.name ? baked.name : null;
    const found = name ?? bakedName ?? (runDir ? await nameFromRun(runDir) : null) ?? (runDir ? path.basename(path.dirname(runDir)) : path.basename(dir));
    return { name: safeName(found), versions: [{ version: 1, dir, runId: runDir ? path.basename(runDir) : undefined }], defaultVersion: 1 };
  }
  // A run folder: its model/, or the best checkpoint of a run that stopped before saving one.
  for (const sub of [['model'], ['checkpoints', 'best']]) {
    if (!isModelDir(path.join(dir, ...sub))) continue;
    const found = name ?? (await nameFromRun(dir)) ?? path.basename(path.dirname(dir));
    return { name: safeName(found), versions: [{ version: 1, dir: path.join(dir, ...sub), runId: path.basename(dir) }], defaultVersion: 1 };
  }

  // A runs folder: every completed run with a saved model, in run-id order.
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const completed: string[] = [];
  const unfinished: Array<{ id: string; sub: string[]; status: string }> = [];
  for (const id of entries) {
    const runDir = path.join(dir, id);
    const run = await readJsonSafe(path.join(runDir, 'run.json'));
    const status = run && typeof run.status === 'string' ? run.status : null;
    if ((status === null || status === 'completed') && isModelDir(path.join(runDir, 'model'))) {
      completed.push(id);
      continue;
    }
    const sub = [['model'], ['checkpoints', 'best']].find((s) => isModelDir(path.join(runDir, ...s)));
    if (sub) unfinished.push({ id, sub, status: status ?? 'no run.json' });
  }
  if (completed.length > 0) {
    const versions = completed.map((id, i) => ({ version: i + 1, dir: path.join(dir, id, 'model'), runId: id }));
    const found = name ?? (await nameFromRun(path.join(dir, completed[completed.length - 1]))) ?? path.basename(dir);
    return { name: safeName(found), versions, defaultVersion: versions.length };
  }
  if (unfinished.length > 0) {
    // No run finished: serve what `predict` would take from each run folder (its best checkpoint).
    const versions = unfinished.map((r, i) => ({ version: i + 1, dir: path.join(dir, r.id, ...r.sub), runId: r.id }));
    const found = name ?? (await nameFromRun(path.join(dir, unfinished[unfinished.length - 1].id))) ?? path.basename(dir);
    const which = unfinished.map((r) => `${r.id} (${r.status}, ${r.sub.join('/')})`).join(', ');
    return {
      name: safeName(found), versions, defaultVersion: versions.length,
      note: `${input}: no run here completed; serving the best checkpoint${unfinished.length > 1 ? 's' : ''} of ${which}. Train again to serve a finished model.`,
    };
  }

  // A folder of runs folders (runs/ itself): name the models it holds.
  const models: string[] = [];
  for (const sub of entries) {
    const runIds = (await readdir(path.join(dir, sub), { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name);
    if (runIds.some((id) => isModelDir(path.join(dir, sub, id, 'model')) || isModelDir(path.join(dir, sub, id, 'checkpoints', 'best')))) models.push(sub);
  }
  if (models.length > 0) {
    const shown = models.length > 8 ? `${models.slice(0, 8).join(', ')}, … (${models.length} in all)` : models.join(', ');
    throw new ModelFolderError(`${input}: this folder holds the runs of ${models.length} model${models.length > 1 ? 's' : ''} (${shown}); serve one of them, e.g. model-studio serve ${path.join(input, models[0])}`);
  }
  throw new ModelFolderError(`${input}: no model here. Expected model.json (a model folder), model/model.json or checkpoints/best/model.json (a run folder) or runs with model/ inside (a runs folder of one model).`);
}
