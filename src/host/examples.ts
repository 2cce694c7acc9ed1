/**
 * The examples the extension ships (dist/examples.json.gz, written by scripts/examplesArchive.mjs at build
 * time) and copying one into a folder of the workspace for "Model Studio: Open Example…". Copying never
 * writes over a file unless asked to (`replace`), and never outside the destination folder. No `vscode`.
 */
import { constants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

export interface ExampleFile { path: string; base64: string }
export interface Example { name: string; title: string; summary: string; files: ExampleFile[] }

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A relative path with / separators that stays inside the folder it is joined to. */
export function isSafeRelativePath(p: string): boolean {
  if (!p || p.includes('\\') || p.includes('\0') || p.startsWith('/') || /^[a-zA-Z]:/.test(p)) return false;
  return p.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/** Reads and checks the examples archive. */
export async function readExamples(archive: string): Promise<Example[]> {
  const raw = JSON.parse((await promisify(gunzip)(await fsp.readFile(archive))).toString('utf8')) as unknown;
  if (!isRecord(raw) || raw.format !== 'model-studio-examples' || !Array.isArray(raw.examples)) throw new Error(`${archive} is not an examples archive`);
  return raw.examples.map((e, i): Example => {
    if (!isRecord(e) || typeof e.name !== 'string' || !isSafeRelativePath(e.name) || e.name.includes('/') || !Array.isArray(e.files)) {
      throw new Error(`${archive}: example ${i} is malformed`);
    }
    const files = e.files.map((f): ExampleFile => {
      if (!isRecord(f) || typeof f.path !== 'string' || typeof f.base64 !== 'string' || !isSafeRelativePath(f.path)) {
        throw new Error(`${archive}: a file of example '${e.name}' is malformed or leaves its folder`);
      }
      return { path: f.path, base64: f.base64 };
    });
    return { name: e.name, title: typeof e.title === 'string' ? e.title : e.name, summary: typeof e.summary === 'string' ? e.summary : '', files };
  });
}

/** The example's model file to open first (the shortest name: `headlines.model.yaml` before `headlines-lstm…`). */
export function mainModelFile(example: Example): string | undefined {
  return example.files
    .map((f) => f.path)
    .filter((p) => !p.includes('/') && /\.model\.(ya?ml|json)$/.test(p))
    .sort((a, b) => a.length - b.length || a.localeCompare(b))[0];
}

/** Files of the example that already exist in `dir`. */
export async function existingFiles(example: Example, dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const f of example.files) {
    try {
      await fsp.lstat(path.join(dir, f.path));
      found.push(f.path);
    } catch {
      // not there
    }
  }
  return found;
}

/** `dir/name`, else `dir/name-2`, … : the first that does not exist. */
export async function freeFolder(dir: string, name: string): Promise<string> {
  for (let i = 1; ; i += 1) {
    const candidate = path.join(dir, i === 1 ? name : `${name}-${i}`);
    try {
      await fsp.lstat(candidate);
    } catch {
      return candidate;
    }
  }
}

/**
 * Writes the example's files into `dir` (created if needed). Without `replace` an existing file stops the
 * copy before anything is written; with it, only the example's own files are replaced. A symlink on the
 * way (a folder of the example that is a link in `dir`) is refused either way: nothing lands outside `dir`.
 */
export async function copyExample(example: Example, dir: string, options: { replace?: boolean } = {}): Promise<string[]> {
  const existing = await existingFiles(example, dir);
  if (existing.length && !options.replace) throw new Error(`${existing.length} file${existing.length === 1 ? '' : 's'} of the example already exist in ${dir} (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''})`);
  await fsp.mkdir(dir, { recursive: true });
  const root = await fsp.realpath(dir);
  const written: string[] = [];
  for (const f of example.files) {
    await mkdirInside(root, path.posix.dirname(f.path));
    const target = path.join(root, f.path);
    const stat = await fsp.lstat(target).catch(() => undefined);
    if (stat && !stat.isFile()) throw new Error(`${target} exists and is not a file (a link or a folder); nothing more was copied`);
    // O_EXCL for new files: a file that appeared since the check is never overwritten unless replacing
    const flags = options.replace ? constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
    const handle = await fsp.open(target, flags, 0o644);
    try {
      await handle.writeFile(Buffer.from(f.base64, 'base64'));
    } finally {
      await handle.close();
    }
    written.push(target);
  }
  return written;
}

/** Creates `rel` (a / path) under `root` folder by folder, refusing any part that is a link or not a folder. */
async function mkdirInside(root: string, rel: string): Promise<void> {
  let at = root;
  for (const part of rel === '.' ? [] : rel.split('/')) {
    at = path.join(at, part);
    const stat = await fsp.lstat(at).catch(() => undefined);
    if (!stat) await fsp.mkdir(at);
    else if (stat.isSymbolicLink()) throw new Error(`${at} is a link that leaves the example's folder; nothing more was copied`);
    else if (!stat.isDirectory()) throw new Error(`${at} exists and is not a folder; nothing more was copied`);
  }
}
