/**
 * Loaders for tabular files: CSV, TSV (papaparse), a JSON array of records, and JSON Lines.
 * Every problem becomes a DataError that names the file, the row as a spreadsheet shows it
 * (header = row 1, first data row = row 2; for JSON and JSONL the line) and the column.
 */
import * as path from 'node:path';
import Papa from 'papaparse';
import { NotDataFileError, readDataFile, statData, textProblem } from '../../modelFile/peek';
import { isMissing } from './infer';
import { DataError, type RawRecord } from './types';

export type TableFormat = 'csv' | 'tsv' | 'json' | 'jsonl';
export const TABLE_FORMATS: readonly TableFormat[] = ['csv', 'tsv', 'json', 'jsonl'];

/** A file as read: column names in file order, one record per data row. */
export interface Table {
  /** absolute path */
  file: string;
  format: TableFormat;
  columns: string[];
  rows: RawRecord[];
  /** for each row: the row number a spreadsheet shows (CSV/TSV), or the line (JSON/JSONL) */
  lineOfRow: number[];
  /** the field delimiter used (CSV/TSV only) */
  delimiter?: string;
  /** what reading changed and a person should know (e.g. decimal commas read as numbers); the pipeline shows them as warnings */
  notes?: string[];
}

export interface ReadOptions {
  /** 'auto' or undefined: from the file extension */
  format?: string;
  /** one character; default ',' for csv (';', tab and '|' are detected from the header), tab for tsv */
  delimiter?: string;
}

/** A path as people read it in messages: relative to the working folder when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** A DataError whose message reads on its own: `FILE:ROW: column 'c': what`. */
export function dataError(file: string, what: string, row?: number, column?: string): DataError {
  const where = row === undefined ? displayPath(file) : `${displayPath(file)}:${row}`;
  const col = column === undefined ? '' : `column '${column}': `;
  return new DataError(`${where}: ${col}${what}`, file, row, column);
}

const EXTENSIONS: Record<string, TableFormat> = {
  '.csv': 'csv', '.txt': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.json': 'json', '.jsonl': 'jsonl', '.ndjson': 'jsonl',
};

/** The table format of a file: the declared one, or from its extension. */
export function detectFormat(file: string, format?: string): TableFormat {
  if (format && format !== 'auto') {
    if ((TABLE_FORMATS as readonly string[]).includes(format)) return format as TableFormat;
    throw dataError(file, `format '${format}' is not a table format; use one of ${TABLE_FORMATS.join(', ')} (or 'images' for a folder)`);
  }
  const ext = path.extname(file).toLowerCase();
  const found = EXTENSIONS[ext];
  if (!found) {
    throw dataError(file, `cannot tell the format from the extension '${ext || '(none)'}'; ` +
      `use .csv, .tsv, .json or .jsonl, or set data.format to one of ${TABLE_FORMATS.join(', ')}`);
  }
  return found;
}

/** Read and parse a table file. */
export async function readTable(file: string, opts: ReadOptions = {}): Promise<Table> {
  const format = detectFormat(file, opts.format);
  let bytes: Buffer;
  try {
    const stat = await statData(file);
    if (stat.isDirectory()) throw dataError(file, `is a folder, not a ${format} file`);
    bytes = await readDataFile(file);
  } catch (err) {
    if (err instanceof DataError) throw err;
    if (err instanceof NotDataFileError) throw dataError(file, err.reason);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw dataError(file, 'file not found; check data.source (paths are relative to the model file)');
    if (code === 'EACCES' || code === 'EPERM') throw dataError(file, 'permission denied while reading the file');
    throw dataError(file, `cannot read the file: ${(err as Error).message}`);
  }
  return parseTable(bytes, file, { ...opts, format });
}

/** Parse the bytes (or text) of a table file; synchronous, for tests and small inputs. */
export function parseTable(content: Buffer | string, file: string, opts: ReadOptions = {}): Table {
  const format = detectFormat(file, opts.format);
  const text = decodeText(content, file);
  if (text.trim() === '') throw dataError(file, 'the file is empty; expected a header row and data rows');
  switch (format) {
    case 'csv':
    case 'tsv':
      return parseDelimited(text, file, format, opts.delimiter ?? (format === 'tsv' ? '\t' : sniffDelimiter(text)));
    case 'json':
      return parseJsonArray(text, file);
    case 'jsonl':
      return parseJsonLines(text, file);
  }
}

