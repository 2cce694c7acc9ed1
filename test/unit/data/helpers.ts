/** Small tables for data tests: read through the real readers, fitted through the real pipeline. */
import * as path from 'node:path';
import { prepareTable } from '../../../src/engine/data';
import { openTable, openTableBytes, type OpenOptions, type TableReader } from '../../../src/engine/data/readers';
import { batchRecords } from '../../../src/engine/data/records';
import type { PreparedData, RawRecord } from '../../../src/engine/data/types';
import type { ModelSpecFile } from '../../../src/modelFile/schema';

export const ROOT = path.join(__dirname, '../../..');

/** A table read whole (for assertions on small inputs only): columns, records, rows, delimiter. */
export async function readRows(content: string | Uint8Array, file: string, opts: OpenOptions = {}) {
  return collect(await openTableBytes(content, file, { batchRows: 3, ...opts }));
}

/** A table file read whole (small fixtures only). */
export async function readFileRows(file: string, opts: OpenOptions = {}) {
  return collect(await openTable(file, { batchRows: 5, ...opts }));
}

async function collect(reader: TableReader) {
  const rows: RawRecord[] = [];
  const lines: number[] = [];
  try {
    for await (const batch of reader.batches()) {
      for (const r of batchRecords(reader.columns, batch)) rows.push({ ...r });
      for (let i = 0; i < batch.n; i++) lines.push(batch.lines[i]);
    }
  } finally {
    await reader.close();
  }
  return { columns: reader.columns, rows, lines, delimiter: reader.delimiter, format: reader.format, decimalComma: reader.decimalComma };
}

export interface FitColumn {
  name: string;
  values: unknown[];
  type?: 'numeric' | 'categorical' | 'boolean';
  missing?: string;
  scale?: string;
  encoding?: string;
}

/**
 * Fit columns with the pipeline: the first `trainRows` rows are the training split (the rest are test),
 * as JSON Lines so numbers, booleans and nulls keep their JSON types.
 */
export async function fitColumns(task: 'classification' | 'regression', columns: FitColumn[], label: { name: string; values: unknown[] }, trainRows: number,
  missing = 'mean'): Promise<PreparedData> {
  const n = label.values.length;
  const lines = Array.from({ length: n }, (_, i) => {
    const rec: Record<string, unknown> = {};
    for (const c of columns) rec[c.name] = Number.isNaN(c.values[i]) ? null : c.values[i];
    rec[label.name] = label.values[i];
    return JSON.stringify(rec);
  });
  const declared = Object.fromEntries(columns.map((c) => [c.name, {
    ...(c.type ? { type: c.type } : {}), ...(c.missing ? { missing: c.missing } : {}), ...(c.scale ? { scale: c.scale } : {}), ...(c.encoding ? { encoding: c.encoding } : {}),
  }]));
  const spec = {
    name: 'fit', task,
    data: {
      source: 'fit.jsonl', format: 'auto', label: label.name, columns: declared,
      preprocess: { missing, numeric: 'standardize', categorical: 'onehot' },
      split: { validation: 0, test: (n - trainRows) / n, seed: 1, stratify: false, shuffle: false },
    },
  } as unknown as ModelSpecFile;
  return prepareTable(spec, `${lines.join('\n')}\n`, path.join(ROOT, 'fit.jsonl'), { workspaceRoot: ROOT });
}
