/**
 * The column names of a data file, reading only its beginning: validation runs on every keystroke in
 * the editor, so it must not load a data set to check that `label` names a column.
 *
 * Also the first look every reader of a data path takes (validate, inspect, train, predict, evaluate and
 * the streaming readers alike): only regular files (and folders, for images and texts) are data, and a
 * file that is not text (gzip, PNG, UTF-16, …) is named for what it is before anything reads columns.
 */
import { constants as fsConstants, statSync, type Stats } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { formatOfName, openTable, type TableFormat } from '../engine/data/readers';
import { CsvSyntaxError, CsvTokenizer, isBlank, sniffDelimiter } from '../engine/data/readers/csvTokenizer';
import { formatSize, formatSizeOver, limit, limitHint } from '../limits';

const CHUNK = 64 * 1024;
/** JSON / JSONL: the union of the keys of the records in this much of the file (the pipeline takes all keys). */
const MAX_RECORDS_BYTES = 1024 * 1024;

/** A data path that is neither a regular file nor a folder (a FIFO, a device, a socket): reading it could never end. */
export class NotDataFileError extends Error {
  /** the message without the file's name: "is a named pipe (FIFO), not a regular file: …" */
  readonly reason: string;
  constructor(readonly file: string, readonly kind: string) {
    const reason = `is ${kind}, not a regular file: data must be a file on disk (or, for images and texts, a folder of them), because a pipe or a device may never end; save the data to a file and point to that`;
    super(`${path.basename(file)} ${reason}`);
    this.reason = reason;
    this.name = 'NotDataFileError';
  }
}

