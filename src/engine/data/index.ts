/**
 * The data pipeline's entry: resolve the source, open a reader for its format, and hand it to the
 * streamed tabular pipeline (tabular.ts) — or, for folders and image/text columns, to the media
 * pipeline. Large tables are stored in the disk cache (cache.ts) and reused by later runs.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveDataSource } from '../../modelFile';
import { NotDataFileError, statData } from '../../modelFile/peek';
import type { ModelSpecFile } from '../../modelFile/schema';
import { dataError, displayPath } from './errors';
import { prepareMediaTable } from './mediaTable';
import { openTable, openTableBytes, type OpenOptions, type TableReader } from './readers';
import { beginEntry, cacheRoot, commitEntry, lookup } from './cache';
import { openFileStore } from './store';
import { assembleTabular, dataOf, prepareTabular, type ReadProgress, type TabularResult } from './tabular';
import type { DatasetInfo, PreparedData } from './types';

export { createRng, splitIndices, assignSplits } from './split';
export { encodeRecords, encodeLabel, decodeLabel, unscaleTarget, type EncodeOptions } from './preprocess';
export { openTable, openTableBytes, detectFormat, type TableReader } from './readers';
export { dataOf, type DataSection, type ReadProgress } from './tabular';

export interface PrepareOptions {
  /** the workspace folder; data.source may not escape it (checked by the model file's resolver) */
  workspaceRoot: string;
  /** a Stop request: reading ends at the next batch with a StoppedError */
  signal?: AbortSignal;
  /** told how reading goes (rows, bytes), a few times a second at most */
  onProgress?: (p: ReadProgress) => void;
  /** told about warnings as they happen (images found unreadable while batching, …) */
  onWarning?: (message: string) => void;
  /** 'auto' (default): rows in memory when small, in a disk store when large; tests and the benchmark force one */
  storage?: 'auto' | 'memory' | 'disk';
  /** rows per stored block (tests: small blocks to cross block boundaries) */
  blockRows?: number;
  /** read and write the disk cache of large tables (default true; `train --no-cache` sets false) */
  cache?: boolean;
  /** the cache folder (default `<workspace>/.model-studio/cache/data`) */
  cacheDir?: string;
}

/**
 * The absolute path of data.source: relative to the model file's folder, and inside the workspace
 * (the resolver throws a SpecError located at `data.source` when it escapes, symlinks included).
 */
export function resolveSource(spec: ModelSpecFile, specFile: string, workspaceRoot: string): string {
  return resolveDataSource(spec, specFile, workspaceRoot);
}

/** Prepare the data of a model file for training: splits as batch sources, plus the fitted preprocessing. */
export async function prepareData(spec: ModelSpecFile, specFile: string, opts: PrepareOptions): Promise<PreparedData> {
  const data = dataOf(spec);
  const file = resolveSource(spec, specFile, opts.workspaceRoot);
  const stat = await statData(file).catch((err: unknown) => {
    if (err instanceof NotDataFileError) throw dataError(file, `data.source '${data.source}' ${err.reason}`);
    return undefined;
  });
  if (stat?.isDirectory() || data.format === 'images') {
    const { prepareFolderData } = await import('./folder');
    return prepareFolderData(spec, specFile, opts);
  }
  if (!stat) {
    throw dataError(file, `file not found (data.source '${data.source}' in ${displayPath(specFile)}; paths are relative to the model file)`);
  }
  const readOptions: OpenOptions = { format: data.format, delimiter: data.delimiter };
  const open = () => openTable(file, readOptions);
  if (opts.cache === false || opts.storage === 'memory') return prepareReader(spec, open, opts);
  const root = opts.cacheDir ?? cacheRoot(opts.workspaceRoot);
  const hit = await lookup(root, file, spec).catch(() => undefined);
  if (hit) {
    const prepared = assembleTabular(hit.meta.preprocessing, hit.meta.layout, hit.stores, hit.meta.info, open);
    prepared.cache = { dir: hit.dir, createdAt: hit.meta.createdAt, reused: true };
    prepared.dispose = closeStores(hit.stores);
    return prepared;
  }
  return prepareReader(spec, open, opts, { root, file });
}

