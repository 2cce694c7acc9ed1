/**
 * What every format's reader gives the pipeline: the column names, and the data rows in batches.
 * A batch is column-major (one array per column, one entry per row), so columnar formats (Parquet,
 * Arrow) pass their decoded columns through and text formats build small arrays that die with the batch.
 */

export type TableFormat = 'csv' | 'tsv' | 'json' | 'jsonl' | 'parquet' | 'arrow';
export const TABLE_FORMATS: readonly TableFormat[] = ['csv', 'tsv', 'json', 'jsonl', 'parquet', 'arrow'];

export interface RowBatch {
  /** rows in this batch */
  n: number;
  /**
   * one array per column (the reader's `columns` order at the time of the batch; a column that only
   * appears later in a JSON file is absent from earlier batches: its values there are missing)
   */
  columns: ReadonlyArray<ArrayLike<unknown>>;
  /** where each row is, as messages name it: the spreadsheet row (CSV/TSV, header = 1), the line (JSON/JSONL), the row number (Parquet/Arrow, first row = 1) */
  lines: ArrayLike<number>;
  /** bytes of the file consumed once this batch is done (for progress) */
  bytesRead: number;
}

/** What a column of a typed format holds, when it is something the pipeline must treat specially. */
export type ColumnKind = 'timestamp' | 'binary' | 'nested';

export interface TableReader {
  /** absolute path (or the name of in-memory data) */
  file: string;
  format: TableFormat;
  /** column names in file order; JSON/JSONL: the keys seen so far (complete once batches() has finished) */
  columns: string[];
  /** CSV/TSV: the field delimiter */
  delimiter?: string;
  /** ';'-separated text: numbers may be written with a decimal comma (`0,5`) */
  decimalComma: boolean;
  /** bytes in the file */
  size: number;
  /** typed formats: columns whose values are not plain numbers, strings or booleans (see the README's type mapping) */
  columnKinds?: ReadonlyMap<string, { kind: ColumnKind; type: string }>;
  /** the data rows in file order; may be called again for another pass */
  batches(signal?: AbortSignal): AsyncGenerator<RowBatch>;
  close(): Promise<void>;
}