/** What a file system entry is when it is not data (undefined for regular files and folders). */
export function specialFileKind(st: Stats): string | undefined {
  if (st.isFile() || st.isDirectory()) return undefined;
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

/** stat (following links) of a data path; throws NotDataFileError at once for pipes, devices and sockets. */
export async function statData(file: string): Promise<Stats> {
  const st = await stat(file);
  const kind = specialFileKind(st);
  if (kind) throw new NotDataFileError(file, kind);
  return st;
}

/** statData without blocking on a promise (for the synchronous resolvers). */
export function statDataSync(file: string): Stats {
  const st = statSync(file);
  const kind = specialFileKind(st);
  if (kind) throw new NotDataFileError(file, kind);
  return st;
}

/**
 * Open a data file for reading, refusing anything but a regular file. Opened non-blocking so that a
 * FIFO swapped in after the stat cannot block the open itself; checked again on the open handle.
 */
export async function openDataFile(file: string): Promise<FileHandle> {
  await statData(file);
  const handle = await open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const st = await handle.stat();
    const kind = st.isDirectory() ? 'a folder' : specialFileKind(st);
    if (kind) throw new NotDataFileError(file, kind);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The whole of a data file (an image, a text), refusing pipes and devices; `maxBytes` bounds what is read. */
export async function readDataFile(file: string, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const handle = await openDataFile(file);
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new Error(`the file is ${formatSizeOver(size, maxBytes)}, larger than the limit of ${formatSize(maxBytes)}`);
    // eslint-disable-next-line no-restricted-properties -- one sample file (an image, a .txt example), bounded by maxBytes; tables are streamed
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Magic numbers of files people point `data.source` at by mistake, and what to do about each. */
/** `ascii`: the signature is printable, so it counts only when the bytes are not text anyway (a column may be named PAR1). */
const SIGNATURES: { bytes: number[]; what: string; hint: string; ascii?: true }[] = [
  { bytes: [0x1f, 0x8b], what: 'a gzip-compressed file', hint: 'decompress it first (gunzip)' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (or an Excel .xlsx workbook)', hint: 'extract it, or save the sheet as CSV' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: 'an old Office document (e.g. an Excel .xls workbook)', hint: 'save the sheet as CSV' },
  { bytes: [0x42, 0x5a, 0x68], ascii: true, what: 'a bzip2-compressed file', hint: 'decompress it first (bunzip2)' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'an xz-compressed file', hint: 'decompress it first (unxz)' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'a zstd-compressed file', hint: 'decompress it first (unzstd)' },
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image', hint: 'images go in a folder with one subfolder per class, or in a column of image paths' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image', hint: 'images go in a folder with one subfolder per class, or in a column of image paths' },
  { bytes: [0x47, 0x49, 0x46, 0x38], ascii: true, what: 'a GIF image', hint: 'convert it to PNG or JPEG and use a folder of images' },
  { bytes: [0x25, 0x50, 0x44, 0x46], ascii: true, what: 'a PDF document', hint: 'export the table as CSV' },
  { bytes: [0x50, 0x41, 0x52, 0x31], ascii: true, what: 'a Parquet file', hint: 'set `data.format: parquet`' },
  { bytes: [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31], ascii: true, what: 'an Arrow IPC file', hint: 'set `data.format: arrow`' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], ascii: true, what: 'an SQLite database', hint: 'export the table as CSV' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'an executable (ELF)', hint: 'point `data.source` at the data file' },
];

/** A data file that is not UTF-8 text, with what it is and what to do. */
export interface TextProblem {
  message: string;
  /** 1-based line of the first bad byte, when that is meaningful (invalid UTF-8 in otherwise text) */
  line?: number;
  /** byte offset of the first bad byte */
  offset?: number;
}

/**
 * Is this the beginning (or, with `at > 0`, a later chunk) of a UTF-8 text file? Recognises compressed
 * files, images, office documents, UTF-16/32 (with or without BOM), NUL bytes and invalid UTF-8, and says
 * what the file looks like instead of letting a reader report binary as column names. `complete` is false
 * when the bytes end mid-file (a multi-byte character cut at the end is then not an error).
 * `firstLine` numbers the lines of a later chunk.
 */
export function textProblem(bytes: Uint8Array, opts: { complete?: boolean; at?: number; firstLine?: number } = {}): TextProblem | undefined {
  const at = opts.at ?? 0;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (at === 0) {
    const head = buf.subarray(0, CHUNK);
    let text: boolean | undefined;
    for (const sig of SIGNATURES) {
      if (buf.length < sig.bytes.length || !sig.bytes.every((b, i) => buf[i] === b)) continue;
      text ??= head.indexOf(0) < 0 && isUtf8(head.subarray(0, head.length - cutTail(head)));
      if (sig.ascii && text) continue;
      return { message: `this is ${sig.what}, not a text file; ${sig.hint}`, offset: 0 };
    }
    if ((buf[0] === 0xff && buf[1] === 0xfe && buf[2] === 0 && buf[3] === 0) || (buf[0] === 0 && buf[1] === 0 && buf[2] === 0xfe && buf[3] === 0xff)) {
      return { message: 'the file is UTF-32 encoded; save it as UTF-8', offset: 0 };
    }
    if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) return { message: 'the file is UTF-16 encoded; save it as UTF-8', offset: 0 };
    // UTF-16 without a BOM: ASCII text with a NUL after (or before) every character.
    if (buf.length >= 4) {
      const n = Math.min(buf.length, 512) & ~1;
      let even = 0;
      let odd = 0;
      for (let i = 0; i < n; i += 2) {
        if (buf[i] === 0 && buf[i + 1] !== 0) even++;
        if (buf[i + 1] === 0 && buf[i] !== 0) odd++;
      }
      if (Math.max(even, odd) >= 0.9 * (n / 2)) return { message: 'the file looks UTF-16 encoded (a NUL byte beside every character); save it as UTF-8', offset: 0 };
    }
  }
  const nul = buf.indexOf(0);
  if (nul >= 0) {
    const mostly = controlCount(buf, CHUNK) >= 8 && controlShare(buf) > 0.05;
    const where = at + nul;
    if (mostly) return { message: `this is not a text file (a NUL byte at offset ${where}, and mostly bytes that are not text); expected UTF-8 text`, offset: where };
    return { message: `this is not a text file (a NUL byte at offset ${where}); expected UTF-8 text`, offset: where, line: lineAt(buf, nul, opts.firstLine) };
  }
  let checked = buf;
  if (opts.complete === false) checked = buf.subarray(0, buf.length - cutTail(buf));
  if (isUtf8(checked)) return undefined;
  const text = checked.toString('utf8');
  let bad = 0;
  const sample = Math.min(text.length, CHUNK);
  for (let i = 0; i < sample; i++) if (text.charCodeAt(i) === 0xfffd) bad++;
  const odd = bad + controlCount(checked, CHUNK);
  if (odd >= 8 && odd / Math.max(1, sample) > 0.05) {
    return { message: 'this does not look like a text file (mostly bytes that are not UTF-8 text); expected UTF-8 text', offset: at };
  }
  const offset = firstInvalidUtf8(checked);
  return { message: 'the file is not valid UTF-8 (perhaps Latin-1 or Windows-1252); save it as UTF-8', offset: at + offset, line: lineAt(checked, offset, opts.firstLine) };
}

function controlShare(buf: Buffer): number {
  const n = Math.min(buf.length, CHUNK);
  return controlCount(buf, n) / Math.max(1, n);
}

function controlCount(buf: Buffer, max: number): number {
  let control = 0;
  for (let i = 0; i < Math.min(buf.length, max); i++) {
    const c = buf[i];
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
  }
  return control;
}

function lineAt(buf: Buffer, offset: number, firstLine = 1): number {
  let line = firstLine;
  for (let i = buf.indexOf(10); i >= 0 && i < offset; i = buf.indexOf(10, i + 1)) line++;
  return line;
}

/** Bytes at the end that start a multi-byte UTF-8 character the buffer cuts short (0–3). */
function cutTail(buf: Buffer): number {
  for (let k = 1; k <= Math.min(3, buf.length); k++) {
    const b = buf[buf.length - k];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence. */
function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    const need = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (need === 0 || i + need > buf.length) return i;
    for (let k = 1; k < need; k++) if ((buf[i + k] & 0xc0) !== 0x80) return i;
    if (need > 1 && !isUtf8(buf.subarray(i, i + need))) return i;
    i += need;
  }
  return buf.length;
}

export type PeekFormat = TableFormat;

/**
 * The format a data file's name implies (`auto` in the model file), or undefined when it says nothing:
 * the pipeline's own table of extensions, so validation and training agree on every file.
 */
export function formatFromExtension(file: string): PeekFormat | undefined {
  return formatOfName(file);
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
    const maxHeader = limit('headerBytes');
    const scan = new HeaderScan(delimiter ?? (fmt === 'tsv' ? '\t' : undefined));
    const { bytes, complete } = await readHead(file, maxHeader, (chunk) => scan.feed(chunk));
    throwIfNotText(bytes, complete);
    if ((scan.end < 0 && !complete) || scan.end > maxHeader) {
      const quoted = scan.end < 0 && scan.quoted ? ', and a quoted field in it is never closed (check the quotes)' : '';
      throw new Error(`the header row is longer than ${formatSize(maxHeader)} (${(scan.separators + 1).toLocaleString('en-US')} columns or more${quoted}); ` +
        `the first line should name the columns. If the file really has this many columns, raise the limit: ${limitHint('headerBytes', maxHeader)}`);
    }
    const head = bytes.toString('utf8').replace(/^\uFEFF/, '');
    if (head.trim() === '') throw new Error('the data file is empty: it needs a header row naming the columns');
    // The pipeline's own CSV tokenizer and delimiter rule, so validation sees the columns training will.
    const d = delimiter ?? (fmt === 'tsv' ? '\t' : sniffDelimiter(head));
    const parsed: string[][] = [];
    try {
      // A record cut where the chunk ended is not complete yet: the tokenizer keeps it back.
      new CsvTokenizer(d, (fields) => {
        if (!isBlank(fields)) parsed.push(fields.slice());
        return parsed.length < SAMPLE_ROWS + 1;
      }).feed(head, complete);
    } catch (err) {
      // a broken quote further down: the header and the rows before it still say what the columns are
      if (!(err instanceof CsvSyntaxError)) throw err;
    }
    if (parsed.length === 0) throw new Error('the data file has no header row naming the columns');
    const columns = parsed[0].map((h) => h.trim());
    const sample = parsed.slice(1, SAMPLE_ROWS + 1).map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
    return { columns, complete: true, sample };
  }
  if (fmt === 'parquet' || fmt === 'arrow') return peekColumnar(file, fmt);
  const { bytes, complete } = await readHead(file, MAX_RECORDS_BYTES, () => false);
  throwIfNotText(bytes, complete);
  const head = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (head.trim() === '') throw new Error('the data file is empty');
  const records = fmt === 'jsonl' ? jsonlRecords(head, complete) : jsonArrayRecords(head);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  if (columns.length === 0) throw new Error(fmt === 'json' ? 'the data file holds no records: it should be a JSON array of objects, e.g. [{"x": 1, "y": "a"}]' : 'the data file holds no records: one JSON object per line');
  return { columns, complete, sample: records.slice(0, SAMPLE_ROWS) };
}

