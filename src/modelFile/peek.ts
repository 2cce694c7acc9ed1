/**
 * The column names of a data file, reading only its beginning: validation runs on every keystroke in
 * the editor, so it must not load a data set to check that `label` names a column.
 */
import { open, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import Papa from 'papaparse';

const CHUNK = 64 * 1024;
const MAX_HEADER = 4 * 1024 * 1024;
/** JSON / JSONL: the union of the keys of the records in this much of the file (the pipeline takes all keys). */
const MAX_RECORDS_BYTES = 1024 * 1024;

export type PeekFormat = 'csv' | 'tsv' | 'json' | 'jsonl';

/** The format a data file's name implies (`auto` in the model file), or undefined when it says nothing. */
export function formatFromExtension(file: string): PeekFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.txt') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return undefined;
}

export interface PeekedColumns {
  columns: string[];
  /** false when a json/jsonl file was longer than what was read: a later record may add a column */
  complete: boolean;
  /** the first rows (at most SAMPLE_ROWS), for a guess at which columns hold images or free text */
  sample: Record<string, unknown>[];
}

const SAMPLE_ROWS = 100;

/**
 * Column names of a csv/tsv (its header row) or json/jsonl file (keys of the records), read as the data
 * pipeline reads them: BOM dropped, header names trimmed, blank lines before the header skipped, the
 * delimiter of a .csv detected from the header (, ; tab |) unless given. `format` may be `auto`
 * (from the extension, csv when it says nothing). Throws an Error whose message a person can act on.
 */
export async function peekColumns(file: string, format: string, delimiter?: string): Promise<string[]> {
  return (await peekTable(file, format, delimiter)).columns;
}

export async function peekTable(file: string, format: string, delimiter?: string): Promise<PeekedColumns> {
  const fmt: PeekFormat = format === 'auto' || format === undefined ? formatFromExtension(file) ?? 'csv' : (format as PeekFormat);
  if (fmt === 'csv' || fmt === 'tsv') {
    const { text: head, complete } = await readHead(file, MAX_HEADER, (text) => /\S[^]*\n/.test(text));
    if (head.trim() === '') throw new Error('the data file is empty: it needs a header row naming the columns');
    const d = delimiter ?? (fmt === 'tsv' ? '\t' : sniffDelimiter(head.replace(/^\s*\n/, '')));
    const parsed = Papa.parse<string[]>(head, { preview: SAMPLE_ROWS + 2, delimiter: d, skipEmptyLines: 'greedy' });
    const at = parsed.data.findIndex((row) => row.some((h) => String(h).trim() !== ''));
    if (at < 0) throw new Error('the data file has no header row naming the columns');
    const columns = parsed.data[at].map((h) => String(h).trim());
    // The last row read may be cut where the chunk ended: leave it out of the sample.
    const rows = parsed.data.slice(at + 1, complete ? undefined : -1).slice(0, SAMPLE_ROWS);
    const sample = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
    return { columns, complete: true, sample };
  }
  const { text: head, complete } = await readHead(file, MAX_RECORDS_BYTES, () => false);
  if (head.trim() === '') throw new Error('the data file is empty');
  const records = fmt === 'jsonl' ? jsonlRecords(head, complete) : jsonArrayRecords(head);
  const columns: string[] = [];
  for (const r of records) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  if (columns.length === 0) throw new Error(fmt === 'json' ? 'the data file holds no records: it should be a JSON array of objects, e.g. [{"x": 1, "y": "a"}]' : 'the data file holds no records: one JSON object per line');
  return { columns, complete, sample: records.slice(0, SAMPLE_ROWS) };
}

/** The delimiter of a .csv: the most frequent of , ; tab | in the header line, outside quotes (as the pipeline does). */
export function sniffDelimiter(text: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch]++;
  }
  let best = ',';
  for (const d of [';', '\t', '|']) if (counts[d] > counts[best]) best = d;
  return best;
}

