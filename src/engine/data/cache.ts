/**
 * The disk cache of stored rows (README "The data cache"): large tables are read and stored once; later
 * runs of the same model file and `evaluate` open the stored rows directly. An entry lives in
 * `<workspace>/.model-studio/cache/data/<key>/` and holds meta.json (the fitted preprocessing, what
 * inspect prints, the layout) and one file of blocks per split. The key is the data file's real path and
 * the data section of the model file (everything that changes the rows or the fit); the entry is used
 * only while the file is the same: same size and modification time, or, when only the time changed,
 * the same SHA-256 of its bytes. `model-studio cache clear` deletes the cache; `train --no-cache` neither
 * reads nor writes it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ModelSpecFile } from '../../modelFile/schema';
import type { RawLayout } from './preprocess';
import { openFileStore, type BlockStore } from './store';
import { dataOf } from './tabular';
import type { DatasetInfo, Preprocessing } from './types';

/** Bumped whenever what is stored, or how it is fitted, changes: older entries are then rebuilt. */
export const CACHE_VERSION = 1;
const SPLITS = ['train', 'validation', 'test'] as const;

export interface SourceIdentity {
  file: string;
  size: number;
  mtimeMs: number;
  sha256?: string;
}

export interface CacheMeta {
  version: number;
  key: string;
  createdAt: string;
  source: SourceIdentity;
  preprocessing: Preprocessing;
  info: DatasetInfo;
  layout: RawLayout;
  blockRows: number;
  counts: { train: number; validation: number; test: number };
}

/** The cache folder of a workspace. */
export function cacheRoot(workspaceRoot: string): string {
  return path.join(workspaceRoot, '.model-studio', 'cache', 'data');
}

