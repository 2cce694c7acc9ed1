/**
 * Reads a run folder for the dashboard with async fs only (the extension host never blocks):
 * run.json, metrics.jsonl, report.json and model/preprocessing.json, each optional.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { outsideWorkspace } from '../modelFile/paths';
import type { EngineMessage } from '../protocol/engine';
import type { ReportView, RunSnapshot, TryItForm } from '../protocol/webview';
import { metricsToMessages, toReportView, toRunSnapshot, toTryItForm } from './normalize';

/** Largest metrics.jsonl the dashboard reads whole (a very long run is read from its tail). */
const MAX_METRICS_BYTES = 64 * 1024 * 1024;

async function readText(file: string, maxBytes = MAX_METRICS_BYTES): Promise<string | undefined> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - maxBytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const text = buffer.toString('utf8');
      // Starting mid-file: drop the partial first line.
      return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Parsed JSON of a file; undefined when the file is missing. A file that does not parse is an error naming it. */
export async function readJson(file: string): Promise<unknown> {
  const text = await readText(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); the run may still be writing it, or it was damaged`);
  }
}

export const modelDirOf = (runDir: string): string => path.join(runDir, 'model');

export async function readSnapshot(runDir: string): Promise<RunSnapshot> {
  return toRunSnapshot(await readJson(path.join(runDir, 'run.json')), runDir);
}

export async function readHistory(runDir: string, runKey: string, epochs?: number): Promise<EngineMessage[]> {
  const text = await readText(path.join(runDir, 'metrics.jsonl'));
  return text === undefined ? [] : metricsToMessages(text, runKey, epochs);
}

/**
 * The report of a run for the dashboard. Thumbnails of misclassified images are read only from inside the
 * run folder or `roots` (the workspace folders), by real path: report.json is a file anyone can edit, and
 * its image paths must not make the editor read (and show) arbitrary files.
 */
export async function readReport(runDir: string, roots: readonly string[] = []): Promise<ReportView | null> {
  const raw = await readJson(path.join(runDir, 'report.json'));
  if (raw === undefined) return null;
  const view = toReportView(raw);
  if (!view) throw new Error(`${path.join(runDir, 'report.json')}: not a Model Studio report (no 'task' of classification or regression)`);
  await Promise.all((view.classification?.misclassified ?? []).map(async (e) => {
    if (!e.imagePath) return;
    if (await insideAny(e.imagePath, [runDir, ...roots])) e.image = await thumbnail(e.imagePath);
    delete e.imagePath;
  }));
  return view;
}

/** Whether `file`'s real path (symlinks resolved) is inside one of `roots`. */
export async function insideAny(file: string, roots: readonly string[]): Promise<boolean> {
  if (!path.isAbsolute(file) || file.includes('\0')) return false;
  for (const root of roots) if ((await outsideWorkspace(file, root)) === undefined) return true;
  return false;
}

/**
 * Whether the dashboard may open `file` in an editor (an `openLocation` message from the webview): a
 * file inside a workspace folder or the run folder, or the model file that trained the run.
 */
export async function locationAllowed(file: string, where: { workspaceFolders: readonly string[]; runDir?: string; specPath?: string }): Promise<boolean> {
  if (where.specPath !== undefined && path.resolve(file) === path.resolve(where.specPath)) return true;
  return insideAny(file, [...where.workspaceFolders, ...(where.runDir ? [where.runDir] : [])]);
}

const MAX_THUMBNAIL_BYTES = 512 * 1024;
const MIME: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };

/** A data: URL of a (small) image file for the misclassified examples; undefined when missing or large. */
async function thumbnail(file: string): Promise<string | undefined> {
  const mime = MIME[path.extname(file).slice(1).toLowerCase()];
  if (!mime) return undefined;
  try {
    const stat = await fs.stat(file);
    if (stat.size > MAX_THUMBNAIL_BYTES) return undefined;
    return `data:${mime};base64,${(await fs.readFile(file)).toString('base64')}`;
  } catch {
    return undefined;
  }
}

export async function readForm(runDir: string): Promise<TryItForm | null> {
  const modelDir = modelDirOf(runDir);
  const raw = await readJson(path.join(modelDir, 'preprocessing.json'));
  return raw === undefined ? null : toTryItForm(raw, modelDir);
}

/** The real row of the evaluated split that report.json keeps for examples (`sample.record`), if any. */
export async function readSample(runDir: string): Promise<Record<string, unknown> | null> {
  const raw = await readJson(path.join(runDir, 'report.json')).catch(() => undefined);
  const sample = typeof raw === 'object' && raw !== null ? (raw as { sample?: unknown }).sample : undefined;
  const record = typeof sample === 'object' && sample !== null ? (sample as { record?: unknown }).record : undefined;
  return typeof record === 'object' && record !== null && !Array.isArray(record) ? (record as Record<string, unknown>) : null;
}
