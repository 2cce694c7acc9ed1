/**
 * Opening a table in any supported format: the format from `data.format` or the file's extension,
 * then that format's reader. Every reader streams (see types.ts).
 */
import * as path from 'node:path';
import { dataError } from '../errors';
import { openArrow, openParquet } from './columnar';
import { openDelimited } from './csv';
import { openJson } from './json';
import { memorySource, openFileSource, type ByteSource } from './source';
import { TABLE_FORMATS, type TableFormat, type TableReader } from './types';

export type { RowBatch, TableFormat, TableReader, ColumnKind } from './types';
export { TABLE_FORMATS } from './types';
export { memorySource, openFileSource, type ByteSource } from './source';

const EXTENSIONS: Record<string, TableFormat> = {
  '.csv': 'csv', '.txt': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.json': 'json', '.jsonl': 'jsonl', '.ndjson': 'jsonl',
  '.parquet': 'parquet', '.pq': 'parquet', '.arrow': 'arrow', '.feather': 'arrow', '.ipc': 'arrow', '.arrows': 'arrow',
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
      `use .csv, .tsv, .json, .jsonl, .parquet or .arrow/.feather, or set data.format to one of ${TABLE_FORMATS.join(', ')}`);
  }
  return found;
}

/** The format a file's name implies, or undefined when it says nothing. */
export function formatOfName(file: string): TableFormat | undefined {
  return EXTENSIONS[path.extname(file).toLowerCase()];
}

export interface OpenOptions {
  /** 'auto' or undefined: from the file extension */
  format?: string;
  /** CSV: one character; default ',' for csv (';', tab and '|' are detected from the header), tab for tsv */
  delimiter?: string;
  /** rows per batch (tests use small batches to cross batch boundaries) */
  batchRows?: number;
  /** bytes per read of text formats */
  chunkBytes?: number;
}

/** Open a table file (a regular file; read in pieces). */
export async function openTable(file: string, opts: OpenOptions = {}): Promise<TableReader> {
  const format = detectFormat(file, opts.format);
  const src = await openFileSource(file, `${format} file`);
  try {
    return await openSource(src, format, opts);
  } catch (err) {
    await src.close();
    throw err;
  }
}

/** Open a table held in memory (a request body, a test) under a name for messages. */
export async function openTableBytes(content: Uint8Array | string, file: string, opts: OpenOptions = {}): Promise<TableReader> {
  const format = detectFormat(file, opts.format);
  const src = memorySource(content, file);
  return openSource(Object.assign(src, { bytes: typeof content === 'string' ? Buffer.from(content, 'utf8') : content }), format, opts);
}

async function openSource(src: ByteSource & { bytes?: Uint8Array }, format: TableFormat, opts: OpenOptions): Promise<TableReader> {
  switch (format) {
    case 'csv':
    case 'tsv':
      return openDelimited(src, { format, delimiter: opts.delimiter, batchRows: opts.batchRows, chunkBytes: opts.chunkBytes });
    case 'json':
    case 'jsonl':
      return openJson(src, { format, batchRows: opts.batchRows, chunkBytes: opts.chunkBytes });
    case 'parquet':
      return openParquet(src, opts.batchRows);
    case 'arrow':
      return openArrow(src);
  }
}
