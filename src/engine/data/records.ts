/**
 * Other data files through a trained model (`evaluate --data`, `predict`): read batch by batch with the
 * same readers as training, each batch turned into raw records and encoded with the model's saved
 * preprocessing — the encoder a served model uses. Memory holds one batch.
 */
import { encodeLabel, encodeRecords } from './preprocess';
import { openTable, type RowBatch, type TableReader } from './readers';
import { recordsAt } from './tabular';
import { randomAccessSplit } from './batches';
import { DataError, type Batch, type Preprocessing, type RawRecord, type SplitData } from './types';
import { emptyRecord } from './values';
import { dataError } from './errors';
import { throwIfStopped } from './errors';

/** The rows of a batch as records keyed by column (no prototype: a column may be named `__proto__`). */
export function batchRecords(columns: readonly string[], batch: RowBatch): RawRecord[] {
  const out = new Array<RawRecord>(batch.n);
  for (let i = 0; i < batch.n; i++) {
    const rec = emptyRecord();
    for (let c = 0; c < columns.length; c++) {
      const col = batch.columns[c];
      const v = col ? col[i] : undefined;
      if (v !== undefined) rec[columns[c]] = v;
    }
    out[i] = rec;
  }
  return out;
}

/** Encode a batch of records; an encoding problem names the file and the record's row. */
function encodeBatch(prep: Preprocessing, records: RawRecord[], batch: RowBatch, file: string, decimalComma: boolean): { x: Float32Array; y: Float32Array } {
  const y = new Float32Array(records.length);
  let x: Float32Array;
  try {
    x = encodeRecords(prep, records, { decimalComma });
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    // find the record, so the message names its row
    for (let i = 0; i < records.length; i++) {
      try {
        encodeRecords(prep, [records[i]], { decimalComma });
      } catch (e) {
        if (e instanceof DataError) throw dataError(file, e.message, batch.lines[i], e.column);
        throw e;
      }
    }
    throw err;
  }
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (!(prep.label.name in r)) throw dataError(file, `no '${prep.label.name}' column (the label the model was trained on)`, batch.lines[i], prep.label.name);
    try {
      y[i] = encodeLabel(prep, r[prep.label.name], { decimalComma });
    } catch (e) {
      if (e instanceof DataError) throw dataError(file, e.message, batch.lines[i], e.column);
      throw e;
    }
  }
  return { x, y };
}

/**
 * A data file as a split for evaluation: rows are counted first (a quick pass), then each epoch reads
 * the file again in order. Only tabular models read records this way.
 */
export async function fileSplit(prep: Preprocessing, file: string, opts: { signal?: AbortSignal } = {}): Promise<SplitData> {
  if (prep.inputKind !== 'tabular') throw new DataError(`this model takes ${prep.inputKind} input; evaluate --data reads tables for tabular models`, file);
  const open = () => openTable(file);
  let n = 0;
  const counting = await open();
  try {
    for await (const batch of counting.batches(opts.signal)) n += batch.n;
  } finally {
    await counting.close();
  }
  const width = prep.inputShape.reduce((a, b) => a * b, 1);
  const fallback = randomAccessSplit(n, prep.inputShape, async () => {
    throw new Error('a data file given to evaluate is read in order; random access is not supported');
  });
  return {
    ...fallback,
    epoch(options) {
      let reader: TableReader | undefined;
      let iterator: AsyncGenerator<RowBatch> | undefined;
      let pending: { x: Float32Array; y: Float32Array; n: number; at: number } | undefined;
      return {
        async next(): Promise<Batch | null> {
          throwIfStopped(options.signal);
          const x = new Float32Array(options.batchSize * width);
          const y = new Float32Array(options.batchSize);
          let m = 0;
          while (m < options.batchSize) {
            if (!pending || pending.at >= pending.n) {
              if (!iterator) {
                reader = await open();
                iterator = reader.batches(options.signal);
              }
              const r = await iterator.next();
              if (r.done) break;
              const records = batchRecords((reader as TableReader).columns, r.value);
              const encoded = encodeBatch(prep, records, r.value, file, (reader as TableReader).decimalComma || prep.decimalComma === true);
              pending = { ...encoded, n: r.value.n, at: 0 };
            }
            const take = Math.min(options.batchSize - m, pending.n - pending.at);
            x.set(pending.x.subarray(pending.at * width, (pending.at + take) * width), m * width);
            y.set(pending.y.subarray(pending.at, pending.at + take), m);
            pending.at += take;
            m += take;
          }
          if (m === 0) return null;
          return { x: m === options.batchSize ? x : x.slice(0, m * width), y: m === options.batchSize ? y : y.slice(0, m), n: m };
        },
        async close() {
          await iterator?.return(undefined);
          await reader?.close();
        },
      };
    },
    raw: (indices) => recordsAt(open, indices),
  };
}
