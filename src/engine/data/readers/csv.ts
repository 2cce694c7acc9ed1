/**
 * The one CSV/TSV reader: training, `inspect`, `predict`/`evaluate` files, the model file's header
 * checks and the server's `text/csv` bodies all read delimited text through it, so a value means the
 * same number everywhere (a ';' file's decimal commas included).
 *
 * RFC 4180 quoting (a field in double quotes may hold the delimiter, line breaks and `""` for a quote);
 * \n, \r\n and a lone \r all end a record (also inside quotes, where they become \n), so a CRLF file
 * with appended LF rows keeps one record per line. Rows are numbered as a spreadsheet shows them: the
 * header is row 1, a blank line keeps its number, a quoted multi-line cell is one row.
 *
 * Streaming: text arrives in chunks; a record cut by a chunk boundary is carried over and parsed once
 * complete. Nothing holds more than a chunk and one record.
 */
import { dataError } from '../errors';
import type { ByteSource } from './source';
import { badTextMessage, textChunks, type ChunkOptions } from './textChunks';
import type { RowBatch, TableReader } from './types';

/** A parse problem in one record (the reader adds the file). */
export class CsvSyntaxError extends Error {
  constructor(message: string, readonly row: number) {
    super(message);
  }
}

/**
 * Splits text into records of fields. `onRecord` gets a reused array (copy what you keep) and the
 * record's 1-based number; returning false stops the tokenizer.
 */
export class CsvTokenizer {
  private carry = '';
  private record = 0;
  private readonly fields: string[] = [];
  private readonly delimiter: number;
  private stopped = false;

  constructor(delimiter: string, private readonly onRecord: (fields: string[], row: number) => boolean | void) {
    if (delimiter.length !== 1) throw new Error(`the delimiter must be one character, got ${JSON.stringify(delimiter)}`);
    this.delimiter = delimiter.charCodeAt(0);
  }

  get rowsSeen(): number { return this.record; }

  /** Feed the next piece of text; `last` marks the end of the input. */
  feed(chunk: string, last: boolean): void {
    const text = this.carry.length > 0 ? this.carry + chunk : chunk;
    this.carry = '';
    const n = text.length;
    let pos = 0;
    while (pos < n && !this.stopped) {
      const end = this.parseRecord(text, pos, last);
      if (end < 0) break;
      pos = end;
    }
    if (!this.stopped && pos < n) this.carry = text.slice(pos);
  }

  /** Parse one record from `pos`; the position after its terminator, or -1 when it is not complete yet. */
  private parseRecord(text: string, pos: number, last: boolean): number {
    const n = text.length;
    const d = this.delimiter;
    const fields = this.fields;
    fields.length = 0;
    let i = pos;
    for (;;) {
      let value: string;
      if (i < n && text.charCodeAt(i) === 34) {
        // quoted field
        let seg = i + 1;
        let j = seg;
        let parts = '';
        for (;;) {
          j = text.indexOf('"', j);
          if (j < 0) {
            if (!last) return -1;
            throw new CsvSyntaxError('a quoted field is not closed (the file ends inside quotes); check the quotes in this row', this.record + 1);
          }
          if (j + 1 < n && text.charCodeAt(j + 1) === 34) {
            parts += text.slice(seg, j + 1);
            j += 2;
            seg = j;
            continue;
          }
          if (j + 1 >= n && !last) return -1;
          break;
        }
        value = parts + text.slice(seg, j);
        if (value.includes('\r')) value = value.replace(/\r\n?/g, '\n');
        i = j + 1;
        if (i < n) {
          const c = text.charCodeAt(i);
          if (c !== d && c !== 10 && c !== 13) {
            throw new CsvSyntaxError(`a quoted field is followed by more text (${JSON.stringify(text.slice(i, i + 10))}) before the delimiter; ` +
              'a quote inside a quoted field is written as two quotes ("")', this.record + 1);
          }
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === d || c === 10 || c === 13) break;
          j++;
        }
        if (j >= n && !last) return -1;
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (i >= n) {
        // end of input (only reached with last = true)
        this.emit();
        return n;
      }
      const c = text.charCodeAt(i);
      if (c === d) {
        i++;
        if (i >= n) {
          if (!last) return -1;
          fields.push('');
          this.emit();
          return n;
        }
        continue;
      }
      if (c === 13) {
        if (i + 1 >= n && !last) return -1;
        this.emit();
        return i + 1 < n && text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
      }
      this.emit(); // \n
      return i + 1;
    }
  }

  private emit(): void {
    this.record++;
    if (this.onRecord(this.fields, this.record) === false) this.stopped = true;
  }
}

/** The delimiter of a .csv file: the most frequent of , ; tab | in its header line, outside quotes. */
export function sniffDelimiter(text: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let quoted = false;
  let start = 0;
  // the header is the first line that is not blank
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const line = text.slice(start, nl < 0 ? undefined : nl);
    if (line.trim() !== '') break;
    if (nl < 0) break;
    start = nl + 1;
  }
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch]++;
  }
  let best = ',';
  for (const d of [';', '\t', '|']) if (counts[d] > counts[best]) best = d;
  return best;
}

const delimiterName = (d: string) => (d === '\t' ? 'tab' : `'${d}'`);
const isBlank = (fields: string[]) => fields.every((f) => f.trim() === '');

