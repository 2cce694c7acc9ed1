/**
 * Parquet (hyparquet, pure JS; snappy, gzip, zstd, brotli, lz4 pages) and Arrow IPC / Feather v2
 * (apache-arrow; uncompressed bodies — a compressed file is an error saying how to write it) read batch by batch: a Parquet row group, an
 * Arrow record batch. Values are mapped to what a CSV cell would mean (README "Parquet and Arrow"):
 *
 * | stored as | read as |
 * | --- | --- |
 * | ints (8–32 bit), floats, decimals | numbers |
 * | 64-bit ints | numbers; beyond ±2^53 an error (precision would be lost) |
 * | strings, dictionary-encoded strings | strings |
 * | booleans | booleans |
 * | nulls | missing |
 * | timestamps, dates | ISO 8601 text; an error if the column is a feature or the label |
 * | binary, lists, structs, maps | an error if the column is a feature or the label |
 */
import { promises as fs } from 'node:fs';
import { dataError } from '../errors';
import { throwIfStopped } from '../errors';
import type { ByteSource } from './source';
import type { ColumnKind, RowBatch, TableReader } from './types';

type Kinds = Map<string, { kind: ColumnKind; type: string }>;

const SAFE = 2 ** 53;

/** One cell of a typed format as the pipeline reads it. */
function cell(file: string, column: string, v: unknown, row: number): unknown {
  switch (typeof v) {
    case 'number':
    case 'string':
    case 'boolean':
      return v;
    case 'bigint': {
      if (v > SAFE || v < -SAFE) throw dataError(file, `a 64-bit integer beyond ±2^53 (${v}) cannot be read as a number without losing digits`, row, column);
      return Number(v);
    }
    case 'undefined':
      return null;
    default:
      if (v === null) return null;
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
      return v; // binary / nested: left as is, refused if the column is used (see kinds)
  }
}

/** Typed arrays of numbers a batch may pass through as they are (NaN reads as missing, as in a CSV). */
function isPlainNumbers(a: unknown): a is Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array {
  return a instanceof Float64Array || a instanceof Float32Array || a instanceof Int32Array || a instanceof Uint32Array ||
    a instanceof Int16Array || a instanceof Uint16Array || a instanceof Int8Array || a instanceof Uint8Array;
}

/** 64-bit integers as numbers, each within ±2^53 (else an error naming the row). */
function fromBigInts(file: string, column: string, a: BigInt64Array | BigUint64Array, from: number, n: number, firstRow: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = cell(file, column, a[from + i], firstRow + i) as number;
  return out;
}

/**
 * One column of rows [start, start + n) from the decoded pieces that cover it: a typed array of plain
 * numbers passes through (no copy when one piece covers the range), everything else is read cell by cell.
 */
function columnValues(file: string, column: string, pieces: ReadonlyArray<{ data: ArrayLike<unknown>; rowStart: number }>, start: number, n: number, raw: boolean): ArrayLike<unknown> {
  const one = pieces.length === 1 && pieces[0].rowStart <= start && pieces[0].rowStart + pieces[0].data.length >= start + n ? pieces[0] : undefined;
  if (one && !raw) {
    const from = start - one.rowStart;
    const d = one.data;
    if (isPlainNumbers(d)) return d.subarray(from, from + n);
    if (d instanceof BigInt64Array || d instanceof BigUint64Array) return fromBigInts(file, column, d, from, n, start + 1);
  }
  const out = new Array<unknown>(n);
  for (const piece of pieces) {
    const lo = Math.max(start, piece.rowStart);
    const hi = Math.min(start + n, piece.rowStart + piece.data.length);
    for (let r = lo; r < hi; r++) {
      const v = piece.data[r - piece.rowStart];
      out[r - start] = raw ? v : cell(file, column, v, r + 1);
    }
  }
  if (!raw) for (let i = 0; i < n; i++) if (out[i] === undefined) out[i] = null;
  return out;
}

// ---------------------------------------------------------------- Parquet

