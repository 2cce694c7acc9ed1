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
import { CsvSyntaxError, CsvTokenizer, isBlank, sniffDelimiter } from './csvTokenizer';

export { CsvSyntaxError, CsvTokenizer, parseCsvText, sniffDelimiter } from './csvTokenizer';
import type { ByteSource } from './source';
import { badTextMessage, textChunks, type ChunkOptions } from './textChunks';
import type { RowBatch, TableReader } from './types';

const delimiterName = (d: string) => (d === '\t' ? 'tab' : `'${d}'`);

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

