/**
 * A folder with one subfolder per class (the class name is the subfolder's name, classes sorted
 * as the tabular pipeline sorts them): images (.png, .jpg, .jpeg) or texts (one .txt file per
 * example). Files directly in the folder, hidden files and other extensions are ignored (counted in a
 * warning). Images are only checked here; they are decoded batch by batch while training.
 */
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { outsideWorkspace } from '../../modelFile/paths';
import { NotDataFileError, readDataFile, specialFileKind, statData } from '../../modelFile/peek';
import type { ModelSpecFile, Task } from '../../modelFile/schema';
import type { ColumnInfo, PreparedData, RawRecord } from './types';
import { emptyRecord } from './values';
import { dataError, displayPath } from './errors';
import { imageSettings, mapLimit, screenImages, type ImageSample } from './images';
import { Warnings } from './labels';
import { assemble, type MediaOptions } from './mediaTable';
import { decodeTextFile } from './text';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);
const TEXT_EXT = new Set(['.txt']);

interface Found {
  file: string;
  /** path relative to the source folder, with forward slashes */
  rel: string;
  label: string;
}

/** The absolute path of data.source (relative to the model file). */
function sourceOf(spec: ModelSpecFile, specFile: string): string {
  return path.resolve(path.dirname(path.resolve(specFile)), spec.data.source);
}

interface Entry {
  name: string;
  isDirectory: boolean;
}

/**
 * The visible entries of a folder, sorted. A symbolic link counts as what it points to, and only when its
 * real path stays inside the workspace: a text or image linked in from outside would carry outside data
 * (words of a secret file ended up in the saved vocabulary). Pipes and devices are not entries.
 */