/** UTF-8 text without BOM; binary content and UTF-16 are errors that say what the file looks like. */
export function decodeText(content: Buffer | string, file: string): string {
  if (typeof content === 'string') return content.replace(/^\uFEFF/, '');
  if (content.length === 0) throw dataError(file, 'the file is empty (0 bytes); expected a header row and data rows');
  // What the file is when it is not text (gzip, PNG, UTF-16, NUL bytes, Latin-1), with the line where that is meaningful.
  const problem = textProblem(content);
  if (problem) throw dataError(file, problem.message, problem.line);
  return content.toString('utf8').replace(/^\uFEFF/, '');
}

/** The delimiter of a .csv file: the most frequent of , ; tab | in the header line, outside quotes. */
export function sniffDelimiter(text: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch]++;
  }
  let best = ',';
  for (const d of [';', '\t', '|']) if (counts[d] > counts[best]) best = d;
  return best;
}

function parseDelimited(text: string, file: string, format: 'csv' | 'tsv', delimiter: string): Table {
  if (delimiter.length !== 1) throw dataError(file, `the delimiter must be one character, got ${JSON.stringify(delimiter)}`);
  // One line ending for the whole file: a CRLF file with a few LF rows (appended by another editor) or old-Mac CR
  // lines must not glue rows together. Each \r\n or lone \r becomes one \n, so line numbers do not move.
  const normalised = text.replace(/\r\n?/g, '\n');
  const parsed = Papa.parse<string[]>(normalised, { delimiter, newline: '\n', header: false, skipEmptyLines: false, dynamicTyping: false });
  const quoteError = parsed.errors.find((e) => e.type === 'Quotes');
  if (quoteError) {
    const row = (quoteError.row ?? 0) + 1;
    throw dataError(file, `a quoted field is not closed (${quoteError.message}); check the quotes in this row`, row);
  }
  const records = parsed.data;
  // A blank line is an empty row in a spreadsheet: it keeps its number but holds no data. So is a row of
  // empty fields only (`,,,,` — what a spreadsheet exports for a row it once touched).
  const isBlank = (r: string[]) => r.every((f) => f.trim() === '');
  const headerIndex = records.findIndex((r) => !isBlank(r));
  if (headerIndex < 0) throw dataError(file, 'the file is empty; expected a header row and data rows');
  const header = records[headerIndex].map((h) => h.trim());
  // A trailing delimiter on the header line (some spreadsheet exports) leaves unnamed empty columns: drop them.
  while (header.length > 1 && header[header.length - 1] === '') header.pop();
  const headerRow = headerIndex + 1;
  const columns = checkHeader(header, file, headerRow);
  const rows: RawRecord[] = [];
  const lineOfRow: number[] = [];
  for (let i = headerIndex + 1; i < records.length; i++) {
    const fields = records[i];
    if (isBlank(fields)) continue;
    const row = i + 1;
    if (fields.length < columns.length) {
      throw dataError(file, `this row has ${fields.length} field${fields.length === 1 ? '' : 's'} but the header has ${columns.length} columns ` +
        `(the value for '${columns[fields.length]}' is missing; ${delimiterName(delimiter)} is the delimiter)`, row, columns[fields.length]);
    }
    if (fields.length > columns.length && fields.slice(columns.length).some((f) => f.trim() !== '')) {
      throw dataError(file, `this row has ${fields.length} fields but the header has ${columns.length} columns ` +
        `(extra value ${JSON.stringify(fields[columns.length])}; quote fields that contain ${delimiterName(delimiter)})`, row);
    }
    const rec: RawRecord = {};
    for (let c = 0; c < columns.length; c++) rec[columns[c]] = fields[c];
    rows.push(rec);
    lineOfRow.push(row);
  }
  if (rows.length === 0) throw dataError(file, 'the file has a header row but no data rows', headerRow);
  const notes = delimiter === ';' ? readDecimalCommas(columns, rows) : [];
  return { file, format, columns, rows, lineOfRow, delimiter, ...(notes.length > 0 ? { notes } : {}) };
}

const DECIMAL_COMMA_RE = /^[+-]?(\d+(,\d*)?|,\d+)([eE][+-]?\d+)?$/;

/**
 * Semicolon files often write numbers with a decimal comma (`0,5`; the European spreadsheet default).
 * A column whose every non-empty value is such a number (at least one with a comma) is rewritten with
 * decimal points, so it reads as numeric; the note names the columns.
 */