/** Header names: trimmed, trailing empty ones dropped (a trailing delimiter), none empty, none twice. */
export function checkHeader(fields: readonly string[], file: string, row: number): string[] {
  const header = fields.map((h) => h.trim());
  while (header.length > 1 && header[header.length - 1] === '') header.pop();
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') throw dataError(file, `column ${i + 1} has no name in the header row; give it a name or remove the column`, row);
    const first = seen.get(name);
    if (first !== undefined) throw dataError(file, `the header names this column twice (columns ${first + 1} and ${i + 1}); rename one of them`, row, name);
    seen.set(name, i);
  });
  return header;
}

export interface DelimitedOptions extends ChunkOptions {
  format: 'csv' | 'tsv';
  /** one character; default: tab for tsv, sniffed from the header (, ; tab |) for csv */
  delimiter?: string;
  /** rows per batch (default 8192) */
  batchRows?: number;
}

/** A CSV/TSV table: the header is read when it opens; rows() streams the data rows. */
export async function openDelimited(src: ByteSource, opts: DelimitedOptions): Promise<TableReader> {
  // Read from the start until the header record is complete (each chunk is parsed once: linear in the header's size).
  let headerFields: string[] | undefined;
  let headerRow = 0;
  let delimiter = opts.delimiter;
  let probe: CsvTokenizer | undefined;
  let seen = '';
  let dirtyHeader = false;
  const chunks = textChunks(src, { ...opts, chunkBytes: Math.min(opts.chunkBytes ?? 1 << 20, 256 * 1024) });
  try {
    for await (const chunk of chunks) {
      dirtyHeader ||= chunk.dirty;
      if (!probe) {
        // the delimiter is sniffed from the first non-blank line: wait for one
        seen += chunk.text;
        if (seen.trim() === '' && !chunk.last) continue;
        if (seen.trim() === '') break;
        delimiter ??= opts.format === 'tsv' ? '\t' : sniffDelimiter(seen);
        if (delimiter.length !== 1) throw dataError(src.file, `the delimiter must be one character, got ${JSON.stringify(delimiter)}`);
        probe = new CsvTokenizer(delimiter, (fields, row) => {
          if (isBlank(fields)) return true;
          headerFields = fields.slice();
          headerRow = row;
          return false;
        });
        probe.feed(seen.replace(/^\uFEFF/, ''), chunk.last);
        seen = '';
      } else {
        probe.feed(chunk.text, chunk.last);
      }
      if (headerFields) break;
    }
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw dataError(src.file, err.message, err.row);
    throw err;
  } finally {
    await chunks.return(undefined);
  }
  if (!headerFields || delimiter === undefined) throw dataError(src.file, 'the file is empty; expected a header row and data rows');
  if (dirtyHeader) {
    for (const h of headerFields) {
      const bad = badTextMessage(h);
      if (bad) throw dataError(src.file, `the header: ${bad}`, headerRow);
    }
  }
  const columns = checkHeader(headerFields, src.file, headerRow);
  const file = src.file;
  const width = columns.length;
  const batchRows = opts.batchRows ?? 8192;
  const d = delimiter;

  return {
    file,
    format: opts.format,
    columns,
    delimiter: d,
    decimalComma: d === ';',
    size: src.size,
    columnKinds: undefined,
    async *batches(signal?: AbortSignal): AsyncGenerator<RowBatch> {
      let cols: string[][] = columns.map(() => []);
      let lines: number[] = [];
      let dataRows = 0;
      let dirty = false;
      let bytesRead = 0;
      const ready: RowBatch[] = [];
      const tokenizer = new CsvTokenizer(d, (fields, row) => {
        if (row <= headerRow) return;
        if (isBlank(fields)) return;
        if (fields.length < width) {
          throw dataError(file, `this row has ${fields.length} field${fields.length === 1 ? '' : 's'} but the header has ${width} columns ` +
            `(the value for '${columns[fields.length]}' is missing; ${delimiterName(d)} is the delimiter)`, row, columns[fields.length]);
        }
        if (fields.length > width) {
          for (let k = width; k < fields.length; k++) {
            if (fields[k].trim() !== '') {
              throw dataError(file, `this row has ${fields.length} fields but the header has ${width} columns ` +
                `(extra value ${JSON.stringify(fields[width])}; quote fields that contain ${delimiterName(d)})`, row);
            }
          }
        }
        for (let c = 0; c < width; c++) {
          const v = fields[c];
          if (dirty) {
            const bad = badTextMessage(v);
            if (bad) throw dataError(file, bad, row, columns[c]);
          }
          cols[c].push(v);
        }
        lines.push(row);
        dataRows++;
        if (lines.length >= batchRows) {
          ready.push({ n: lines.length, columns: cols, lines, bytesRead });
          cols = columns.map(() => []);
          lines = [];
        }
      });
      let previousDirty = false;
      for await (const chunk of textChunks(src, { ...opts, signal })) {
        // a record carried over from the previous chunk was decoded from its bytes: check it if they were dirty
        dirty = chunk.dirty || previousDirty;
        previousDirty = chunk.dirty;
        bytesRead = chunk.bytesRead;
        try {
          tokenizer.feed(chunk.text, chunk.last);
        } catch (err) {
          if (err instanceof CsvSyntaxError) throw dataError(file, err.message, err.row);
          throw err;
        }
        while (ready.length > 0) yield ready.shift() as RowBatch;
      }
      if (lines.length > 0) yield { n: lines.length, columns: cols, lines, bytesRead: src.size };
      if (dataRows === 0) throw dataError(file, 'the file has a header row but no data rows', headerRow);
    },
    close: () => src.close(),
  };
}