async function listDir(dir: string, workspaceRoot: string): Promise<Entry[]> {
  const entries: Dirent[] = await fs.readdir(dir, { withFileTypes: true });
  const out: Entry[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isSymbolicLink()) {
      const outside = await outsideWorkspace(p, workspaceRoot);
      if (outside) throw dataError(p, outside);
      const st = await fs.stat(p).catch(() => undefined);
      if (st?.isDirectory()) out.push({ name: e.name, isDirectory: true });
      else if (st?.isFile()) out.push({ name: e.name, isDirectory: false });
      else if (st) throw dataError(p, new NotDataFileError(p, specialFileKind(st) ?? 'a special file').reason);
    } else if (e.isDirectory() || e.isFile()) {
      out.push({ name: e.name, isDirectory: e.isDirectory() });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Files under one class folder, nested folders included (sorted, so the order is the same everywhere). */
async function walk(dir: string, out: string[], workspaceRoot: string, depth = 0): Promise<void> {
  // Links can make a folder contain itself: a bound on depth ends the walk.
  if (depth > 32) throw dataError(dir, 'folders nest more than 32 levels deep inside a class folder (a symbolic link loop?)');
  for (const e of await listDir(dir, workspaceRoot)) {
    const p = path.join(dir, e.name);
    if (e.isDirectory) await walk(p, out, workspaceRoot, depth + 1);
    else out.push(p);
  }
}

export async function prepareFolderData(spec: ModelSpecFile, specFile: string, opts: MediaOptions): Promise<PreparedData> {
  const root = sourceOf(spec, specFile);
  const warnings = new Warnings(opts.onWarning);
  const task = spec.task as Task;
  const stat = await statData(root).catch((err: unknown) => {
    if (err instanceof NotDataFileError) throw dataError(root, `data.source '${spec.data.source}' ${err.reason}`);
    return undefined;
  });
  if (!stat) throw dataError(root, `folder not found (data.source '${spec.data.source}' in ${displayPath(specFile)}; paths are relative to the model file)`);
  if (!stat.isDirectory()) throw dataError(root, `data.format: images needs a folder with one subfolder per class, but this is a file`);
  if (task !== 'classification') {
    throw dataError(root, `a folder of class subfolders is classification data, but the model file says task: ${task}. ` +
      'Use task: classification, or a table with an image/text column and a numeric label for regression');
  }

  const entries = await listDir(root, opts.workspaceRoot);
  const classDirs = entries.filter((e) => e.isDirectory);
  const looseFiles = entries.filter((e) => !e.isDirectory).length;
  if (classDirs.length === 0) {
    throw dataError(root, 'no class subfolders: put each class\'s images (or .txt files) in a subfolder named after the class, e.g. cats/001.png, dogs/002.png');
  }
  if (looseFiles > 0) warnings.add(`${looseFiles} file${looseFiles === 1 ? '' : 's'} directly in ${displayPath(root)} ignored (only files inside class subfolders are used)`);

  const images: Found[] = [];
  const texts: Found[] = [];
  let other = 0;
  for (const d of classDirs) {
    const files: string[] = [];
    await walk(path.join(root, d.name), files, opts.workspaceRoot);
    for (const file of files) {
      const ext = path.extname(file).toLowerCase();
      const found = { file, rel: path.relative(root, file).split(path.sep).join('/'), label: d.name };
      if (IMAGE_EXT.has(ext)) images.push(found);
      else if (TEXT_EXT.has(ext)) texts.push(found);
      else other++;
    }
  }
  if (images.length === 0 && texts.length === 0) {
    throw dataError(root, `no images (.png, .jpg, .jpeg) or texts (.txt) in the class subfolders (${classDirs.map((d) => d.name).join(', ')})`);
  }
  const kind: 'image' | 'text' = images.length >= texts.length ? 'image' : 'text';
  const used = kind === 'image' ? images : texts;
  const ignored = other + (kind === 'image' ? texts.length : images.length);
  if (ignored > 0) warnings.add(`${ignored} file${ignored === 1 ? '' : 's'} that ${ignored === 1 ? 'is' : 'are'} not ${kind === 'image' ? 'images (.png, .jpg, .jpeg)' : 'texts (.txt)'} ignored`);
  for (const d of classDirs) {
    if (!used.some((f) => f.label === d.name)) warnings.add(`class folder '${d.name}' holds no ${kind === 'image' ? 'images' : 'texts'}; it is not a class`);
  }

  const featureName = kind;
  const labelName = spec.data.label;
  const record = (f: Found): RawRecord => Object.assign(emptyRecord(), { [featureName]: f.rel, [labelName]: f.label });
  let samples: Found[] = used;
  let textValues: string[] | undefined;
  let imageSamples: ImageSample[] | undefined;
  if (kind === 'image') {
    const all = used.map((f) => ({ file: f.file }));
    const kept = await screenImages(all, imageSettings(spec).onError, warnings);
    samples = kept.map((i) => used[i]);
    imageSamples = kept.map((i) => all[i]);
  } else {
    textValues = await mapLimit(used, 16, async (f) => {
      let buf: Buffer;
      try {
        buf = await readDataFile(f.file);
      } catch (err) {
        throw dataError(f.file, err instanceof NotDataFileError ? err.reason : `cannot read the text file (${(err as Error).message})`);
      }
      return decodeTextFile(buf, displayPath(f.file), (m) => warnings.add(m));
    });
  }
  const counts = new Map<string, number>();
  for (const f of samples) counts.set(f.label, (counts.get(f.label) ?? 0) + 1);
  const columns: ColumnInfo[] = [
    { name: featureName, type: kind, inferred: true, missing: 0, distinct: samples.length },
    {
      name: labelName, type: 'categorical', inferred: true, missing: 0, distinct: counts.size,
      top: [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([value, count]) => ({ value, count })),
    },
  ];
  if (samples.length < 2) throw dataError(root, `only ${samples.length} usable ${kind === 'image' ? 'image' : 'text'}${samples.length === 1 ? '' : 's'}; need at least 2`);
  return assemble(spec, {
    task,
    kind,
    labels: samples.map((f) => f.label),
    // a text sample's record holds the text itself (what a served model takes) and where it came from
    raw: async (idx) => idx.map((i) => (kind === 'image'
      ? Object.assign(record(samples[i]), { _path: samples[i].file })
      : Object.assign(emptyRecord(), { [featureName]: (textValues as string[])[i], [labelName]: samples[i].label, _path: samples[i].file }))),
    images: imageSamples,
    texts: textValues,
    featureName,
    source: root,
    format: kind === 'image' ? 'images' : 'texts',
    rows: used.length,
    droppedRows: used.length - samples.length,
    columns,
  }, warnings);
}