/** The beginning of a file without a BOM: whole chunks until `done` says enough, at most `max` bytes. */
async function readHead(file: string, max: number, done: (text: string) => boolean): Promise<{ text: string; complete: boolean }> {
  const handle = await open(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    let complete = false;
    for (;;) {
      const buf = Buffer.alloc(CHUNK);
      const { bytesRead } = await handle.read(buf, 0, CHUNK, total);
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (bytesRead < CHUNK) {
        complete = true;
        break;
      }
      if (total >= max || done(Buffer.concat(chunks).toString('utf8'))) break;
    }
    return { text: Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, ''), complete };
  } finally {
    await handle.close();
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonlRecords(text: string, complete: boolean): Record<string, unknown>[] {
  const lines = text.split(/\r?\n/);
  const out: Record<string, unknown>[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      // The last line may be cut where reading stopped.
      if (i === lines.length - 1 && !complete) break;
      throw new Error(`line ${i + 1} of the data file is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!isRecord(v)) throw new Error(`line ${i + 1} of the data file is not a JSON object`);
    out.push(v);
  }
  return out;
}

/** The complete records at the start of a JSON array, scanning the text so a cut-off tail does not matter. */
function jsonArrayRecords(text: string): Record<string, unknown>[] {
  const start = text.search(/\S/);
  if (start < 0) return [];
  if (text[start] !== '[') throw new Error('the data file is not a JSON array of records (it should start with `[`)');
  const out: Record<string, unknown>[] = [];
  let depth = 0;
  let inString = false;
  let itemStart = -1;
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) itemStart = i;
      depth++;
    } else if (c === '}' || c === ']') {
      if (depth === 0) break; // the end of the array
      depth--;
      if (depth === 0 && itemStart >= 0) {
        const v: unknown = JSON.parse(text.slice(itemStart, i + 1));
        if (!isRecord(v)) throw new Error('the data file is a JSON array, but its items are not records (objects with column names)');
        out.push(v);
        itemStart = -1;
      }
    }
  }
  return out;
}

export interface PeekedFolder {
  /** class subfolders (hidden ones skipped), sorted */
  classes: string[];
  /** counts among the files looked at (at most FOLDER_SAMPLE per class) */
  images: number;
  texts: number;
}

const FOLDER_SAMPLE = 200;
const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/**
 * What a class-per-subfolder source holds: its classes, and whether it is mostly images or texts
 * (the pipeline takes whichever kind is more common). Looks at a sample of each class folder only.
 */
export async function peekFolder(dir: string): Promise<PeekedFolder> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  const classes = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  let images = 0;
  let texts = 0;
  for (const c of classes) {
    const files = (await readdir(path.join(dir, c))).slice(0, FOLDER_SAMPLE);
    for (const f of files) {
      const ext = path.extname(f).toLowerCase();
      if (IMAGE_EXT.has(ext)) images++;
      else if (ext === '.txt') texts++;
    }
  }
  return { classes, images, texts };
}

const IMAGE_RE = /\.(png|jpe?g)$/i;
const MISSING = new Set(['', 'na', 'n/a', 'nan', '-nan', 'null', 'none', '<na>', '#n/a', '?']);

/**
 * What a sample of a column suggests it holds, by the rules the data pipeline infers types with
 * (src/engine/data/infer.ts): every value an image path → image; mostly distinct, spaced, long
 * strings (≥ 10 of them) → text. A guess from the first rows only, used to avoid false alarms.
 */
export function guessKind(values: readonly unknown[]): 'image' | 'text' | undefined {
  const present = values.filter((v) => v !== null && v !== undefined && !MISSING.has(String(v).trim().toLowerCase())).map((v) => String(v).trim());
  if (present.length === 0 || present.every((s) => s !== '' && !Number.isNaN(Number(s)))) return undefined;
  if (present.every((s) => IMAGE_RE.test(s))) return 'image';
  const spaced = present.filter((s) => /\s/.test(s)).length;
  const length = present.reduce((n, s) => n + s.length, 0);
  if (new Set(present).size > 0.5 * present.length && spaced > 0.5 * present.length && length / present.length >= 20 && present.length >= 10) return 'text';
  return undefined;
}