export async function openParquet(src: ByteSource, batchRows = 65536): Promise<TableReader> {
  const { parquetMetadataAsync, parquetRead, parquetSchema } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const file = {
    byteLength: src.size,
    slice: async (start: number, end?: number) => {
      const bytes = await src.read(start, (end ?? src.size) - start);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw dataError(src.file, `not a readable Parquet file (${err instanceof Error ? err.message : String(err)})`);
  }
  const schema = parquetSchema(metadata);
  const columns: string[] = [];
  const kinds: Kinds = new Map();
  for (const child of schema.children) {
    const name = child.element.name;
    columns.push(name);
    const e = child.element;
    const logical = e.logical_type?.type;
    const converted = e.converted_type;
    const typeName = String(logical ?? converted ?? e.type ?? 'group');
    if (child.children.length > 0) kinds.set(name, { kind: 'nested', type: typeName });
    else if (logical === 'TIMESTAMP' || logical === 'DATE' || logical === 'TIME' || converted === 'DATE' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS' || converted === 'TIME_MILLIS' || converted === 'TIME_MICROS' || e.type === 'INT96') {
      kinds.set(name, { kind: 'timestamp', type: typeName });
    } else if ((e.type === 'BYTE_ARRAY' || e.type === 'FIXED_LEN_BYTE_ARRAY') && logical !== 'STRING' && converted !== 'UTF8' && logical !== 'DECIMAL' && converted !== 'DECIMAL' && logical !== 'ENUM' && converted !== 'ENUM' && logical !== 'JSON' && converted !== 'JSON') {
      // hyparquet reads unannotated byte arrays as UTF-8 text (most writers leave strings unannotated); FIXED_LEN ones are binary
      if (e.type === 'FIXED_LEN_BYTE_ARRAY' || logical === 'UUID') kinds.set(name, { kind: 'binary', type: typeName });
    }
  }
  const total = Number(metadata.num_rows);
  return {
    file: src.file,
    format: 'parquet',
    columns,
    decimalComma: false,
    size: src.size,
    columnKinds: kinds,
    async *batches(signal?: AbortSignal): AsyncGenerator<RowBatch> {
      let groupStart = 0;
      let bytes = 0;
      for (const group of metadata.row_groups) {
        throwIfStopped(signal);
        const groupRows = Number(group.num_rows);
        const groupEnd = groupStart + groupRows;
        for (const col of group.columns) bytes += Number(col.meta_data?.total_compressed_size ?? 0);
        // One read per row group: hyparquet decodes a column chunk whole whatever range is asked for,
        // so reading a group in several ranges would decode it several times.
        const chunks = new Map<string, Array<{ data: ArrayLike<unknown>; rowStart: number }>>();
        try {
          await parquetRead({
            file, metadata, compressors, rowStart: groupStart, rowEnd: groupEnd,
            onChunk: ({ columnName, columnData, rowStart }) => {
              let list = chunks.get(columnName);
              if (!list) chunks.set(columnName, (list = []));
              list.push({ data: columnData as ArrayLike<unknown>, rowStart });
            },
          });
        } catch (err) {
          throw dataError(src.file, `cannot read rows ${groupStart + 1}–${groupEnd} of this Parquet file: ${err instanceof Error ? err.message : String(err)}`);
        }
        const cols = columns.map((name) => {
          const kind = kinds.get(name)?.kind;
          return columnValues(src.file, name, chunks.get(name) ?? [], groupStart, groupRows, kind === 'nested' || kind === 'binary');
        });
        chunks.clear();
        for (let start = 0; start < groupRows; start += batchRows) {
          throwIfStopped(signal);
          const end = Math.min(groupRows, start + batchRows);
          const n = end - start;
          const lines = new Float64Array(n);
          for (let i = 0; i < n; i++) lines[i] = groupStart + start + i + 1;
          const whole = start === 0 && end === groupRows;
          yield {
            n, lines,
            columns: whole ? cols : cols.map((c) => (ArrayBuffer.isView(c) ? (c as Float64Array).subarray(start, end) : (c as unknown[]).slice(start, end))),
            bytesRead: total > 0 ? Math.round((bytes * (groupStart + end)) / Math.max(1, groupEnd)) : src.size,
          };
        }
        groupStart = groupEnd;
      }
    },
    close: () => src.close(),
  };
}

// ---------------------------------------------------------------- Arrow IPC / Feather

export async function openArrow(src: ByteSource & { bytes?: Uint8Array }): Promise<TableReader> {
  const arrow = await import('apache-arrow');
  const open = async () => {
    if (src.bytes) return arrow.RecordBatchReader.from(src.bytes);
    const handle = await fs.open(src.file, 'r');
    try {
      return { reader: await arrow.RecordBatchReader.from(handle), handle };
    } catch (err) {
      await handle.close();
      throw err;
    }
  };
  let schema: import('apache-arrow').Schema;
  try {
    const first = await open();
    try {
      const reader = 'reader' in first ? first.reader : first;
      schema = (await reader.open()).schema;
    } finally {
      if ('handle' in first) await first.handle.close();
    }
  } catch (err) {
    throw dataError(src.file, `not a readable Arrow IPC / Feather file (${err instanceof Error ? err.message : String(err)}); Feather v1 files are not supported, write Feather v2 (pyarrow.feather.write_feather)`);
  }
  const columns = schema.fields.map((f) => f.name);
  const kinds: Kinds = new Map();
  for (const f of schema.fields) {
    const t = f.type as { typeId: number; toString(): string };
    const id = t.typeId;
    const T = arrow.Type;
    if (id === T.Timestamp || id === T.Date || id === T.Time || id === T.Duration || id === T.Interval) kinds.set(f.name, { kind: 'timestamp', type: t.toString() });
    else if (id === T.Binary || id === T.LargeBinary || id === T.FixedSizeBinary) kinds.set(f.name, { kind: 'binary', type: t.toString() });
    else if (id === T.List || id === T.FixedSizeList || id === T.Struct || id === T.Map || id === T.Union || id === T.DenseUnion || id === T.SparseUnion) kinds.set(f.name, { kind: 'nested', type: t.toString() });
  }
  return {
    file: src.file,
    format: 'arrow',
    columns,
    decimalComma: false,
    size: src.size,
    columnKinds: kinds,
    async *batches(signal?: AbortSignal): AsyncGenerator<RowBatch> {
      const o = await open();
      const reader = 'reader' in o ? o.reader : o;
      let row = 0;
      let rowsSeen = 0;
      try {
        for await (const batch of reader as AsyncIterable<import('apache-arrow').RecordBatch>) {
          throwIfStopped(signal);
          const n = batch.numRows;
          const lines = new Float64Array(n);
          for (let i = 0; i < n; i++) lines[i] = row + i + 1;
          const cols = columns.map((name, c) => {
            const vector = batch.getChildAt(c);
            const out = new Array<unknown>(n);
            if (!vector) return out;
            const kind = kinds.get(name)?.kind;
            const T = arrow.Type;
            const type = vector.type as { typeId: number; precision?: number };
            const typeId = type.typeId;
            if (kind === undefined && (typeId === T.Int || (typeId === T.Float && type.precision !== arrow.Precision.HALF))) {
              // plain numbers: the column's values at once, passed through when there are no nulls
              const values = vector.toArray() as ArrayLike<number | bigint>;
              const big = values instanceof BigInt64Array || values instanceof BigUint64Array;
              if (vector.nullCount === 0 && values.length === n) {
                if (big) return fromBigInts(src.file, name, values, 0, n, row + 1);
                if (isPlainNumbers(values)) return values;
              }
              for (let i = 0; i < n; i++) out[i] = vector.isValid(i) ? cell(src.file, name, big ? values[i] : Number(values[i]), row + i + 1) : null;
              return out;
            }
            for (let i = 0; i < n; i++) {
              let v: unknown = vector.get(i);
              if (v !== null && v !== undefined && kind === 'timestamp') {
                v = typeId === T.Time || typeId === T.Duration || typeId === T.Interval ? String(v) : new Date(Number(v));
              } else if (v !== null && typeof v === 'object' && !(v instanceof Date) && kind === undefined) {
                v = String(v); // decimals and other scalar wrappers print as their value
              }
              out[i] = kind === 'nested' || kind === 'binary' ? v : cell(src.file, name, v, row + i + 1);
            }
            return out;
          });
          row += n;
          rowsSeen += n;
          yield { n, columns: cols, lines, bytesRead: src.size };
        }
      } catch (err) {
        if (err instanceof Error && (err.name === 'DataError' || err.name === 'StoppedError')) throw err;
        if (err instanceof Error && /compressed but codec not found/.test(err.message)) {
          throw dataError(src.file, 'this Arrow/Feather file is compressed (LZ4 or ZSTD), which this reader does not decode; ' +
            "write it uncompressed (pyarrow: feather.write_feather(df, path, compression='uncompressed')) or as Parquet");
        }
        throw dataError(src.file, `cannot read this Arrow file after row ${rowsSeen}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        if ('handle' in o) await o.handle.close();
      }
    },
    close: () => src.close(),
  };
}