/** What of the model file decides the stored rows and the fit (not the model, not training). */
export function dataDigest(spec: ModelSpecFile): string {
  const d = dataOf(spec);
  const relevant = {
    v: CACHE_VERSION, task: spec.task, format: d.format ?? 'auto', delimiter: d.delimiter ?? null, label: d.label,
    features: d.features ?? null, exclude: d.exclude ?? null, columns: d.columns ?? null, preprocess: d.preprocess ?? null, split: d.split ?? null,
  };
  return createHash('sha256').update(stableJson(relevant)).digest('hex');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export async function entryKey(file: string, spec: ModelSpecFile): Promise<string> {
  const real = await fs.realpath(file).catch(() => path.resolve(file));
  return createHash('sha256').update(`${real}\0${dataDigest(spec)}`).digest('hex').slice(0, 32);
}

/** SHA-256 of a file, read in pieces. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface CacheHit {
  meta: CacheMeta;
  stores: { train: BlockStore; validation: BlockStore; test: BlockStore };
  dir: string;
}

/** The entry for this file and model file, if it is there and still describes the file; undefined otherwise. */
export async function lookup(root: string, file: string, spec: ModelSpecFile): Promise<CacheHit | undefined> {
  const key = await entryKey(file, spec);
  const dir = path.join(root, key);
  let meta: CacheMeta;
  try {
    // eslint-disable-next-line no-restricted-properties -- the entry's small meta.json, not a data file
    meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as CacheMeta;
  } catch {
    return undefined;
  }
  if (meta.version !== CACHE_VERSION || meta.key !== key) return undefined;
  const st = await fs.stat(file).catch(() => undefined);
  if (!st || st.size !== meta.source.size) {
    await fs.rm(dir, { recursive: true, force: true });
    return undefined;
  }
  if (st.mtimeMs !== meta.source.mtimeMs) {
    // touched or copied: the same bytes are still the same data
    if (!meta.source.sha256 || (await fileSha256(file)) !== meta.source.sha256) {
      await fs.rm(dir, { recursive: true, force: true });
      return undefined;
    }
    meta.source.mtimeMs = st.mtimeMs;
    await writeMeta(dir, meta).catch(() => undefined);
  }
  try {
    const open = (s: (typeof SPLITS)[number]) => openFileStore(path.join(dir, `${s}.bin`), meta.counts[s], meta.layout.slots, meta.blockRows);
    const [train, validation, test] = await Promise.all(SPLITS.map(open));
    return { meta, stores: { train, validation, test }, dir };
  } catch {
    await fs.rm(dir, { recursive: true, force: true });
    return undefined;
  }
}

async function writeMeta(dir: string, meta: CacheMeta): Promise<void> {
  const tmp = path.join(dir, `meta.json.tmp-${process.pid}`);
  await fs.writeFile(tmp, `${JSON.stringify(meta)}\n`);
  await fs.rename(tmp, path.join(dir, 'meta.json'));
}

/** A fresh folder to write an entry in (renamed into place by commit). */
export async function beginEntry(root: string): Promise<string> {
  await fs.mkdir(root, { recursive: true });
  await removeAbandoned(root);
  return fs.mkdtemp(path.join(root, `.tmp-${process.pid}-`));
}

/**
 * Finish an entry: hash the source, write meta.json, move the folder into place. Returns the folder the
 * stores now live in (the entry, or the temporary folder when another run put the same entry first).
 */
export async function commitEntry(root: string, tmp: string, file: string, spec: ModelSpecFile, parts: Omit<CacheMeta, 'version' | 'key' | 'createdAt' | 'source'>): Promise<string> {
  const key = await entryKey(file, spec);
  const st = await fs.stat(file);
  const meta: CacheMeta = {
    version: CACHE_VERSION, key, createdAt: new Date().toISOString(),
    source: { file: path.resolve(file), size: st.size, mtimeMs: st.mtimeMs, sha256: await fileSha256(file) },
    ...parts,
  };
  await writeMeta(tmp, meta);
  const dir = path.join(root, key);
  await fs.rm(dir, { recursive: true, force: true });
  try {
    await fs.rename(tmp, dir);
    return dir;
  } catch {
    return tmp;
  }
}

/** Temporary folders of runs that are gone (killed while writing). */
async function removeAbandoned(root: string): Promise<void> {
  for (const name of await fs.readdir(root).catch(() => [] as string[])) {
    const m = /^\.tmp-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = pid === process.pid;
    if (!alive) {
      try { process.kill(pid, 0); alive = true; } catch (err) { alive = (err as NodeJS.ErrnoException).code === 'EPERM'; }
    }
    if (!alive) await fs.rm(path.join(root, name), { recursive: true, force: true });
  }
}

export interface CacheEntrySummary {
  key: string;
  source: string;
  bytes: number;
  rows: number;
  createdAt: string;
}

/** The entries of a cache folder (for `model-studio cache list`). */
export async function listEntries(root: string): Promise<CacheEntrySummary[]> {
  const out: CacheEntrySummary[] = [];
  for (const name of await fs.readdir(root).catch(() => [] as string[])) {
    if (name.startsWith('.')) continue;
    const dir = path.join(root, name);
    try {
      // eslint-disable-next-line no-restricted-properties -- the entry's small meta.json, not a data file
      const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as CacheMeta;
      let bytes = 0;
      for (const f of await fs.readdir(dir)) bytes += (await fs.stat(path.join(dir, f))).size;
      out.push({ key: name, source: meta.source.file, bytes, rows: meta.counts.train + meta.counts.validation + meta.counts.test, createdAt: meta.createdAt });
    } catch {
      // an unreadable entry is listed by clear only
    }
  }
  return out;
}

/** Delete the whole cache folder; returns the bytes freed. */
export async function clearCache(root: string): Promise<number> {
  let bytes = 0;
  const walk = async (dir: string) => {
    for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else bytes += (await fs.stat(p).catch(() => ({ size: 0 }))).size;
    }
  };
  await walk(root);
  await fs.rm(root, { recursive: true, force: true });
  return bytes;
}