/** Arrow files larger than this give their column names but no sample rows (its first record batch could be all of it). */
const ARROW_SAMPLE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Parquet / Arrow: the column names from the file's schema (Parquet: its footer; Arrow: its first
 * message), and the first rows as the pipeline reads them (Parquet: the first SAMPLE_ROWS of the first row
 * group; Arrow: of the first record batch, when the file is small enough that reading one is cheap).
 */
async function peekColumnar(file: string, format: 'parquet' | 'arrow'): Promise<PeekedColumns> {
  const reader = await openTable(file, { format, batchRows: SAMPLE_ROWS });
  try {
    const sample: Record<string, unknown>[] = [];
    if (format === 'parquet' || reader.size <= ARROW_SAMPLE_MAX_BYTES) {
      for await (const batch of reader.batches()) {
        const n = Math.min(batch.n, SAMPLE_ROWS);
        for (let i = 0; i < n; i++) {
          const row: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
          reader.columns.forEach((c, j) => { row[c] = batch.columns[j]?.[i] ?? null; });
          sample.push(row);
        }
        break;
      }
    }
    return { columns: reader.columns.slice(), complete: true, sample };
  } catch (err) {
    throw new Error(err instanceof Error ? err.message : String(err));
  } finally {
    await reader.close();
  }
}

