/**
 * A run's note and tags (MLflow's run description and tags): `notes.json` in the run folder, beside
 * run.json rather than in it, so editing a note never races the engine rewriting run.json.
 *
 *   { "format": "model-studio-run-notes", "version": 1, "note": "wider first layer", "tags": ["baseline"] }
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../engine/evaluate/atomicWrite';

export const NOTES_FILE = 'notes.json';
export const MAX_NOTE = 10_000;
export const MAX_TAGS = 32;
export const MAX_TAG = 64;

export interface RunNotes { note: string; tags: string[] }

/** Tags as stored: trimmed, no empty ones, no repeats, each at most MAX_TAG characters. Throws on too many. */
export function cleanTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const t = raw.trim().replace(/\s+/g, ' ');
    if (!t) continue;
    if (t.length > MAX_TAG) throw new Error(`a tag is at most ${MAX_TAG} characters (got ${t.length}: "${t.slice(0, 20)}…")`);
    if (!out.includes(t)) out.push(t);
  }
  if (out.length > MAX_TAGS) throw new Error(`a run has at most ${MAX_TAGS} tags (got ${out.length})`);
  return out;
}

export async function readRunNotes(runDir: string): Promise<RunNotes> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fsp.readFile(path.join(runDir, NOTES_FILE), 'utf8'));
  } catch {
    return { note: '', tags: [] };
  }
  const r = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const note = typeof r.note === 'string' ? r.note.slice(0, MAX_NOTE) : '';
  const tags = Array.isArray(r.tags) ? r.tags.filter((t): t is string => typeof t === 'string').map((t) => t.slice(0, MAX_TAG)).slice(0, MAX_TAGS) : [];
  return { note, tags };
}

/** Writes the note and tags of a run folder (atomically); the folder must be a run (have run.json). */
export async function writeRunNotes(runDir: string, notes: RunNotes): Promise<RunNotes> {
  try {
    await fsp.access(path.join(runDir, 'run.json'));
  } catch {
    throw new Error(`${runDir}: not a run folder (no run.json)`);
  }
  if (notes.note.length > MAX_NOTE) throw new Error(`a note is at most ${MAX_NOTE} characters (got ${notes.note.length})`);
  const clean = { note: notes.note.trim(), tags: cleanTags(notes.tags) };
  await writeFileAtomic(path.join(runDir, NOTES_FILE), `${JSON.stringify({ format: 'model-studio-run-notes', version: 1, ...clean }, null, 2)}\n`);
  return clean;
}
