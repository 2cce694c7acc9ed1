/**
 * JSON Lines (one record per line) and a JSON array of records, read in chunks: each record is
 * parsed on its own, so the file is never one string and never one array of objects. Columns are the
 * keys in order of first appearance (a key that first appears late is missing in earlier rows).
 * Values must be scalars (number, string, boolean, null); nested values are an error naming the key.
 */
import { dataError } from '../errors';
import type { ByteSource } from './source';
import { textChunks, type ChunkOptions } from './textChunks';
import type { RowBatch, TableReader } from './types';

export interface JsonOptions extends ChunkOptions {
  format: 'json' | 'jsonl';
  batchRows?: number;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v} (${JSON.stringify(v)})`;
}

/** Collects records into column-major batches, discovering columns as keys appear. */
class RecordBatcher {
  private cols: unknown[][] = [];
  private lines: number[] = [];
  private readonly index = new Map<string, number>();
  records = 0;

  constructor(private readonly file: string, readonly columns: string[], private readonly format: 'json' | 'jsonl') {
    columns.forEach((c, i) => this.index.set(c, i));
  }

  add(v: unknown, line: number): void {
    this.records++;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw dataError(this.file, `record ${this.records} is ${describe(v)}; every record must be an object like {"col": value}`, line);
    }
    const row = this.lines.length;
    for (const key of Object.keys(v)) {
      const val = (v as Record<string, unknown>)[key];
      if (val !== null && typeof val === 'object') {
        throw dataError(this.file, `the value is ${describe(val)}; values must be numbers, strings, booleans or null (flatten nested data)`, line, key);
      }
      let c = this.index.get(key);
      if (c === undefined) {
        if (key.trim() === '') throw dataError(this.file, 'a record has an empty key; give every field a name', line);
        c = this.columns.length;
        this.columns.push(key);
        this.index.set(key, c);
      }
      while (this.cols.length <= c) this.cols.push([]);
      const col = this.cols[c];
      while (col.length < row) col.push(undefined);
      col.push(val);
    }
    this.lines.push(line);
  }

  /** The batch so far (every column padded to its length), and a fresh one started. */
  take(bytesRead: number): RowBatch | undefined {
    const n = this.lines.length;
    if (n === 0) return undefined;
    while (this.cols.length < this.columns.length) this.cols.push([]);
    for (const col of this.cols) while (col.length < n) col.push(undefined);
    const batch: RowBatch = { n, columns: this.cols, lines: this.lines, bytesRead };
    this.cols = [];
    this.lines = [];
    return batch;
  }

  get pending(): number { return this.lines.length; }

  finish(): void {
    if (this.records === 0) {
      throw dataError(this.file, `the file holds no records; expected ${this.format === 'json' ? 'a non-empty array of objects' : 'one JSON object per line'}`, 1);
    }
  }
}

export async function openJson(src: ByteSource, opts: JsonOptions): Promise<TableReader> {
  const columns: string[] = [];
  const batchRows = opts.batchRows ?? 8192;
  const file = src.file;
  const reader: TableReader = {
    file,
    format: opts.format,
    columns,
    decimalComma: false,
    size: src.size,
    batches(signal?: AbortSignal) {
      return opts.format === 'jsonl' ? jsonLines(src, opts, columns, batchRows, signal) : jsonArray(src, opts, columns, batchRows, signal);
    },
    close: () => src.close(),
  };
  return reader;
}

async function* jsonLines(src: ByteSource, opts: ChunkOptions, columns: string[], batchRows: number, signal?: AbortSignal): AsyncGenerator<RowBatch> {
  const out = new RecordBatcher(src.file, columns, 'jsonl');
  let line = 0;
  let empty = true;
  for await (const chunk of textChunks(src, { ...opts, signal })) {
    const text = chunk.text;
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      line++;
      let s = text.slice(start, end);
      start = end + 1;
      if (s.length > 0 && s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1);
      if (s.trim() === '') continue;
      empty = false;
      let v: unknown;
      try {
        v = JSON.parse(s);
      } catch (err) {
        if (chunk.dirty && (s.includes('\u0000') || s.includes('\uFFFD'))) {
          throw dataError(src.file, 'this line is not valid UTF-8 text (a NUL byte, or Latin-1 / Windows-1252 bytes); save the file as UTF-8', line);
        }
        throw dataError(src.file, `invalid JSON on this line: ${err instanceof Error ? err.message : String(err)}`, line);
      }
      if (chunk.dirty) checkValues(src.file, v, line);
      out.add(v, line);
      if (out.pending >= batchRows) yield out.take(chunk.bytesRead) as RowBatch;
    }
  }
  if (empty) throw dataError(src.file, 'the file is empty; expected one JSON object per line');
  const rest = out.take(src.size);
  if (rest) yield rest;
  out.finish();
}

/** A string value that came from bytes that are not UTF-8 text. */
function checkValues(file: string, v: unknown, line: number): void {
  if (v === null || typeof v !== 'object') return;
  for (const [key, val] of Object.entries(v)) {
    if (typeof val === 'string' && (val.includes('\u0000') || val.includes('\uFFFD'))) {
      throw dataError(file, 'the value is not valid UTF-8 text (a NUL byte, or Latin-1 / Windows-1252 bytes); save the file as UTF-8', line, key);
    }
  }
}

/**
 * A JSON array of records, scanned for its top-level elements (strings and nesting tracked across
 * chunks); each element is parsed on its own. `[ {...}, {...} ]` with any whitespace.
 */
async function* jsonArray(src: ByteSource, opts: ChunkOptions, columns: string[], batchRows: number, signal?: AbortSignal): AsyncGenerator<RowBatch> {
  const out = new RecordBatcher(src.file, columns, 'json');
  let state: 'start' | 'value' | 'after' | 'end' = 'start';
  let line = 1;
  let element = ''; // the text of the current element so far (across chunks)
  let elementLine = 1;
  const openers: number[] = [];
  let inString = false;
  let escaped = false;
  let sawAny = false;
  let dirty = false;
  const fail = (message: string, at: number): never => { throw dataError(src.file, message, at); };
  const parseElement = (text: string, startLine: number) => {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const pos = /position (\d+)/.exec(message);
      const lc = /line (\d+) column (\d+)/.exec(message);
      const offset = lc ? Number(lc[1]) - 1 : pos ? countLines(text, Number(pos[1])) : 0;
      if (dirty && (text.includes('\u0000') || text.includes('\uFFFD'))) fail('this record is not valid UTF-8 text (a NUL byte, or Latin-1 / Windows-1252 bytes); save the file as UTF-8', startLine + offset);
      return fail(`invalid JSON: ${message}`, startLine + offset);
    }
    if (dirty) checkValues(src.file, v, startLine);
    out.add(v, startLine);
  };
  for await (const chunk of textChunks(src, { ...opts, signal })) {
    dirty = chunk.dirty;
    const text = chunk.text;
    let i = 0;
    let from = 0; // where the current element's text starts in this chunk (when in 'value')
    for (; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (state === 'value') {
        if (inString) {
          if (escaped) escaped = false;
          else if (ch === 92) escaped = true;
          else if (ch === 34) inString = false;
          else if (ch === 10) line++;
          continue;
        }
        if (ch === 34) inString = true;
        else if (ch === 123 || ch === 91) openers.push(ch);
        else if (ch === 125 || ch === 93) {
          if (openers.length === 0) {
            if (ch === 125) fail("invalid JSON: unexpected '}'", line);
            // ']' ends the array right after a value
            parseElement(element + text.slice(from, i), elementLine);
            element = '';
            state = 'end';
            continue;
          }
          const open = openers.pop();
          if ((open === 123) !== (ch === 125)) fail(`invalid JSON: '${open === 123 ? '}' : ']'}' expected, found '${String.fromCharCode(ch)}'`, line);
        } else if (ch === 44 && openers.length === 0) {
          parseElement(element + text.slice(from, i), elementLine);
          element = '';
          state = 'after';
          continue;
        } else if (ch === 10) line++;
        continue;
      }
      if (ch === 10) { line++; continue; }
      if (ch === 32 || ch === 9 || ch === 13) continue;
      if (state === 'start') {
        if (ch !== 91) {
          const rest = text.slice(i, i + 1);
          const what = rest === '{' ? 'an object' : rest === '"' ? 'a string' : /[-0-9]/.test(rest) ? 'a number' : 'something else';
          fail(`expected a JSON array of records ([{"col": value, …}, …]), got ${what}; for one record per line use .jsonl`, line);
        }
        state = 'after';
        sawAny = false;
        continue;
      }
      if (state === 'after') {
        if (ch === 93 && !sawAny) { state = 'end'; continue; }
        if (ch === 93 || ch === 44) fail(`invalid JSON: unexpected '${String.fromCharCode(ch)}'`, line);
        state = 'value';
        sawAny = true;
        element = '';
        elementLine = line;
        from = i;
        openers.length = 0;
        inString = false;
        escaped = false;
        i--; // re-read this character as part of the value
        continue;
      }
      // state === 'end': only whitespace may follow
      fail(`invalid JSON: unexpected text after the end of the array`, line);
    }
    if (state === 'value') element += text.slice(from);
    if (out.pending >= batchRows) yield out.take(chunk.bytesRead) as RowBatch;
  }
  if (state === 'start') fail('the file is empty; expected a JSON array of records', 1);
  if ((state as string) !== 'end') fail('invalid JSON: Unexpected end of JSON input (the array is not closed)', line);
  const rest = out.take(src.size);
  if (rest) yield rest;
  out.finish();
}

function countLines(text: string, upto: number): number {
  let n = 0;
  for (let i = 0; i < upto && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