function throwIfNotText(bytes: Buffer, complete: boolean): void {
  const problem = textProblem(bytes, { complete });
  if (problem) throw new Error(problem.line !== undefined ? `line ${problem.line}: ${problem.message}` : problem.message);
}

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/**
 * Finds where the header row ends, one byte at a time over the chunks as they arrive (linear: the text
 * read so far is never scanned again). A quote opens a quoted field only at the start of a field, as in
 * CSV; a newline inside one does not end the row. The first line that is not blank is the header.
 */
class HeaderScan {
  /** byte offset of the newline that ends the header row; -1 until found */
  end = -1;
  quoted = false;
  /** field separators seen in the header so far (for the message when it is too long) */
  separators = 0;
  private closing = false;
  private fieldStart = true;
  private seenText = false;
  private offset = 0;
  private readonly delimiters: Set<number>;

  constructor(delimiter: string | undefined) {
    this.delimiters = new Set(delimiter !== undefined ? [delimiter.charCodeAt(0)] : [0x2c, 0x3b, 0x09, 0x7c]);
  }

  /** true once the header row is complete */
  feed(chunk: Buffer): boolean {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.quoted) {
        if (b === QUOTE) {
          this.quoted = false;
          this.closing = true;
        }
        continue;
      }
      if (this.closing) {
        this.closing = false;
        if (b === QUOTE) { // "" inside a quoted field
          this.quoted = true;
          continue;
        }
      }
      if (b === NEWLINE) {
        if (this.seenText) {
          this.end = this.offset + i;
          return true;
        }
        this.fieldStart = true;
      } else if (this.delimiters.has(b)) {
        this.separators++;
        this.seenText = true;
        this.fieldStart = true;
      } else if (b === QUOTE && this.fieldStart) {
        this.quoted = true;
        this.seenText = true;
        this.fieldStart = false;
      } else if (b !== 0x20 && b !== 0x0d && b !== 0x09) {
        this.seenText = true;
        this.fieldStart = false;
      }
    }
    this.offset += chunk.length;
    return false;
  }
}

export { sniffDelimiter } from '../engine/data/readers/csvTokenizer';

/**
 * The first bytes of a data file: whole chunks, each handed to `done` once, until it says enough or `max`
 * bytes are read. `complete` when the file ended. Refuses pipes and devices before reading.
 */
async function readHead(file: string, max: number, done: (chunk: Buffer) => boolean): Promise<{ bytes: Buffer; complete: boolean }> {
  const handle = await openDataFile(file);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    let complete = false;
    for (;;) {
      const buf = Buffer.alloc(CHUNK);
      const { bytesRead } = await handle.read(buf, 0, CHUNK, total);
      const chunk = buf.subarray(0, bytesRead);
      chunks.push(chunk);
      total += bytesRead;
      const enough = done(chunk);
      if (bytesRead < CHUNK) {
        complete = true;
        break;
      }
      if (enough || total >= max) break;
    }
    return { bytes: Buffer.concat(chunks), complete };
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

/** A value the pipeline reads as missing (blank, NA, null, ?, …). */
export const isMissingValue = (v: unknown): boolean => v === null || v === undefined || MISSING.has(String(v).trim().toLowerCase());

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