function readDecimalCommas(columns: string[], rows: RawRecord[]): string[] {
  const converted: string[] = [];
  for (const c of columns) {
    let commas = 0;
    let ok = true;
    for (const r of rows) {
      const s = String(r[c]).trim();
      if (isMissing(s)) continue; // empty, NA, '?': left to the missing-value rules
      if (!DECIMAL_COMMA_RE.test(s)) { ok = false; break; }
      if (s.includes(',')) commas++;
    }
    if (!ok || commas === 0) continue;
    for (const r of rows) {
      const s = String(r[c]).trim();
      if (DECIMAL_COMMA_RE.test(s)) r[c] = s.replace(',', '.');
    }
    converted.push(c);
  }
  if (converted.length === 0) return [];
  return [`${converted.length === 1 ? 'column' : 'columns'} ${converted.map((c) => `'${c}'`).join(', ')} ` +
    `${converted.length === 1 ? 'holds numbers' : 'hold numbers'} written with a decimal comma (e.g. 0,5); ${converted.length === 1 ? 'it is' : 'they are'} read as numbers (0.5)`];
}

function delimiterName(d: string): string {
  return d === '\t' ? 'tab' : `'${d}'`;
}

function checkHeader(header: string[], file: string, row: number): string[] {
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') {
      throw dataError(file, `column ${i + 1} has no name in the header row; give it a name or remove the column`, row);
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw dataError(file, `the header names this column twice (columns ${first + 1} and ${i + 1}); rename one of them`, row, name);
    }
    seen.set(name, i);
  });
  return header;
}

/** 1-based line and column of a character offset. */
function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) { line++; last = i; }
  }
  return { line, col: offset - last };
}

/** Where V8's JSON.parse message says the problem is (it names a position, a line/column, or the end). */
function jsonErrorLine(text: string, err: unknown, lineOffset = 0): { line: number; detail: string } {
  const message = err instanceof Error ? err.message : String(err);
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]) + lineOffset, detail: message };
  const pos = /position (\d+)/.exec(message);
  if (pos) return { line: lineCol(text, Number(pos[1])).line + lineOffset, detail: message };
  if (/end of (JSON )?input/i.test(message)) return { line: text.split('\n').length + lineOffset, detail: message };
  return { line: 1 + lineOffset, detail: message };
}

function parseJsonArray(text: string, file: string): Table {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const { line, detail } = jsonErrorLine(text, err);
    throw dataError(file, `invalid JSON: ${detail}`, line);
  }
  if (!Array.isArray(value)) {
    throw dataError(file, `expected a JSON array of records ([{"col": value, …}, …]), got ${describe(value)}; for one record per line use .jsonl`, 1);
  }
  const lines = topLevelElementLines(text);
  const table = fromRecords(value, file, 'json', (i) => lines[i] ?? 1);
  return table;
}

/** The line where each element of a top-level JSON array starts (a small scanner over valid JSON). */
function topLevelElementLines(text: string): number[] {
  const out: number[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') line++;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (depth === 1 && expectValue && !/\s/.test(ch) && ch !== ']') {
      out.push(line);
      expectValue = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expectValue = true;
  }
  return out;
}

function parseJsonLines(text: string, file: string): Table {
  const values: unknown[] = [];
  const lines: number[] = [];
  const physical = text.split('\n');
  physical.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    try {
      values.push(JSON.parse(line));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw dataError(file, `invalid JSON on this line: ${message}`, i + 1);
    }
    lines.push(i + 1);
  });
  return fromRecords(values, file, 'jsonl', (i) => lines[i]);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v} (${JSON.stringify(v)})`;
}

function fromRecords(values: unknown[], file: string, format: 'json' | 'jsonl', lineOf: (i: number) => number): Table {
  if (values.length === 0) throw dataError(file, `the file holds no records; expected ${format === 'json' ? 'a non-empty array of objects' : 'one JSON object per line'}`, 1);
  const columns: string[] = [];
  const known = new Set<string>();
  const rows: RawRecord[] = [];
  const lineOfRow: number[] = [];
  values.forEach((v, i) => {
    const line = lineOf(i);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw dataError(file, `record ${i + 1} is ${describe(v)}; every record must be an object like {"col": value}`, line);
    }
    const rec = v as RawRecord;
    for (const [key, val] of Object.entries(rec)) {
      if (val !== null && typeof val === 'object') {
        throw dataError(file, `the value is ${describe(val)}; values must be numbers, strings, booleans or null (flatten nested data)`, line, key);
      }
      if (!known.has(key)) {
        if (key.trim() === '') throw dataError(file, 'a record has an empty key; give every field a name', line);
        known.add(key);
        columns.push(key);
      }
    }
    rows.push(rec);
    lineOfRow.push(line);
  });
  return { file, format, columns, rows, lineOfRow };
}