const closeStores = (stores: TabularResult['stores']) => async () => {
  await Promise.all([stores.train.close(), stores.validation.close(), stores.test.close()]);
};

/** Prepare a table held in memory (tests; small inputs) under a file name for messages and the format. */
export async function prepareTable(spec: ModelSpecFile, content: Uint8Array | string, file: string, opts: PrepareOptions & OpenOptions): Promise<PreparedData> {
  const data = dataOf(spec);
  const readOptions: OpenOptions = { format: opts.format ?? data.format, delimiter: opts.delimiter ?? data.delimiter, batchRows: opts.batchRows, chunkBytes: opts.chunkBytes };
  return prepareReader(spec, () => openTableBytes(content, file, readOptions), opts);
}

async function prepareReader(spec: ModelSpecFile, open: () => Promise<TableReader>, opts: PrepareOptions, cache?: { root: string; file: string }): Promise<PreparedData> {
  const reader = await open();
  /** a folder to delete when done: a temporary row store, or an entry that was not finished */
  let temp: string | undefined;
  let entry: string | undefined;
  try {
    const result = await prepareTabular(spec, reader, {
      signal: opts.signal,
      onProgress: throttle(opts.onProgress),
      storage: opts.storage,
      blockRows: opts.blockRows,
      reopen: open,
      diskDir: async () => {
        if (cache) {
          try {
            return (temp = entry = await beginEntry(cache.root));
          } catch {
            // a read-only workspace: a temporary store instead
          }
        }
        return (temp = await fs.mkdtemp(path.join(os.tmpdir(), 'model-studio-rows-')));
      },
    });
    if ('media' in result) {
      return await prepareMediaTable(spec, reader, { types: result.types, columns: result.columns }, open, opts);
    }
    let { prepared, stores } = result;
    if (entry && cache && !stores.train.inMemory) {
      await closeStores(stores)();
      const dir = await commitEntry(cache.root, entry, cache.file, spec, {
        preprocessing: prepared.preprocessing, info: prepared.info, layout: result.layout, blockRows: stores.train.blockRows,
        counts: { train: stores.train.n, validation: stores.validation.n, test: stores.test.n },
      });
      const reopen = (s: 'train' | 'validation' | 'test') => openFileStore(path.join(dir, `${s}.bin`), stores[s].n, stores[s].slots, stores[s].blockRows);
      stores = { train: await reopen('train'), validation: await reopen('validation'), test: await reopen('test') };
      prepared = assembleTabular(prepared.preprocessing, result.layout, stores, prepared.info, open);
      prepared.cache = { dir, createdAt: new Date().toISOString(), reused: false };
      // moved into place: keep it; the move failed (another run put the entry first): ours is temporary
      temp = dir === entry ? dir : undefined;
    }
    const folder = temp;
    const close = closeStores(stores);
    prepared.dispose = async () => {
      await close();
      if (folder) await fs.rm(folder, { recursive: true, force: true });
    };
    temp = undefined;
    return prepared;
  } finally {
    await reader.close();
    if (temp) await fs.rm(temp, { recursive: true, force: true });
  }
}

/** At most one progress report per 200 ms (and always the first and the last of a pass). */
function throttle(fn: PrepareOptions['onProgress']): PrepareOptions['onProgress'] {
  if (!fn) return undefined;
  let last = 0;
  let pass = 0;
  return (p) => {
    const now = Date.now();
    if (p.pass !== pass || now - last >= 200 || p.bytes >= p.totalBytes) {
      pass = p.pass;
      last = now;
      fn(p);
    }
  };
}

/** What `model-studio inspect` prints: rows, typed columns, missing counts, class balance, split sizes, shapes. */
export async function inspectData(spec: ModelSpecFile, specFile: string, opts: PrepareOptions): Promise<DatasetInfo> {
  const prepared = await prepareData(spec, specFile, opts);
  await prepared.dispose?.();
  return prepared.info;
}
